// SQL entry points of the tenant registry: the slug rules (core/host), Host → slug under
// tenantgate.base_domain, and running one tenant migration as this database's admin role.
#include <optional>
#include <string>

#include "core/host.hpp"
#include "pg/access.hpp"
#include "pg/citus.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/text.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

TG_PG_FUNCTION(tg_slug_is_valid) {
  text* slug = PG_GETARG_TEXT_PP(0);
  PG_RETURN_BOOL(tg::core::is_valid_slug(tg::pg::view_of(slug)));
}

TG_PG_FUNCTION(tg_slug_is_reserved) {
  text* slug = PG_GETARG_TEXT_PP(0);
  PG_RETURN_BOOL(tg::core::is_reserved_slug(tg::pg::view_of(slug)));
}

TG_PG_FUNCTION(tg_slug_for_host) {
  text* host = PG_GETARG_TEXT_PP(0);
  bool found = false;
  Datum result = tg::pg::guarded([&]() -> Datum {
    std::optional<std::string> slug = tg::core::slug_for_host(tg::pg::view_of(host), tg::pg::base_domain());
    if (!slug) return 0;
    found = true;
    return tg::pg::text_datum(*slug);
  });
  if (!found) PG_RETURN_NULL();
  PG_RETURN_DATUM(result);
}

// auth._run_migration(schema, sql): the SQL runs with search_path "<schema>, pg_temp" and as
// this database's admin role (tenantgate_<role tag>_admin) inside a security-restricted operation (as PostgreSQL runs index
// expressions for VACUUM): SET ROLE, SET SESSION AUTHORIZATION, temporary objects and the
// like fail, so migration SQL can never act as the superuser that called auth.migrate().
// With Citus, the tables it made in a distributed tenant schema are converted afterwards.
// Plain PostgreSQL code (no C++ object alive): an ERROR aborts the caller's subtransaction,
// which restores the user id and the GUC nest level itself.
TG_PG_FUNCTION(tg_run_migration) {
  char* schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
  char* sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
  if (!OidIsValid(get_namespace_oid(schema, true)))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_SCHEMA), errmsg("schema \"%s\" does not exist", schema)));
  Oid runner = tg::pg::database_admin_role();
  if (!OidIsValid(runner))
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("this database has no tenantgate admin role yet"), errhint("Run SELECT auth.admin_role().")));
  // Citus (pg/citus.hpp): the tables the migration makes in a distributed tenant schema become
  // tenant tables, as the caller, around the migration.
  bool citus = tg::pg::citus_installed();
  bool redistribute = citus && tg::pg::citus_before_migration(schema);

  Oid saved_user = InvalidOid;
  int saved_context = 0;
  GetUserIdAndSecContext(&saved_user, &saved_context);
  int nest_level = NewGUCNestLevel();
  char* path = psprintf("%s, pg_temp", quote_identifier(schema));
  (void)set_config_option("search_path", path, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
  SetUserIdAndSecContext(runner, saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);

  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  int rc = SPI_execute(sql, false, 0);
  if (rc < 0) elog(ERROR, "migration SQL failed: %s", SPI_result_code_string(rc));
  SPI_finish();

  SetUserIdAndSecContext(saved_user, saved_context);
  AtEOXact_GUC(true, nest_level);
  if (citus) tg::pg::citus_after_migration(schema, redistribute);
  PG_RETURN_VOID();
}
