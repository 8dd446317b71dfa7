// register_session_module: the tenants part of _PG_init, spelled out as a table of contents.
#include "pg/session_module.hpp"

#include "pg/tenant_context.hpp"
#include "pg/user_gucs.hpp"
#include "pg/utility_hook.hpp"

extern "C" {
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"
}

namespace {
char* base_domain_setting = nullptr;  // owned by the GUC machinery
}  // namespace

namespace tg::pg {

const char* base_domain() noexcept { return base_domain_setting != nullptr ? base_domain_setting : ""; }

void register_session_module() {
  DefineCustomStringVariable("tenantgate.base_domain",
                             "Domain under which a tenant's host name is <slug>.<base_domain>.",
                             "auth.tenant_for_host and auth.authenticate(token, host) map a Host "
                             "header to a tenant slug with it.",
                             &base_domain_setting, "localhost", PGC_SUSET, 0, nullptr, nullptr, nullptr);
  // users: token lifetimes, login throttle (and its shared memory when preloaded), reset tokens
  define_user_gucs();
  // The tenant context is transaction-scoped: the callbacks end it (and restore the role).
  register_tenant_context_callbacks();
  // Hooks only when preloaded: a library loaded by a session's first auth.* call would leave
  // earlier backends unprotected, so auth.authenticate refuses to run in that case.
  if (process_shared_preload_libraries_in_progress) install_isolation_hooks();
}

}  // namespace tg::pg
