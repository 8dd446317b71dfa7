// The users/sessions settings: plain globals written only by the GUC machinery.
// Durations are seconds (GUC_UNIT_S: postgresql.conf may say '15min', '7d').
#include "pg/user_gucs.hpp"

extern "C" {
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"
}

namespace {

int access_ttl_guc = 300;
int refresh_ttl_guc = 7 * 24 * 3600;
int reset_ttl_guc = 3600;
int login_max_failures_guc = 5;
int login_failure_window_guc = 15 * 60;
int login_lockout_guc = 15 * 60;

}  // namespace

namespace tg::pg {

void define_user_gucs() {
  DefineCustomIntVariable("tenantgate.access_ttl", "Lifetime of access tokens issued by auth.login/auth.refresh.",
                          nullptr, &access_ttl_guc, 300, 10, 24 * 3600, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("tenantgate.refresh_ttl", "Lifetime of refresh tokens (each rotation starts it anew).",
                          nullptr, &refresh_ttl_guc, 7 * 24 * 3600, 60, 365 * 24 * 3600, PGC_SUSET, GUC_UNIT_S, nullptr,
                          nullptr, nullptr);
  DefineCustomIntVariable("tenantgate.reset_ttl", "Lifetime of password reset tokens.", nullptr, &reset_ttl_guc, 3600,
                          60, 7 * 24 * 3600, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("tenantgate.login_max_failures",
                          "Failed logins of one e-mail in one tenant, within login_failure_window, that lock it "
                          "for login_lockout; 0 turns throttling off.",
                          nullptr, &login_max_failures_guc, 5, 0, 1000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("tenantgate.login_failure_window", "Window in which failed logins are counted.", nullptr,
                          &login_failure_window_guc, 15 * 60, 1, 24 * 3600, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("tenantgate.login_lockout", "How long logins fail once login_max_failures is reached.",
                          nullptr, &login_lockout_guc, 15 * 60, 1, 24 * 3600, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr,
                          nullptr);
  // The throttle lives in shared memory so a failure counts even though auth.login raises (and
  // its transaction rolls back); shared memory can only be requested while preloading.
  if (process_shared_preload_libraries_in_progress) register_login_throttle_shmem();
}

int access_ttl_seconds() noexcept { return access_ttl_guc; }
int refresh_ttl_seconds() noexcept { return refresh_ttl_guc; }
int reset_ttl_seconds() noexcept { return reset_ttl_guc; }
int login_max_failures() noexcept { return login_max_failures_guc; }
int login_failure_window_seconds() noexcept { return login_failure_window_guc; }
int login_lockout_seconds() noexcept { return login_lockout_guc; }

}  // namespace tg::pg
