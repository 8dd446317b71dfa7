-- What the browser app served on every tenant's host needs beyond 70_api.sql (issue 10): the
-- host's public tenant card and the tenant admin's user management. (The cookie session is the
-- server's own: it calls auth.http_login / auth.http_refresh, server/web_session.hpp.) Same
-- conventions as 70_api.sql: one call of one auth.http_* function per request; the sign-in one
-- is SECURITY DEFINER and checks the session user; the signed-in one is SECURITY INVOKER
-- without SET clauses and calls auth.authenticate first, then a definer helper that admits only
-- the admin of the authenticated tenant (staff and everybody else get 42501).

-- GET /auth/tenant: {"slug", "name"} of the Host's tenant when it is active. An inactive tenant
-- answers like an unknown one (42704): the page learns nothing it could not guess.
CREATE FUNCTION auth.http_tenant(host text) RETURNS jsonb
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    result jsonb;
  BEGIN
    PERFORM auth._http_require_authenticator();
    SELECT pg_catalog.jsonb_build_object('slug', t.slug, 'name', t.name) INTO result
      FROM auth.tenants t
     WHERE t.slug OPERATOR(pg_catalog.=) auth.tenant_for_host(host) AND t.active;
    IF result IS NULL THEN
      PERFORM auth._raise('unknown_tenant');
    END IF;
    RETURN result;
  END
  $$;

-- The tenant admin's user routes, one function for all of them (INVOKER: authenticate first),
-- and its definer half, which admits only the admin of the authenticated tenant
-- (auth._user_admin_tenant(auth.tenant())):
--   'list'            GET /auth/users                          all the tenant's users, oldest first
--   'create'          POST /auth/users {"email","password"?,"role"?}   auth.create_user's rules;
--                     without a password the user gets a random one nobody knows (it signs in
--                     after a password reset the admin starts)
--   'set_active'      PATCH /auth/users/<id> {"active"}       auth.set_user_active; never the
--                     admin itself (one click would lock the tenant's last admin out)
--   'password_reset'  POST /auth/users/<id>/password-reset    {"reset_token","expires_in"}
-- A user is {"id","email","role","active","created_at"}; a user of another tenant (or none) is
-- 42704 unknown user, whether it exists or not.
CREATE FUNCTION auth._web_users(action text, user_id uuid, args jsonb) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  SET log_min_error_statement = panic  -- args may hold a password
  AS $$
  DECLARE
    v_tenant bigint := auth._user_admin_tenant(auth.tenant());
    v_user auth.users;
    v_active boolean;
  BEGIN
    IF action = 'list' THEN
      RETURN (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', u.id, 'email', u.email,
                       'role', u.role, 'active', u.active, 'created_at', u.created_at) ORDER BY u.created_at, u.email),
                     '[]'::pg_catalog.jsonb)
                FROM auth.users u WHERE u.tenant_id OPERATOR(pg_catalog.=) v_tenant);
    ELSIF action = 'create' THEN
      user_id := auth.create_user(auth.tenant(), args ->> 'email',
                                  COALESCE(args ->> 'password', auth._random_token('tgx_')),
                                  COALESCE(args ->> 'role', 'staff'));
    ELSIF action NOT IN ('set_active', 'password_reset') THEN
      PERFORM auth._raise('invalid_parameter', 'unknown action');
    END IF;
    SELECT * INTO v_user FROM auth.users u
     WHERE u.id OPERATOR(pg_catalog.=) _web_users.user_id AND u.tenant_id OPERATOR(pg_catalog.=) v_tenant;
    IF NOT FOUND THEN
      PERFORM auth._raise('unknown_user');
    END IF;
    IF action = 'password_reset' THEN
      RETURN pg_catalog.jsonb_build_object('reset_token', auth.start_password_reset(auth.tenant(), v_user.email),
                                           'expires_in', auth._session_setting('reset_ttl'));
    ELSIF action = 'set_active' THEN
      IF pg_catalog.jsonb_typeof(args -> 'active') IS DISTINCT FROM 'boolean' THEN
        PERFORM auth._raise('invalid_parameter', 'active must be true or false');
      END IF;
      v_active := (args ->> 'active')::boolean;
      IF NOT v_active AND v_user.id::text OPERATOR(pg_catalog.=) auth.uid() THEN
        PERFORM auth._raise('invalid_parameter', 'an admin cannot deactivate itself');
      END IF;
      PERFORM auth.set_user_active(v_user.id, v_active);
      v_user.active := v_active;
    END IF;
    RETURN pg_catalog.jsonb_build_object('id', v_user.id, 'email', v_user.email, 'role', v_user.role,
                                         'active', v_user.active, 'created_at', v_user.created_at);
  END
  $$;

CREATE FUNCTION auth.http_users(host text, token text, action text, user_id uuid DEFAULT NULL,
                                args jsonb DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    RETURN auth._web_users(action, user_id, args);
  END
  $$;

REVOKE ALL ON FUNCTION auth.http_tenant(text), auth.http_users(text, text, text, uuid, jsonb),
  auth._web_users(text, uuid, jsonb) FROM PUBLIC;
-- PUBLIC, like the http_* functions of 70_api.sql (NOINHERIT authenticators hold no group
-- grants): auth.http_tenant checks the session user itself; auth.http_users does nothing before
-- a valid token, and auth._web_users admits only the authenticated tenant's admin.
GRANT EXECUTE ON FUNCTION auth.http_tenant(text), auth.http_users(text, text, text, uuid, jsonb),
  auth._web_users(text, uuid, jsonb) TO PUBLIC;
