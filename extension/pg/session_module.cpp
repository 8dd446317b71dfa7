// register_session_module: the tenants part of _PG_init, spelled out as a table of contents.
#include "pg/session_module.hpp"

#include "core/jose.hpp"
#include "pg/object_access.hpp"
#include "pg/tenant_context.hpp"
#include "pg/user_gucs.hpp"
#include "pg/utility_hook.hpp"

extern "C" {
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"
}

namespace {
char* base_domain_setting = nullptr;     // owned by the GUC machinery
char* tenant_key_alg_setting = nullptr;  // owned by the GUC machinery

// tenantgate.tenant_key_alg: empty, or an algorithm auth.generate_key accepts.
bool check_tenant_key_alg(char** newval, void** /*extra*/, GucSource /*source*/) {
  if (*newval == nullptr || **newval == '\0') return true;
  if (tg::core::alg_from_name(*newval).has_value()) return true;
  GUC_check_errdetail("Use one of HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512, EdDSA, or empty.");
  return false;
}
}  // namespace

namespace tg::pg {

const char* base_domain() noexcept { return base_domain_setting != nullptr ? base_domain_setting : ""; }

void register_session_module() {
  DefineCustomStringVariable("tenantgate.base_domain",
                             "Domain under which a tenant's host name is <slug>.<base_domain>.",
                             "auth.tenant_for_host and auth.authenticate(token, host) map a Host "
                             "header to a tenant slug with it.",
                             &base_domain_setting, "localhost", PGC_SUSET, 0, nullptr, nullptr, nullptr);
  // Every new tenant gets a signing key of its own, so auth.login works at once and one
  // tenant's key can never sign another tenant's tokens (empty: the DBA adds keys).
  DefineCustomStringVariable("tenantgate.tenant_key_alg",
                             "Algorithm of the signing key auth.create_tenant generates; empty: none.", nullptr,
                             &tenant_key_alg_setting, "ES256", PGC_SUSET, 0, check_tenant_key_alg, nullptr, nullptr);
  // users: token lifetimes, login throttle (and its shared memory when preloaded), reset tokens
  define_user_gucs();
  // The tenant context is transaction-scoped: the callbacks end it (and restore the role).
  register_tenant_context_callbacks();
  // Hooks only when preloaded: a library loaded by a session's first auth.* call would leave
  // earlier backends unprotected, so auth.authenticate refuses to run in that case.
  if (process_shared_preload_libraries_in_progress) {
    install_isolation_hooks();     // utility and parse-analysis hooks (utility_hook.cpp)
    install_object_access_hook();  // object creation and function execution (object_access.cpp)
  }
}

}  // namespace tg::pg
