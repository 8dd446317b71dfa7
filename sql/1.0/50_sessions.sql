-- Sessions: login, refresh-token rotation with reuse detection, logout, revocation, password
-- change and reset. Runs after 40_users.sql. Tokens are never stored: refresh and reset tokens
-- are opaque ("tgr_…", "tgp_…", 32 CSPRNG bytes) and only their SHA-256 is kept.
--
-- Two writes must outlive the ERROR that follows them, and a transaction cannot do that:
--  * failed logins are counted in shared memory (auth._throttle_attempt, pg/login_throttle.cpp);
--  * the family revocation on refresh-token reuse is committed by a background worker
--    (auth._revoke_family_autonomously, pg/family_revoker.cpp) before auth.refresh raises.

-- One family per login: every refresh token rotated from it, and the access tokens (claim sid).
CREATE TABLE auth.refresh_families (
  id            uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  tenant_id     bigint NOT NULL REFERENCES auth.tenants (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  revoked_at    timestamptz,
  revoke_reason text
);
CREATE INDEX refresh_families_user_idx ON auth.refresh_families (user_id);

CREATE TABLE auth.refresh_tokens (
  id          uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
  family_id   uuid NOT NULL REFERENCES auth.refresh_families (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE CHECK (pg_catalog.octet_length(token_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  replaced_by uuid
);
CREATE INDEX refresh_tokens_family_idx ON auth.refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_idx ON auth.refresh_tokens (expires_at);

-- Logged-out access tokens, until they would have expired anyway.
CREATE TABLE auth.revoked_tokens (
  jti        text PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX revoked_tokens_expires_idx ON auth.revoked_tokens (expires_at);

CREATE TABLE auth.password_resets (
  token_hash bytea PRIMARY KEY CHECK (pg_catalog.octet_length(token_hash) = 32),
  user_id    uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON auth.password_resets (user_id);

SELECT pg_catalog.pg_extension_config_dump('auth.refresh_families', '');
SELECT pg_catalog.pg_extension_config_dump('auth.refresh_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('auth.revoked_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('auth.password_resets', '');
REVOKE ALL ON TABLE auth.refresh_families, auth.refresh_tokens, auth.revoked_tokens, auth.password_resets FROM PUBLIC;

-- Commits "revoke this family" in a transaction of its own (a background worker) and waits for
-- it: auth.refresh must both revoke the family of a reused token and raise.
CREATE FUNCTION auth._revoke_family_autonomously(family_id uuid, reason text) RETURNS boolean
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_revoke_family_autonomously';

CREATE FUNCTION auth._token_hash(token text) RETURNS bytea
  LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
  AS $$ SELECT pg_catalog.sha256(pg_catalog.convert_to(token, 'UTF8')) $$;

-- Revokes every refresh family of a user (and so every access token issued from them).
CREATE FUNCTION auth._revoke_user_sessions(user_id uuid, reason text, keep_family uuid DEFAULT NULL) RETURNS void
  LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
    UPDATE auth.refresh_families f SET revoked_at = pg_catalog.now(), revoke_reason = reason
     WHERE f.user_id OPERATOR(pg_catalog.=) _revoke_user_sessions.user_id AND f.revoked_at IS NULL
       AND f.id IS DISTINCT FROM keep_family;
  $$;

-- Cheap housekeeping on every logout/refresh: at most 100 rows per table. Revoked jtis go once
-- their token is expired beyond any leeway (tenantgate.leeway ≤ 300 s); refresh tokens a day
-- after expiry; a family when no refresh token of it is left (its access tokens expired by then:
-- tenantgate.access_ttl ≤ 1 day).
CREATE FUNCTION auth._purge_expired() RETURNS void
  LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
    DELETE FROM auth.revoked_tokens WHERE jti IN (
      SELECT r.jti FROM auth.revoked_tokens r
       WHERE r.expires_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '5 minutes')
       LIMIT 100);
    DELETE FROM auth.refresh_tokens WHERE id IN (
      SELECT t.id FROM auth.refresh_tokens t
       WHERE t.expires_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 day')
       LIMIT 100);
    DELETE FROM auth.refresh_families WHERE id IN (
      SELECT f.id FROM auth.refresh_families f
       WHERE f.created_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 day')
         AND NOT EXISTS (SELECT 1 FROM auth.refresh_tokens t WHERE t.family_id OPERATOR(pg_catalog.=) f.id)
       LIMIT 100);
    DELETE FROM auth.password_resets WHERE token_hash IN (
      SELECT p.token_hash FROM auth.password_resets p
       WHERE p.expires_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 day')
       LIMIT 100);
  $$;

-- The first steps of auth.refresh and auth.revoke_refresh_token: the caller check, then the
-- token's form: an access token (a JWS) is `wrong token type`, anything but tgr_ and 43
-- base64url characters `malformed token`.
CREATE FUNCTION auth._check_refresh_token(fn text, refresh_token text) RETURNS void
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  PERFORM auth._require_client(fn);
  IF refresh_token ~ '^[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*$' THEN
    PERFORM auth._raise('wrong_token_type');
  END IF;
  IF refresh_token IS NULL OR refresh_token !~ '^tgr_[A-Za-z0-9_-]{43}$' THEN
    PERFORM auth._raise('malformed_token');
  END IF;
END
$$;

-- A new access token and refresh token of a family. The claims are built with jsonb (no
-- string splicing: an e-mail cannot inject claims) and signed with the tenant's active key, or
-- the global one (auth._signing_kid).
CREATE FUNCTION auth._issue_tokens(user_id uuid, tenant_slug text, user_role text, user_email text,
                                   family_id uuid, OUT pair jsonb, OUT token_id uuid)
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  access_ttl integer := auth._session_setting('access_ttl');
  refresh text := auth._random_token('tgr_');
  issued bigint := pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()))::bigint;
  claims jsonb;
  setting text;
BEGIN
  INSERT INTO auth.refresh_tokens (family_id, user_id, token_hash, expires_at)
    VALUES (family_id, user_id, auth._token_hash(refresh),
            pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+)
              pg_catalog.make_interval(secs => auth._session_setting('refresh_ttl')))
    RETURNING id INTO token_id;
  claims := pg_catalog.jsonb_build_object(
    'sub', user_id::text, 'tenant', tenant_slug, 'role', user_role, 'email', user_email,
    'jti', auth._random_token(''), 'sid', family_id::text, 'iat', issued, 'exp', issued + access_ttl);
  setting := pg_catalog.current_setting('tenantgate.issuer', true);
  IF setting IS NOT NULL AND setting <> '' THEN
    claims := claims OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('iss', setting);
  END IF;
  setting := pg_catalog.current_setting('tenantgate.audience', true);
  IF setting IS NOT NULL AND setting <> '' THEN
    claims := claims OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('aud', setting);
  END IF;
  pair := pg_catalog.jsonb_build_object(
    'access_token', auth.sign(claims, auth._signing_kid(tenant_slug), 'at+jwt'),
    'refresh_token', refresh, 'token_type', 'Bearer', 'expires_in', access_ttl);
END
$$;

-- client: the address of the client the caller serves, when it is not the connection itself
-- (the HTTP shim passes the HTTP client's address). Failed logins are throttled per (tenant,
-- e-mail, connection peer, client), so a caller failing on purpose locks out only itself, not
-- the rightful user elsewhere (pg/login_throttle.cpp).
CREATE FUNCTION auth.login(tenant text, email text, password text, client text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  t auth.tenants;
  u auth.users;
  family uuid;
  ok boolean := false;
BEGIN
  PERFORM auth._require_client('login');
  t := auth._active_tenant(tenant);
  IF email IS NULL OR password IS NULL THEN
    PERFORM auth._raise('invalid_credentials');
  END IF;
  -- Charged before the password is looked at; a locked (tenant, e-mail) costs no hash work.
  IF NOT auth._throttle_attempt(t.id, pg_catalog.lower(email), client) THEN
    PERFORM auth._raise('invalid_credentials');
  END IF;
  SELECT * INTO u FROM auth.users
   WHERE tenant_id OPERATOR(pg_catalog.=) t.id AND pg_catalog.lower(users.email) OPERATOR(pg_catalog.=) pg_catalog.lower(login.email);
  IF FOUND THEN
    ok := auth._verify_password(password, u.password_hash) AND u.active;
    -- An imported hash (not yet upgraded) is often much cheaper than ours: without this a failed
    -- login would tell an imported e-mail from an unknown one by its speed.
    IF NOT ok AND auth._password_needs_rehash(u.password_hash) THEN
      PERFORM auth._burn_password_work(password);
    END IF;
  ELSE
    PERFORM auth._burn_password_work(password);  -- an unknown e-mail costs what a bad password costs
  END IF;
  IF NOT ok THEN
    PERFORM auth._raise('invalid_credentials');
  END IF;
  PERFORM auth._throttle_forget(t.id, pg_catalog.lower(email), client);
  -- Imported (or older-default) hashes become the current default at the first good login.
  IF auth._password_needs_rehash(u.password_hash) THEN
    UPDATE auth.users SET password_hash = auth._hash_password(password), updated_at = pg_catalog.now()
     WHERE id OPERATOR(pg_catalog.=) u.id;
  END IF;
  INSERT INTO auth.refresh_families (user_id, tenant_id) VALUES (u.id, t.id) RETURNING id INTO family;
  RETURN (auth._issue_tokens(u.id, t.slug, u.role, u.email, family)).pair;
END
$$;

-- The contract's form: the client is the connection itself. (Errors are raised inside the
-- four-argument form, whose log_min_error_statement keeps the statement out of the log.)
CREATE FUNCTION auth.login(tenant text, email text, password text) RETURNS jsonb
  LANGUAGE sql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT auth.login(tenant, email, password, NULL::pg_catalog.text) $$;

CREATE FUNCTION auth.refresh(refresh_token text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  r auth.refresh_tokens;
  f auth.refresh_families;
  u auth.users;
  t auth.tenants;
  issued record;
BEGIN
  PERFORM auth._check_refresh_token('refresh', refresh_token);
  PERFORM auth._purge_expired();
  -- Of two concurrent refreshes of one token, the second waits here for the first; it then
  -- sees used_at set (READ COMMITTED) or fails to serialize (REPEATABLE READ): a reuse.
  BEGIN
    SELECT * INTO r FROM auth.refresh_tokens WHERE token_hash OPERATOR(pg_catalog.=) auth._token_hash(refresh_token)
       FOR UPDATE;
  EXCEPTION WHEN serialization_failure THEN
    SELECT * INTO r FROM auth.refresh_tokens WHERE token_hash OPERATOR(pg_catalog.=) auth._token_hash(refresh_token);
    PERFORM auth._revoke_family_autonomously(r.family_id, 'refresh token reuse');
    PERFORM auth._raise('token_revoked', 'refresh token reuse detected');
  END;
  IF r.id IS NULL THEN
    PERFORM auth._raise('token_revoked');
  END IF;
  SELECT * INTO f FROM auth.refresh_families WHERE id OPERATOR(pg_catalog.=) r.family_id;
  IF f.revoked_at IS NOT NULL THEN
    PERFORM auth._raise('token_revoked');
  END IF;
  IF r.used_at IS NOT NULL THEN
    -- Reuse: whoever holds the family's newest token (thief or owner) loses it too.
    PERFORM auth._revoke_family_autonomously(r.family_id, 'refresh token reuse');
    PERFORM auth._raise('token_revoked', 'refresh token reuse detected');
  END IF;
  IF r.expires_at OPERATOR(pg_catalog.<=) pg_catalog.clock_timestamp() THEN
    PERFORM auth._raise('token_expired');
  END IF;
  SELECT * INTO t FROM auth.tenants WHERE id OPERATOR(pg_catalog.=) f.tenant_id;
  IF NOT t.active THEN
    PERFORM auth._raise('tenant_inactive');
  END IF;
  SELECT * INTO u FROM auth.users WHERE id OPERATOR(pg_catalog.=) r.user_id;
  IF NOT u.active THEN
    PERFORM auth._raise('token_revoked');
  END IF;
  issued := auth._issue_tokens(u.id, t.slug, u.role, u.email, f.id);
  UPDATE auth.refresh_tokens SET used_at = pg_catalog.clock_timestamp(), replaced_by = issued.token_id
   WHERE id OPERATOR(pg_catalog.=) r.id;
  RETURN issued.pair;
END
$$;

-- The session check auth.authenticate runs (as the owner, on a fresh snapshot) for every token
-- verified by one of our own signing keys. STABLE on purpose: it must use the snapshot the
-- caller pushed, not take the caller's REPEATABLE READ snapshot again.
--
-- Tokens from auth.login/auth.refresh always carry sub (a user), sid (their refresh family) and
-- jti, and every one of those is checked. A token a key holder minted with auth.sign (a service
-- token, as PostgREST users mint with their secret) is checked for what it names: a revoked jti,
-- a sid that is not a live family of its sub, a sub that is one of our users (active, of the
-- token's tenant, same role, issued after the last password change).
CREATE FUNCTION auth._check_session(claims jsonb) RETURNS void
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  token_type text := COALESCE(claims ->> 'token_use', claims ->> 'typ');
  uuid_re constant text := '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
  u record;
  f record;
BEGIN
  IF token_type IS NOT NULL AND pg_catalog.lower(token_type) NOT IN ('access', 'at+jwt', 'application/at+jwt') THEN
    PERFORM auth._raise('wrong_token_type');
  END IF;
  IF (claims ? 'sub' AND pg_catalog.jsonb_typeof(claims -> 'sub') IS DISTINCT FROM 'string')
     OR (claims ? 'jti' AND pg_catalog.jsonb_typeof(claims -> 'jti') IS DISTINCT FROM 'string')
     OR (claims ? 'sid' AND pg_catalog.jsonb_typeof(claims -> 'sid') IS DISTINCT FROM 'string') THEN
    PERFORM auth._raise('malformed_token', 'sub, jti and sid must be strings');
  END IF;
  IF claims ? 'jti' AND EXISTS (SELECT 1 FROM auth.revoked_tokens r WHERE r.jti OPERATOR(pg_catalog.=) (claims ->> 'jti')) THEN
    PERFORM auth._raise('token_revoked');
  END IF;
  IF claims ? 'sid' THEN
    -- A session token: its family must be live and belong to its sub.
    IF (claims ->> 'sid') !~ uuid_re OR COALESCE(claims ->> 'sub', '') !~ uuid_re
       OR pg_catalog.jsonb_typeof(claims -> 'iat') IS DISTINCT FROM 'number' THEN
      PERFORM auth._raise('token_revoked');  -- no such session
    END IF;
    SELECT fa.revoked_at, fa.user_id INTO f FROM auth.refresh_families fa
     WHERE fa.id OPERATOR(pg_catalog.=) (claims ->> 'sid')::uuid;
    IF f.user_id IS NULL OR f.revoked_at IS NOT NULL OR f.user_id::text IS DISTINCT FROM (claims ->> 'sub') THEN
      PERFORM auth._raise('token_revoked');
    END IF;
  END IF;
  IF COALESCE(claims ->> 'sub', '') ~ uuid_re THEN
    SELECT us.active, us.role, us.sessions_not_before, te.slug INTO u
      FROM auth.users us JOIN auth.tenants te ON te.id OPERATOR(pg_catalog.=) us.tenant_id
     WHERE us.id OPERATOR(pg_catalog.=) (claims ->> 'sub')::uuid;
    -- One of our users: disabled, of another tenant, a role changed since issue, or a token
    -- older than the last password change or reset. (A token without a tenant claim takes its
    -- key's tenant; auth.authenticate has checked that.)
    IF u.slug IS NOT NULL AND (
         NOT u.active OR (claims ? 'tenant' AND u.slug IS DISTINCT FROM (claims ->> 'tenant'))
         OR u.role IS DISTINCT FROM (claims ->> 'role')
         OR (u.sessions_not_before IS NOT NULL
             AND (pg_catalog.jsonb_typeof(claims -> 'iat') IS DISTINCT FROM 'number'
                  OR (claims ->> 'iat')::numeric OPERATOR(pg_catalog.<)
                     pg_catalog.date_part('epoch', u.sessions_not_before)::numeric))) THEN
      PERFORM auth._raise('token_revoked');
    END IF;
  END IF;
END
$$;

-- Logout: the access token's jti is refused from now on (by every backend: authenticate reads
-- with a fresh snapshot) and its refresh family is revoked.
CREATE FUNCTION auth.logout(access_token text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  claims jsonb;
  typ text;
BEGIN
  PERFORM auth._require_client('logout');
  IF access_token IS NULL THEN
    PERFORM auth._raise('malformed_token');
  END IF;
  claims := auth.verify(access_token);  -- signature, exp, iss/aud; refresh tokens: wrong token type
  typ := (auth.decode(access_token) -> 'header') ->> 'typ';
  IF typ IS NULL OR pg_catalog.lower(typ) NOT IN ('at+jwt', 'application/at+jwt') THEN
    PERFORM auth._raise('wrong_token_type');
  END IF;
  -- Our access tokens always carry a jti (auth.authenticate refuses ours without one).
  IF pg_catalog.jsonb_typeof(claims -> 'jti') IS DISTINCT FROM 'string' OR (claims ->> 'jti') = '' THEN
    PERFORM auth._raise('malformed_token', 'jti required');
  END IF;
  PERFORM auth._check_session(claims);
  PERFORM auth._purge_expired();
  INSERT INTO auth.revoked_tokens (jti, expires_at)
    VALUES (claims ->> 'jti', pg_catalog.to_timestamp((claims ->> 'exp')::double precision))
    ON CONFLICT (jti) DO NOTHING;
  UPDATE auth.refresh_families SET revoked_at = pg_catalog.now(), revoke_reason = 'logout'
   WHERE id OPERATOR(pg_catalog.=) (claims ->> 'sid')::uuid AND revoked_at IS NULL;
END
$$;

-- The HTTP shim's form: refuses a token of another tenant than the one the Host names.
CREATE FUNCTION auth.logout(access_token text, host text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  host_tenant text;
BEGIN
  IF host IS NOT NULL THEN
    PERFORM auth._require_client('logout');
    host_tenant := auth.tenant_for_host(host);
    IF host_tenant IS NULL THEN
      PERFORM auth._raise('unknown_tenant');
    END IF;
    IF host_tenant IS DISTINCT FROM (auth.verify(access_token) ->> 'tenant') THEN
      PERFORM auth._raise('tenant_mismatch');
    END IF;
  END IF;
  PERFORM auth.logout(access_token);
END
$$;

-- Ends a session by its refresh token — for a client whose access token has expired (auth.logout
-- needs a valid one): the family, with every refresh and access token issued from it, is revoked.
-- An unknown token is `token revoked`; an access token here is `wrong token type`.
CREATE FUNCTION auth.revoke_refresh_token(refresh_token text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  family uuid;
BEGIN
  PERFORM auth._check_refresh_token('revoke_refresh_token', refresh_token);
  SELECT t.family_id INTO family FROM auth.refresh_tokens t
   WHERE t.token_hash OPERATOR(pg_catalog.=) auth._token_hash(refresh_token);
  IF family IS NULL THEN
    PERFORM auth._raise('token_revoked');
  END IF;
  PERFORM auth._purge_expired();
  UPDATE auth.refresh_families f SET revoked_at = pg_catalog.now(), revoke_reason = 'logout'
   WHERE f.id OPERATOR(pg_catalog.=) family AND f.revoked_at IS NULL;
END
$$;

-- The authenticated user changes its own password. Its other sessions (refresh families, and
-- with them every access token issued from them) are revoked; the current session — its access
-- token and its refresh token — keeps working. (sessions_not_before is left alone on purpose: it
-- counts whole seconds, so it would kill the current access token or not depending on the clock.)
CREATE FUNCTION auth.change_password(old_password text, new_password text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  u auth.users := auth._authenticated_user();
BEGIN
  -- the row again, locked and as it is now (a concurrent change of it is waited for)
  SELECT * INTO u FROM auth.users WHERE id OPERATOR(pg_catalog.=) u.id FOR UPDATE;
  IF NOT FOUND OR NOT u.active THEN
    PERFORM auth._raise('token_revoked');
  END IF;
  -- Guessing the old password with a stolen access token is throttled like logins.
  IF old_password IS NULL OR NOT auth._throttle_attempt(u.tenant_id, pg_catalog.lower(u.email))
     OR NOT auth._verify_password(old_password, u.password_hash) THEN
    PERFORM auth._raise('invalid_credentials');
  END IF;
  PERFORM auth._throttle_reset(u.tenant_id, pg_catalog.lower(u.email));
  PERFORM auth._check_new_password(new_password);
  UPDATE auth.users
     SET password_hash = auth._hash_password(new_password), updated_at = pg_catalog.now()
   WHERE id OPERATOR(pg_catalog.=) u.id;
  PERFORM auth._revoke_user_sessions(u.id, 'password changed', ((auth.claims() ->> 'sid'))::uuid);
END
$$;

-- Starts a reset (djoser's flow: the app e-mails the token). For the people who manage the
-- tenant's users (auth._user_admin_tenant); an unknown e-mail returns NULL, never an error, so
-- an app can answer "sent if it exists" either way. A new reset replaces the user's previous one.
CREATE FUNCTION auth.start_password_reset(tenant text, email text) RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  target_tenant bigint := auth._user_admin_tenant(tenant);
  target uuid;
  token text;
BEGIN
  SELECT u.id INTO target FROM auth.users u
   WHERE u.tenant_id OPERATOR(pg_catalog.=) target_tenant
     AND pg_catalog.lower(u.email) OPERATOR(pg_catalog.=) pg_catalog.lower(start_password_reset.email);
  IF target IS NULL THEN
    RETURN NULL;
  END IF;
  DELETE FROM auth.password_resets p WHERE p.user_id OPERATOR(pg_catalog.=) target;
  token := auth._random_token('tgp_');
  INSERT INTO auth.password_resets (token_hash, user_id, expires_at)
    VALUES (auth._token_hash(token), target,
            pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+)
              pg_catalog.make_interval(secs => auth._session_setting('reset_ttl')));
  RETURN token;
END
$$;

-- Uses a reset token once: sets the password, revokes every session, lifts a login lockout.
CREATE FUNCTION auth.reset_password(reset_token text, new_password text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  p auth.password_resets;
  u auth.users;
BEGIN
  PERFORM auth._require_client('reset_password');
  IF reset_token IS NULL OR reset_token !~ '^tgp_[A-Za-z0-9_-]{43}$' THEN
    PERFORM auth._raise('malformed_token');
  END IF;
  SELECT * INTO p FROM auth.password_resets WHERE token_hash OPERATOR(pg_catalog.=) auth._token_hash(reset_token)
     FOR UPDATE;
  IF NOT FOUND OR p.used_at IS NOT NULL THEN
    PERFORM auth._raise('token_revoked');
  END IF;
  IF p.expires_at OPERATOR(pg_catalog.<=) pg_catalog.clock_timestamp() THEN
    PERFORM auth._raise('token_expired');
  END IF;
  PERFORM auth._check_new_password(new_password);
  UPDATE auth.password_resets SET used_at = pg_catalog.clock_timestamp()
   WHERE token_hash OPERATOR(pg_catalog.=) p.token_hash;
  UPDATE auth.users
     SET password_hash = auth._hash_password(new_password), updated_at = pg_catalog.now(),
         sessions_not_before = pg_catalog.date_trunc('second', pg_catalog.clock_timestamp())
   WHERE id OPERATOR(pg_catalog.=) p.user_id
   RETURNING * INTO u;
  PERFORM auth._revoke_user_sessions(u.id, 'password reset');
  PERFORM auth._throttle_reset(u.tenant_id, pg_catalog.lower(u.email));
END
$$;

REVOKE ALL ON FUNCTION auth._revoke_family_autonomously(uuid, text), auth._token_hash(text), auth._check_refresh_token(text, text),
  auth._revoke_user_sessions(uuid, text, uuid), auth._purge_expired(),
  auth._issue_tokens(uuid, text, text, text, uuid), auth.login(text, text, text), auth.login(text, text, text, text), auth.refresh(text),
  auth._check_session(jsonb), auth.logout(text), auth.logout(text, text), auth.revoke_refresh_token(text),
  auth.change_password(text, text),
  auth.start_password_reset(text, text), auth.reset_password(text, text) FROM PUBLIC;
-- Client functions: PUBLIC (NOINHERIT authenticators hold no group grants); each checks the
-- caller's membership itself (auth._require_client) or needs an authenticated transaction.
GRANT EXECUTE ON FUNCTION auth.login(text, text, text), auth.login(text, text, text, text), auth.refresh(text), auth.logout(text),
  auth.logout(text, text), auth.revoke_refresh_token(text), auth.change_password(text, text),
  auth.reset_password(text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION auth.start_password_reset(text, text) TO tenantgate_admin, tenantgate_tenant;
