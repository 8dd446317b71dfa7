// The library and the database's SQL are one version (docs/operations.md, "Upgrading").
//
// After the library is replaced (a package upgrade, pg_upgrade) and before ALTER EXTENSION
// tenantgate UPDATE has run in a database, the database still has the old version's SQL: its
// functions, tables and grants are what the old library expected. Every V1 entry point
// (TG_PG_FUNCTION, pg/guard.hpp) first calls require_matching_sql(), which raises
// extension_version_mismatch (core/error.hpp: 55000, HTTP 503) instead of running new C code
// against old SQL. Exempt: TG_PG_FUNCTION_ANY_SQL entry points (auth.version(), which reports
// both versions), and every call while CREATE/ALTER EXTENSION runs a script (creating_extension:
// the scripts may call the functions they create, and the update must be able to run).
//
// Cost: the answer is kept per backend, so the hot path (auth.authenticate) reads one bool.
// It is forgotten — and pg_extension read again, once — when this backend sees a syscache
// invalidation of pg_extension (the EXTENSIONOID cache, on a server that has it: PostgreSQL
// 15.20 and every server at least as new as the headers we were built with) or of pg_proc
// (PROCOID, on every server: CREATE and DROP EXTENSION always create or drop functions, and
// every upgrade script replaces auth.version(), sql/upgrade/*/00_header.sql says so). The hooks
// and callbacks (pg/module.cpp) keep running: they protect, and read no SQL object of ours.
#pragma once

#include <cstdint>

namespace tg::pg {

namespace detail {
// True while this backend knows the database has this library's SQL (sql_version.cpp).
extern bool sql_version_known_to_match;
// Reads pg_extension (unless a script is running) and raises on a mismatch.
void check_sql_version();
}  // namespace detail

// Call first in a V1 entry point, with no C++ object alive (it may ereport).
inline void require_matching_sql() {
  if (__builtin_expect(!detail::sql_version_known_to_match, 0)) detail::check_sql_version();
}

// The invalidation callbacks above (from _PG_init).
void register_sql_version_callbacks();

}  // namespace tg::pg
