-- RELEASED — DO NOT EDIT. This is tenantgate 1.0's install script exactly as the build assembled
-- it from sql/1.0/*.sql at commit 0ddaf27 (the released 1.0), frozen so that
-- `CREATE EXTENSION tenantgate VERSION '1.0'` installs what 1.0 users have, and so that the
-- upgrade test (tests/upgrade) starts from it. Changes go into the current sources and into an
-- upgrade script (sql/upgrade/<from>--<to>/), never here. Everything below this header is
-- byte-for-byte the 0ddaf27 script.
-- tenantgate 1.0 install script, assembled from sql/1.0/*.sql

-- ==== 00_base.sql ====
-- tenantgate 1.0: the base every other part builds on. The schema auth itself is created by
-- CREATE EXTENSION (control file: schema = auth).
\echo Use "CREATE EXTENSION tenantgate" to load this file. \quit

-- Refuse to install over what someone else prepared (PG-13, CVE-2022-2625 style): CREATE
-- EXTENSION reuses an existing schema "auth" and the block below reuses existing tenantgate_* roles,
-- so an empty auth schema must belong to the installing user or a superuser, and the reused
-- roles must not be able to log in or bypass privileges. (Supabase databases have their own
-- "auth" schema: tenantgate cannot share a database with it.)
-- It runs before the extension has any object, auth._raise included, so its three refusals to
-- the installing DBA stay literal RAISEs (they never reach a client); every other rejection is a
-- row of the error table (auth._raise, at the end of this file).
DO $guard$
DECLARE
  owner_oid oid;
  found_objects bigint;
  bad_roles text;
BEGIN
  SELECT n.nspowner INTO owner_oid FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) 'auth';
  SELECT (SELECT pg_catalog.count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) 'auth'::pg_catalog.regnamespace)
       OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) 'auth'::pg_catalog.regnamespace)
       OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) 'auth'::pg_catalog.regnamespace)
       OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) 'auth'::pg_catalog.regnamespace)
    INTO found_objects;
  IF found_objects OPERATOR(pg_catalog.>) 0 THEN
    RAISE EXCEPTION USING ERRCODE = '42P06', MESSAGE = 'schema "auth" already exists and is not empty',
      HINT = 'tenantgate installs into its own schema auth; drop or rename the existing one first.';
  END IF;
  IF NOT (owner_oid OPERATOR(pg_catalog.=) (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
          OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) owner_oid)) THEN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'schema "auth" already exists and belongs to another role',
      HINT = 'tenantgate installs into its own schema auth; drop the existing one first.';
  END IF;
  SELECT pg_catalog.string_agg(r.rolname, ', ' ORDER BY r.rolname) INTO bad_roles FROM pg_catalog.pg_roles r
   WHERE r.rolname OPERATOR(pg_catalog.=) ANY (ARRAY['tenantgate_authenticator', 'tenantgate_admin', 'tenantgate_tenant'])
     AND (r.rolcanlogin OR r.rolsuper OR r.rolbypassrls OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication);
  IF bad_roles IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = pg_catalog.format('role(s) %s already exist with LOGIN, SUPERUSER, BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION', bad_roles),
      HINT = 'tenantgate''s roles must be NOLOGIN group roles without special attributes: ALTER or drop them first.';
  END IF;
END
$guard$;

-- The extension's roles, created when missing (they are cluster-wide and may already exist
-- from another database). NOLOGIN: a DBA grants them to login roles.
DO $roles$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['tenantgate_authenticator', 'tenantgate_admin', 'tenantgate_tenant'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) role_name) THEN
      BEGIN
        EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;  -- CREATE EXTENSION running at the same time in another database made it first
      END;
    END IF;
  END LOOP;
END
$roles$;

-- Nobody but the owner creates objects in auth. USAGE (name lookup only) goes to PUBLIC as well:
-- the contract's authenticator is `CREATE ROLE app LOGIN NOINHERIT; GRANT tenantgate_authenticator
-- TO app`, and a NOINHERIT member never holds the group's privileges, so a grant to the group
-- alone would leave app unable to even name auth.verify. Every object in auth is REVOKE'd from
-- PUBLIC one by one; the client functions that PUBLIC may execute check membership in
-- tenantgate_authenticator / tenantgate_admin / tenantgate_tenant themselves (pg/verify.hpp).
REVOKE ALL ON SCHEMA auth FROM PUBLIC;
GRANT USAGE ON SCHEMA auth TO PUBLIC;
GRANT USAGE ON SCHEMA auth TO tenantgate_authenticator, tenantgate_admin, tenantgate_tenant;

-- The error vocabulary (extension/core/error.hpp): every rejection in these scripts is
-- PERFORM auth._raise('<reason id>'[, detail]), which raises that row's SQLSTATE and message and
-- tags the error with its id (PostgreSQL's CONSTRAINT NAME field, "tenantgate:<id>"), the
-- machine-readable reason the HTTP shim maps to a status. detail is the message's own detail
-- ("invalid parameter value: <detail>", or the "%s" of "permission denied for function %s").
CREATE FUNCTION auth._raise(reason text, detail text DEFAULT NULL) RETURNS void
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_raise';
-- The table itself: one row per reason, with the HTTP status the shim answers.
CREATE FUNCTION auth._reasons()
  RETURNS TABLE (id text, sqlstate text, http_status integer, message text, hint text)
  LANGUAGE c IMMUTABLE AS 'MODULE_PATHNAME', 'tg_reasons';
-- Who calls _raise: the extension's SECURITY DEFINER functions (as the owner), the INVOKER ones
-- that run as a tenant role after auth.authenticate (tenantgate_tenant), and the INVOKER ones
-- for DBAs (auth.enable_tenant_rls: tenantgate_admin). It only raises an error anybody can raise
-- with RAISE, so a grant would be harmless; PUBLIC still gets none, so the grants stay a list of
-- who needs what (tests/regress/sql/grants.sql).
REVOKE ALL ON FUNCTION auth._raise(text, text), auth._reasons() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth._raise(text, text) TO tenantgate_tenant, tenantgate_admin;
GRANT EXECUTE ON FUNCTION auth._reasons() TO tenantgate_admin;

-- ==== 10_tenants.sql ====
-- Tenants: the registry, per-tenant schemas and roles, host → tenant, tenant migrations.
-- Runs right after 00_base.sql (schema auth; roles tenantgate_authenticator, tenantgate_admin,
-- tenantgate_tenant). Every function pins search_path and schema-qualifies; identifiers go
-- through format('%I'), values through parameters.

-- The registry. id is never reused (identity), so rows left in row-isolation tables by a
-- dropped tenant stay unreachable.
CREATE TABLE auth.tenants (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug         text NOT NULL UNIQUE,
  name         text,
  isolation    text NOT NULL DEFAULT 'schema' CHECK (isolation IN ('schema', 'row')),
  active       boolean NOT NULL DEFAULT true,
  allow_signup boolean NOT NULL DEFAULT false,
  staff_role   name NOT NULL UNIQUE,
  admin_role   name NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
SELECT pg_catalog.pg_extension_config_dump('auth.tenants', '');
SELECT pg_catalog.pg_extension_config_dump('auth.tenants_id_seq', '');
REVOKE ALL ON TABLE auth.tenants FROM PUBLIC;
GRANT SELECT ON TABLE auth.tenants TO tenantgate_admin;

-- Tenant migrations: DBA-supplied SQL applied to every schema-isolation tenant, in version
-- order (versions compare as text in the "C" collation: zero-pad them, e.g. 0001_orders).
CREATE TABLE auth.migrations (
  version    text PRIMARY KEY,
  sql        text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE TABLE auth.tenant_migrations (
  tenant_id  bigint NOT NULL REFERENCES auth.tenants (id) ON DELETE CASCADE,
  version    text NOT NULL REFERENCES auth.migrations (version),
  applied_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (tenant_id, version)
);
-- The last failure of a tenant's migration run (cleared when a later run succeeds).
CREATE TABLE auth.migration_failures (
  tenant_id bigint PRIMARY KEY REFERENCES auth.tenants (id) ON DELETE CASCADE,
  version   text,
  sqlstate  text NOT NULL,
  message   text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
SELECT pg_catalog.pg_extension_config_dump('auth.migrations', '');
SELECT pg_catalog.pg_extension_config_dump('auth.tenant_migrations', '');
SELECT pg_catalog.pg_extension_config_dump('auth.migration_failures', '');
REVOKE ALL ON TABLE auth.migrations, auth.tenant_migrations, auth.migration_failures FROM PUBLIC;
GRANT SELECT ON TABLE auth.migrations, auth.tenant_migrations, auth.migration_failures TO tenantgate_admin;

-- The slug rules live in C (core/host.cpp): one source of truth for SQL and the shim.
CREATE FUNCTION auth._slug_is_valid(slug text) RETURNS boolean
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'tg_slug_is_valid';
CREATE FUNCTION auth._slug_is_reserved(slug text) RETURNS boolean
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'tg_slug_is_reserved';
-- Host → slug under tenantgate.base_domain, without asking whether the tenant exists.
CREATE FUNCTION auth._slug_for_host(host text) RETURNS text
  LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'tg_slug_for_host';
-- Runs one migration's SQL in a tenant schema as tenantgate_admin (never as a superuser),
-- inside a security-restricted operation: SET ROLE / SET SESSION AUTHORIZATION are refused.
CREATE FUNCTION auth._run_migration(schema_name text, migration_sql text) RETURNS void
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_run_migration';
-- The role names of a tenant: tg_<slug>_staff / tg_<slug>_admin, or with the slug cut and an
-- md5 suffix when that would exceed 63 bytes (NAMEDATALEN would silently truncate).
CREATE FUNCTION auth._tenant_role_name(slug text, kind text) RETURNS name
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT CASE WHEN pg_catalog.octet_length('tg_' || slug || '_' || kind) <= 63
                THEN ('tg_' || slug || '_' || kind)::name
                ELSE ('tg_' || pg_catalog.left(slug, 58 - pg_catalog.octet_length(kind) - 9) || '_'
                      || pg_catalog.left(pg_catalog.md5(slug), 8) || '_' || kind)::name END
  $$;

CREATE FUNCTION auth.tenant_for_host(host text) RETURNS text
  LANGUAGE sql STABLE STRICT SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT t.slug FROM auth.tenants t WHERE t.slug OPERATOR(pg_catalog.=) auth._slug_for_host(host)
  $$;

-- The row of a tenant its users may sign in to (login, register, the Host of an /auth route):
-- 42704 for an unknown slug (NULL too), 42501 for an inactive tenant.
CREATE FUNCTION auth._active_tenant(slug text) RETURNS auth.tenants
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    t auth.tenants;
  BEGIN
    SELECT * INTO t FROM auth.tenants WHERE tenants.slug OPERATOR(pg_catalog.=) _active_tenant.slug;
    IF NOT FOUND THEN
      PERFORM auth._raise('unknown_tenant');
    ELSIF NOT t.active THEN
      PERFORM auth._raise('tenant_inactive');
    END IF;
    RETURN t;
  END
  $$;

-- Applies the pending migrations of one tenant, in version order; returns how many. Runs in
-- the caller's (sub)transaction: a failure aborts all of this tenant's pending migrations.
-- The failing version is reported as the error's DETAIL.
CREATE FUNCTION auth._migrate_tenant(tenant_id bigint, schema_name text) RETURNS integer
  LANGUAGE plpgsql VOLATILE STRICT
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    m record;
    applied integer := 0;
    state text;
    msg text;
  BEGIN
    FOR m IN
      SELECT mm.version, mm.sql FROM auth.migrations mm
       WHERE NOT EXISTS (SELECT 1 FROM auth.tenant_migrations tm
                          WHERE tm.tenant_id OPERATOR(pg_catalog.=) _migrate_tenant.tenant_id
                            AND tm.version OPERATOR(pg_catalog.=) mm.version)
       ORDER BY mm.version COLLATE "C"
    LOOP
      BEGIN
        PERFORM auth._run_migration(schema_name, m.sql);
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        RAISE EXCEPTION USING ERRCODE = state, MESSAGE = msg, DETAIL = m.version;
      END;
      INSERT INTO auth.tenant_migrations (tenant_id, version) VALUES (_migrate_tenant.tenant_id, m.version);
      applied := applied + 1;
    END LOOP;
    RETURN applied;
  END
  $$;

CREATE FUNCTION auth.create_tenant(slug text, name text DEFAULT NULL, isolation text DEFAULT 'schema')
  RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    staff name;
    admin name;
    new_id bigint;
    key_alg text;
  BEGIN
    IF slug IS NULL OR NOT auth._slug_is_valid(slug) THEN
      PERFORM auth._raise('invalid_parameter', 'slug must be a DNS label [a-z0-9-], 1-63 characters, not reserved');
    END IF;
    IF isolation IS NULL OR isolation NOT IN ('schema', 'row') THEN
      PERFORM auth._raise('invalid_parameter', 'isolation must be schema or row');
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) slug) THEN
      PERFORM auth._raise('schema_exists', pg_catalog.quote_ident(slug));
    END IF;
    -- One schema change of the tenant set at a time (create_tenant, add_migration, migrate):
    -- a new tenant then sees every committed migration, and migrate() every committed tenant.
    PERFORM pg_catalog.pg_advisory_xact_lock(7307, 1);
    staff := auth._tenant_role_name(slug, 'staff');
    admin := auth._tenant_role_name(slug, 'admin');

    INSERT INTO auth.tenants (slug, name, isolation, staff_role, admin_role)
      VALUES (create_tenant.slug, create_tenant.name, create_tenant.isolation, staff, admin)
      RETURNING id INTO new_id;

    -- No IF NOT EXISTS: a pre-existing role of that name (someone else's) must stop us.
    -- The tenant roles can log in nowhere, own nothing and create nothing; staff is what a
    -- staff user's transaction runs as, admin has staff's privileges through membership.
    EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', staff);
    EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', admin);
    EXECUTE pg_catalog.format('GRANT tenantgate_tenant TO %I, %I', staff, admin);
    EXECUTE pg_catalog.format('GRANT %I TO %I', staff, admin);

    IF isolation = 'schema' THEN
      -- Owned by tenantgate_admin: migrations run as that role, never as a superuser (PG-12).
      -- Tenant roles get USAGE only, never CREATE (PG-03).
      EXECUTE pg_catalog.format('CREATE SCHEMA %I AUTHORIZATION tenantgate_admin', slug);
      EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', slug);
      EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %I', slug, staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE tenantgate_admin IN SCHEMA %I '
                                'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', slug, staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE tenantgate_admin IN SCHEMA %I '
                                'GRANT USAGE, SELECT ON SEQUENCES TO %I', slug, staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE tenantgate_admin IN SCHEMA %I '
                                'GRANT EXECUTE ON FUNCTIONS TO %I', slug, staff);
      PERFORM auth._migrate_tenant(new_id, slug);
    END IF;

    -- The tenant's own signing key (tenantgate.tenant_key_alg, default ES256; empty: none).
    key_alg := pg_catalog.current_setting('tenantgate.tenant_key_alg', true);
    IF key_alg IS NOT NULL AND key_alg <> '' THEN
      PERFORM auth.generate_key(key_alg, slug);
    END IF;

    RETURN pg_catalog.jsonb_build_object(
      'id', new_id, 'slug', slug, 'name', name, 'isolation', isolation, 'active', true,
      'staff_role', staff, 'admin_role', admin,
      'schema', CASE WHEN isolation = 'schema' THEN slug END);
  END
  $$;

CREATE FUNCTION auth.drop_tenant(slug text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    t auth.tenants;
  BEGIN
    IF slug IS NULL OR auth._slug_is_reserved(slug) THEN
      PERFORM auth._raise('invalid_parameter', 'reserved name');
    END IF;
    SELECT * INTO t FROM auth.tenants WHERE tenants.slug OPERATOR(pg_catalog.=) drop_tenant.slug FOR UPDATE;
    IF NOT FOUND THEN
      PERFORM auth._raise('unknown_tenant');
    END IF;
    IF t.isolation = 'schema' THEN
      EXECUTE pg_catalog.format('DROP SCHEMA IF EXISTS %I CASCADE', t.slug);
    END IF;
    -- Users, sessions and keys of the tenant go with the row (their foreign keys cascade).
    DELETE FROM auth.tenants WHERE id OPERATOR(pg_catalog.=) t.id;
    -- Privileges (table grants in row-isolation tables, default ACLs) of this database; grants
    -- in other databases of the cluster make DROP ROLE fail, which is the right answer.
    EXECUTE pg_catalog.format('DROP OWNED BY %I, %I', t.admin_role, t.staff_role);
    EXECUTE pg_catalog.format('DROP ROLE %I', t.admin_role);
    EXECUTE pg_catalog.format('DROP ROLE %I', t.staff_role);
  END
  $$;

CREATE FUNCTION auth.set_tenant_active(slug text, active boolean) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    IF active IS NULL THEN
      PERFORM auth._raise('invalid_parameter', 'active must not be null');
    END IF;
    UPDATE auth.tenants SET active = set_tenant_active.active
     WHERE tenants.slug OPERATOR(pg_catalog.=) set_tenant_active.slug;
    IF NOT FOUND THEN
      PERFORM auth._raise('unknown_tenant');
    END IF;
  END
  $$;

CREATE FUNCTION auth.add_migration(version text, sql text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    IF version IS NULL OR version = '' OR sql IS NULL OR pg_catalog.btrim(sql) = '' THEN
      PERFORM auth._raise('invalid_parameter', 'version and sql are required');
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(7307, 1);
    INSERT INTO auth.migrations (version, sql) VALUES (add_migration.version, add_migration.sql);
  END
  $$;

-- Applies pending migrations to every schema-isolation tenant (or one), each tenant in its own
-- subtransaction: a failing tenant is rolled back to where it was, reported (NOTICE and
-- auth.migration_failures) and skipped; the others proceed; a rerun resumes. Returns the
-- number of (tenant, migration) applications done.
CREATE FUNCTION auth.migrate(tenant text DEFAULT NULL) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    t record;
    total integer;
    step integer;
    done integer := 0;
    applied integer := 0;
    failed integer := 0;
    state text;
    msg text;
    failed_version text;
  BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(7307, 1);
    IF tenant IS NOT NULL AND NOT EXISTS (SELECT 1 FROM auth.tenants WHERE slug OPERATOR(pg_catalog.=) tenant) THEN
      PERFORM auth._raise('unknown_tenant');
    END IF;
    SELECT pg_catalog.count(*) INTO total FROM auth.tenants
     WHERE isolation = 'schema' AND (tenant IS NULL OR slug OPERATOR(pg_catalog.=) tenant);
    step := GREATEST(1, total / 10);
    FOR t IN
      SELECT id, slug FROM auth.tenants
       WHERE isolation = 'schema' AND (tenant IS NULL OR slug OPERATOR(pg_catalog.=) tenant)
       ORDER BY id
    LOOP
      BEGIN
        applied := applied + auth._migrate_tenant(t.id, t.slug);
        DELETE FROM auth.migration_failures WHERE tenant_id OPERATOR(pg_catalog.=) t.id;
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, failed_version = PG_EXCEPTION_DETAIL;
        failed := failed + 1;
        RAISE NOTICE 'migration % of tenant % failed: % (%)', failed_version, t.slug, msg, state;
        INSERT INTO auth.migration_failures AS f (tenant_id, version, sqlstate, message)
          VALUES (t.id, failed_version, state, msg)
          ON CONFLICT (tenant_id) DO UPDATE
            SET version = excluded.version, sqlstate = excluded.sqlstate, message = excluded.message,
                failed_at = pg_catalog.now();
      END;
      done := done + 1;
      IF done % step = 0 OR done = total THEN
        RAISE NOTICE 'migrated %/% tenants', done, total;
      END IF;
    END LOOP;
    IF failed > 0 THEN
      RAISE NOTICE '% tenant(s) failed, see auth.migration_failures; run auth.migrate() again after fixing', failed;
    END IF;
    RETURN applied;
  END
  $$;

-- Row isolation: makes a shared table tenant-scoped by auth.tenant_id(). SECURITY INVOKER on
-- purpose: only the table's owner can do this (ALTER TABLE, CREATE POLICY, GRANT).
CREATE FUNCTION auth.enable_tenant_rls(tbl regclass) RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    col_type regtype;
    seq text;
  BEGIN
    IF (SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid = tbl) = 'auth'::regnamespace THEN
      PERFORM auth._raise('invalid_parameter', 'tables in schema auth cannot be tenant tables');
    END IF;
    SELECT a.atttypid::regtype INTO col_type FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = tbl AND a.attname = 'tenant_id' AND NOT a.attisdropped;
    IF col_type IS NULL THEN
      EXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN tenant_id bigint DEFAULT auth.tenant_id()', tbl);
    ELSIF col_type <> 'bigint'::regtype THEN
      PERFORM auth._raise('invalid_parameter', 'column tenant_id must be bigint');
    ELSE
      EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN tenant_id SET DEFAULT auth.tenant_id()', tbl);
    END IF;
    EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN tenant_id SET NOT NULL', tbl);
    EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = tbl AND p.polname = 'tenantgate_tenant_isolation') THEN
      EXECUTE pg_catalog.format('DROP POLICY tenantgate_tenant_isolation ON %s', tbl);
    END IF;
    EXECUTE pg_catalog.format('CREATE POLICY tenantgate_tenant_isolation ON %s '
                              'USING (tenant_id OPERATOR(pg_catalog.=) auth.tenant_id()) '
                              'WITH CHECK (tenant_id OPERATOR(pg_catalog.=) auth.tenant_id())', tbl);
    EXECUTE pg_catalog.format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO tenantgate_tenant', tbl);
    FOR seq IN
      SELECT d.objid::regclass::text FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid
       WHERE d.refobjid = tbl AND d.classid = 'pg_catalog.pg_class'::regclass AND s.relkind = 'S'
    LOOP
      EXECUTE pg_catalog.format('GRANT USAGE ON SEQUENCE %s TO tenantgate_tenant', seq);
    END LOOP;
  END
  $$;

REVOKE ALL ON FUNCTION auth._slug_is_valid(text), auth._slug_is_reserved(text), auth._slug_for_host(text),
  auth._run_migration(text, text), auth._tenant_role_name(text, text), auth._migrate_tenant(bigint, text),
  auth.tenant_for_host(text), auth._active_tenant(text), auth.create_tenant(text, text, text), auth.drop_tenant(text),
  auth.set_tenant_active(text, boolean), auth.add_migration(text, text), auth.migrate(text),
  auth.enable_tenant_rls(regclass) FROM PUBLIC;
-- PUBLIC: NOINHERIT authenticators do not inherit grants to tenantgate_authenticator.
GRANT EXECUTE ON FUNCTION auth.tenant_for_host(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION auth._slug_is_valid(text), auth._slug_is_reserved(text) TO tenantgate_admin;
GRANT EXECUTE ON FUNCTION auth.create_tenant(text, text, text), auth.drop_tenant(text),
  auth.set_tenant_active(text, boolean), auth.add_migration(text, text), auth.migrate(text),
  auth.enable_tenant_rls(regclass) TO tenantgate_admin;

-- ==== 20_keys.sql ====
-- Keys and tokens: auth.keys, the key functions, sign/verify/decode.
-- Key material is parsed, checked and generated in C (core/jose); the SQL wrappers below own the
-- rows: locking, the tenant check and the one-active-signer rule. Every SECURITY DEFINER
-- function pins search_path; values are parameters, never spliced into SQL.

-- One row per key. key_data is Key::to_storage(): the HMAC secret, or PKCS#8 DER (private key),
-- or SPKI DER (public only). public_jwk is the public JWK shown by auth.jwks (asymmetric keys).
-- Revoked keys stay for audit and never verify.
CREATE TABLE auth.keys (
  kid              text NOT NULL CHECK (pg_catalog.octet_length(kid) BETWEEN 1 AND 256),
  tenant           text NULL REFERENCES auth.tenants (slug) ON UPDATE CASCADE ON DELETE CASCADE,
  alg              text NOT NULL CHECK (alg IN ('HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512',
                                                'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA')),
  key_data         bytea NOT NULL,
  public_jwk       jsonb NULL,
  can_sign         boolean NOT NULL,
  is_active_signer boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  revoked_at       timestamptz NULL,
  CONSTRAINT keys_kid_tenant_key UNIQUE NULLS NOT DISTINCT (kid, tenant),
  CONSTRAINT keys_active_signer_can_sign CHECK (NOT is_active_signer OR (can_sign AND revoked_at IS NULL))
);
-- At most one active signing key per tenant, and one global one.
CREATE UNIQUE INDEX keys_one_active_signer ON auth.keys ((COALESCE(tenant, ''))) WHERE is_active_signer;
SELECT pg_catalog.pg_extension_config_dump('auth.keys', '');
REVOKE ALL ON TABLE auth.keys FROM PUBLIC;

-- auth.jwks reads a tenant's keys (and the global ones) through this; it also serves the
-- ON DELETE CASCADE from auth.tenants. Lookups by kid use keys_kid_tenant_key.
CREATE INDEX keys_tenant ON auth.keys (tenant);

-- Every backend drops its key cache as soon as keys or tenants change: the trigger sends a
-- relcache invalidation of this empty view, which nothing else names (pg/key_cache.hpp), so
-- ANALYZE or VACUUM of auth.keys leaves the caches alone. Tenant inserts change no lookup (a new
-- tenant has no keys yet); only active and slug matter among tenant updates.
CREATE VIEW auth._key_cache_signal AS SELECT;
REVOKE ALL ON TABLE auth._key_cache_signal FROM PUBLIC;
CREATE FUNCTION auth._keys_changed() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'tg_keys_changed';
CREATE TRIGGER keys_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth.keys
  FOR EACH STATEMENT EXECUTE FUNCTION auth._keys_changed();
CREATE TRIGGER keys_cache_tenants_changed AFTER UPDATE OF active, slug OR DELETE OR TRUNCATE ON auth.tenants
  FOR EACH STATEMENT EXECUTE FUNCTION auth._keys_changed();
-- This backend's key cache counters (tests and diagnosis).
CREATE FUNCTION auth._key_cache_status(OUT loads bigint, OUT keys_parsed bigint, OUT hits bigint,
                                       OUT flushes bigint, OUT evictions bigint, OUT entries bigint)
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_key_cache_status';

-- C halves (owner only): material -> stored form, fresh keys, fresh kids.
CREATE FUNCTION auth._key_from_material(kid text, alg text, key text,
                                        OUT key_data bytea, OUT public_jwk jsonb, OUT can_sign boolean)
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_key_from_material';
CREATE FUNCTION auth._key_generate(kid text, alg text,
                                   OUT key_data bytea, OUT public_jwk jsonb, OUT can_sign boolean)
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_key_generate';
CREATE FUNCTION auth._new_kid() RETURNS text
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_new_kid';
CREATE FUNCTION auth._jwks_keys(jwks jsonb)
  RETURNS TABLE (kid text, alg text, key_data bytea, public_jwk jsonb)
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_jwks_keys';

-- The first step of every key change: the key table's lock (one writer at a time keeps the
-- one-active-signer rule and the kid checks true), then a named tenant must exist (42704);
-- NULL means global (or, for auth.revoke_key, that the kid alone decides).
CREATE FUNCTION auth._lock_keys(tenant text) RETURNS void
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  LOCK TABLE auth.keys IN SHARE ROW EXCLUSIVE MODE;
  IF tenant IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM auth.tenants t WHERE t.slug OPERATOR(pg_catalog.=) tenant) THEN
    PERFORM auth._raise('unknown_tenant');
  END IF;
END
$$;

-- The kid auth.sign uses for a tenant when none is named: its active signing key, else the
-- global one; NULL when there is none. For the login code (owner only).
CREATE FUNCTION auth._signing_kid(tenant text) RETURNS text
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT k.kid FROM auth.keys k
     WHERE k.is_active_signer AND k.revoked_at IS NULL
       AND (k.tenant OPERATOR(pg_catalog.=) $1 OR k.tenant IS NULL)
     ORDER BY k.tenant IS NULL
     LIMIT 1
  $$;

-- An error inside must not put the calling statement, which holds the key, into the server log.
CREATE FUNCTION auth.add_key(kid text, alg text, key text, tenant text DEFAULT NULL) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  stored record;
BEGIN
  -- EXECUTE is granted to PUBLIC and the caller checked here, inside the function: a permission
  -- error raised before the call would log the calling statement, secret included.
  -- (auth._caller_is_user_admin, 40_users.sql: superuser, database owner or tenantgate_admin.)
  IF NOT auth._caller_is_user_admin() THEN
    PERFORM auth._raise('function_permission_denied', 'add_key');
  END IF;
  IF kid IS NULL OR alg IS NULL OR key IS NULL THEN
    PERFORM auth._raise('invalid_parameter', 'kid, alg and key are required');
  END IF;
  IF octet_length(kid) NOT BETWEEN 1 AND 256 THEN
    PERFORM auth._raise('invalid_parameter', 'kid must be 1 to 256 bytes');
  END IF;
  PERFORM auth._lock_keys(tenant);
  IF EXISTS (SELECT 1 FROM auth.keys k WHERE k.kid OPERATOR(pg_catalog.=) add_key.kid
                                        AND k.tenant IS NOT DISTINCT FROM add_key.tenant) THEN
    PERFORM auth._raise('invalid_parameter', 'kid already exists');
  END IF;
  stored := auth._key_from_material(kid, alg, key);
  -- A verification key; it signs only when it can and the tenant has no signer yet.
  INSERT INTO auth.keys (kid, tenant, alg, key_data, public_jwk, can_sign, is_active_signer)
  VALUES (kid, tenant, alg, stored.key_data, stored.public_jwk, stored.can_sign,
          stored.can_sign AND NOT EXISTS (SELECT 1 FROM auth.keys k
                                           WHERE k.is_active_signer AND k.tenant IS NOT DISTINCT FROM add_key.tenant));
END
$$;

CREATE FUNCTION auth.generate_key(alg text, tenant text DEFAULT NULL) RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  new_kid text := auth._new_kid();
  stored record;
BEGIN
  IF alg IS NULL THEN
    PERFORM auth._raise('invalid_parameter', 'alg is required');
  END IF;
  PERFORM auth._lock_keys(tenant);
  stored := auth._key_generate(new_kid, alg);
  -- The new key signs from now on; the previous signer keeps verifying until revoked.
  UPDATE auth.keys k SET is_active_signer = false
   WHERE k.is_active_signer AND k.tenant IS NOT DISTINCT FROM generate_key.tenant;
  INSERT INTO auth.keys (kid, tenant, alg, key_data, public_jwk, can_sign, is_active_signer)
  VALUES (new_kid, tenant, alg, stored.key_data, stored.public_jwk, stored.can_sign, true);
  RETURN new_kid;
END
$$;

-- Trusts an identity provider's public keys: all of the set or none (the C side refuses the
-- whole set for any bad member; a kid that already exists for the tenant is refused here).
CREATE FUNCTION auth.import_jwks(jwks jsonb, tenant text DEFAULT NULL) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  imported integer;
BEGIN
  IF jwks IS NULL THEN
    PERFORM auth._raise('invalid_parameter', 'jwks is required');
  END IF;
  PERFORM auth._lock_keys(tenant);
  BEGIN
    INSERT INTO auth.keys (kid, tenant, alg, key_data, public_jwk, can_sign, is_active_signer)
    SELECT j.kid, import_jwks.tenant, j.alg, j.key_data, j.public_jwk, false, false FROM auth._jwks_keys(jwks) j;
  EXCEPTION WHEN unique_violation THEN
    -- never a silent replacement of a key the tenant already trusts
    PERFORM auth._raise('invalid_parameter', 'kid already exists');
  END;
  GET DIAGNOSTICS imported = ROW_COUNT;
  RETURN imported;
END
$$;

-- Revokes a key (kept for audit, never verifies again). Without a tenant, kid names the global
-- key of that name, else the one tenant key of that name (several tenants: name the tenant).
-- When the active signer is revoked, the newest remaining signing key of its tenant takes over.
-- Revoking a revoked key is a no-op.
CREATE FUNCTION auth.revoke_key(kid text, tenant text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  key_tenant text;
  matches bigint;
BEGIN
  PERFORM auth._lock_keys(NULL);
  IF revoke_key.tenant IS NOT NULL THEN
    SELECT count(*), min(k.tenant) INTO matches, key_tenant FROM auth.keys k
     WHERE k.kid OPERATOR(pg_catalog.=) revoke_key.kid AND k.tenant OPERATOR(pg_catalog.=) revoke_key.tenant;
  ELSIF EXISTS (SELECT 1 FROM auth.keys k WHERE k.kid OPERATOR(pg_catalog.=) revoke_key.kid AND k.tenant IS NULL) THEN
    matches := 1;
  ELSE
    SELECT count(*), min(k.tenant) INTO matches, key_tenant FROM auth.keys k
     WHERE k.kid OPERATOR(pg_catalog.=) revoke_key.kid;
  END IF;
  IF matches = 0 THEN
    PERFORM auth._raise('unknown_key');
  ELSIF matches > 1 THEN
    PERFORM auth._raise('invalid_parameter', 'kid exists for several tenants, name the tenant');
  END IF;
  UPDATE auth.keys k SET revoked_at = clock_timestamp(), is_active_signer = false
   WHERE k.kid OPERATOR(pg_catalog.=) revoke_key.kid AND k.tenant IS NOT DISTINCT FROM key_tenant
     AND k.revoked_at IS NULL;
  IF FOUND AND NOT EXISTS (SELECT 1 FROM auth.keys k WHERE k.is_active_signer
                                                    AND k.tenant IS NOT DISTINCT FROM key_tenant) THEN
    UPDATE auth.keys k SET is_active_signer = true
     WHERE k.ctid = (SELECT s.ctid FROM auth.keys s
                      WHERE s.can_sign AND s.revoked_at IS NULL AND s.tenant IS NOT DISTINCT FROM key_tenant
                      ORDER BY s.created_at DESC, s.kid DESC LIMIT 1);
  END IF;
END
$$;

-- The contract's one-argument form.
CREATE FUNCTION auth.revoke_key(kid text) RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT auth.revoke_key(kid, NULL::text) $$;

CREATE FUNCTION auth.jwks(tenant text DEFAULT NULL) RETURNS jsonb
  LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'tg_jwks';

-- sign(claims, kid) is the contract's form; sign(claims, kid, typ) sets the header's typ (the
-- login code signs access tokens as "at+jwt").
CREATE FUNCTION auth.sign(claims jsonb, kid text DEFAULT NULL) RETURNS text
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_sign';
CREATE FUNCTION auth.sign(claims jsonb, kid text, typ text) RETURNS text
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_sign';
CREATE FUNCTION auth.verify(token text) RETURNS jsonb
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_verify';
CREATE FUNCTION auth.verify(token text, key text, alg text) RETURNS jsonb
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_verify_with_key';
CREATE FUNCTION auth.decode(token text) RETURNS jsonb
  LANGUAGE c STABLE STRICT AS 'MODULE_PATHNAME', 'tg_decode';

-- Privileges (contract, Roles): clients verify and read public keys; managing keys and signing
-- arbitrary claims is for the owner and tenantgate_admin; decode is a debugging aid for admins.
-- verify and jwks are EXECUTE-able by PUBLIC because a NOINHERIT authenticator does not hold its
-- group's grants; the C entry points admit only members (also NOINHERIT ones) of
-- tenantgate_authenticator, tenantgate_admin or tenantgate_tenant, and superusers (42501 else).
REVOKE ALL ON FUNCTION auth._keys_changed(), auth._key_cache_status(), auth._key_from_material(text, text, text),
  auth._key_generate(text, text), auth._new_kid(), auth._jwks_keys(jsonb), auth._lock_keys(text),
  auth._signing_kid(text), auth.add_key(text, text, text, text), auth.generate_key(text, text),
  auth.import_jwks(jsonb, text), auth.revoke_key(text), auth.revoke_key(text, text), auth.jwks(text),
  auth.sign(jsonb, text), auth.sign(jsonb, text, text), auth.verify(text), auth.verify(text, text, text), auth.decode(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.verify(text), auth.verify(text, text, text), auth.jwks(text),
  auth.add_key(text, text, text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION auth.generate_key(text, text), auth._key_cache_status(),
  auth.import_jwks(jsonb, text), auth.revoke_key(text), auth.revoke_key(text, text), auth.sign(jsonb, text),
  auth.sign(jsonb, text, text), auth.decode(text) TO tenantgate_admin;

-- ==== 40_users.sql ====
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

-- ==== 50_sessions.sql ====
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

-- ==== 55_token_cache.sql ====
-- The per-backend token cache of auth.authenticate (extension/pg/token_cache.hpp): every
-- backend drops it when a change that could revoke an authenticated token commits. auth.keys
-- and auth.tenants already send that signal (20_keys.sql: keys_changed,
-- keys_cache_tenants_changed); these triggers send it for revocations, session families and
-- users, only for the changes that can take a token's validity away (a login's new family, a
-- refresh's used token or a purge of expired revocations do not flush every backend's cache).
CREATE FUNCTION auth._token_cache_invalidate() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'tg_token_cache_invalidate';
REVOKE ALL ON FUNCTION auth._token_cache_invalidate() FROM PUBLIC;

CREATE TRIGGER token_cache_revoked AFTER INSERT OR UPDATE ON auth.revoked_tokens
  FOR EACH ROW EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_families_changed AFTER UPDATE ON auth.refresh_families
  FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.user_id IS DISTINCT FROM NEW.user_id
                     OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_families_gone AFTER DELETE ON auth.refresh_families
  FOR EACH ROW EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_families_truncated AFTER TRUNCATE ON auth.refresh_families
  FOR EACH STATEMENT EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_users_changed AFTER UPDATE ON auth.users
  FOR EACH ROW WHEN (OLD.active IS DISTINCT FROM NEW.active OR OLD.role IS DISTINCT FROM NEW.role
                     OR OLD.sessions_not_before IS DISTINCT FROM NEW.sessions_not_before
                     OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_users_added_or_gone AFTER INSERT OR DELETE ON auth.users
  FOR EACH ROW EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_users_truncated AFTER TRUNCATE ON auth.users
  FOR EACH STATEMENT EXECUTE FUNCTION auth._token_cache_invalidate();

-- This backend's cache: entries held, tenantgate.token_cache_size, hits and misses since start.
CREATE FUNCTION auth._token_cache_status(OUT entries integer, OUT capacity integer, OUT hits bigint,
                                         OUT misses bigint)
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_token_cache_status';
REVOKE ALL ON FUNCTION auth._token_cache_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth._token_cache_status() TO tenantgate_admin;

-- ==== 60_isolation.sql ====
-- The tenant context: auth.authenticate and the readers. All C (extension/pg/fn_authenticate.cpp,
-- tenant_context.cpp): the readers return what authenticate verified and keeps in
-- extension-private, transaction-scoped memory — never a setting a client can write.

-- No SECURITY DEFINER and no SET clause on purpose: either would undo the role and
-- search_path switch when the function returns.
CREATE FUNCTION auth.authenticate(token text, host text DEFAULT NULL) RETURNS jsonb
  LANGUAGE c VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'tg_authenticate';

-- STABLE (never IMMUTABLE: a constant-folded tenant id would survive in a cached plan, PG-20)
-- and PARALLEL RESTRICTED (parallel workers do not have the leader's private state, PG-21).
CREATE FUNCTION auth.claims() RETURNS jsonb
  LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'tg_claims';
CREATE FUNCTION auth.uid() RETURNS text
  LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'tg_uid';
CREATE FUNCTION auth.tenant() RETURNS text
  LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'tg_tenant';
CREATE FUNCTION auth.tenant_id() RETURNS bigint
  LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'tg_tenant_id';
CREATE FUNCTION auth.role() RETURNS text
  LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'tg_role';

REVOKE ALL ON FUNCTION auth.authenticate(text, text), auth.claims(), auth.uid(), auth.tenant(),
  auth.tenant_id(), auth.role() FROM PUBLIC;
-- PUBLIC, not tenantgate_authenticator: the contract's authenticators are NOINHERIT members
-- (CREATE ROLE app LOGIN NOINHERIT), which do not get the group's privileges. Safe: the token
-- is the credential, and without one the readers return NULL.
GRANT EXECUTE ON FUNCTION auth.authenticate(text, text), auth.claims(), auth.uid(), auth.tenant(),
  auth.tenant_id(), auth.role() TO PUBLIC;

-- auth.audit(): the DBA's own functions that a tenant transaction could run with a name resolved
-- through somebody else's search_path (docs/isolation.md, "Your own functions"). A PL/pgSQL or
-- SQL function without a pinned search_path resolves unqualified types, tables and (for
-- PL/pgSQL, once per backend) its DECLAREd types through the caller's path, which an earlier
-- client of a pooled connection may have set; a SECURITY DEFINER one does so with its owner's
-- rights. Listed: functions outside pg_catalog/information_schema and outside this extension
-- (its own functions are checked by its tests), in a language other than C/internal, without
-- search_path in their SET clauses, that are SECURITY DEFINER or that a tenant role can
-- execute (EXECUTE for PUBLIC, tenantgate_tenant or a tenant role, in a schema such a role can
-- use). An empty result is the goal.
CREATE FUNCTION auth.audit()
  RETURNS TABLE (function regprocedure, owner name, language name, security_definer boolean, problem text)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
  WITH tenant_grantees AS (
    SELECT 0::oid AS grantee  -- PUBLIC
    UNION
    SELECT r.oid FROM pg_catalog.pg_roles r
     WHERE NOT r.rolsuper AND pg_catalog.pg_has_role(r.oid, 'tenantgate_tenant', 'MEMBER')
  ), candidates AS (
    SELECT p.oid, p.proowner, l.lanname, p.prosecdef, p.pronamespace, p.proacl
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      JOIN pg_catalog.pg_language l ON l.oid = p.prolang
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
       AND l.lanname NOT IN ('c', 'internal')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proconfig) AS c(setting)
                        WHERE c.setting ~* '^search_path=')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
                        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
                          AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
                          AND e.extname = 'tenantgate')
  ), reachable AS (
    SELECT c.oid FROM candidates c JOIN pg_catalog.pg_namespace n ON n.oid = c.pronamespace
     WHERE (c.proacl IS NULL
            OR EXISTS (SELECT 1 FROM pg_catalog.aclexplode(c.proacl) a
                        WHERE a.privilege_type = 'EXECUTE' AND a.grantee IN (SELECT grantee FROM tenant_grantees)))
       AND (EXISTS (SELECT 1 FROM pg_catalog.aclexplode(n.nspacl) a
                     WHERE a.privilege_type = 'USAGE' AND a.grantee IN (SELECT grantee FROM tenant_grantees))
            OR n.nspowner IN (SELECT grantee FROM tenant_grantees))
  )
  SELECT c.oid::pg_catalog.regprocedure, pg_catalog.pg_get_userbyid(c.proowner), c.lanname, c.prosecdef,
         CASE WHEN c.prosecdef THEN 'SECURITY DEFINER without SET search_path'
              ELSE 'executable by tenant roles without SET search_path' END
    FROM candidates c
   WHERE c.prosecdef OR c.oid IN (SELECT oid FROM reachable)
   ORDER BY c.oid::pg_catalog.regprocedure::pg_catalog.text
  $$;
REVOKE ALL ON FUNCTION auth.audit() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.audit() TO tenantgate_admin;

-- ==== 70_api.sql ====
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

-- ==== 72_http_request.sql ====
-- auth.http_request: the whole /api request of tenantgate-server in one C function
-- (extension/pg/fn_http_request.cpp): authenticate (as auth.authenticate), parse the PostgREST
-- request in the core (core/postgrest), resolve every name in the tenant's own namespace,
-- execute one statement with every value a parameter through a plan prepared once per query
-- shape per connection, and answer with the HTTP status, the response headers (Content-Range,
-- Location, Preference-Applied, Content-Type) and the body.
--
--   method          GET | HEAD | POST | PATCH | DELETE
--   path            /api/<table>, /api/rpc/<function> or /rpc/<function>
--   query           the raw query string (after '?', still percent-encoded)
--   request_headers {"prefer", "range", "range-unit", "accept", "x-tenantgate-max-rows"} (lower case)
--   request_body    the JSON text of a POST/PATCH (NULL otherwise)
--
-- SECURITY INVOKER without SET clauses, like auth.authenticate (a SET clause or SECURITY
-- DEFINER would undo the role and search_path switch).
CREATE FUNCTION auth.http_request(method text, host text, token text, path text, query text,
                                  request_headers jsonb, request_body text,
                                  OUT status integer, OUT headers jsonb, OUT body text)
  LANGUAGE c VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'tg_http_request';

-- The statements this connection has prepared for auth.http_request (its plan cache misses).
CREATE FUNCTION auth._http_request_plans_prepared() RETURNS bigint
  LANGUAGE c VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'tg_http_request_plans_prepared';

-- PUBLIC, like auth.authenticate and the http_* functions: the contract's authenticators are
-- NOINHERIT logins; auth.authenticate (called first) checks the caller's membership.
REVOKE ALL ON FUNCTION auth.http_request(text, text, text, text, text, jsonb, text),
  auth._http_request_plans_prepared() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.http_request(text, text, text, text, text, jsonb, text),
  auth._http_request_plans_prepared() TO PUBLIC;

-- ==== 74_http_web.sql ====
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

-- ==== 95_comments.sql ====
-- One line per function of schema auth: what it does, and who may call it. "Internal" functions
-- are EXECUTE-able by the extension owner only and called by the other auth functions; the
-- capability names are pg/access.hpp's, the grants are what tests/regress/sql/grants.sql prints.
-- tests/regress/sql/comments.sql fails when an auth function has no comment.

-- Errors (00_base.sql)
COMMENT ON FUNCTION auth._raise(text, text) IS 'Raises a row of the error table (core/error.hpp) by reason id: its SQLSTATE, message and the reason tag tenantgate:<id>. tenantgate_tenant and tenantgate_admin (it only raises).';
COMMENT ON FUNCTION auth._reasons() IS 'The error table: every reason id with its SQLSTATE, HTTP status, message and hint. tenantgate_admin and the owner.';

-- Tenants (10_tenants.sql)
COMMENT ON FUNCTION auth._slug_is_valid(text) IS 'Whether a tenant slug follows the slug rules (core/host.cpp). tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth._slug_is_reserved(text) IS 'Whether a slug is reserved (www, api, ...). tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth._slug_for_host(text) IS 'Host name to tenant slug under tenantgate.base_domain, without asking whether the tenant exists. Internal.';
COMMENT ON FUNCTION auth._run_migration(text, text) IS 'Runs one migration''s SQL in a tenant schema as tenantgate_admin inside a security-restricted operation. Internal.';
COMMENT ON FUNCTION auth._tenant_role_name(text, text) IS 'The staff or admin role name of a tenant (tg_<slug>_<kind>, shortened with an md5 suffix past 63 bytes). Internal.';
COMMENT ON FUNCTION auth.tenant_for_host(text) IS 'The slug of the existing tenant a Host header names, else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth._active_tenant(text) IS 'The row of an active tenant by slug, else 42704 (unknown) or 42501 (inactive). Internal.';
COMMENT ON FUNCTION auth._migrate_tenant(bigint, text) IS 'Applies one tenant''s pending migrations in version order; returns how many. Internal.';
COMMENT ON FUNCTION auth.create_tenant(text, text, text) IS 'Creates a tenant: its row, roles, schema (schema isolation), migrations and signing key. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.drop_tenant(text) IS 'Drops a tenant with its schema, roles, keys, users and sessions. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.set_tenant_active(text, boolean) IS 'Activates or deactivates a tenant (an inactive tenant''s tokens are refused). tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.add_migration(text, text) IS 'Registers a migration (version, SQL) for every schema-isolation tenant. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.migrate(text) IS 'Applies pending migrations to every schema-isolation tenant (or one), each in its own subtransaction; returns the count. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.enable_tenant_rls(regclass) IS 'Makes a shared table tenant-scoped by auth.tenant_id() (row isolation). The table''s owner (SECURITY INVOKER), if tenantgate_admin or the owner.';

-- Keys and tokens (20_keys.sql)
COMMENT ON FUNCTION auth._keys_changed() IS 'Statement trigger on auth.keys and auth.tenants: every backend drops its key cache. Internal.';
COMMENT ON FUNCTION auth._key_cache_status() IS 'This backend''s key cache counters: lookups loaded, keys parsed, hits, flushes, evictions, entries kept. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth._key_from_material(text, text, text) IS 'Key material (PEM, JWK or secret) to the stored form and public JWK. Internal.';
COMMENT ON FUNCTION auth._key_generate(text, text) IS 'Generates a fresh key of an algorithm in the stored form. Internal.';
COMMENT ON FUNCTION auth._new_kid() IS 'A fresh random kid. Internal.';
COMMENT ON FUNCTION auth._jwks_keys(jsonb) IS 'The keys of a JWKS, all checked (all or none), in the stored form. Internal.';
COMMENT ON FUNCTION auth._lock_keys(text) IS 'Locks auth.keys for a key change, then raises 42704 unless the named tenant exists (NULL: a global key). Internal.';
COMMENT ON FUNCTION auth._signing_kid(text) IS 'The kid auth.sign uses for a tenant: its active signer, else the global one, else NULL. Internal.';
COMMENT ON FUNCTION auth.add_key(text, text, text, text) IS 'Stores a key (secret, PEM or JWK) for a tenant or globally. EXECUTE for PUBLIC, admits is_admin only (outer user: superuser, database owner, tenantgate_admin).';
COMMENT ON FUNCTION auth.generate_key(text, text) IS 'Generates and stores a key for a tenant or globally; returns its kid. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.import_jwks(jsonb, text) IS 'Trusts an identity provider''s public keys (all of the set or none); returns how many. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.revoke_key(text, text) IS 'Revokes a tenant''s (or the global) key by kid; the newest remaining signer takes over. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.revoke_key(text) IS 'Revokes a key by kid (the contract''s one-argument form). tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.jwks(text) IS 'The public keys (JWKS) of a tenant and the global ones. EXECUTE for PUBLIC, admits may_use_token_functions (current user: superuser or member of tenantgate_authenticator/admin/tenant).';
COMMENT ON FUNCTION auth.sign(jsonb, text) IS 'Signs arbitrary claims with a stored key (the contract''s form). tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.sign(jsonb, text, text) IS 'Signs arbitrary claims with a stored key and a header typ. tenantgate_admin and the owner.';
COMMENT ON FUNCTION auth.verify(text) IS 'Verifies a token with the stored keys and claim rules; returns its claims. EXECUTE for PUBLIC, admits may_use_token_functions (current user).';
COMMENT ON FUNCTION auth.verify(text, text, text) IS 'Verifies a token with a key and algorithm given by the caller; returns its claims. EXECUTE for PUBLIC, admits may_use_token_functions (current user).';
COMMENT ON FUNCTION auth.decode(text) IS 'Decodes a token''s header and payload WITHOUT verifying it (a debugging aid). tenantgate_admin and the owner.';

-- Users (40_users.sql)
COMMENT ON FUNCTION auth._hash_password(text) IS 'Hashes a password (scrypt, bounded parameters). Internal.';
COMMENT ON FUNCTION auth._verify_password(text, text) IS 'Checks a password against a stored hash (scrypt, PBKDF2, imported formats). Internal.';
COMMENT ON FUNCTION auth._password_needs_rehash(text) IS 'Whether a stored hash should be replaced by a fresh default one at the next login. Internal.';
COMMENT ON FUNCTION auth._burn_password_work(text) IS 'Does the work of one default password check (unknown users cost what known ones do). Internal.';
COMMENT ON FUNCTION auth._password_hash_format(text) IS 'The format name of a stored password hash. Internal.';
COMMENT ON FUNCTION auth._random_token(text) IS 'A random opaque token with a prefix (tgr_, tgp_). Internal.';
COMMENT ON FUNCTION auth._caller_is_user_admin() IS 'is_admin: the outer user is a superuser, the database owner or a member of tenantgate_admin (pg/access.hpp). Internal.';
COMMENT ON FUNCTION auth._throttle_attempt(bigint, text, text) IS 'Charges one login attempt of (tenant, e-mail, client); false while locked out. Internal.';
COMMENT ON FUNCTION auth._throttle_forget(bigint, text, text) IS 'Forgets the throttle entry of (tenant, e-mail, client) after a successful login. Internal.';
COMMENT ON FUNCTION auth._throttle_reset(bigint, text) IS 'Forgets the throttle entries of (tenant, e-mail) for every client. Internal.';
COMMENT ON FUNCTION auth._throttle_status(bigint, text) IS 'What the login throttle holds for (tenant, e-mail), as jsonb. Internal.';
COMMENT ON FUNCTION auth._session_setting(text) IS 'access_ttl, refresh_ttl or reset_ttl in seconds. Internal.';
COMMENT ON FUNCTION auth._check_new_password(text) IS 'Raises 22023 unless a new password has 8 characters to 4096 bytes. Internal.';
COMMENT ON FUNCTION auth._require_client(text) IS 'may_use_client_functions, else 42501 (permission denied for function <fn>) unless the outer user is a superuser or a member of tenantgate_authenticator/admin/tenant (pg/access.hpp). Internal.';
COMMENT ON FUNCTION auth._check_email(text) IS 'Raises 22023 unless an e-mail may be stored (3 to 320 bytes, an @ after the first character, no white space or control character). Internal.';
COMMENT ON FUNCTION auth._throttle_admin_tenant(text, text) IS 'The tenant id of a (tenant, e-mail) whose login throttle the caller may read or lift, else an error. Internal.';
COMMENT ON FUNCTION auth._authenticated_user() IS 'The authenticated user''s row, else 28000 (not authenticated, token revoked). Internal.';
COMMENT ON FUNCTION auth._user_admin_tenant(text) IS 'The id of a tenant whose users the caller may manage (its tenant admin, or is_admin outside a tenant transaction), else an error. Internal.';
COMMENT ON FUNCTION auth.login_throttle_status(text, text) IS 'The login throttle of one e-mail of a tenant over all its clients. tenantgate_admin, the owner, and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.unlock_login(text, text) IS 'Lifts a login lockout of one e-mail of a tenant for every client. tenantgate_admin, the owner, and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.create_user(text, text, text, text, text) IS 'Creates a user of a tenant (password hashed, or an imported hash). EXECUTE for PUBLIC, admits is_admin and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.set_user_active(uuid, boolean) IS 'Activates or deactivates a user (deactivating revokes its sessions). tenantgate_admin, the owner, and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.deactivate_user(uuid) IS 'Deactivates a user and revokes its sessions. tenantgate_admin, the owner, and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.register(text, text, text) IS 'Sign-up of a staff user where the tenant allows it. EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.me() IS 'The authenticated user: id, e-mail, role, tenant. Anybody (PUBLIC), after auth.authenticate.';

-- Sessions (50_sessions.sql)
COMMENT ON FUNCTION auth._revoke_family_autonomously(uuid, text) IS 'Commits the revocation of a refresh family in a background worker''s transaction and waits for it. Internal.';
COMMENT ON FUNCTION auth._token_hash(text) IS 'The SHA-256 under which an opaque token is stored. Internal.';
COMMENT ON FUNCTION auth._revoke_user_sessions(uuid, text, uuid) IS 'Revokes every refresh family of a user (but one). Internal.';
COMMENT ON FUNCTION auth._purge_expired() IS 'Housekeeping: deletes up to 100 expired rows per session table. Internal (the owner may run it).';
COMMENT ON FUNCTION auth._check_refresh_token(text, text) IS 'The caller check and the form check of a refresh token (28000 wrong token type / malformed token). Internal.';
COMMENT ON FUNCTION auth._issue_tokens(uuid, text, text, text, uuid) IS 'A new access token and refresh token of a refresh family. Internal.';
COMMENT ON FUNCTION auth.login(text, text, text, text) IS 'Logs a user in (throttled per tenant, e-mail, peer and stated client); returns access and refresh tokens. EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.login(text, text, text) IS 'Logs a user in (the contract''s form: the client is the connection). EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.refresh(text) IS 'Rotates a refresh token into new tokens; a reused one revokes its family. EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth._check_session(jsonb) IS 'The session check auth.authenticate runs for tokens of our own keys (revoked jti, family, user). Internal.';
COMMENT ON FUNCTION auth.logout(text) IS 'Revokes an access token and its refresh family. EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.logout(text, text) IS 'auth.logout for the tenant a Host names (the HTTP shim''s form). EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.revoke_refresh_token(text) IS 'Ends a session by its refresh token (when the access token has expired). EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';
COMMENT ON FUNCTION auth.change_password(text, text) IS 'The authenticated user changes its password; its other sessions are revoked. Anybody (PUBLIC), after auth.authenticate.';
COMMENT ON FUNCTION auth.start_password_reset(text, text) IS 'Starts a password reset; returns the reset token (NULL for an unknown e-mail). tenantgate_admin, the owner, and the tenant''s admin in its authenticated transaction.';
COMMENT ON FUNCTION auth.reset_password(text, text) IS 'Uses a reset token once: sets the password, revokes every session, lifts a lockout. EXECUTE for PUBLIC, admits may_use_client_functions (outer user).';

-- Isolation (60_isolation.sql)
COMMENT ON FUNCTION auth.authenticate(text, text) IS 'Verifies an access token and switches this transaction to the tenant''s role and schema. EXECUTE for PUBLIC, admits may_use_token_functions (current user).';
COMMENT ON FUNCTION auth.claims() IS 'The claims of this transaction''s authenticated token, else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth.uid() IS 'The authenticated user''s id (sub), else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth.tenant() IS 'The authenticated tenant''s slug, else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth.tenant_id() IS 'The authenticated tenant''s id, else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth.role() IS 'The authenticated role kind (admin or staff), else NULL. Anybody (PUBLIC).';
COMMENT ON FUNCTION auth.audit() IS 'The DBA''s functions a tenant transaction could run with names resolved through another client''s search_path. tenantgate_admin and the owner.';

-- The HTTP shim's entry points (70_api.sql): each is one HTTP request.
COMMENT ON FUNCTION auth._http_require_authenticator() IS 'require_authenticator_session: 42501 unless the session user is a superuser or a member of tenantgate_authenticator or tenantgate_admin. PUBLIC (a check).';
COMMENT ON FUNCTION auth._http_tenant(text) IS 'The active tenant a Host names, else 42704/42501; checks the session first. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_login(text, text, text, text) IS 'POST /auth/login for the Host''s tenant. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth._http_check_token_tenant(text, text, text) IS 'Raises unless the Host names an active tenant and a refresh (tgr_) or reset (tgp_) token of it belongs to that tenant. Internal.';
COMMENT ON FUNCTION auth.http_refresh(text, text) IS 'POST /auth/refresh for the Host''s tenant. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_revoke_refresh_token(text, text) IS 'POST /auth/logout with a refresh token and no bearer. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_register(text, text, text) IS 'POST /auth/register for the Host''s tenant. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_jwks(text) IS 'GET /.well-known/jwks.json for the Host''s tenant. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_reset_password(text, text, text) IS 'POST /auth/password/reset with a reset token of the Host''s tenant. PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_me(text, text) IS 'GET /auth/me. PUBLIC (does nothing before a valid token).';
COMMENT ON FUNCTION auth.http_logout(text, text) IS 'POST /auth/logout with a bearer token. PUBLIC (does nothing before a valid token).';
COMMENT ON FUNCTION auth.http_change_password(text, text, text, text) IS 'POST /auth/password (change it). PUBLIC (does nothing before a valid token).';
COMMENT ON FUNCTION auth.http_start_password_reset(text, text, text) IS 'POST /auth/password/reset-request by the tenant''s admin. PUBLIC (does nothing before a valid token).';

-- The browser app's routes (74_http_web.sql)
COMMENT ON FUNCTION auth.http_tenant(text) IS 'GET /auth/tenant: slug and name of the Host''s active tenant (unknown or inactive: 42704). PUBLIC (SECURITY DEFINER, require_authenticator_session).';
COMMENT ON FUNCTION auth.http_users(text, text, text, uuid, jsonb) IS '/auth/users routes of the tenant''s admin (list, create, set_active, password_reset). PUBLIC (does nothing before a valid token).';
COMMENT ON FUNCTION auth._web_users(text, uuid, jsonb) IS 'The user management of auth.http_users on the authenticated tenant''s users. PUBLIC (runs after auth.authenticate; admits the tenant''s admin only).';

-- The /api language (72_http_request.sql)
COMMENT ON FUNCTION auth.http_request(text, text, text, text, text, jsonb, text) IS 'One PostgREST-compatible request (/api/<table>, /api/rpc/<fn>, /api/): authenticates like auth.authenticate, runs one statement planned once per query shape, answers status, headers and body. PUBLIC (does nothing before a valid token).';
COMMENT ON FUNCTION auth._http_request_plans_prepared() IS 'How many statements this connection has prepared for auth.http_request (its plan cache misses). PUBLIC (reads only this backend''s counter).';

-- The token cache (55_token_cache.sql)
COMMENT ON FUNCTION auth._token_cache_invalidate() IS 'Trigger: a committed change of a table that can revoke a token (revocations, refresh families, users) drops every backend''s token cache. Internal.';
COMMENT ON FUNCTION auth._token_cache_status() IS 'This backend''s token cache: entries, capacity, hits, misses. tenantgate_admin and the owner.';
