// tenantgate.so: the module magic and _PG_init, which reads as a table of contents.
#include "pg/module.hpp"

#include "pg/gucs.hpp"
#include "pg/key_cache.hpp"
#include "pg/session_module.hpp"
#include "pg/token_cache.hpp"
#include "pg/verify.hpp"

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
  tg::pg::define_token_gucs();               // tenantgate.leeway, max_token_size, issuer, audience
  tg::pg::define_token_cache_guc();          // tenantgate.token_cache_size
  tg::pg::register_session_module();         // tenants/users: their GUCs, hooks, xact callbacks
  MarkGUCPrefixReserved("tenantgate");       // unknown tenantgate.* names are refused from now on
  tg::pg::register_key_cache_callback();     // drop the key cache when auth.keys/auth.tenants change
  tg::pg::register_token_cache_callbacks();  // drop the token cache when keys, tenants, sessions, users, roles change
  tg::pg::
      register_role_cache_callback();  // forget cached role oids and the allowed user when roles or memberships change
}
