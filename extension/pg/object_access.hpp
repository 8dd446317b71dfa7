// The object-access hook: what no statement form can get around, because PostgreSQL calls it
// for every object it creates and every function it is about to execute.
//
// Inside a transaction that auth.authenticate switched to a tenant role (42501 "… is not allowed
// in an authenticated transaction"):
//   - creating any object (tables, views, sequences, functions, types, domains, operators,
//     large objects … whatever the statement form or search_path): a tenant role owns nothing
//     outside migrations, and nothing a tenant transaction makes can outlive it;
//   - functions that report what other tenants do or hold: statistics counters
//     (pg_stat_get_*), object sizes (pg_*_size), the lock table (pg_lock_status,
//     pg_blocking_pids); pg_notify(); session-level advisory locks (they outlive the
//     transaction — the transaction-level ones stay allowed).
// For sessions of an authenticator login (outside tenant transactions too; not superusers):
//   - the same statistics, sizes and lock table, and other sessions' activity
//     (pg_stat_get_activity, pg_stat_get_backend_*) unless the user has pg_read_all_stats
//     (pg_monitor): counters a tenant's probe moved are readable after its COMMIT, and clients
//     sharing one login must not read each other's statements; pg_cancel_backend /
//     pg_terminate_backend unless it has pg_signal_backend (42501 "permission denied for
//     function …").
// With Citus preloaded (citus.hpp), inside a tenant transaction and in authenticator sessions:
//   - every function of the citus extension (run_command_on_*, master_run_on_worker, the
//     metadata and size functions behind citus_shards / citus_tables …) but the two its planner
//     writes into a tenant's queries.
// On a hot standby (any session): tenantgate's writing functions (login, refresh, logout,
// register, password changes, administration) raise read_only_replica before they start
// (standby.hpp).
//
// Plain PostgreSQL code: no C++ object with a destructor lives here.
#pragma once

namespace tg::pg {

// From _PG_init (module.cpp), only when loaded via shared_preload_libraries.
void install_object_access_hook();

}  // namespace tg::pg
