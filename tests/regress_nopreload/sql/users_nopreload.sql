-- Without shared_preload_libraries there is no login throttle (it lives in shared memory):
-- auth.login and auth.change_password refuse with 55000 instead of running unthrottled, unless
-- the DBA turned throttling off (tenantgate.login_max_failures = 0). Everything that needs no
-- shared memory works: users, refresh rotation, reuse detection (a dynamic background worker
-- needs no preload), logout, password resets.
\set VERBOSITY terse
CREATE EXTENSION tenantgate;
\set leftover_roles '^(tg_np-u_(admin|staff)|np_users_app)$'
\i ../regress/helpers/drop_leftover_roles.sql
CREATE ROLE np_users_app LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO np_users_app;
SELECT auth.create_tenant('np-u') ->> 'slug' AS slug;
SELECT auth.create_user('np-u', 'ann@np-u.test', 'ann-password-1') IS NOT NULL AS created;
SHOW tenantgate.login_max_failures;
SET ROLE np_users_app;
-- the right password and a wrong one: the same clear refusal, before any password work
SELECT auth.login('np-u', 'ann@np-u.test', 'ann-password-1');
\echo :SQLSTATE
SELECT auth.login('np-u', 'ann@np-u.test', 'wrong-password');
\echo :SQLSTATE
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT auth.login('np-u', 'ann@np-u.test', 'ann-password-1');
\set VERBOSITY terse
-- the tenant is still checked first
SELECT auth.login('np-nosuch', 'ann@np-u.test', 'ann-password-1');
\echo :SQLSTATE
RESET ROLE;
-- nothing is held; unlocking is a no-op
SELECT auth.login_throttle_status('np-u', 'ann@np-u.test') AS status;
SELECT auth.unlock_login('np-u', 'ann@np-u.test');
-- a DBA who turns throttling off gets unthrottled logins
SET tenantgate.login_max_failures = 0;
SET ROLE np_users_app;
SELECT auth.login('np-u', 'ann@np-u.test', 'ann-password-1') AS p \gset
SELECT :'p'::jsonb ->> 'refresh_token' AS rt \gset
SELECT auth.login('np-u', 'ann@np-u.test', 'wrong-password');
\echo :SQLSTATE
-- refresh rotation and reuse detection work: the worker commits the family revocation
SELECT auth.refresh(:'rt') ->> 'refresh_token' AS rt2 \gset
SELECT auth.refresh(:'rt');
\echo :SQLSTATE
SELECT auth.refresh(:'rt2');
\echo :SQLSTATE
RESET ROLE;
SELECT revoke_reason FROM auth.refresh_families ORDER BY created_at;
-- password resets need no throttle either (resetting a lockout is a no-op here)
SELECT auth.start_password_reset('np-u', 'ann@np-u.test') AS reset \gset
SET ROLE np_users_app;
SELECT auth.reset_password(:'reset', 'ann-password-2');
SELECT auth.login('np-u', 'ann@np-u.test', 'ann-password-2') ? 'access_token' AS new_password;
RESET ROLE;
RESET tenantgate.login_max_failures;
SELECT auth.drop_tenant('np-u');
DROP ROLE np_users_app;
