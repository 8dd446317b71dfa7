-- Users: one row per (tenant, e-mail), their password hashes, and who may manage them.
-- Runs after 10_tenants.sql (auth.tenants) and 20_keys.sql. Password work is in C
-- (core/password.cpp via pg/fn_password.cpp). Every SECURITY DEFINER function pins search_path,
-- schema-qualifies, and sets log_min_error_statement = panic so that an error never writes the
-- calling statement — which holds a password or a token — into the server log.

CREATE TABLE auth.users (
  id                  uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
  tenant_id           bigint NOT NULL REFERENCES auth.tenants (id) ON DELETE CASCADE,
  email               text NOT NULL CHECK (pg_catalog.octet_length(email) BETWEEN 3 AND 320
                                           AND pg_catalog.strpos(email, '@') > 1),
  password_hash       text NOT NULL,
  role                text NOT NULL DEFAULT 'staff' CHECK (role IN ('admin', 'staff')),
  active              boolean NOT NULL DEFAULT true,
  created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
  -- Access tokens whose iat is earlier are dead (password change/reset, deactivation). Whole
  -- seconds, like iat, so a login right after a change is not refused.
  sessions_not_before timestamptz
);
-- E-mail unique per tenant, case-insensitively; the same address may exist in two tenants.
CREATE UNIQUE INDEX users_tenant_email_key ON auth.users (tenant_id, pg_catalog.lower(email));
SELECT pg_catalog.pg_extension_config_dump('auth.users', '');
REVOKE ALL ON TABLE auth.users FROM PUBLIC;

-- C halves (owner only).
CREATE FUNCTION auth._hash_password(password text) RETURNS text
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_hash_password';
CREATE FUNCTION auth._verify_password(password text, stored text) RETURNS boolean
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_verify_password';
CREATE FUNCTION auth._password_needs_rehash(stored text) RETURNS boolean
  LANGUAGE c IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'tg_password_needs_rehash';
CREATE FUNCTION auth._burn_password_work(password text) RETURNS void
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_burn_password_work';
CREATE FUNCTION auth._password_hash_format(stored text) RETURNS text
  LANGUAGE c IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'tg_password_hash_format';
CREATE FUNCTION auth._random_token(prefix text) RETURNS text
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_random_token';
-- The caller check of the client functions (login, refresh, register, …): 42501 'permission
-- denied for function <fn>' unless the outer user may use them (pg/access.cpp).
CREATE FUNCTION auth._require_client(fn text) RETURNS void
  LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'tg_require_client';
CREATE FUNCTION auth._caller_is_user_admin() RETURNS boolean
  LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'tg_caller_is_user_admin';
-- (EXECUTE for tenantgate_admin: the policies below call it as the reading user.)
GRANT EXECUTE ON FUNCTION auth._caller_is_user_admin() TO tenantgate_admin;
-- tenantgate_admin, which holds SELECT on the tenant registry and the migration tables, is
-- cluster-wide (05_database_roles.sql): a member of it reads their rows only when it is an admin
-- of THIS database (the owner, a superuser, the SECURITY DEFINER functions bypass the policies).
ALTER TABLE auth.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth.migrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth.tenant_migrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth.migration_failures ENABLE ROW LEVEL SECURITY;
CREATE POLICY database_admins ON auth.tenants FOR SELECT TO tenantgate_admin USING (auth._caller_is_user_admin());
CREATE POLICY database_admins ON auth.migrations FOR SELECT TO tenantgate_admin USING (auth._caller_is_user_admin());
CREATE POLICY database_admins ON auth.tenant_migrations FOR SELECT TO tenantgate_admin USING (auth._caller_is_user_admin());
CREATE POLICY database_admins ON auth.migration_failures FOR SELECT TO tenantgate_admin USING (auth._caller_is_user_admin());
-- client: the address the caller states for its own client (the HTTP shim: the HTTP client's);
-- the connection's peer address is always part of the key (pg/login_throttle.cpp says why).
CREATE FUNCTION auth._throttle_attempt(tenant_id bigint, email text, client text DEFAULT NULL) RETURNS boolean
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_throttle_attempt';
CREATE FUNCTION auth._throttle_forget(tenant_id bigint, email text, client text DEFAULT NULL) RETURNS void
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_throttle_forget';
CREATE FUNCTION auth._throttle_reset(tenant_id bigint, email text) RETURNS void
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_throttle_reset';
CREATE FUNCTION auth._throttle_status(tenant_id bigint, email text) RETURNS jsonb
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_throttle_status';
CREATE FUNCTION auth._session_setting(name text) RETURNS integer
  LANGUAGE c STABLE STRICT AS 'MODULE_PATHNAME', 'tg_session_setting';

-- The e-mails we store (the table's CHECK, and no white space or control character): 22023 else.
CREATE FUNCTION auth._check_email(email text) RETURNS void
  LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT auth._raise('invalid_email')
     WHERE email IS NULL OR pg_catalog.octet_length(email) NOT BETWEEN 3 AND 320
        OR pg_catalog.strpos(email, '@') < 2 OR email ~ '[[:space:][:cntrl:]]'
  $$;

-- The minimal policy for passwords we hash (imports keep whatever they had).
CREATE FUNCTION auth._check_new_password(password text) RETURNS void
  LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF password IS NULL OR pg_catalog.char_length(password) < 8 THEN
    PERFORM auth._raise('invalid_parameter', 'password must have at least 8 characters');
  END IF;
  IF pg_catalog.octet_length(password) > 4096 THEN
    PERFORM auth._raise('password_too_long');
  END IF;
END
$$;

-- The tenant id a caller may manage users of, else an error: in a transaction authenticated
-- by auth.authenticate, only the tenant admin of that very tenant (42501 otherwise); outside
-- one, a superuser, the database owner or a member of tenantgate_admin. Unknown: 42704.
CREATE FUNCTION auth._user_admin_tenant(tenant text) RETURNS bigint
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  found_id bigint;
BEGIN
  IF auth.tenant() IS NOT NULL THEN
    IF auth.role() IS DISTINCT FROM 'admin' OR auth.tenant() IS DISTINCT FROM tenant THEN
      PERFORM auth._raise('permission_denied', 'only an admin of the tenant manages its users');
    END IF;
  ELSIF NOT auth._caller_is_user_admin() THEN
    PERFORM auth._raise('permission_denied', 'managing users needs tenantgate_admin');
  END IF;
  SELECT t.id INTO found_id FROM auth.tenants t WHERE t.slug OPERATOR(pg_catalog.=) tenant;
  IF found_id IS NULL THEN
    PERFORM auth._raise('unknown_tenant');
  END IF;
  RETURN found_id;
END
$$;

-- The login throttle of one e-mail of a tenant over all its clients, for the people who manage
-- its users: {"attempts", "refused", "locked_seconds", "clients", "locked_clients"} (all 0 when
-- nothing is held), and lifting a lockout (for every client). The tenant id of such a (tenant,
-- e-mail) is auth._throttle_admin_tenant's: the caller checked first, then the e-mail.
CREATE FUNCTION auth._throttle_admin_tenant(tenant text, email text) RETURNS bigint
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  tenant_id bigint := auth._user_admin_tenant(tenant);
BEGIN
  IF email IS NULL THEN
    PERFORM auth._raise('invalid_email');
  END IF;
  RETURN tenant_id;
END
$$;

CREATE FUNCTION auth.login_throttle_status(tenant text, email text) RETURNS jsonb
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT auth._throttle_status(auth._throttle_admin_tenant(tenant, email), pg_catalog.lower(email)) $$;
CREATE FUNCTION auth.unlock_login(tenant text, email text) RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT auth._throttle_reset(auth._throttle_admin_tenant(tenant, email), pg_catalog.lower(email)) $$;

CREATE FUNCTION auth.create_user(tenant text, email text, password text DEFAULT NULL, role text DEFAULT 'staff',
                                 password_hash text DEFAULT NULL) RETURNS uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  tenant_id bigint := auth._user_admin_tenant(tenant);
  stored text;
  new_id uuid;
BEGIN
  IF role IS NULL OR role NOT IN ('admin', 'staff') THEN
    PERFORM auth._raise('invalid_parameter', 'role must be admin or staff');
  END IF;
  PERFORM auth._check_email(email);
  IF (password IS NULL) = (password_hash IS NULL) THEN
    PERFORM auth._raise('invalid_parameter', 'give exactly one of password and password_hash');
  END IF;
  IF password IS NOT NULL THEN
    PERFORM auth._check_new_password(password);
    stored := auth._hash_password(password);
  ELSE
    IF auth._password_hash_format(password_hash) IS NULL THEN
      PERFORM auth._raise('invalid_parameter', 'unsupported password hash format or parameters');
    END IF;
    stored := password_hash;
  END IF;
  BEGIN
    INSERT INTO auth.users (tenant_id, email, password_hash, role)
      VALUES (tenant_id, create_user.email, stored, create_user.role)
      RETURNING id INTO new_id;
  EXCEPTION WHEN unique_violation THEN
    PERFORM auth._raise('user_exists', 'e-mail taken in this tenant');
  END;
  RETURN new_id;
END
$$;

CREATE FUNCTION auth.set_user_active(user_id uuid, active boolean) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  slug text;
BEGIN
  IF active IS NULL THEN
    PERFORM auth._raise('invalid_parameter', 'active must not be null');
  END IF;
  SELECT t.slug INTO slug FROM auth.users u JOIN auth.tenants t ON t.id OPERATOR(pg_catalog.=) u.tenant_id
   WHERE u.id OPERATOR(pg_catalog.=) set_user_active.user_id;
  IF slug IS NULL THEN
    -- the caller check first: only user admins learn whether an id exists at all
    IF auth.tenant() IS NOT NULL OR NOT auth._caller_is_user_admin() THEN
      PERFORM auth._raise('permission_denied', 'only an admin of the tenant manages its users');
    END IF;
    PERFORM auth._raise('unknown_user');
  END IF;
  PERFORM auth._user_admin_tenant(slug);
  IF active THEN
    UPDATE auth.users u SET active = true, updated_at = pg_catalog.now() WHERE u.id OPERATOR(pg_catalog.=) user_id;
  ELSE
    UPDATE auth.users u
       SET active = false, updated_at = pg_catalog.now(),
           sessions_not_before = pg_catalog.date_trunc('second', pg_catalog.clock_timestamp())
     WHERE u.id OPERATOR(pg_catalog.=) user_id;
    PERFORM auth._revoke_user_sessions(user_id, 'user deactivated');
  END IF;
END
$$;

CREATE FUNCTION auth.deactivate_user(user_id uuid) RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT auth.set_user_active(user_id, false) $$;

-- Sign-up, when the tenant allows it (auth.tenants.allow_signup); new users are staff. Returns
-- the new user as auth.me() shows one: {"id", "email", "role", "tenant"} (POST /auth/register).
CREATE FUNCTION auth.register(tenant text, email text, password text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  t auth.tenants;
  new_id uuid;
BEGIN
  PERFORM auth._require_client('register');
  t := auth._active_tenant(tenant);
  IF NOT t.allow_signup THEN
    PERFORM auth._raise('signup_disabled');
  END IF;
  PERFORM auth._check_email(email);
  PERFORM auth._check_new_password(password);
  BEGIN
    INSERT INTO auth.users (tenant_id, email, password_hash, role)
      VALUES (t.id, register.email, auth._hash_password(password), 'staff')
      RETURNING id INTO new_id;
  EXCEPTION WHEN unique_violation THEN
    PERFORM auth._raise('user_exists', 'e-mail taken in this tenant');
  END;
  RETURN pg_catalog.jsonb_build_object('id', new_id, 'email', email, 'role', 'staff', 'tenant', t.slug);
END
$$;

-- The row of the authenticated user (after auth.authenticate: the token's sub, of the token's
-- tenant): 28000 'not authenticated' outside such a transaction, 'token revoked' when the user
-- is gone.
CREATE FUNCTION auth._authenticated_user() RETURNS auth.users
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  u auth.users;
BEGIN
  IF auth.uid() IS NULL THEN
    PERFORM auth._raise('not_authenticated');
  END IF;
  SELECT us.* INTO u FROM auth.users us JOIN auth.tenants te ON te.id OPERATOR(pg_catalog.=) us.tenant_id
   WHERE us.id::text OPERATOR(pg_catalog.=) auth.uid() AND te.slug OPERATOR(pg_catalog.=) auth.tenant();
  IF NOT FOUND THEN
    PERFORM auth._raise('token_revoked');
  END IF;
  RETURN u;
END
$$;

-- The authenticated user.
CREATE FUNCTION auth.me() RETURNS jsonb
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  u auth.users := auth._authenticated_user();
BEGIN
  RETURN pg_catalog.jsonb_build_object('id', u.id, 'email', u.email, 'role', u.role, 'tenant', auth.tenant());
END
$$;

REVOKE ALL ON FUNCTION auth._hash_password(text), auth._verify_password(text, text),
  auth._password_needs_rehash(text), auth._burn_password_work(text), auth._password_hash_format(text),
  auth._random_token(text), auth._caller_is_user_admin(),
  auth._throttle_attempt(bigint, text, text), auth._throttle_forget(bigint, text, text), auth._throttle_reset(bigint, text), auth._throttle_status(bigint, text),
  auth._session_setting(text), auth._require_client(text), auth._check_email(text),
  auth._throttle_admin_tenant(text, text), auth.login_throttle_status(text, text), auth.unlock_login(text, text),
  auth._check_new_password(text), auth._user_admin_tenant(text), auth._authenticated_user(),
  auth.create_user(text, text, text, text, text), auth.set_user_active(uuid, boolean), auth.deactivate_user(uuid),
  auth.register(text, text, text), auth.me() FROM PUBLIC;
-- Managing users: tenantgate_admin, and tenant roles (the functions admit a tenant admin only for
-- its own tenant, in a transaction authenticated with its token).
GRANT EXECUTE ON FUNCTION auth.set_user_active(uuid, boolean), auth.deactivate_user(uuid),
  auth.login_throttle_status(text, text), auth.unlock_login(text, text) TO tenantgate_admin, tenantgate_tenant;
-- create_user takes a password: PUBLIC, so that a refused caller is refused inside the function,
-- where log_min_error_statement = panic keeps the statement out of the server log (a "permission
-- denied for function" raised before the call would log it, password and all). The function
-- admits exactly the callers above (auth._user_admin_tenant).
GRANT EXECUTE ON FUNCTION auth.create_user(text, text, text, text, text) TO PUBLIC;
-- Client functions: PUBLIC, because NOINHERIT authenticators do not hold their group's grants;
-- register checks membership itself (auth._require_client), me needs an authenticated transaction.
GRANT EXECUTE ON FUNCTION auth.register(text, text, text), auth.me() TO PUBLIC;
