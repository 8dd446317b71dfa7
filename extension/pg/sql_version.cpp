// Library version against the database's SQL version (see sql_version.hpp), and auth.version().
#include <algorithm>
#include <optional>
#include <cstdlib>
#include <cstring>

#include "pg/sql_version.hpp"

#include "core/error.hpp"
#include "core/version.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

namespace tg::pg::detail {
bool sql_version_known_to_match = false;
}  // namespace tg::pg::detail

namespace {

// Bumped by every invalidation: an answer read while one arrived is not kept.
std::uint64_t invalidations = 0;

void forget_sql_version(Datum /*arg*/, int /*cache_id*/, uint32 /*hash_value*/) {
  tg::pg::detail::sql_version_known_to_match = false;
  ++invalidations;
}

// extversion of tenantgate in this database into out (NUL terminated, cut to size); false when
// the extension is not installed here. May ereport (catalog access): no C++ object alive.
bool read_extversion(char* out, std::size_t size) {
  Relation rel = table_open(ExtensionRelationId, AccessShareLock);
  ScanKeyData key;
  ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum("tenantgate"));
  SysScanDesc scan = systable_beginscan(rel, ExtensionNameIndexId, true, nullptr, 1, &key);
  HeapTuple tuple = systable_getnext(scan);
  bool found = false;
  if (HeapTupleIsValid(tuple)) {
    bool isnull = true;
    Datum value = heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);
    if (!isnull) {
      text* version = DatumGetTextPP(value);
      const std::size_t n = std::min<std::size_t>(VARSIZE_ANY_EXHDR(version), size - 1);
      std::memcpy(out, VARDATA_ANY(version), n);
      out[n] = '\0';
      found = true;
    }
  }
  systable_endscan(scan);
  table_close(rel, AccessShareLock);
  return found;
}

}  // namespace

namespace tg::pg {

namespace detail {

void check_sql_version() {
  // CREATE EXTENSION and ALTER EXTENSION UPDATE run their scripts with creating_extension set:
  // a script may call what it creates (and during an update extversion is already the target).
  // Nothing is kept: the script's own invalidations arrive before the next call anyway.
  if (creating_extension) return;
  const std::uint64_t before = invalidations;
  char found[64] = "";
  const bool installed = read_extversion(found, sizeof found);
  if (installed && found == tg::core::kVersion) {
    if (invalidations == before) sql_version_known_to_match = true;
    return;
  }
  char detail[96] = "no tenantgate SQL";
  if (installed) snprintf(detail, sizeof detail, "the %s SQL", found);
  const char* hint = nullptr;                                       // the row's: run ALTER EXTENSION tenantgate UPDATE
  const std::optional<long> sql = tg::core::version_number(found);  // nullopt when not installed
  if (sql && *sql > tg::core::version_number(tg::core::kVersion).value_or(0))
    hint = "Install the tenantgate library of the database's version and restart PostgreSQL.";
  tg::pg::raise(tg::core::Reason::ExtensionVersionMismatch, detail, nullptr, hint);
}

}  // namespace detail

void register_sql_version_callbacks() {
  CacheRegisterSyscacheCallback(PROCOID, forget_sql_version, PointerGetDatum(nullptr));
#if PG_VERSION_NUM >= 150020
  // pg_extension has a syscache (EXTENSIONOID) since a 15.x minor release; a server older than
  // the headers we were built with may lack it, and registering an unknown cache is FATAL.
  const char* running = GetConfigOption("server_version_num", false, false);
  if (running != nullptr && std::strtol(running, nullptr, 10) >= PG_VERSION_NUM)
    CacheRegisterSyscacheCallback(EXTENSIONOID, forget_sql_version, PointerGetDatum(nullptr));
#endif
}

}  // namespace tg::pg

// auth.version(OUT library text, OUT sql text) — this library's version and the database's
// extversion (NULL when not installed). Runs whatever the SQL's version: it is how a DBA sees a
// mismatch from SQL (1.1's SQL with a later library).
TG_PG_FUNCTION_ANY_SQL(tg_version) {
  TupleDesc desc = nullptr;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) elog(ERROR, "return type must be a row type");
  char found[64] = "";
  const bool installed = read_extversion(found, sizeof found);
  Datum values[2] = {CStringGetTextDatum(TG_VERSION), installed ? CStringGetTextDatum(found) : Datum(0)};
  bool nulls[2] = {false, !installed};
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
