// Refusing tenantgate's writing functions on a hot standby (see standby.hpp).
// Standard headers first (pg/guard.hpp, rule 5): tg::pg::raise raises the error table's rows.
#include "pg/guard.hpp"
#include "pg/standby.hpp"

extern "C" {
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "utils/lsyscache.h"
}

namespace tg::pg {
namespace {

// The auth.* functions that write (rows, sequences, roles, schemas, the login throttle's shared
// memory, or a background worker's transaction). Everything else in auth — authenticate, the
// readers, verify, decode, sign, jwks, tenant_for_host, me, the HTTP read paths — only reads.
// A name missing here still cannot write on a standby: PostgreSQL refuses its first write
// (25006), it only does so with its own, less helpful message.
constexpr const char* const writing_functions[] = {
    // tenants and migrations (10_tenants.sql)
    "create_tenant", "drop_tenant", "set_tenant_active", "add_migration", "migrate", "enable_tenant_rls",
    // keys (20_keys.sql)
    "add_key", "generate_key", "import_jwks", "revoke_key",
    // users and the login throttle (40_users.sql)
    "create_user", "set_user_active", "deactivate_user", "unlock_login", "register",
    // sessions and passwords (50_sessions.sql)
    "login", "refresh", "logout", "revoke_refresh_token", "change_password", "start_password_reset", "reset_password",
    "_revoke_family_autonomously", "_purge_expired", "_issue_tokens",
    // their HTTP entry points (70_api.sql)
    "http_login", "http_refresh", "http_revoke_refresh_token", "http_register", "http_logout", "http_change_password",
    "http_start_password_reset", "http_reset_password",
    // the admin's user routes (74_http_web.sql; listing shares the function, so it goes too)
    "http_users", "_web_users"};

bool is_writing_function(const char* name) {
  for (const char* writing : writing_functions)
    if (strcmp(name, writing) == 0) return true;
  return false;
}

}  // namespace

bool on_standby() noexcept { return RecoveryInProgress(); }

void refuse_write_function_on_standby(Oid function) {
  if (!on_standby()) return;
  Oid namespace_oid = get_func_namespace(function);
  if (!OidIsValid(namespace_oid)) return;
  char* namespace_name = get_namespace_name(namespace_oid);
  if (namespace_name == nullptr || strcmp(namespace_name, "auth") != 0) return;
  char* name = get_func_name(function);
  if (name == nullptr || !is_writing_function(name)) return;
  raise(core::Reason::ReadOnlyReplica, psprintf("auth.%s()", name));
}

}  // namespace tg::pg
