-- Without shared_preload_libraries the tenant context is refused with a clear error (the
-- isolation hooks would be missing), while the registry and the readers still work.
\set VERBOSITY terse
CREATE EXTENSION tenantgate;
\set leftover_roles '^tg_np-a_(admin|staff)$'
\i ../regress/helpers/drop_leftover_roles.sql
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
-- PG-08/PG-09 without preload: a client sets tenantgate.* before the library is loaded in its
-- session; loading it (first auth.* call) discards those values (they are superuser-only).
DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'np_app') THEN DROP ROLE np_app; END IF; END $$;
CREATE ROLE np_app LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO np_app;
\c - np_app
SET tenantgate.base_domain = 'evil.test';
SET tenantgate.leeway = '999999';
SELECT auth.tenant_for_host('np-a.evil.test') AS evil_domain, auth.tenant_for_host('np-a.localhost') AS real_domain;
SELECT current_setting('tenantgate.base_domain') AS base_domain, current_setting('tenantgate.leeway') AS leeway;
SET tenantgate.base_domain = 'evil.test';
BEGIN;
SELECT auth.authenticate(:'tok');
ROLLBACK;
\c - postgres
DROP ROLE np_app;
SELECT auth.drop_tenant('np-a');
