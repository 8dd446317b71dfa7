// tenantgate beside Citus (docs/scale-out.md "Citus").
//
// Citus installs functions that run SQL elsewhere or describe every tenant at once:
// run_command_on_workers / _all_nodes / _coordinator / _placements / _shards /
// _colocated_placements, master_run_on_worker, citus_run_local_command, the citus_shards and
// citus_tables views' size and metadata functions, citus_stat_activity … Most are executable by
// PUBLIC, so a tenant transaction could run SQL on every node or read other tenants' shard sizes
// and statements. Inside a transaction auth.authenticate switched to a tenant, and in every
// session of an authenticator login (not superusers), EVERY function of the citus extension is
// refused with not_allowed_in_tenant / function_permission_denied (42501), deny by default,
// except the two that Citus's own planner writes into a tenant's distributed queries
// (read_intermediate_result[s], which read only this transaction's results). The refusal lives
// in the object-access hook (object_access.cpp), so it holds on every node that preloads
// tenantgate, whichever extension was created first, whatever a DBA grants, and across
// ALTER EXTENSION citus UPDATE (which recreates the functions with PUBLIC's EXECUTE).
//
// Cost without Citus: one boolean test per non-built-in function executed (citus_preloaded(),
// decided once in _PG_init: Citus refuses to load unless it is the FIRST preloaded library, so
// it has always run its _PG_init before ours). With Citus: a per-backend memo of each
// function's verdict (one pg_depend lookup per function, dropped when pg_proc changes).
//
// Migrations (sql/1.0/15_citus.sql): Citus makes a CREATE TABLE in a distributed tenant schema a
// tenant table only at top level, and migrations run through SPI. auth._run_migration calls
// citus_before_migration / citus_after_migration around each migration (as its caller, not as
// tenantgate_admin) when citus_installed(): the tables the migration made become tenant tables
// of the schema, or it fails naming the table (local_table_in_distributed_schema).
//
// Plain PostgreSQL code: no C++ object with a destructor lives here.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace tg::pg {

// From _PG_init: records whether Citus was preloaded before us and registers
// the pg_proc invalidation callback of the memo.
void detect_citus();

// True when Citus is loaded in this server (shared_preload_libraries = 'citus,tenantgate').
bool citus_preloaded() noexcept;

// True when Citus is loaded and the citus extension exists in this database (a catalog lookup:
// for migrations, not for hot paths).
bool citus_installed();

// auth._citus_prepare_schema(schema): true when the empty tenant schema was undistributed and
// must be distributed again after the migration.
bool citus_before_migration(const char* schema);

// auth._citus_distribute_new_tables(schema, redistribute).
void citus_after_migration(const char* schema, bool redistribute);

// True when `function` belongs to the citus extension and is not one of the functions Citus's
// planner itself places into a tenant's queries. Only meaningful when citus_preloaded().
bool is_citus_side_door(Oid function);

}  // namespace tg::pg
