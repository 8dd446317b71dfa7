// The object-access hook (see object_access.hpp for what it refuses and why).
// Standard headers first (pg/guard.hpp, rule 5): tg::pg::raise raises the error table's rows.
#include "pg/guard.hpp"
#include "pg/object_access.hpp"

#include "pg/access.hpp"
#include "pg/citus.hpp"
#include "pg/standby.hpp"
#include "pg/tenant_context.hpp"

extern "C" {
#include "postgres.h"

#include "catalog/objectaccess.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/fmgrtab.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
}

namespace {

object_access_hook_type previous_object_access_hook = nullptr;

// Which built-in functions are refused where. Built-in function oids are below
// FirstGenbkiObjectId, so one byte per oid answers the hook's question without a lookup.
enum FunctionClass : unsigned char {
  kAllowed = 0,
  kTenantRefused = 1,  // refused inside a tenant transaction
  kStatistics = 2,     // counters, sizes, locks, other sessions' activity: also refused to
                       // authenticator sessions (a tenant's probe counted by its commit could be read
                       // after it) unless they have pg_read_all_stats
  kSignals = 3         // cancel/terminate: also refused to authenticator sessions unless they have
                       // pg_signal_backend
};
unsigned char* function_classes = nullptr;  // FirstGenbkiObjectId entries, TopMemoryContext

bool starts_with(const char* s, const char* prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

FunctionClass classify_builtin(Oid oid, const char* c_name) {
  switch (oid) {
    case F_PG_CANCEL_BACKEND:
    case F_PG_TERMINATE_BACKEND: return kSignals;
    case F_PG_NOTIFY:
    case F_PG_ADVISORY_LOCK_INT8:
    case F_PG_ADVISORY_LOCK_SHARED_INT8:
    case F_PG_TRY_ADVISORY_LOCK_INT8:
    case F_PG_TRY_ADVISORY_LOCK_SHARED_INT8:
    case F_PG_ADVISORY_LOCK_INT4_INT4:
    case F_PG_ADVISORY_LOCK_SHARED_INT4_INT4:
    case F_PG_TRY_ADVISORY_LOCK_INT4_INT4:
    case F_PG_TRY_ADVISORY_LOCK_SHARED_INT4_INT4: return kTenantRefused;
    default: break;
  }
  // Counters (tuples fetched through an index count rows RLS then hides), sizes, the lock table
  // and other sessions' activity describe every tenant's rows of a shared table and every client.
  if (starts_with(c_name, "pg_stat_get_") || strcmp(c_name, "pg_lock_status") == 0 ||
      strcmp(c_name, "pg_blocking_pids") == 0 || strcmp(c_name, "pg_safe_snapshot_blocking_pids") == 0 ||
      strcmp(c_name, "pg_relation_size") == 0 || strcmp(c_name, "pg_total_relation_size") == 0 ||
      strcmp(c_name, "pg_table_size") == 0 || strcmp(c_name, "pg_indexes_size") == 0)
    return kStatistics;
  return kAllowed;
}

const unsigned char* classes() {
  if (function_classes == nullptr) {
    auto* table = static_cast<unsigned char*>(MemoryContextAllocZero(TopMemoryContext, FirstGenbkiObjectId));
    for (int i = 0; i < fmgr_nbuiltins; ++i) {
      const FmgrBuiltin& builtin = fmgr_builtins[i];
      if (builtin.foid < FirstGenbkiObjectId) table[builtin.foid] = classify_builtin(builtin.foid, builtin.funcName);
    }
    function_classes = table;
  }
  return function_classes;
}

[[noreturn]] void refuse_function_in_tenant(Oid function) {
  char* name = get_func_name(function);
  tg::pg::raise(tg::core::Reason::NotAllowedInTenant, psprintf("%s()", name ? name : "function"),
                "It reports on, or outlives, more than this tenant's transaction.");
}

[[noreturn]] void refuse_function_to_authenticator(Oid function, const char* needed_role) {
  char* name = get_func_name(function);
  tg::pg::raise(tg::core::Reason::FunctionPermissionDenied, name ? name : "function",
                "Sessions of a tenantgate authenticator login cannot read statistics, or see or signal other sessions.",
                psprintf("Use a separate login that is a member of %s.", needed_role));
}

// Citus's functions (citus.hpp): inside a tenant transaction and in authenticator sessions.
void check_citus_function(Oid function) {
  bool in_tenant = tg::pg::tenant_context_active();
  if (!in_tenant && !tg::pg::is_authenticator_session()) return;
  if (!tg::pg::is_citus_side_door(function)) return;
  char* name = get_func_name(function);
  const char* hint = "Citus's functions run SQL on other nodes or describe every tenant's tables and sessions.";
  if (in_tenant) tg::pg::raise(tg::core::Reason::NotAllowedInTenant, psprintf("%s()", name ? name : "function"), hint);
  tg::pg::raise(tg::core::Reason::FunctionPermissionDenied, name ? name : "function", hint,
                "Use a separate login that is not a member of tenantgate_authenticator.");
}

void check_function_execute(Oid function) {
  if (function >= FirstGenbkiObjectId) {
    tg::pg::refuse_write_function_on_standby(function);  // only on a hot standby (standby.hpp)
    if (tg::pg::citus_preloaded()) check_citus_function(function);
    return;
  }
  unsigned char function_class = classes()[function];
  if (function_class == kAllowed) return;
  if (tg::pg::tenant_context_active()) refuse_function_in_tenant(function);
  if (function_class == kTenantRefused || !tg::pg::is_authenticator_session()) return;
  if (function_class == kStatistics && !tg::pg::may_read_all_stats())
    refuse_function_to_authenticator(function, "pg_monitor or pg_read_all_stats");
  if (function_class == kSignals && !tg::pg::may_signal_backends())
    refuse_function_to_authenticator(function, "pg_signal_backend");
}

extern "C" void tenantgate_object_access(ObjectAccessType access, Oid class_id, Oid object_id, int sub_id, void* arg) {
  if (previous_object_access_hook != nullptr) previous_object_access_hook(access, class_id, object_id, sub_id, arg);
  switch (access) {
    case OAT_POST_CREATE:
      if (tg::pg::tenant_context_active())
        tg::pg::raise(tg::core::Reason::NotAllowedInTenant, "creating a database object",
                      "A tenant role owns nothing: objects come from migrations (auth.add_migration).");
      break;
    case OAT_FUNCTION_EXECUTE: check_function_execute(object_id); break;
    default: break;
  }
}

}  // namespace

namespace tg::pg {

void install_object_access_hook() {
  previous_object_access_hook = object_access_hook;
  object_access_hook = tenantgate_object_access;
}

}  // namespace tg::pg
