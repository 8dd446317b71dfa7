// tenantgate.so: the module magic and _PG_init, which reads as a table of contents.
#include "pg/module.hpp"

#include "pg/access.hpp"
#include "pg/citus.hpp"
#include "pg/key_cache.hpp"
#include "pg/login_throttle.hpp"
#include "pg/object_access.hpp"
#include "pg/settings.hpp"
#include "pg/sql_version.hpp"
#include "pg/tenant_context.hpp"
#include "pg/token_cache.hpp"
#include "pg/utility_hook.hpp"

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

namespace {
bool preloaded = false;
}  // namespace

namespace tg::pg {
bool loaded_by_preload() noexcept { return preloaded; }
}  // namespace tg::pg

// Runs once per process that loads the library. Nothing here throws: every step is plain
// PostgreSQL registration (an ERROR here fails the load, which is what we want).
extern "C" PGDLLEXPORT void _PG_init(void) {
  preloaded = process_shared_preload_libraries_in_progress;
  // 1. Settings: every tenantgate.* GUC (settings.cpp).
  tg::pg::define_settings();
  // 2. Reserved prefix: unknown tenantgate.* names are refused from now on.
  MarkGUCPrefixReserved("tenantgate");
  // 3. Callbacks.
  tg::pg::register_key_cache_callback();        // drop the key cache when auth.keys/auth.tenants change
  tg::pg::register_access_callbacks();          // forget access decisions when roles/memberships change
  tg::pg::register_token_cache_callbacks();     // drop cached tokens when keys, tenants, sessions, users, roles change
  tg::pg::register_tenant_context_callbacks();  // the tenant context ends with its (sub)transaction
  tg::pg::register_sql_version_callbacks();     // read pg_extension's version again after catalog changes
  tg::pg::detect_citus();                       // Citus loaded (always before us)? citus.cpp
  // 4. Hooks, only when preloaded: a library loaded by a session's first auth.* call would leave
  //    earlier backends unprotected, so auth.authenticate refuses to run in that case.
  if (preloaded) {
    tg::pg::install_isolation_hooks();        // utility and parse-analysis hooks (utility_hook.cpp)
    tg::pg::install_object_access_hook();     // object creation and function execution (object_access.cpp)
    tg::pg::register_login_throttle_shmem();  // the login throttle's shared memory (login_throttle.cpp)
  }
}
