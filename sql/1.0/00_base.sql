-- tenantgate 1.0: the base every other part builds on. The schema auth itself is created by
-- CREATE EXTENSION (control file: schema = auth).
\echo Use "CREATE EXTENSION tenantgate" to load this file. \quit

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
