-- Without shared_preload_libraries the tenant context is refused with a clear error (the
-- isolation hooks would be missing), while the registry and the readers still work.
\set VERBOSITY terse
CREATE EXTENSION tenantgate;
DO $$
DECLARE r text;
BEGIN
  FOR r IN SELECT rolname FROM pg_roles WHERE rolname IN ('tg_np-a_admin', 'tg_np-a_staff') ORDER BY rolname
  LOOP EXECUTE format('DROP ROLE %I', r); END LOOP;
END $$;
SELECT auth.create_tenant('np-a') ->> 'slug' AS slug;
SELECT auth.tenant_for_host('np-a.localhost') AS tenant;
SELECT auth.add_key('np-global', 'HS256', 'np-global-secret-np-global-secret-123');
SELECT auth.sign(jsonb_build_object('sub', 'u', 'tenant', 'np-a', 'role', 'staff', 'jti', 'j', 'sid', 's',
                 'iat', floor(extract(epoch FROM now())), 'exp', floor(extract(epoch FROM now())) + 300),
                 'np-global', 'at+jwt') AS tok \gset
BEGIN;
SELECT auth.authenticate(:'tok');
ROLLBACK;
SELECT current_user = session_user AS unchanged, auth.tenant(), auth.claims();
SELECT auth.drop_tenant('np-a');
