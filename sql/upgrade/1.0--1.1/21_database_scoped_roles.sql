-- tenantgate 1.0 -> 1.1: database-scoped roles (issue #12 point 1; sql/1.0/05_database_roles.sql
-- says the design, docs/operations.md "Several databases in one cluster" the DBA's side).
-- What 1.1 changes relative to the 1.0 script, in the 1.1 sources' own words (every function body
-- here is the 1.1 text, so an updated database dumps like a fresh 1.1 one), then the data: when the
-- database has tenants or admins, it gets its role tag and admin role, the tenant roles are renamed
-- to tg_<tag>_<slug>_<kind> (same roles, so every grant stays), the tenant schemas and what
-- tenantgate_admin owns in this database go to the new admin role (REASSIGN OWNED is per
-- database), their default privileges move with them, and every direct member of tenantgate_admin
-- becomes a member of this database's admin role (so who was an admin here stays one, and being a
-- member of tenantgate_admin alone opens nothing from now on).
-- Part 1, the new objects (the role tag, the role names, the database admin role, cleanup), is
-- sql/1.0/05_database_roles.sql itself: 20_database_roles.sql links to it (all new in 1.1).

-- 2. Changed functions (10_tenants.sql, 20_keys.sql)
CREATE OR REPLACE FUNCTION auth._tenant_role_name(slug text, kind text) RETURNS name
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT auth._role_name(auth._role_tag(), slug, kind) $$;
CREATE OR REPLACE FUNCTION auth.create_tenant(slug text, name text DEFAULT NULL, isolation text DEFAULT 'schema')
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

CREATE OR REPLACE FUNCTION auth.drop_tenant(slug text) RETURNS void
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

CREATE OR REPLACE FUNCTION auth.set_tenant_active(slug text, active boolean) RETURNS void
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

CREATE OR REPLACE FUNCTION auth.add_migration(version text, sql text) RETURNS void
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

CREATE OR REPLACE FUNCTION auth.migrate(tenant text DEFAULT NULL) RETURNS integer
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

CREATE OR REPLACE FUNCTION auth.generate_key(alg text, tenant text DEFAULT NULL) RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  new_kid text := auth._new_kid();
  stored record;
BEGIN
  PERFORM auth._require_admin('generate_key');
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

CREATE OR REPLACE FUNCTION auth.import_jwks(jwks jsonb, tenant text DEFAULT NULL) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  imported integer;
BEGIN
  PERFORM auth._require_admin('import_jwks');
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

CREATE OR REPLACE FUNCTION auth.revoke_key(kid text, tenant text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  key_tenant text;
  matches bigint;
BEGIN
  PERFORM auth._require_admin('revoke_key');
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

-- 3. The registry and migration tables show rows to this database's admins only (40_users.sql)
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

-- 4. Comments (95_comments.sql): the new functions and the reworded ones
COMMENT ON FUNCTION auth._role_tag() IS 'This database''s role tag (auth.config), NULL until its roles are first needed. Internal.';
COMMENT ON FUNCTION auth._role_name(text, text, text) IS 'Every role name tenantgate makes: tg_<tag>_<slug>_<kind> (shortened with an md5 suffix past 63 bytes) or tenantgate_<tag>_admin. Internal.';
COMMENT ON FUNCTION auth._database_roles() IS 'Makes, when missing, the role tag and this database''s admin role (member of tenantgate_admin, SELECT on auth.config, a COMMENT naming the tag); returns its name. Internal.';
COMMENT ON FUNCTION auth._require_admin(text) IS '42501 permission denied for function <fn> unless the caller is_admin (superuser, database owner, member of this database''s admin role). Internal.';
COMMENT ON FUNCTION auth.admin_role() IS 'The name of this database''s admin role (made when missing): GRANT it to make a login an admin of this database only. EXECUTE for PUBLIC, admits is_admin only.';
COMMENT ON FUNCTION auth.cleanup_roles() IS 'Drops the tenantgate roles of role tags no existing database uses (left by DROP DATABASE); returns them. tenantgate_admin and superusers (SECURITY INVOKER: DROP ROLE''s own rules apply).';
COMMENT ON FUNCTION auth._drop_database_roles() IS 'DROP EXTENSION: hands the admin role''s objects to the database owner and drops this database''s tenantgate roles. Internal.';
COMMENT ON FUNCTION auth._run_migration(text, text) IS 'Runs one migration''s SQL in a tenant schema as this database''s admin role inside a security-restricted operation. Internal.';
COMMENT ON FUNCTION auth._tenant_role_name(text, text) IS 'The staff or admin role name of a tenant in this database (auth._role_name with this database''s tag). Internal.';
COMMENT ON FUNCTION auth._caller_is_user_admin() IS 'is_admin: the outer user is a superuser, the database owner or a member of this database''s admin role (pg/access.hpp). tenantgate_admin (the policies of auth.tenants and the migration tables call it).';
COMMENT ON FUNCTION auth.add_key(text, text, text, text) IS 'Stores a key (secret, PEM or JWK) for a tenant or globally. EXECUTE for PUBLIC, admits is_admin only (outer user: superuser, database owner, member of this database''s admin role).';

-- 5. The data. A database without tenants and without admins gets its tag on first need, as a
-- fresh 1.1 database does. Otherwise: the tag and admin role now; every direct member of
-- tenantgate_admin (but another database's admin role) becomes a member of this database's admin
-- role; what tenantgate_admin owns in THIS database (the tenant schemas and what migrations made)
-- goes to it, with the default privileges; the tenant roles are renamed (same roles: their grants
-- stay) and marked for auth.cleanup_roles(). A tenant role already renamed by another database's
-- update (a restored copy shared it) is left as it is: re-create that copy's tenants.
DO $upgrade$
DECLARE
  admin_group name;
  t record;
  m record;
  new_staff name;
  new_admin name;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM auth.tenants)
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members am JOIN pg_catalog.pg_roles r ON r.oid = am.member
                      WHERE am.roleid = 'tenantgate_admin'::pg_catalog.regrole
                        AND r.rolname !~ '^tenantgate_[a-z0-9]+_admin$') THEN
    RETURN;
  END IF;
  admin_group := auth._database_roles();
  FOR m IN
    SELECT r.rolname FROM pg_catalog.pg_auth_members am JOIN pg_catalog.pg_roles r ON r.oid = am.member
     WHERE am.roleid = 'tenantgate_admin'::pg_catalog.regrole AND r.rolname !~ '^tenantgate_[a-z0-9]+_admin$'
     ORDER BY r.rolname
  LOOP
    EXECUTE pg_catalog.format('GRANT %I TO %I', admin_group, m.rolname);
  END LOOP;
  EXECUTE pg_catalog.format('REASSIGN OWNED BY tenantgate_admin TO %I', admin_group);
  FOR t IN SELECT * FROM auth.tenants ORDER BY id LOOP
    new_staff := auth._tenant_role_name(t.slug, 'staff');
    new_admin := auth._tenant_role_name(t.slug, 'admin');
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = t.staff_role) THEN
      EXECUTE pg_catalog.format('ALTER ROLE %I RENAME TO %I', t.staff_role, new_staff);
      EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', new_staff,
                                'tenantgate: staff role of tenant ' || t.slug || ', role tag ' || auth._role_tag());
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = t.admin_role) THEN
      EXECUTE pg_catalog.format('ALTER ROLE %I RENAME TO %I', t.admin_role, new_admin);
      EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', new_admin,
                                'tenantgate: admin role of tenant ' || t.slug || ', role tag ' || auth._role_tag());
    END IF;
    UPDATE auth.tenants SET staff_role = new_staff, admin_role = new_admin WHERE id = t.id;
    IF t.isolation = 'schema' AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = new_staff) THEN
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                                'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', admin_group, t.slug, new_staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                                'GRANT USAGE, SELECT ON SEQUENCES TO %I', admin_group, t.slug, new_staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                                'GRANT EXECUTE ON FUNCTIONS TO %I', admin_group, t.slug, new_staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE tenantgate_admin IN SCHEMA %I '
                                'REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM %I', t.slug, new_staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE tenantgate_admin IN SCHEMA %I '
                                'REVOKE USAGE, SELECT ON SEQUENCES FROM %I', t.slug, new_staff);
      EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE tenantgate_admin IN SCHEMA %I '
                                'REVOKE EXECUTE ON FUNCTIONS FROM %I', t.slug, new_staff);
    END IF;
  END LOOP;
  -- An extension script's GRANTs become the extension's initial privileges (pg_init_privs), which
  -- pg_dump leaves out; a fresh 1.1 database makes this grant at run time. Revoked here, it is made
  -- again, outside any script, by the first auth._database_roles() after the update
  -- (create_tenant, admin_role(), ...), as in a fresh database.
  EXECUTE pg_catalog.format('REVOKE SELECT ON TABLE auth.config FROM %I', admin_group);
END
$upgrade$;
