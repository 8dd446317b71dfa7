-- The roles of THIS database (docs/operations.md, "Several databases in one cluster").
-- PostgreSQL roles are cluster-wide, tenants are not: every role tenantgate makes for a database
-- carries that database's role tag, so two databases of one cluster can both have a tenant
-- company1, and a role made admin of one database has no power in another.
--
--   tenantgate_<tag>_admin     this database's admin role: GRANT it to make a login an admin of
--                              this database only (auth.admin_role() names it). It owns the tenant
--                              schemas and tenant migrations run as it. It is a member of the
--                              cluster-wide tenantgate_admin, which holds the EXECUTE grants of the
--                              admin functions; every admin function admits only is_admin callers
--                              (pg/access.hpp: superuser, database owner, member of THIS database's
--                              admin role), so tenantgate_admin alone opens nothing.
--   tg_<tag>_<slug>_staff/_admin  the tenant roles (auth._tenant_role_name).
--
-- The tag is chosen the first time the database needs its roles (auth._database_roles: the first
-- create_tenant or auth.admin_role()), not by CREATE EXTENSION: pg_restore runs CREATE EXTENSION
-- before it restores auth.config, so a restored database keeps the tag (and so the role names)
-- of its dump instead of inventing one. It is the database name reduced to [a-z0-9] (20
-- characters at most), with a number appended when roles of that tag already exist anywhere in
-- the cluster. Each of these roles has a COMMENT naming its tag; the admin role holds SELECT on
-- auth.config (a privilege in this database, kept by pg_dump): auth.cleanup_roles() drops the
-- roles of a tag none of whose roles holds anything in a database that still exists.

CREATE TABLE auth.config (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  role_tag  text NOT NULL CHECK (role_tag ~ '^[a-z0-9]{1,20}$')
);
SELECT pg_catalog.pg_extension_config_dump('auth.config', '');
REVOKE ALL ON TABLE auth.config FROM PUBLIC;

-- This database's role tag, NULL until its roles are first needed.
CREATE FUNCTION auth._role_tag() RETURNS text
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT c.role_tag FROM auth.config c $$;

-- Every role name tenantgate makes, built here and only here. kind: 'staff' or 'admin' (of the
-- tenant slug), or 'database_admin' (slug ignored). A tenant role name longer than 63 bytes
-- (NAMEDATALEN would silently truncate it) keeps the start of the slug and an md5 suffix.
CREATE FUNCTION auth._role_name(tag text, slug text, kind text) RETURNS name
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT CASE WHEN tag IS NULL OR kind IS NULL THEN NULL
                WHEN kind = 'database_admin' THEN ('tenantgate_' || tag || '_admin')::name
                WHEN slug IS NULL THEN NULL
                WHEN pg_catalog.octet_length('tg_' || tag || '_' || slug || '_' || kind) <= 63
                THEN ('tg_' || tag || '_' || slug || '_' || kind)::name
                ELSE ('tg_' || tag || '_'
                      || pg_catalog.left(slug, 49 - pg_catalog.octet_length(tag) - pg_catalog.octet_length(kind))
                      || '_' || pg_catalog.left(pg_catalog.md5(slug), 8) || '_' || kind)::name END
  $$;

-- Makes (when missing) the role tag and this database's admin role; returns the role's name.
-- Idempotent: a restored database whose admin role came back without its membership or its
-- privilege on auth.config gets them again.
CREATE FUNCTION auth._database_roles() RETURNS name
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    tag text;
    base text;
    candidate text;
    n integer := 1;
    admin_group name;
  BEGIN
    -- One chooser per database; the cluster-wide uniqueness of role names settles the rest.
    LOCK TABLE auth.config IN SHARE ROW EXCLUSIVE MODE;
    SELECT c.role_tag INTO tag FROM auth.config c;
    IF tag IS NULL THEN
      base := pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.lower(pg_catalog.current_database()), '[^a-z0-9]', '', 'g'), 20);
      IF base = '' THEN
        base := 'db';
      END IF;
      LOOP
        candidate := CASE WHEN n = 1 THEN base
                          ELSE pg_catalog.left(base, 20 - pg_catalog.length(n::text)) || n::text END;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                        WHERE r.rolname = auth._role_name(candidate, NULL, 'database_admin')
                           OR r.rolname LIKE 'tg\_' || candidate || '\_%') THEN
          BEGIN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
                                      auth._role_name(candidate, NULL, 'database_admin'));
            tag := candidate;
            EXIT;
          EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database took this tag at the same moment
          END;
        END IF;
        n := n + 1;
      END LOOP;
      INSERT INTO auth.config (role_tag) VALUES (tag);
    END IF;
    admin_group := auth._role_name(tag, NULL, 'database_admin');
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = admin_group) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
                                admin_group);
    END IF;
    IF pg_catalog.shobj_description(admin_group::text::regrole, 'pg_authid') IS DISTINCT FROM
       'tenantgate: admin role of the database with role tag ' || tag THEN
      EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', admin_group,
                                'tenantgate: admin role of the database with role tag ' || tag);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                    WHERE m.roleid = 'tenantgate_admin'::regrole AND m.member = admin_group::text::regrole) THEN
      EXECUTE pg_catalog.format('GRANT tenantgate_admin TO %I', admin_group);
    END IF;
    IF NOT pg_catalog.has_table_privilege(admin_group, 'auth.config', 'SELECT') THEN
      EXECUTE pg_catalog.format('GRANT SELECT ON TABLE auth.config TO %I', admin_group);
    END IF;
    RETURN admin_group;
  END
  $$;

-- The caller must be is_admin (superuser, database owner, member of this database's admin role),
-- else 42501 "permission denied for function <fn>". Every function granted to the cluster-wide
-- tenantgate_admin that changes or reveals this database's tenants or keys calls it first.
CREATE FUNCTION auth._require_admin(fn text) RETURNS void
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    IF NOT auth._caller_is_user_admin() THEN
      PERFORM auth._raise('function_permission_denied', fn);
    END IF;
  END
  $$;

-- The name of this database's admin role (made when missing): GRANT it to a login to make that
-- login an admin of this database and of no other.
CREATE FUNCTION auth.admin_role() RETURNS name
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    PERFORM auth._require_admin('admin_role');
    RETURN auth._database_roles();
  END
  $$;

-- Drops the roles left behind by dropped databases (or by a DROP EXTENSION that ran without the
-- library loaded): the tenantgate roles (by their COMMENT) of every role tag none of whose roles
-- holds an object, a privilege or a default privilege in a database that still exists, nor a
-- privilege on a cluster-wide object. Returns what it dropped. SECURITY INVOKER: the caller needs
-- what DROP ROLE needs (a superuser, or CREATEROLE and being allowed by tenantgate to manage its
-- roles). A role that cannot be dropped is reported by a NOTICE and kept.
CREATE FUNCTION auth.cleanup_roles() RETURNS TABLE (role name, role_tag text)
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    r record;
    msg text;
  BEGIN
    FOR r IN
      WITH marked AS (
        SELECT a.oid, a.rolname, pg_catalog.substring(d.description, 'role tag ([a-z0-9]+)$') AS tag,
               d.description LIKE 'tenantgate: admin role of the database%' AS is_database_admin
          FROM pg_catalog.pg_shdescription d JOIN pg_catalog.pg_roles a ON a.oid = d.objoid
         WHERE d.classoid = 'pg_catalog.pg_authid'::pg_catalog.regclass
           AND d.description LIKE 'tenantgate: %role tag %'
      ), live AS (
        SELECT DISTINCT m.tag FROM marked m
          JOIN pg_catalog.pg_shdepend s ON s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
                                       AND s.refobjid = m.oid
         WHERE s.dbid = 0 OR s.dbid IN (SELECT db.oid FROM pg_catalog.pg_database db)
      )
      SELECT m.rolname, m.tag FROM marked m
       WHERE m.tag IS NOT NULL AND m.tag IS DISTINCT FROM auth._role_tag()
         AND m.tag NOT IN (SELECT l.tag FROM live l)
       ORDER BY m.tag, m.is_database_admin, m.rolname LIKE '%\_admin' DESC, m.rolname
    LOOP
      BEGIN
        EXECUTE pg_catalog.format('DROP ROLE %I', r.rolname);
        role := r.rolname;
        role_tag := r.tag;
        RETURN NEXT;
      EXCEPTION
        WHEN undefined_object THEN
          NULL;  -- a concurrent cleanup dropped it first
        WHEN OTHERS THEN
          GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
          RAISE NOTICE 'role % kept: %', r.rolname, msg;
      END;
    END LOOP;
  END
  $$;

-- DROP EXTENSION tenantgate (utility_hook.cpp calls this first, when the library is loaded):
-- the tenant schemas and what the admin role owns in this database go to the database owner
-- (data is never dropped with the extension), then this database's tenant roles and admin role
-- lose their privileges here and are dropped. A role that cannot be dropped (it holds privileges
-- in another database) is reported by a NOTICE and kept; auth.cleanup_roles() finds it later.
CREATE FUNCTION auth._drop_database_roles() RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    tag text := auth._role_tag();
    admin_group name;
    db_owner name;
    r record;
    msg text;
  BEGIN
    IF tag IS NULL THEN
      RETURN;
    END IF;
    admin_group := auth._role_name(tag, NULL, 'database_admin');
    SELECT pg_catalog.pg_get_userbyid(d.datdba) INTO db_owner FROM pg_catalog.pg_database d
     WHERE d.datname = pg_catalog.current_database();
    FOR r IN
      SELECT x.rolname FROM (
        SELECT t.admin_role AS rolname, 1 AS ord FROM auth.tenants t
        UNION ALL SELECT t.staff_role, 2 FROM auth.tenants t
        UNION ALL SELECT admin_group, 3) x
       WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles pr WHERE pr.rolname = x.rolname)
       ORDER BY x.ord, x.rolname
    LOOP
      EXECUTE pg_catalog.format('REASSIGN OWNED BY %I TO %I', r.rolname, db_owner);
      EXECUTE pg_catalog.format('DROP OWNED BY %I', r.rolname);
      BEGIN
        EXECUTE pg_catalog.format('DROP ROLE %I', r.rolname);
      EXCEPTION WHEN dependent_objects_still_exist THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        RAISE NOTICE 'role % kept: %', r.rolname, msg;
      END;
    END LOOP;
  END
  $$;

REVOKE ALL ON FUNCTION auth._role_tag(), auth._role_name(text, text, text), auth._database_roles(),
  auth._require_admin(text), auth.admin_role(), auth.cleanup_roles(), auth._drop_database_roles() FROM PUBLIC;
-- admin_role admits is_admin callers itself (the database owner is one, and holds no grant).
GRANT EXECUTE ON FUNCTION auth.admin_role() TO PUBLIC;
GRANT EXECUTE ON FUNCTION auth.cleanup_roles() TO tenantgate_admin;
