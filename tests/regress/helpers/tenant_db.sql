-- The start of a suite with tenants (pg_regress has created the extension): host names under
-- example.test, and none of the roles an earlier, interrupted run of it left (set the psql
-- variable leftover_roles first, see drop_leftover_roles.sql).
\set VERBOSITY terse
SELECT current_database() AS db \gset
ALTER DATABASE :"db" SET tenantgate.base_domain = 'example.test';
\i helpers/drop_leftover_roles.sql
