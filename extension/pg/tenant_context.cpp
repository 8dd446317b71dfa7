// The transaction-scoped tenant context and the callbacks that end it. Plain PostgreSQL code:
// no C++ object with a destructor exists in this file, so ereport may longjmp freely.
// Standard headers first (pg/guard.hpp, rule 5): tg::pg::raise raises the error table's rows.
#include "pg/guard.hpp"
#include "pg/tenant_context.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/pquery.h"
#include "utils/portal.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/fmgrprotos.h"
}

namespace tg::pg {

namespace {

// Points into TopTransactionContext; reset to nullptr before that context goes away.
TenantContext* current = nullptr;

// A WITH HOLD cursor was declared in this transaction (before any context): its query runs at
// COMMIT, so authenticate refuses to run in this transaction.
bool hold_cursor_declared = false;

// Gives the transaction back the role it had before authenticate, and forgets what the tenant's
// sequences told this backend (currval/lastval would otherwise answer the next client of a
// pooled connection). Called from callbacks: must not fail (SetCurrentRoleId only sets ids and
// the is_superuser display variable; ResetSequenceCaches only frees backend-local memory).
void restore_and_clear() {
  TenantContext* context = current;
  current = nullptr;
  SetCurrentRoleId(context->saved_role, context->saved_is_superuser);
  ResetSequenceCaches();
}

// Whether a setting has a session-level value set in this transaction: SET (or set_config(...,
// false)) leaves GUC_SET or GUC_SET_LOCAL on its stack until the transaction ends, and that value
// survives COMMIT. SET LOCAL and function SET clauses leave GUC_LOCAL / GUC_SAVE, which end with
// the transaction or the function.
bool has_session_level_set(const config_generic* setting) {
  for (const GucStack* entry = setting->stack; entry != nullptr; entry = entry->prev)
    if (entry->state == GUC_SET || entry->state == GUC_SET_LOCAL) return true;
  return false;
}

bool was_set_before(const TenantContext* context, const char* name) {
  for (int i = 0; i < context->session_sets_before; ++i)
    if (strcmp(context->session_set_names[i], name) == 0) return true;
  return false;
}

// At COMMIT of a tenant transaction: a session-level setting made in it would outlive the
// transaction and reach the next client of a pooled connection. The utility hook refuses SET and
// the parse-analysis walker set_config(..., false) in statements, but a set_config call can also
// arrive where no hook looks (an inlined SQL function, a value computed at run time); this is
// the check that does not depend on how it was made. Raising here aborts the transaction, which
// undoes the setting.
void refuse_session_settings_of_tenant() {
  const TenantContext* context = current;
  config_generic** settings = get_guc_variables();
  const int count = GetNumConfigOptions();
  for (int i = 0; i < count; ++i) {
    const config_generic* setting = settings[i];
    if (!has_session_level_set(setting) || was_set_before(context, setting->name)) continue;
    tg::pg::raise(tg::core::Reason::NotAllowedInTenant, "SET without LOCAL",
                  "auth.authenticate() fixed the role, tenant and claims of this transaction.");
  }
}

extern "C" void tenant_xact_callback(XactEvent event, void*) {
  switch (event) {
    case XACT_EVENT_PRE_COMMIT:
    case XACT_EVENT_PRE_PREPARE:
      if (current != nullptr) refuse_session_settings_of_tenant();
      break;
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PARALLEL_COMMIT:
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
    case XACT_EVENT_PREPARE:
      hold_cursor_declared = false;
      if (current != nullptr) restore_and_clear();
      break;
    default: break;
  }
}

extern "C" void tenant_subxact_callback(SubXactEvent event, SubTransactionId my_subid, SubTransactionId parent_subid,
                                        void*) {
  if (current == nullptr || current->subxid != my_subid) return;
  if (event == SUBXACT_EVENT_ABORT_SUB) {
    restore_and_clear();
  } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
    current->subxid = parent_subid;
  }
}

}  // namespace

void register_tenant_context_callbacks() {
  RegisterXactCallback(tenant_xact_callback, nullptr);
  RegisterSubXactCallback(tenant_subxact_callback, nullptr);
}

bool tenant_context_active() noexcept { return current != nullptr; }

void note_hold_cursor_declared() noexcept { hold_cursor_declared = true; }

const TenantContext* tenant_context_checked() {
  if (current == nullptr) return nullptr;
  if (GetOuterUserId() != current->role_oid)
    tg::pg::raise(tg::core::Reason::TenantContextLost, nullptr,
                  "The current role is no longer the one auth.authenticate() switched to.");
  return current;
}

void tenant_context_enter(const char* claims_json, int64 tenant_id, const char* slug, const char* role_kind,
                          const char* user_id, Oid role_oid, const char* search_path) {
  if (current != nullptr) tg::pg::raise(tg::core::Reason::AlreadyAuthenticated);
  if (!IsTransactionState()) elog(ERROR, "auth.authenticate outside a transaction");
  if (hold_cursor_declared || (ActivePortal != nullptr && (ActivePortal->cursorOptions & CURSOR_OPT_HOLD) != 0))
    tg::pg::raise(tg::core::Reason::NotAllowedInTenant, "a WITH HOLD cursor",
                  "A WITH HOLD cursor declared in this transaction would run as the tenant at COMMIT and "
                  "keep its rows after it.");
  // Nothing the session made before may run inside with the tenant's rights: its temporary
  // objects (a pg_temp function, a domain whose CHECK calls one, a type a PL/pgSQL function
  // resolved through the caller's search_path, a table with a trigger) are dropped, as DISCARD
  // TEMP does. Transactional: a rollback brings them back, and the next authenticate drops them
  // again. Nothing can be created in their place (object_access.cpp).
  Oid temp_namespace = InvalidOid;
  Oid temp_toast_namespace = InvalidOid;
  GetTempNamespaceState(&temp_namespace, &temp_toast_namespace);
  if (OidIsValid(temp_namespace)) ResetTempTableNamespace();

  MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
  TenantContext* context = static_cast<TenantContext*>(palloc0(sizeof(TenantContext)));
  context->claims = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(claims_json)));
  context->tenant_id = tenant_id;
  context->slug = pstrdup(slug);
  context->role_kind = pstrdup(role_kind);
  context->user_id = user_id != nullptr ? pstrdup(user_id) : nullptr;
  context->role_oid = role_oid;
  context->saved_role = GetCurrentRoleId();
  context->saved_is_superuser =
      superuser_arg(OidIsValid(context->saved_role) ? context->saved_role : GetSessionUserId());
  context->subxid = GetCurrentSubTransactionId();
  {
    config_generic** settings = get_guc_variables();
    const int count = GetNumConfigOptions();
    for (int i = 0; i < count; ++i)
      if (has_session_level_set(settings[i])) context->session_sets_before += 1;
    if (context->session_sets_before > 0) {
      context->session_set_names = static_cast<const char**>(palloc(sizeof(char*) * context->session_sets_before));
      int n = 0;
      for (int i = 0; i < count; ++i)
        if (has_session_level_set(settings[i])) context->session_set_names[n++] = pstrdup(settings[i]->name);
    }
  }
  MemoryContextSwitchTo(old);

  // SET LOCAL: the GUC machinery undoes these at the end of this (sub)transaction.
  if (search_path != nullptr)
    (void)set_config_option("search_path", search_path, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
  (void)set_config_option("request.jwt.claims", claims_json, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
                          false);

  // Last: from here on the callbacks own the restore. The role is switched from C — the
  // session user is never a member of tenant roles, so no SET ROLE could reach it.
  current = context;
  SetCurrentRoleId(role_oid, false);
}

}  // namespace tg::pg
