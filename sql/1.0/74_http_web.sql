-- What the browser app served on every tenant's host needs beyond 70_api.sql (issue 10): the
-- host's public tenant card, the cookie session's lifetimes, and the tenant admin's user
-- management. Same conventions as 70_api.sql: one call of one auth.http_* function per request;
-- the sign-in ones are SECURITY DEFINER and check the session user (auth._http_tenant); the
-- signed-in ones are SECURITY INVOKER without SET clauses and call auth.authenticate first, then
-- definer helpers that admit only the admin of the authenticated tenant
-- (auth._user_admin_tenant(auth.tenant()): staff and everybody else get 42501).

-- GET /auth/tenant: {"slug", "name"} of the Host's tenant when it is active. An inactive tenant
-- answers like an unknown one (42704): the page learns nothing it could not guess.
CREATE FUNCTION auth.http_tenant(host text) RETURNS jsonb
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
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

-- The cookie session (POST /auth/login with "session":"cookie", POST /auth/refresh from the
-- cookie): the answer of auth.http_login / auth.http_refresh plus "refresh_expires_in", the
-- refresh token's lifetime in seconds, which the server uses as the cookie's Max-Age and removes
-- from the body (the refresh token itself goes into the HttpOnly cookie only).
CREATE FUNCTION auth.http_login_cookie(host text, email text, password text, client text DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  BEGIN
    RETURN auth.http_login(host, email, password, client) OPERATOR(pg_catalog.||)
           pg_catalog.jsonb_build_object('refresh_expires_in', auth._session_setting('refresh_ttl'));
  END
  $$;

CREATE FUNCTION auth.http_refresh_cookie(host text, refresh_token text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  BEGIN
    RETURN auth.http_refresh(host, refresh_token) OPERATOR(pg_catalog.||)
           pg_catalog.jsonb_build_object('refresh_expires_in', auth._session_setting('refresh_ttl'));
  END
  $$;

-- The users of the authenticated tenant as the admin routes show them: one user (user_id given;
-- a user of another tenant or none at all: 42704 unknown user) or all of them (user_id NULL),
-- oldest first. Only the authenticated tenant's admin gets past auth._user_admin_tenant.
-- VOLATILE: it reads the user the calling function has just created or changed.
CREATE FUNCTION auth._web_users(user_id uuid) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_tenant bigint := auth._user_admin_tenant(auth.tenant());
    result jsonb;
  BEGIN
    IF user_id IS NULL THEN
      SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'id', u.id, 'email', u.email, 'role', u.role, 'active', u.active, 'created_at', u.created_at)
               ORDER BY u.created_at, u.email), '[]'::jsonb)
        INTO result
        FROM auth.users u WHERE u.tenant_id OPERATOR(pg_catalog.=) v_tenant;
      RETURN result;
    END IF;
    SELECT pg_catalog.jsonb_build_object('id', u.id, 'email', u.email, 'role', u.role, 'active', u.active,
                                         'created_at', u.created_at)
      INTO result
      FROM auth.users u
     WHERE u.id OPERATOR(pg_catalog.=) _web_users.user_id AND u.tenant_id OPERATOR(pg_catalog.=) v_tenant;
    IF result IS NULL THEN
      PERFORM auth._raise('unknown_user');
    END IF;
    RETURN result;
  END
  $$;

-- A new user of the authenticated tenant (auth.create_user's rules). Without a password the user
-- gets a random one nobody knows: it signs in after a password reset the admin starts.
CREATE FUNCTION auth._web_create_user(email text, password text, role text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  BEGIN
    PERFORM auth._user_admin_tenant(auth.tenant());
    RETURN auth._web_users(auth.create_user(auth.tenant(), email,
                                            COALESCE(password, auth._random_token('tgx_')),
                                            COALESCE(role, 'staff')));
  END
  $$;

-- Activates or deactivates a user of the authenticated tenant; an admin cannot deactivate itself
-- (it would lock the tenant's last admin out with one click).
CREATE FUNCTION auth._web_set_user_active(user_id uuid, active boolean) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    PERFORM auth._web_users(user_id);  -- admin of this tenant, and its user
    IF active IS NULL THEN
      PERFORM auth._raise('invalid_parameter', 'active must be true or false');
    END IF;
    IF NOT active AND user_id::text OPERATOR(pg_catalog.=) auth.uid() THEN
      PERFORM auth._raise('invalid_parameter', 'an admin cannot deactivate itself');
    END IF;
    PERFORM auth.set_user_active(user_id, active);
    RETURN auth._web_users(user_id);
  END
  $$;

-- Starts a password reset of a user of the authenticated tenant, by id:
-- {"reset_token", "expires_in"} (POST /auth/password/reset consumes the token).
CREATE FUNCTION auth._web_start_password_reset(user_id uuid) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    RETURN pg_catalog.jsonb_build_object(
      'reset_token', auth.start_password_reset(auth.tenant(), auth._web_users(user_id) ->> 'email'),
      'expires_in', auth._session_setting('reset_ttl'));
  END
  $$;

-- The routes (SECURITY INVOKER, no SET clause: auth.authenticate switches role and search_path).
CREATE FUNCTION auth.http_users(host text, token text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    RETURN auth._web_users(NULL);
  END
  $$;

CREATE FUNCTION auth.http_create_user(host text, token text, email text, password text, role text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    RETURN auth._web_create_user(email, password, role);
  END
  $$;

CREATE FUNCTION auth.http_set_user_active(host text, token text, user_id uuid, active boolean) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    RETURN auth._web_set_user_active(user_id, active);
  END
  $$;

CREATE FUNCTION auth.http_start_user_password_reset(host text, token text, user_id uuid) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    RETURN auth._web_start_password_reset(user_id);
  END
  $$;

REVOKE ALL ON FUNCTION auth.http_tenant(text), auth.http_login_cookie(text, text, text, text),
  auth.http_refresh_cookie(text, text), auth._web_users(uuid), auth._web_create_user(text, text, text),
  auth._web_set_user_active(uuid, boolean), auth._web_start_password_reset(uuid), auth.http_users(text, text),
  auth.http_create_user(text, text, text, text, text), auth.http_set_user_active(text, text, uuid, boolean),
  auth.http_start_user_password_reset(text, text, uuid) FROM PUBLIC;
-- PUBLIC, like the http_* functions of 70_api.sql (NOINHERIT authenticators hold no group
-- grants): the definer sign-in functions check the session user themselves; the _web_ helpers
-- run as the tenant role after auth.authenticate and admit only the tenant's admin.
GRANT EXECUTE ON FUNCTION auth.http_tenant(text), auth.http_login_cookie(text, text, text, text),
  auth.http_refresh_cookie(text, text), auth._web_users(uuid), auth._web_create_user(text, text, text),
  auth._web_set_user_active(uuid, boolean), auth._web_start_password_reset(uuid), auth.http_users(text, text),
  auth.http_create_user(text, text, text, text, text), auth.http_set_user_active(text, text, uuid, boolean),
  auth.http_start_user_password_reset(text, text, uuid) TO PUBLIC;
