// Every tenantgate.* setting (see settings.hpp), with its check hook, and the SQL reader of the
// users module's durations.
#include <cstring>

#include "pg/settings.hpp"

#include "core/jose.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/guc.h"
}

namespace {

// Tokens.
int leeway_guc = 30;
int max_token_size_guc = 16384;
int token_cache_size_guc = 1024;
int key_cache_size_guc = 4096;
char* issuer_guc = nullptr;
char* audience_guc = nullptr;
// Tenants.
char* base_domain_guc = nullptr;
char* tenant_key_alg_guc = nullptr;
// Users and sessions.
int access_ttl_guc = 300;
int refresh_ttl_guc = 7 * 24 * 3600;
int reset_ttl_guc = 3600;
int login_max_failures_guc = 5;
int login_failure_window_guc = 15 * 60;
int login_lockout_guc = 15 * 60;

// tenantgate.tenant_key_alg: empty, or an algorithm auth.generate_key accepts.
bool check_tenant_key_alg(char** newval, void** /*extra*/, GucSource /*source*/) {
  if (*newval == nullptr || **newval == '\0') return true;
  if (tg::core::alg_from_name(*newval).has_value()) return true;
  GUC_check_errdetail("Use one of HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512, EdDSA, or empty.");
  return false;
}

}  // namespace

namespace tg::pg {

void define_settings() {
  // Tokens: what auth.verify and auth.authenticate accept.
  DefineCustomIntVariable("tenantgate.leeway", "Clock skew, in seconds, allowed when checking exp, nbf and iat.",
                          nullptr, &leeway_guc, 30, 0, 300, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("tenantgate.max_token_size", "Largest token, in bytes, that is even looked at.", nullptr,
                          &max_token_size_guc, 16384, 1024, 1048576, PGC_SUSET, GUC_UNIT_BYTE, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("tenantgate.token_cache_size",
                          "Access tokens each backend keeps as authenticated (0 disables the cache).", nullptr,
                          &token_cache_size_guc, 1024, 0, 1000000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("tenantgate.issuer", "Required iss claim of verified tokens; empty: not checked.", nullptr,
                             &issuer_guc, "", PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("tenantgate.audience",
                             "Required aud claim (or element of it) of verified tokens; empty: not checked.", nullptr,
                             &audience_guc, "", PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("tenantgate.key_cache_size",
                          "Key lookups (a kid with its tenant, or a tenant's signer) each backend keeps parsed.",
                          nullptr, &key_cache_size_guc, 4096, 16, 1000000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  // Tenants.
  DefineCustomStringVariable("tenantgate.base_domain",
                             "Domain under which a tenant's host name is <slug>.<base_domain>.",
                             "auth.tenant_for_host and auth.authenticate(token, host) map a Host "
                             "header to a tenant slug with it.",
                             &base_domain_guc, "localhost", PGC_SUSET, 0, nullptr, nullptr, nullptr);
  // Every new tenant gets a signing key of its own, so auth.login works at once and one
  // tenant's key can never sign another tenant's tokens (empty: the DBA adds keys).
  DefineCustomStringVariable("tenantgate.tenant_key_alg",
                             "Algorithm of the signing key auth.create_tenant generates; empty: none.", nullptr,
                             &tenant_key_alg_guc, "ES256", PGC_SUSET, 0, check_tenant_key_alg, nullptr, nullptr);
  // Users and sessions: token lifetimes, the login throttle, reset tokens.
  DefineCustomIntVariable("tenantgate.access_ttl", "Lifetime of access tokens issued by auth.login/auth.refresh.",
                          nullptr, &access_ttl_guc, 300, 1, 24 * 3600, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr,
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
}

int leeway_seconds() noexcept { return leeway_guc; }
int max_token_bytes() noexcept { return max_token_size_guc; }
int token_cache_size() noexcept { return token_cache_size_guc; }
const char* issuer() noexcept { return issuer_guc != nullptr ? issuer_guc : ""; }
const char* audience() noexcept { return audience_guc != nullptr ? audience_guc : ""; }
int key_cache_size() noexcept { return key_cache_size_guc; }
const char* base_domain() noexcept { return base_domain_guc != nullptr ? base_domain_guc : ""; }
int access_ttl_seconds() noexcept { return access_ttl_guc; }
int refresh_ttl_seconds() noexcept { return refresh_ttl_guc; }
int reset_ttl_seconds() noexcept { return reset_ttl_guc; }
int login_max_failures() noexcept { return login_max_failures_guc; }
int login_failure_window_seconds() noexcept { return login_failure_window_guc; }
int login_lockout_seconds() noexcept { return login_lockout_guc; }

}  // namespace tg::pg

// auth._session_setting(name text) RETURNS integer — the users module's durations in seconds
// (SHOW prints them with units, '5min', which SQL would have to parse).
TG_PG_FUNCTION(tg_session_setting) {
  char* name = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int value = 0;
  if (std::strcmp(name, "access_ttl") == 0) {
    value = tg::pg::access_ttl_seconds();
  } else if (std::strcmp(name, "refresh_ttl") == 0) {
    value = tg::pg::refresh_ttl_seconds();
  } else if (std::strcmp(name, "reset_ttl") == 0) {
    value = tg::pg::reset_ttl_seconds();
  } else {
    tg::pg::raise(tg::core::Reason::InvalidParameter, "unknown setting");
  }
  PG_RETURN_INT32(value);
}
