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
