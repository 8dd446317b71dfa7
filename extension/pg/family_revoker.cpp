// auth._revoke_family_autonomously(family_id uuid, reason text) RETURNS boolean
//
// Why a background worker: presenting an already-used refresh token must both revoke the
// token's whole family and fail with 28000 `token revoked`. The ERROR rolls back every write of
// the caller's transaction, so the revocation is committed in a transaction of its own — by a
// short-lived dynamic background worker the caller starts and waits for (the technique of
// autonomous-transaction extensions). Dynamic workers need no shared_preload_libraries.
//
// Deadlock safety: the worker updates one auth.refresh_families row. auth.refresh locks only the
// refresh_tokens row (FOR UPDATE) and reads the family without a lock, so the worker never waits
// for its caller in the normal flow. A caller that itself holds the family row (it revoked the
// family earlier in the same transaction) already sees the family revoked and never calls us;
// for anything else the worker's lock_timeout bounds the wait, and the caller's own wait is
// interruptible (statement_timeout, cancel).
//
// Returns whether the family is revoked once the worker is done, read on a fresh snapshot.
// Plain PostgreSQL code: no C++ object is alive when anything here ereports.
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"
}

namespace {

// What the caller hands the worker through bgw_extra (BGW_EXTRALEN = 128 bytes).
struct RevokeRequest {
  Oid database;
  pg_uuid_t family;
  char reason[64];
};
static_assert(sizeof(RevokeRequest) <= BGW_EXTRALEN, "request must fit in bgw_extra");

constexpr const char* kRevokeSql =
    "UPDATE auth.refresh_families SET revoked_at = pg_catalog.now(), revoke_reason = $2 "
    "WHERE id OPERATOR(pg_catalog.=) $1 AND revoked_at IS NULL";
constexpr const char* kCheckSql =
    "SELECT revoked_at IS NOT NULL FROM auth.refresh_families WHERE id OPERATOR(pg_catalog.=) $1";

SPIPlanPtr check_plan = nullptr;

// As the owner of auth.refresh_families, on the latest snapshot: the worker committed after our
// snapshot was taken.
bool family_revoked_now(pg_uuid_t* family) {
  bool revoked = false;
  auto read = [&](Snapshot latest) {
    Oid types[1] = {UUIDOID};
    SPIPlanPtr plan = tg::pg::kept_plan(&check_plan, kCheckSql, 1, types);
    Datum values[1] = {UUIDPGetDatum(family)};
    int rc = SPI_execute_snapshot(plan, values, nullptr, latest, InvalidSnapshot, true, false, 1);
    if (rc == SPI_OK_SELECT && SPI_processed == 1) {
      bool isnull = true;
      Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
      revoked = !isnull && DatumGetBool(d);
    }
  };
  tg::pg::spi_as_owner(tg::pg::auth_table_owner("refresh_families"), read);
  return revoked;
}

}  // namespace

// The worker's entry point (looked up by name in tenantgate.so by the postmaster's child).
extern "C" PGDLLEXPORT void tg_family_revoker_main(Datum main_arg);

extern "C" PGDLLEXPORT void tg_family_revoker_main(Datum /*main_arg*/) {
  RevokeRequest request;
  memcpy(&request, MyBgworkerEntry->bgw_extra, sizeof(request));
  request.reason[sizeof(request.reason) - 1] = '\0';

  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  // No user: the bootstrap superuser, without the LOGIN check PostgreSQL 15 makes for named roles.
  BackgroundWorkerInitializeConnectionByOid(request.database, InvalidOid, 0);

  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  SetConfigOption("lock_timeout", "5s", PGC_SUSET, PGC_S_SESSION);
  SetConfigOption("search_path", "pg_catalog", PGC_SUSET, PGC_S_SESSION);
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  PushActiveSnapshot(GetTransactionSnapshot());
  pgstat_report_activity(STATE_RUNNING, "tenantgate: revoke refresh family");
  Oid types[2] = {UUIDOID, TEXTOID};
  Datum values[2] = {UUIDPGetDatum(&request.family), CStringGetTextDatum(request.reason)};
  int rc = SPI_execute_with_args(kRevokeSql, 2, types, values, nullptr, false, 0);
  if (rc != SPI_OK_UPDATE) elog(ERROR, "tenantgate: revoking a refresh family failed: %s", SPI_result_code_string(rc));
  SPI_finish();
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_stat(false);
  pgstat_report_activity(STATE_IDLE, nullptr);
  proc_exit(0);
}

TG_PG_FUNCTION(tg_revoke_family_autonomously) {
  pg_uuid_t* family = PG_GETARG_UUID_P(0);
  text* reason = PG_GETARG_TEXT_PP(1);

  RevokeRequest request;
  memset(&request, 0, sizeof(request));
  request.database = MyDatabaseId;
  request.family = *family;
  int reason_len = Min(static_cast<int>(VARSIZE_ANY_EXHDR(reason)), static_cast<int>(sizeof(request.reason)) - 1);
  memcpy(request.reason, VARDATA_ANY(reason), reason_len);
  // Cut at a character boundary so the worker never stores a broken multibyte sequence.
  request.reason[pg_mbcliplen(request.reason, reason_len, reason_len)] = '\0';

  BackgroundWorker worker;
  memset(&worker, 0, sizeof(worker));
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = BGW_NEVER_RESTART;
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "tenantgate");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "tg_family_revoker_main");
  snprintf(worker.bgw_name, BGW_MAXLEN, "tenantgate family revoker");
  snprintf(worker.bgw_type, BGW_MAXLEN, "tenantgate family revoker");
  worker.bgw_main_arg = static_cast<Datum>(0);
  worker.bgw_notify_pid = MyProcPid;
  memcpy(worker.bgw_extra, &request, sizeof(request));

  BackgroundWorkerHandle* handle = nullptr;
  if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
    // No free worker slot (max_worker_processes): the refresh still fails; say so to the DBA.
    ereport(WARNING, (errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
                      errmsg("could not revoke a reused refresh token's family: no background worker slot"),
                      errhint("Raise max_worker_processes.")));
    PG_RETURN_BOOL(false);
  }
  pid_t pid = 0;
  if (WaitForBackgroundWorkerStartup(handle, &pid) == BGWH_POSTMASTER_DIED)
    ereport(ERROR, (errcode(ERRCODE_ADMIN_SHUTDOWN), errmsg("postmaster died")));
  if (WaitForBackgroundWorkerShutdown(handle) == BGWH_POSTMASTER_DIED)
    ereport(ERROR, (errcode(ERRCODE_ADMIN_SHUTDOWN), errmsg("postmaster died")));
  pfree(handle);

  bool revoked = family_revoked_now(family);
  if (!revoked)
    ereport(WARNING, (errmsg("could not revoke a reused refresh token's family"),
                      errdetail("The revoking background worker did not commit; see the server log.")));
  PG_RETURN_BOOL(revoked);
}
