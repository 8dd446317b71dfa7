-- access: the capabilities of pg/access.hpp where they differ — above all the database owner,
-- who is an admin of tenantgate's data in its database (is_admin: keys, users) but not of its
-- roles (may_manage_tenantgate_roles: the roles are shared by every database of the cluster) —
-- and the session-user rule of the HTTP entry points.
\set VERBOSITY terse
\i helpers/try.sql
SET client_min_messages = warning;
DROP ROLE IF EXISTS tg_access_dbowner;
DROP ROLE IF EXISTS tg_access_app;
DROP ROLE IF EXISTS tg_access_outsider;
RESET client_min_messages;
CREATE ROLE tg_access_dbowner CREATEROLE;
CREATE ROLE tg_access_app LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO tg_access_app;
CREATE ROLE tg_access_outsider LOGIN;
SELECT current_database() AS db, pg_get_userbyid(datdba) AS original_owner
  FROM pg_database WHERE datname = current_database() \gset
ALTER DATABASE :"db" OWNER TO tg_access_dbowner;

-- The database owner manages keys (is_admin judges the outer user: add_key is SECURITY DEFINER) ...
SET ROLE tg_access_dbowner;
SELECT regress.try($$SELECT auth.add_key('dbo', 'HS256', 'database-owner-secret-0123456789abcd')$$) AS owner_adds_key;
-- ... but not the tenantgate roles, although CREATEROLE would let it grant other roles.
SELECT regress.try($$GRANT tenantgate_admin TO tg_access_dbowner$$) AS owner_grants_admin;
SELECT regress.try($$GRANT tenantgate_authenticator TO tg_access_outsider$$) AS owner_makes_authenticator;
SELECT regress.try($$ALTER ROLE tg_access_app SET search_path = public$$) AS owner_alters_authenticator_login;
RESET ROLE;
-- A later owner change is seen at once (pg_database syscache callback): no longer an admin.
ALTER DATABASE :"db" OWNER TO :"original_owner";
SET ROLE tg_access_dbowner;
SELECT regress.try($$SELECT auth.add_key('dbo2', 'HS256', 'database-owner-secret-0123456789abce')$$) AS former_owner_adds_key;
RESET ROLE;
SELECT kid FROM auth.keys ORDER BY kid;

-- The HTTP entry points judge the session user: a NOINHERIT authenticator login passes, a login
-- that is nothing of tenantgate's does not — also when a superuser session SET ROLEs to it the
-- check follows the session user, not the current one.
SET SESSION AUTHORIZATION tg_access_app;
SELECT regress.try($$SELECT auth._http_require_authenticator()$$) AS authenticator_session;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION tg_access_outsider;
SELECT regress.try($$SELECT auth._http_require_authenticator()$$) AS outsider_session;
SELECT regress.try($$SELECT auth.http_jwks('x.example.test')$$) AS outsider_http_jwks;
RESET SESSION AUTHORIZATION;
SET ROLE tg_access_outsider;
SELECT regress.try($$SELECT auth._http_require_authenticator()$$) AS superuser_session_in_outsider_role;
RESET ROLE;

DROP OWNED BY tg_access_dbowner;
DROP ROLE tg_access_dbowner;
DROP ROLE tg_access_app;
DROP ROLE tg_access_outsider;
