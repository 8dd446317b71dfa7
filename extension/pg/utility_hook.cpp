// Isolation hooks. Plain PostgreSQL code (no C++ object with a destructor anywhere here), so
// the ereports below may longjmp freely.
//
// Inside a transaction that auth.authenticate switched to a tenant role, refused with 42501:
//   SET/RESET ROLE, SET/RESET SESSION AUTHORIZATION, RESET ALL, SET request.jwt.*, session-level
//   SET and RESET (they would outlive the transaction), DISCARD, LISTEN/UNLISTEN/NOTIFY (channels
//   have no privileges: they would cross tenants), set_config() of role or session_authorization,
//   with a computed name or with is_local not true (parse-analysis hook), LOAD, COPY to/from a
//   file or program, PREPARE TRANSACTION (the context would outlive the transaction), PREPARE and
//   DEALLOCATE (prepared statements outlive the transaction), role DDL
//   and ALTER SYSTEM, EXPLAIN (plans describe other tenants' rows), temporary tables/views/
//   sequences (named here for a clear message; every other object creation is refused by the
//   object-access hook, object_access.cpp), and WITH HOLD cursors (materialized rows that
//   outlive the transaction).
// Outside a context: a WITH HOLD cursor declared in this transaction is noted, so that
//   auth.authenticate refuses to run in it (its query would run at COMMIT as the tenant).
// Always, for everybody but superusers and members of this database's admin role (access.hpp:
//   may_manage_tenantgate_roles, which says why the database owner is not one): GRANT/REVOKE of, ALTER,
//   RENAME or DROP of the tenant roles and of the tenantgate_* roles (supautils-style), so a
//   CREATEROLE login can never make itself a member of a tenant; and ALTER ROLE (SET, PASSWORD …)
//   of an authenticator login (it would reach every other client sharing it).
// DROP EXTENSION tenantgate: auth._drop_database_roles() runs first, so the database's roles do
//   not outlive it (sql/1.0/05_database_roles.sql).
// Standard headers first (pg/guard.hpp, rule 5): tg::pg::raise raises the error table's rows.
#include "pg/guard.hpp"
#include "pg/utility_hook.hpp"

#include "pg/access.hpp"
#include "pg/tenant_context.hpp"

extern "C" {
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/copy.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/builtins.h"
#include "utils/rel.h"
}

namespace {

ProcessUtility_hook_type previous_utility_hook = nullptr;
post_parse_analyze_hook_type previous_analyze_hook = nullptr;

[[noreturn]] void refuse_in_tenant(const char* what) {
  tg::pg::raise(tg::core::Reason::NotAllowedInTenant, what,
                "auth.authenticate() fixed the role, tenant and claims of this transaction.");
}

bool is_temp_relation(const RangeVar* relation) {
  if (relation == nullptr) return false;
  // "pg_temp" and the backend's own "pg_temp_<n>" (named explicitly, PostgreSQL makes the
  // relation temporary all the same: RangeVarAdjustRelationPersistence).
  return relation->relpersistence == RELPERSISTENCE_TEMP ||
         (relation->schemaname != nullptr && strncmp(relation->schemaname, "pg_temp", 7) == 0);
}

void check_in_tenant_context(Node* statement) {
  switch (nodeTag(statement)) {
    case T_VariableSetStmt: {
      auto* set = reinterpret_cast<VariableSetStmt*>(statement);
      if (set->kind == VAR_RESET_ALL) refuse_in_tenant("RESET ALL");
      if (set->name == nullptr) break;
      if (strcmp(set->name, "role") == 0) refuse_in_tenant("SET ROLE");
      if (strcmp(set->name, "session_authorization") == 0) refuse_in_tenant("SET SESSION AUTHORIZATION");
      if (strncmp(set->name, "request.jwt.", 12) == 0) refuse_in_tenant("SET request.jwt.*");
      // A session-level SET (or RESET) made here would outlive the transaction and reach the
      // next client of a pooled connection. SET TRANSACTION is transaction-scoped already.
      if (!set->is_local && strcmp(set->name, "TRANSACTION") != 0 && strcmp(set->name, "TRANSACTION SNAPSHOT") != 0)
        refuse_in_tenant(set->kind == VAR_RESET ? "RESET" : "SET without LOCAL");
      break;
    }
    case T_DiscardStmt: refuse_in_tenant("DISCARD");
    case T_ListenStmt: refuse_in_tenant("LISTEN");
    case T_UnlistenStmt: refuse_in_tenant("UNLISTEN");
    case T_NotifyStmt: refuse_in_tenant("NOTIFY");
    case T_LoadStmt: refuse_in_tenant("LOAD");
    case T_CopyStmt: {
      auto* copy = reinterpret_cast<CopyStmt*>(statement);
      if (copy->is_program || copy->filename != nullptr) refuse_in_tenant("COPY to or from a file or program");
      break;
    }
    case T_TransactionStmt:
      if (reinterpret_cast<TransactionStmt*>(statement)->kind == TRANS_STMT_PREPARE)
        refuse_in_tenant("PREPARE TRANSACTION");
      break;
    // A prepared statement outlives the transaction: PREPARE would plant one for the next
    // client of a pooled connection, DEALLOCATE would drop (or let a tenant re-plant under the
    // same name) the statements a pooler or the HTTP server prepared for itself.
    case T_PrepareStmt: refuse_in_tenant("PREPARE");
    case T_DeallocateStmt: refuse_in_tenant("DEALLOCATE");
    case T_CreateRoleStmt:
    case T_AlterRoleStmt:
    case T_AlterRoleSetStmt:
    case T_DropRoleStmt:
    case T_GrantRoleStmt: refuse_in_tenant("role management");
    case T_AlterSystemStmt: refuse_in_tenant("ALTER SYSTEM");
    case T_CreateStmt:
      if (is_temp_relation(reinterpret_cast<CreateStmt*>(statement)->relation)) refuse_in_tenant("a temporary table");
      break;
    case T_CreateTableAsStmt:
      if (is_temp_relation(reinterpret_cast<CreateTableAsStmt*>(statement)->into->rel))
        refuse_in_tenant("a temporary table");
      break;
    case T_ViewStmt:
      if (is_temp_relation(reinterpret_cast<ViewStmt*>(statement)->view)) refuse_in_tenant("a temporary view");
      break;
    case T_CreateSeqStmt:
      if (is_temp_relation(reinterpret_cast<CreateSeqStmt*>(statement)->sequence))
        refuse_in_tenant("a temporary sequence");
      break;
    // Plans describe every tenant's rows of a shared table: estimates come from statistics of
    // the whole table, and ANALYZE counts the rows row-level security removed ("Rows Removed
    // by Filter"), which tells whether a value exists in another tenant.
    case T_ExplainStmt: refuse_in_tenant("EXPLAIN");
    case T_DeclareCursorStmt:
      if ((reinterpret_cast<DeclareCursorStmt*>(statement)->options & CURSOR_OPT_HOLD) != 0)
        refuse_in_tenant("a WITH HOLD cursor");
      break;
    default: break;
  }
}

[[noreturn]] void refuse_role(const char* name) {
  tg::pg::raise(tg::core::Reason::ManagedRole, name,
                "Only superusers and members of this database's admin role (auth.admin_role()) may grant, "
                "alter or drop it.");
}

// Any spelling: a name, CURRENT_USER, SESSION_USER (PUBLIC names no role).
void check_role_spec(RoleSpec* spec) {
  if (spec == nullptr || spec->roletype == ROLESPEC_PUBLIC) return;
  Oid role = get_rolespec_oid(spec, true);
  if (tg::pg::is_protected_role(role)) refuse_role(GetUserNameFromId(role, false));
}

// ALTER ROLE (… SET, … PASSWORD, …) of an authenticator login: its defaults reach every later
// session of that login — behind a pool, every other client (a tokenless client could set
// search_path, statement_timeout, default_transaction_read_only … for all of them), and a new
// password locks every other client of the login out of new connections.
void check_authenticator_login(RoleSpec* spec) {
  check_role_spec(spec);
  if (spec == nullptr || spec->roletype == ROLESPEC_PUBLIC) return;
  Oid role = get_rolespec_oid(spec, true);
  if (tg::pg::is_authenticator_login(role)) refuse_role(GetUserNameFromId(role, false));
}

void check_role_management(Node* statement) {
  switch (nodeTag(statement)) {
    case T_GrantRoleStmt: {
      auto* grant = reinterpret_cast<GrantRoleStmt*>(statement);
      ListCell* cell;
      foreach (cell, grant->granted_roles) {
        auto* priv = static_cast<AccessPriv*>(lfirst(cell));
        if (priv->priv_name != nullptr && tg::pg::is_protected_role(get_role_oid(priv->priv_name, true)))
          refuse_role(priv->priv_name);
      }
      foreach (cell, grant->grantee_roles) check_role_spec(static_cast<RoleSpec*>(lfirst(cell)));
      break;
    }
    case T_AlterRoleStmt: check_authenticator_login(reinterpret_cast<AlterRoleStmt*>(statement)->role); break;
    case T_AlterRoleSetStmt: check_authenticator_login(reinterpret_cast<AlterRoleSetStmt*>(statement)->role); break;
    case T_DropRoleStmt: {
      ListCell* cell;
      foreach (cell, reinterpret_cast<DropRoleStmt*>(statement)->roles)
        check_role_spec(static_cast<RoleSpec*>(lfirst(cell)));
      break;
    }
    case T_RenameStmt: {
      auto* rename = reinterpret_cast<RenameStmt*>(statement);
      if (rename->renameType == OBJECT_ROLE && rename->subname != nullptr &&
          tg::pg::is_protected_role(get_role_oid(rename->subname, true)))
        refuse_role(rename->subname);
      break;
    }
    default: break;
  }
}

// The statements check_role_management looks at (the only ones that need the admin decision,
// which reads auth.config the first time).
bool is_role_statement(Node* statement) {
  switch (nodeTag(statement)) {
    case T_GrantRoleStmt:
    case T_AlterRoleStmt:
    case T_AlterRoleSetStmt:
    case T_DropRoleStmt: return true;
    case T_RenameStmt: return reinterpret_cast<RenameStmt*>(statement)->renameType == OBJECT_ROLE;
    default: return false;
  }
}

// DROP EXTENSION naming tenantgate while it is installed here.
bool drops_tenantgate(Node* statement) {
  if (!IsA(statement, DropStmt)) return false;
  auto* drop = reinterpret_cast<DropStmt*>(statement);
  if (drop->removeType != OBJECT_EXTENSION) return false;
  ListCell* cell;
  foreach (cell, drop->objects) {
    if (strcmp(strVal(lfirst(cell)), "tenantgate") == 0) return OidIsValid(get_extension_oid("tenantgate", true));
  }
  return false;
}

// Before the extension goes: its roles in this database go (the statement's own transaction,
// so a DROP EXTENSION that fails keeps them).
void drop_database_roles() {
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  int rc = SPI_execute("SELECT auth._drop_database_roles()", false, 0);
  if (rc != SPI_OK_SELECT) elog(ERROR, "auth._drop_database_roles() failed: %s", SPI_result_code_string(rc));
  SPI_finish();
}

extern "C" void tenantgate_process_utility(PlannedStmt* planned, const char* query_string, bool read_only_tree,
                                           ProcessUtilityContext context, ParamListInfo params,
                                           QueryEnvironment* query_env, DestReceiver* dest, QueryCompletion* qc) {
  Node* statement = planned->utilityStmt;
  if (tg::pg::tenant_context_active()) {
    check_in_tenant_context(statement);
  } else if (IsA(statement, DeclareCursorStmt) &&
             (reinterpret_cast<DeclareCursorStmt*>(statement)->options & CURSOR_OPT_HOLD) != 0) {
    // Its query runs at COMMIT, after anything it calls (auth.authenticate included) has
    // switched the transaction to a tenant, and its rows outlive the transaction.
    tg::pg::note_hold_cursor_declared();
  }
  if (is_role_statement(statement) && !tg::pg::may_manage_tenantgate_roles()) check_role_management(statement);
  if (drops_tenantgate(statement)) drop_database_roles();
  if (previous_utility_hook != nullptr)
    previous_utility_hook(planned, query_string, read_only_tree, context, params, query_env, dest, qc);
  else standard_ProcessUtility(planned, query_string, read_only_tree, context, params, query_env, dest, qc);
}

// What a statement analysed inside a tenant context may not call, or nullptr: set_config() of
// role or session_authorization (any case), or with a name computed at run time (set_config is
// a function, so the utility hook never sees it, and those would move the transaction off the
// tenant role — to the authenticator, fail-closed, but refused outright here); and set_config()
// whose is_local is not the constant true (a session-level value outlives the transaction).
// (Functions refused whatever their arguments — pg_notify, statistics — are the object-access
// hook's: it also sees statements analysed before auth.authenticate.)
const char* refused_call(const FuncExpr* call) {
  if (call->funcid != F_SET_CONFIG || list_length(call->args) != 3) return nullptr;
  const Node* name = static_cast<const Node*>(linitial(call->args));
  if (!IsA(name, Const)) return "set_config() with a computed parameter name";
  const Const* constant = reinterpret_cast<const Const*>(name);
  if (!constant->constisnull && constant->consttype == TEXTOID) {
    char* value = TextDatumGetCString(constant->constvalue);
    bool refused = pg_strcasecmp(value, "role") == 0 || pg_strcasecmp(value, "session_authorization") == 0;
    pfree(value);
    if (refused) return "set_config() of role or session_authorization";
  }
  const Node* is_local = static_cast<const Node*>(lthird(call->args));
  if (!IsA(is_local, Const) || reinterpret_cast<const Const*>(is_local)->constisnull ||
      !DatumGetBool(reinterpret_cast<const Const*>(is_local)->constvalue))
    return "set_config() with is_local false";
  return nullptr;
}

// Walks the whole tree (sublinks and CTEs included); context: const char** for the first refusal.
extern "C" bool find_refused_call(Node* node, void* context) {
  if (node == nullptr) return false;
  if (IsA(node, FuncExpr)) {
    const char* what = refused_call(reinterpret_cast<FuncExpr*>(node));
    if (what != nullptr) {
      *static_cast<const char**>(context) = what;
      return true;
    }
  }
  // PostgreSQL 15 declares walkers as bool (*)() (an unprototyped C function pointer).
  auto walker = reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(find_refused_call));
  if (IsA(node, Query)) return query_tree_walker(reinterpret_cast<Query*>(node), walker, context, 0);
  return expression_tree_walker(node, walker, context);
}

extern "C" void tenantgate_post_parse_analyze(ParseState* parse_state, Query* query, JumbleState* jumble_state) {
  if (previous_analyze_hook != nullptr) previous_analyze_hook(parse_state, query, jumble_state);
  if (!tg::pg::tenant_context_active()) return;
  const char* what = nullptr;
  if (find_refused_call(reinterpret_cast<Node*>(query), &what)) refuse_in_tenant(what);
}

}  // namespace

namespace tg::pg {

void install_isolation_hooks() {
  previous_utility_hook = ProcessUtility_hook;
  ProcessUtility_hook = tenantgate_process_utility;
  previous_analyze_hook = post_parse_analyze_hook;
  post_parse_analyze_hook = tenantgate_post_parse_analyze;
}

}  // namespace tg::pg
