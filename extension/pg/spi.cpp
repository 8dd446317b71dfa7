// SPI as the owner of an auth.* table with the latest snapshot (see spi.hpp).
#include "pg/spi.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace tg::pg {

Oid auth_table_owner(const char* name, Oid* relid) {
  Oid namespace_oid = get_namespace_oid("auth", true);
  Oid table = OidIsValid(namespace_oid) ? get_relname_relid(name, namespace_oid) : InvalidOid;
  if (!OidIsValid(table))
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("extension \"tenantgate\" is not installed in this database")));
  HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(table));
  if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for relation %u", table);
  Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
  ReleaseSysCache(tuple);
  if (relid != nullptr) *relid = table;
  return owner;
}

void spi_as_owner(Oid owner, void (*body)(Snapshot latest, void* arg), void* arg) {
  Oid saved_user = InvalidOid;
  int saved_context = 0;
  GetUserIdAndSecContext(&saved_user, &saved_context);
  Snapshot latest = RegisterSnapshot(GetLatestSnapshot());
  SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
  PG_TRY();
  {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    body(latest, arg);
    SPI_finish();
  }
  PG_FINALLY();
  {
    SetUserIdAndSecContext(saved_user, saved_context);
    UnregisterSnapshot(latest);
  }
  PG_END_TRY();
}

SPIPlanPtr kept_plan(SPIPlanPtr* slot, const char* query, int nargs, Oid* argtypes) {
  if (*slot == nullptr) {
    SPIPlanPtr plan = SPI_prepare(query, nargs, argtypes);
    if (plan == nullptr) elog(ERROR, "preparing \"%s\" failed: %s", query, SPI_result_code_string(SPI_result));
    if (SPI_keepplan(plan) != 0) elog(ERROR, "SPI_keepplan failed");
    *slot = plan;
  }
  return *slot;
}

}  // namespace tg::pg
