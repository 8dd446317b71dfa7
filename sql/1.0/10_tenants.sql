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
-- Runs one migration's SQL in a tenant schema as this database's admin role (never as a superuser),
-- inside a security-restricted operation: SET ROLE / SET SESSION AUTHORIZATION are refused.
CREATE FUNCTION auth._run_migration(schema_name text, migration_sql text) RETURNS void
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_run_migration';
-- The role names of a tenant in this database: tg_<role tag>_<slug>_staff / _admin
-- (auth._role_name, 05_database_roles.sql; NULL before the database has a role tag).
CREATE FUNCTION auth._tenant_role_name(slug text, kind text) RETURNS name
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT auth._role_name(auth._role_tag(), slug, kind) $$;

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
    admin_group name;
    taken name;
    new_id bigint;
    key_alg text;
  BEGIN
    PERFORM auth._require_admin('create_tenant');
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
    admin_group := auth._database_roles();
    staff := auth._tenant_role_name(slug, 'staff');
    admin := auth._tenant_role_name(slug, 'admin');

    INSERT INTO auth.tenants (slug, name, isolation, staff_role, admin_role)
      VALUES (create_tenant.slug, create_tenant.name, create_tenant.isolation, staff, admin)
      RETURNING id INTO new_id;

    -- A role of that name is someone else's, or left by a dropped database or extension (roles
    -- are cluster-wide): say so, never the raw "role already exists".
    SELECT r.rolname INTO taken FROM pg_catalog.pg_roles r WHERE r.rolname IN (staff, admin) ORDER BY r.rolname DESC LIMIT 1;
    IF taken IS NOT NULL THEN
      PERFORM auth._raise('role_exists', taken);
    END IF;

    -- No IF NOT EXISTS: a pre-existing role of that name (someone else's) must stop us.
    -- The tenant roles can log in nowhere, own nothing and create nothing; staff is what a
    -- staff user's transaction runs as, admin has staff's privileges through membership.
    EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', staff);
    EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', admin);
    EXECUTE pg_catalog.format('GRANT tenantgate_tenant TO %I, %I', staff, admin);
    EXECUTE pg_catalog.format('GRANT %I TO %I', staff, admin);
    -- The mark auth.cleanup_roles() recognises (pg_shdescription is readable from every database).
    EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', staff,
                              'tenantgate: staff role of tenant ' || slug || ', role tag ' || auth._role_tag());
    EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', admin,
                              'tenantgate: admin role of tenant ' || slug || ', role tag ' || auth._role_tag());

    IF isolation = 'schema' THEN
      -- Owned by this database's admin role: migrations run as that role, never as a superuser
      -- (PG-12). Tenant roles get USAGE only, never CREATE (PG-03).
      EXECUTE pg_catalog.format('CREATE SCHEMA %I AUTHORIZATION %I', slug, admin_group);
      EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', slug);
      EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %I', slug, staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                                'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', admin_group, slug, staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                                'GRANT USAGE, SELECT ON SEQUENCES TO %I', admin_group, slug, staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                                'GRANT EXECUTE ON FUNCTIONS TO %I', admin_group, slug, staff);
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
    PERFORM auth._require_admin('drop_tenant');
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
    PERFORM auth._require_admin('set_tenant_active');
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
    PERFORM auth._require_admin('add_migration');
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
    PERFORM auth._require_admin('migrate');
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
