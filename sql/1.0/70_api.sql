-- The HTTP shim's entry points (server/, CONTRACT.md §2) for the /auth routes. tenantgate-server
-- holds no key and parses no token: each HTTP request is ONE call of one of these functions, i.e.
-- one implicit transaction, with the Host, the bearer token and the request as parameters. (The
-- /api and /rpc routes are one call of the C function auth.http_request, 72_http_request.sql.)
--
-- Functions that act for a signed-in user are SECURITY INVOKER without SET clauses: they call
-- auth.authenticate first, which switches role and search_path for the transaction (a SET
-- clause or SECURITY DEFINER would undo that), so they then run with the tenant role's
-- privileges only. They name everything schema-qualified; tenant roles cannot create objects.
-- Errors are rows of the error table raised by auth._raise (00_base.sql); server/http_errors.cpp maps
-- their reason tag to an HTTP status.
--
-- The sign-in functions that run before a token exists (login, refresh, register, jwks,
-- reset) are SECURITY DEFINER and first call auth._http_require_authenticator(): the session
-- user must be a superuser or a member (NOINHERIT ones too) of tenantgate_authenticator or
-- tenantgate_admin, else 42501 'permission denied' (pg/access.cpp, require_authenticator_session).

CREATE FUNCTION auth._http_require_authenticator() RETURNS void
  LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'tg_require_authenticator';

CREATE FUNCTION auth._http_tenant(host text) RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    PERFORM auth._http_require_authenticator();
    RETURN (auth._active_tenant(auth.tenant_for_host(host))).slug;
  END
  $$;

-- Sign-in routes. Each resolves the tenant from the Host first (unknown → 42704).
-- client: the HTTP client's address as the shim saw it (the login throttle's key).
CREATE FUNCTION auth.http_login(host text, email text, password text, client text DEFAULT NULL) RETURNS jsonb
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$ SELECT auth.login(auth._http_tenant(host), email, password, client) $$;

-- The opaque tokens of the /auth routes must belong to the Host's tenant (checked after the
-- Host itself, auth._http_tenant). They are stored as a SHA-256 hash by 50_sessions.sql: a
-- refresh token (tgr_…) belongs to the tenant of its refresh family, a reset token (tgp_…) to
-- its user's. A foreign token is refused before auth.refresh / auth.revoke_refresh_token /
-- auth.reset_password see it, so it is neither rotated, nor revoked, nor counted as a reuse, nor
-- used; malformed, unknown and reused tokens (and a token of the other kind) are left to those
-- functions (28000).
CREATE FUNCTION auth._http_check_token_tenant(host text, token text, prefix text) RETURNS void
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    host_slug text := auth._http_tenant(host);
    digest bytea;
    owner_id bigint;
  BEGIN
    IF token !~ '^tg[rp]_[A-Za-z0-9_-]{43}$' OR pg_catalog.left(token, 4) IS DISTINCT FROM prefix THEN
      RETURN;
    END IF;
    digest := auth._token_hash(token);
    IF prefix = 'tgr_' THEN
      SELECT f.tenant_id INTO owner_id FROM auth.refresh_tokens r
        JOIN auth.refresh_families f ON f.id OPERATOR(pg_catalog.=) r.family_id
       WHERE r.token_hash OPERATOR(pg_catalog.=) digest;
    ELSE
      SELECT u.tenant_id INTO owner_id FROM auth.password_resets p
        JOIN auth.users u ON u.id OPERATOR(pg_catalog.=) p.user_id
       WHERE p.token_hash OPERATOR(pg_catalog.=) digest;
    END IF;
    IF owner_id IS NOT NULL
       AND owner_id IS DISTINCT FROM (SELECT t.id FROM auth.tenants t WHERE t.slug OPERATOR(pg_catalog.=) host_slug) THEN
      PERFORM auth._raise('tenant_mismatch');
    END IF;
  END
  $$;

CREATE FUNCTION auth.http_refresh(host text, refresh_token text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  BEGIN
    PERFORM auth._http_check_token_tenant(host, refresh_token, 'tgr_');
    RETURN auth.refresh(refresh_token);
  END
  $$;

-- POST /auth/logout with {"refresh_token"} and no bearer: ends a session whose access token
-- has expired (auth.logout needs a valid one).
CREATE FUNCTION auth.http_revoke_refresh_token(host text, refresh_token text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  BEGIN
    PERFORM auth._http_check_token_tenant(host, refresh_token, 'tgr_');
    PERFORM auth.revoke_refresh_token(refresh_token);
  END
  $$;

CREATE FUNCTION auth.http_register(host text, email text, password text) RETURNS jsonb
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$ SELECT auth.register(auth._http_tenant(host), email, password) $$;

CREATE FUNCTION auth.http_jwks(host text) RETURNS jsonb
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT auth.jwks(auth._http_tenant(host)) $$;

-- Completes a reset with the token auth.start_password_reset made (opaque tgp_…, stored hashed):
-- it must be a token of a user of the Host's tenant.
CREATE FUNCTION auth.http_reset_password(host text, reset_token text, new_password text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  BEGIN
    PERFORM auth._http_check_token_tenant(host, reset_token, 'tgp_');
    PERFORM auth.reset_password(reset_token, new_password);
  END
  $$;

-- Routes of a signed-in user: authenticate first (INVOKER, no SET clause).
CREATE FUNCTION auth.http_me(host text, token text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    RETURN auth.me();
  END
  $$;

CREATE FUNCTION auth.http_logout(host text, token text) RETURNS void
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    PERFORM auth.logout(token);
  END
  $$;

CREATE FUNCTION auth.http_change_password(host text, token text, current_password text, new_password text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    PERFORM auth.change_password(current_password, new_password);
  END
  $$;

-- A tenant admin starts a reset for one of its users; the reset token is returned to the admin
-- (there is no mail server), who hands it over out of band.
CREATE FUNCTION auth.http_start_password_reset(host text, token text, email text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    IF auth.role() IS DISTINCT FROM 'admin' THEN
      PERFORM auth._raise('admin_only');
    END IF;
    RETURN pg_catalog.jsonb_build_object('reset_token', auth.start_password_reset(auth.tenant(), email));
  END
  $$;

REVOKE ALL ON FUNCTION auth._http_check_token_tenant(text, text, text) FROM PUBLIC;  -- definer helper, owner only
REVOKE ALL ON FUNCTION auth.http_revoke_refresh_token(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.http_revoke_refresh_token(text, text) TO PUBLIC;
REVOKE ALL ON FUNCTION auth._http_require_authenticator(), auth._http_tenant(text),
  auth.http_login(text, text, text, text), auth.http_refresh(text, text), auth.http_register(text, text, text),
  auth.http_jwks(text), auth.http_reset_password(text, text, text), auth.http_me(text, text),
  auth.http_logout(text, text), auth.http_change_password(text, text, text, text),
  auth.http_start_password_reset(text, text, text) FROM PUBLIC;
-- PUBLIC, like auth.authenticate: the contract's authenticators are NOINHERIT logins, which do
-- not use tenantgate_authenticator's grants. The definer functions check the session user's
-- membership themselves; the others do nothing before a valid token switched the role, and the
-- helpers run as the tenant role then.
GRANT EXECUTE ON FUNCTION auth._http_require_authenticator(), auth._http_tenant(text),
  auth.http_login(text, text, text, text), auth.http_refresh(text, text), auth.http_register(text, text, text),
  auth.http_jwks(text), auth.http_reset_password(text, text, text), auth.http_me(text, text),
  auth.http_logout(text, text), auth.http_change_password(text, text, text, text),
  auth.http_start_password_reset(text, text, text) TO PUBLIC;
