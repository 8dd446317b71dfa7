// Who may call what (see access.hpp for every rule and the user it judges). Plain PostgreSQL
// code: no C++ object with a destructor lives here, so the ereports may longjmp freely.
#include "pg/access.hpp"

#include <cstring>

#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

enum GroupRole { kAuthenticator = 0, kAdmin = 1, kTenant = 2, kGroupCount = 3 };
const char* const group_names[kGroupCount] = {"tenantgate_authenticator", "tenantgate_admin", "tenantgate_tenant"};
Oid group_oids[kGroupCount] = {InvalidOid, InvalidOid, InvalidOid};
bool groups_known = false;
// This database's admin role (tenantgate_<role tag>_admin, sql/1.0/05_database_roles.sql), read
// from auth.config; InvalidOid before the database has a role tag or without the extension.
Oid database_admin_oid = InvalidOid;
bool database_admin_known = false;
SPIPlanPtr role_tag_plan = nullptr;

// One cached answer per capability, for the user it was asked for.
struct Memo {
  bool valid;
  Oid user;
  bool answer;
};
enum Capability {
  kClient = 0,
  kAdminCapability,
  kCurrentAdmin,
  kManageRoles,
  kAuthenticatorSession,
  kHttpSession,
  kCapabilityCount
};
Memo memos[kCapabilityCount] = {};

extern "C" void forget_access_decisions(Datum, int, uint32) noexcept {
  groups_known = false;
  database_admin_known = false;
  for (Memo& memo : memos) memo.valid = false;
}

Oid group(GroupRole which) {
  if (!groups_known) {
    for (int i = 0; i < kGroupCount; ++i) group_oids[i] = get_role_oid(group_names[i], true);
    groups_known = true;
  }
  return group_oids[which];
}

// Reads auth.config as the extension owner (the caller holds no privilege on it). A role created
// or granted anywhere invalidates the answer (the syscache callbacks), and so does the first
// auth._database_roles() of this database, which creates its admin role.
Oid read_database_admin() {
  Oid auth_namespace = get_namespace_oid("auth", true);
  if (!OidIsValid(auth_namespace)) return InvalidOid;
  // 1.0's SQL has no auth.config: its rule, the cluster-wide tenantgate_admin. Reached only where
  // the version guard lets 1.0 SQL run this library (an extension script, the upgrade test's fill).
  if (!OidIsValid(get_relname_relid("config", auth_namespace))) return get_role_oid("tenantgate_admin", true);
  char role_name[NAMEDATALEN] = {0};
  auto body = [&](Snapshot latest) {
    SPIPlanPtr plan = tg::pg::kept_plan(&role_tag_plan, "SELECT c.role_tag FROM auth.config c", 0, nullptr);
    int rc = SPI_execute_snapshot(plan, nullptr, nullptr, latest, InvalidSnapshot, false, false, 1);
    if (rc != SPI_OK_SELECT) elog(ERROR, "reading auth.config failed: %s", SPI_result_code_string(rc));
    if (SPI_processed == 0) return;
    const char* tag = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    if (tag != nullptr) snprintf(role_name, sizeof role_name, "tenantgate_%s_admin", tag);
  };
  tg::pg::spi_as_owner(tg::pg::auth_table_owner("config"), body);
  return role_name[0] == '\0' ? InvalidOid : get_role_oid(role_name, true);
}

Oid database_admin() {
  if (!database_admin_known) {
    database_admin_oid = read_database_admin();
    database_admin_known = true;
  }
  return database_admin_oid;
}

bool member_of_database_admin(Oid user) {
  Oid role = database_admin();
  return OidIsValid(role) && is_member_of_role(user, role);
}

// NOINHERIT memberships count; a superuser is a member of every role; a missing group has none.
bool member_of(Oid user, GroupRole which) {
  Oid role = group(which);
  return OidIsValid(role) && is_member_of_role(user, role);
}

// The cached answer of `capability` for `user`, computed by `rule` when not cached.
bool decide(Capability capability, Oid user, bool (*rule)(Oid)) {
  Memo& memo = memos[capability];
  if (memo.valid && memo.user == user) return memo.answer;
  bool answer = rule(user);
  memo.valid = true;
  memo.user = user;
  memo.answer = answer;
  return answer;
}

bool client_rule(Oid user) {
  return superuser_arg(user) || member_of(user, kAuthenticator) || member_of(user, kAdmin) || member_of(user, kTenant);
}

bool admin_rule(Oid user) {
  return superuser_arg(user) || pg_database_ownercheck(MyDatabaseId, user) || member_of_database_admin(user);
}

bool manage_roles_rule(Oid user) { return superuser_arg(user) || member_of_database_admin(user); }

bool authenticator_session_rule(Oid user) { return !superuser_arg(user) && member_of(user, kAuthenticator); }

bool http_session_rule(Oid user) {
  return superuser_arg(user) || member_of(user, kAuthenticator) || member_of(user, kAdmin);
}

}  // namespace

namespace tg::pg {

bool may_use_token_functions() { return decide(kClient, GetUserId(), client_rule); }

void require_token_functions(const char* function_name) {
  if (may_use_token_functions()) return;
  tg::pg::raise(tg::core::Reason::FunctionPermissionDenied, function_name);
}

bool may_use_client_functions() { return decide(kClient, GetOuterUserId(), client_rule); }

bool is_admin() { return decide(kAdminCapability, GetOuterUserId(), admin_rule); }

void require_admin_function(const char* function_name) {
  if (decide(kCurrentAdmin, GetUserId(), admin_rule)) return;
  tg::pg::raise(tg::core::Reason::FunctionPermissionDenied, function_name);
}

Oid database_admin_role() { return database_admin(); }

bool may_manage_tenantgate_roles() { return decide(kManageRoles, GetUserId(), manage_roles_rule); }

bool is_authenticator_session() {
  return decide(kAuthenticatorSession, GetSessionUserId(), authenticator_session_rule);
}

void require_authenticator_session() {
  if (decide(kHttpSession, GetSessionUserId(), http_session_rule)) return;
  tg::pg::raise(tg::core::Reason::PermissionDenied);
}

bool may_read_all_stats() { return has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS); }
bool may_signal_backends() { return has_privs_of_role(GetUserId(), ROLE_PG_SIGNAL_BACKEND); }

bool is_protected_role(Oid role) {
  if (!OidIsValid(role)) return false;
  for (int i = 0; i < kGroupCount; ++i)
    if (role == group(static_cast<GroupRole>(i))) return true;
  Oid tenant_group = group(kTenant);
  if (OidIsValid(tenant_group) && is_member_of_role_nosuper(role, tenant_group)) return true;
  // The admin role of any database of the cluster: a direct member of tenantgate_admin named
  // tenantgate_<tag>_admin (a login granted such a role is an indirect member only).
  Oid admin_group = group(kAdmin);
  if (!OidIsValid(admin_group) ||
      !SearchSysCacheExists2(AUTHMEMMEMROLE, ObjectIdGetDatum(role), ObjectIdGetDatum(admin_group)))
    return false;
  const char* name = GetUserNameFromId(role, true);
  if (name == nullptr) return false;
  const char prefix[] = "tenantgate_";
  const char suffix[] = "_admin";
  size_t length = strlen(name);
  return length > sizeof prefix - 1 + sizeof suffix - 1 && strncmp(name, prefix, sizeof prefix - 1) == 0 &&
         strcmp(name + length - (sizeof suffix - 1), suffix) == 0;
}

bool is_authenticator_login(Oid role) {
  Oid authenticator_group = group(kAuthenticator);
  return OidIsValid(role) && OidIsValid(authenticator_group) && is_member_of_role_nosuper(role, authenticator_group);
}

void register_access_callbacks() {
  CacheRegisterSyscacheCallback(AUTHOID, forget_access_decisions, PointerGetDatum(nullptr));
  CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, forget_access_decisions, PointerGetDatum(nullptr));
  CacheRegisterSyscacheCallback(DATABASEOID, forget_access_decisions, PointerGetDatum(nullptr));
}

}  // namespace tg::pg

// The SQL face of the capabilities (sql/1.0/40_users.sql, 70_api.sql).

// auth._require_client(fn text) RETURNS void — may_use_client_functions(), else 42501
// "permission denied for function <fn>": login, refresh, logout, register and the other client
// functions are EXECUTE-able by PUBLIC and admit their caller with this first. Like
// auth._raise, the error has no CONTEXT lines (they would name our internals).
TG_PG_FUNCTION(tg_require_client) {
  if (tg::pg::may_use_client_functions()) PG_RETURN_VOID();
  const char* function_name = PG_ARGISNULL(0) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(0));
  error_context_stack = nullptr;
  tg::pg::raise(tg::core::Reason::FunctionPermissionDenied, function_name);
}

// auth._caller_is_user_admin() RETURNS boolean — is_admin(): managing every tenant's users and
// the keys.
TG_PG_FUNCTION(tg_caller_is_user_admin) { PG_RETURN_BOOL(tg::pg::is_admin()); }

// auth._http_require_authenticator() RETURNS void — require_authenticator_session(): what every
// auth.http_* entry point that runs before a token exists calls first.
TG_PG_FUNCTION(tg_require_authenticator) {
  tg::pg::require_authenticator_session();
  PG_RETURN_VOID();
}
