// Citus's side doors closed to tenant transactions and authenticator sessions (see citus.hpp).
// Standard headers first (pg/guard.hpp, rule 5).
#include "pg/guard.hpp"
#include "pg/citus.hpp"

extern "C" {
#include "catalog/dependency.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
}

namespace {

bool citus_loaded = false;

// Function oid → refused or not; per backend, dropped whenever pg_proc changes (CREATE/DROP/
// ALTER EXTENSION citus recreate its functions under new oids).
struct Verdict {
  Oid function;  // hash key
  bool refused;
};
HTAB* verdicts = nullptr;
bool verdicts_stale = false;

// What Citus's planner writes into the queries it runs for a tenant (recursive planning of a
// subquery or CTE): they read the intermediate results of THIS distributed transaction only
// (result ids are checked to be plain names inside the transaction's own directory).
constexpr const char* const planner_functions[] = {"read_intermediate_result", "read_intermediate_results"};

extern "C" void forget_verdicts(Datum /*arg*/, int /*cache_id*/, uint32 /*hash_value*/) { verdicts_stale = true; }

HTAB* verdict_table() {
  if (verdicts != nullptr && verdicts_stale) {
    hash_destroy(verdicts);
    verdicts = nullptr;
  }
  verdicts_stale = false;
  if (verdicts == nullptr) {
    HASHCTL ctl;
    memset(&ctl, 0, sizeof(ctl));
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(Verdict);
    ctl.hcxt = TopMemoryContext;
    verdicts = hash_create("tenantgate citus function verdicts", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
  }
  return verdicts;
}

bool decide(Oid function) {
  Oid citus = get_extension_oid("citus", true);
  if (!OidIsValid(citus) || getExtensionOfObject(ProcedureRelationId, function) != citus) return false;
  char* name = get_func_name(function);
  if (name == nullptr) return true;
  for (const char* allowed : planner_functions)
    if (strcmp(name, allowed) == 0) return false;
  return true;
}

}  // namespace

namespace tg::pg {

void detect_citus() {
  // Citus defines citus.version in its _PG_init, and refuses to load unless it is first.
  citus_loaded = GetConfigOption("citus.version", true, false) != nullptr;
  if (citus_loaded) CacheRegisterSyscacheCallback(PROCOID, forget_verdicts, static_cast<Datum>(0));
}

bool citus_preloaded() noexcept { return citus_loaded; }

bool citus_installed() { return citus_loaded && OidIsValid(get_extension_oid("citus", true)); }

bool citus_before_migration(const char* schema) {
  Oid types[1] = {TEXTOID};
  Datum values[1] = {CStringGetTextDatum(schema)};
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  if (SPI_execute_with_args("SELECT auth._citus_prepare_schema($1)", 1, types, values, nullptr, false, 1) !=
          SPI_OK_SELECT ||
      SPI_processed != 1)
    elog(ERROR, "auth._citus_prepare_schema failed");
  bool is_null = true;
  Datum result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
  bool redistribute = !is_null && DatumGetBool(result);
  SPI_finish();
  return redistribute;
}

void citus_after_migration(const char* schema, bool redistribute) {
  Oid types[2] = {TEXTOID, BOOLOID};
  Datum values[2] = {CStringGetTextDatum(schema), BoolGetDatum(redistribute)};
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  if (SPI_execute_with_args("SELECT auth._citus_distribute_new_tables($1, $2)", 2, types, values, nullptr, false, 1) !=
      SPI_OK_SELECT)
    elog(ERROR, "auth._citus_distribute_new_tables failed");
  SPI_finish();
}

bool is_citus_side_door(Oid function) {
  HTAB* table = verdict_table();
  bool found = false;
  auto* entry = static_cast<Verdict*>(hash_search(table, &function, HASH_FIND, &found));
  if (found) return entry->refused;
  // Decided before the entry exists: the lookups may fail (ERROR) without leaving a half entry.
  bool refused = decide(function);
  entry = static_cast<Verdict*>(hash_search(verdict_table(), &function, HASH_ENTER, &found));
  entry->refused = refused;
  return refused;
}

}  // namespace tg::pg
