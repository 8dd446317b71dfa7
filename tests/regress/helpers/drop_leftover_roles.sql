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
