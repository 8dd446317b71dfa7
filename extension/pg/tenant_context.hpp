// The tenant context: what auth.authenticate established for the current transaction — the
// verified claims, the tenant, the role it switched to — held in extension-private memory
// (TopTransactionContext), never in a setting a client can write. The readers (auth.claims(),
// auth.tenant_id() ...) and the utility hook read it from here.
//
// Lifetime: set once per transaction by tenant_context_enter(); cleared, and the previous
// current role restored, at COMMIT, ROLLBACK, PREPARE, and when the subtransaction that set it
// is rolled back (a committed subtransaction hands it to its parent).
//
// Plain PostgreSQL code: these functions may ereport and own no C++ object; call them outside
// guarded() (or through pg_call()).
#pragma once

extern "C" {
#include "postgres.h"

#include "utils/jsonb.h"
}

namespace tg::pg {

struct TenantContext {
  Jsonb* claims;  // the verified payload
  int64 tenant_id;
  char* slug;
  char* role_kind;  // "admin" or "staff"
  char* user_id;    // the sub claim
  Oid role_oid;     // the tenant role the transaction runs as
  Oid saved_role;   // GetCurrentRoleId() before: InvalidOid = no SET ROLE was active
  bool saved_is_superuser;
  SubTransactionId subxid;  // the (sub)transaction that owns this context
  // Settings given a session-level value earlier in this transaction, before authenticate (the
  // authenticator's own): the pre-commit check leaves these alone.
  int session_sets_before;
  const char** session_set_names;
};

// From _PG_init (module.cpp): the xact and subxact callbacks.
void register_tenant_context_callbacks();

// Whether this transaction has an authenticated tenant context (no checks, never errors).
bool tenant_context_active() noexcept;

// Called by the utility hook when a WITH HOLD cursor is declared outside a context: until the
// transaction ends, tenant_context_enter refuses (42501).
void note_hold_cursor_declared() noexcept;

// The context for the readers: nullptr when not authenticated; ERROR 42501 "tenant context
// lost" when the current role is no longer the tenant role authenticate switched to.
const TenantContext* tenant_context_checked();

// Publishes a verified context for the rest of the transaction. First refuses (42501) when a
// WITH HOLD cursor was declared in this transaction or is running this call, and drops the
// session's temporary objects (DISCARD TEMP). Then: search_path (when not NULL) and
// request.jwt.claims as SET LOCAL, the private state, and last the current role. All strings
// are copied. Refuses (42501) when a context already exists in this transaction.
void tenant_context_enter(const char* claims_json, int64 tenant_id, const char* slug, const char* role_kind,
                          const char* user_id, Oid role_oid, const char* search_path);

}  // namespace tg::pg
