-- Drops the roles an earlier, interrupted run of a suite left (roles are cluster-wide), admin
-- roles first. Set the psql variable leftover_roles to a regular expression over those role
-- names first.
SELECT set_config('regress.leftover_roles', :'leftover_roles', false) IS NOT NULL AS pattern_set;
DO $$
DECLARE r text;
BEGIN
  FOR r IN SELECT rolname FROM pg_roles WHERE rolname ~ current_setting('regress.leftover_roles')
            ORDER BY rolname LIKE '%\_admin' DESC
  LOOP EXECUTE format('DROP ROLE %I', r); END LOOP;
END $$;
-- The roles of databases an earlier run dropped (pg_regress drops and recreates its database),
-- so this database's role tag is its own name's again (05_database_roles.sql). Quiet: suites
-- running at the same time may drop the same leftovers.
SET client_min_messages = warning;
SELECT count(*) >= 0 AS leftover_tags_dropped FROM auth.cleanup_roles();
RESET client_min_messages;
