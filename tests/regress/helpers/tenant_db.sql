-- The start of a suite with tenants (pg_regress has created the extension): host names under
-- example.test, and none of the roles an earlier, interrupted run of it left (roles are
-- cluster-wide). Set the psql variable leftover_roles to a regular expression over those role
-- names first.
\set VERBOSITY terse
SELECT current_database() AS db \gset
ALTER DATABASE :"db" SET tenantgate.base_domain = 'example.test';
SELECT set_config('regress.leftover_roles', :'leftover_roles', false) IS NOT NULL AS pattern_set;
DO $$
DECLARE r text;
BEGIN
  FOR r IN SELECT rolname FROM pg_roles WHERE rolname ~ current_setting('regress.leftover_roles')
            ORDER BY rolname LIKE '%\_admin' DESC
  LOOP EXECUTE format('DROP ROLE %I', r); END LOOP;
END $$;
