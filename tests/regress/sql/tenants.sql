-- The tenant registry: create/drop/activate, slug rules, roles and schema privileges, host
-- mapping, role protection, privileges of the functions. Tenants: tn-a, tn-b, tn-r (row) and
-- one 63-character slug. Roles are cluster-wide: names are unique to this file, cleaned up.
\set VERBOSITY terse
CREATE EXTENSION tenantgate;
SELECT current_database() AS db \gset
\set leftover_roles '^(tg_tgregresstenants_(tn-|tnlong)|tn_app$|tn_creator$|tn_manager$)'
\i helpers/drop_leftover_roles.sql

-- slug rules: a DNS label, not reserved (one source of truth: core/host.cpp)
SELECT s, auth._slug_is_valid(s) AS valid, auth._slug_is_reserved(s) AS reserved
  FROM unnest(ARRAY['tn-a', 'a', '0day', 'Tn-A', 'tn_a', '-tn', 'tn-', 'tn.a', '', repeat('a', 63), repeat('a', 64),
                    'public', 'auth', 'www', 'pg-x', 'tenantgate', 'tenantgate-x', 'tg', 'postgres']) s;
SELECT auth.create_tenant('Tn-A');
SELECT auth.create_tenant('tn_a');
SELECT auth.create_tenant('public');
SELECT auth.create_tenant('auth');
SELECT auth.create_tenant(NULL);
SELECT auth.create_tenant('tn-a', NULL, 'shared');
SELECT auth.create_tenant('tn-a', NULL, NULL);

-- create: the row, two roles, the schema
SELECT auth.create_tenant('tn-a', 'Tenant A') - 'id' AS tenant;
SELECT auth.create_tenant('tn-r', NULL, 'row') - 'id' AS tenant;
SELECT slug, name, isolation, active, allow_signup, staff_role, admin_role FROM auth.tenants ORDER BY id;
SELECT auth.create_tenant('tn-a');
SELECT auth.create_tenant('tn-r', NULL, 'row');
SELECT rolname, rolcanlogin, rolinherit, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication
  FROM pg_roles WHERE rolname LIKE 'tg\_tgregresstenants\_tn-%' ORDER BY 1;
-- admin has staff's privileges; staff does not have admin's; both are tenantgate_tenant
SELECT pg_has_role('tg_tgregresstenants_tn-a_admin', 'tg_tgregresstenants_tn-a_staff', 'USAGE') AS admin_uses_staff,
       pg_has_role('tg_tgregresstenants_tn-a_staff', 'tg_tgregresstenants_tn-a_admin', 'MEMBER') AS staff_in_admin,
       pg_has_role('tg_tgregresstenants_tn-a_staff', 'tenantgate_tenant', 'USAGE') AS staff_tenant,
       pg_has_role('tg_tgregresstenants_tn-a_admin', 'tenantgate_tenant', 'USAGE') AS admin_tenant,
       pg_has_role('tg_tgregresstenants_tn-a_admin', 'tg_tgregresstenants_tn-r_staff', 'MEMBER') AS cross_tenant;
-- the schema belongs to tenantgate_admin; tenant roles may use it but create nothing (PG-03)
SELECT nspowner::regrole, has_schema_privilege('tg_tgregresstenants_tn-a_staff', oid, 'USAGE') AS staff_usage,
       has_schema_privilege('tg_tgregresstenants_tn-a_staff', oid, 'CREATE') AS staff_create,
       has_schema_privilege('tg_tgregresstenants_tn-a_admin', oid, 'CREATE') AS admin_create,
       has_schema_privilege('tg_tgregresstenants_tn-r_staff', oid, 'USAGE') AS other_usage,
       has_schema_privilege('tenantgate_authenticator', oid, 'USAGE') AS authenticator_usage
  FROM pg_namespace WHERE nspname = 'tn-a';
SELECT defaclrole::regrole, defaclobjtype, defaclacl FROM pg_default_acl
 WHERE defaclnamespace = 'tn-a'::regnamespace ORDER BY defaclobjtype;
SELECT count(*) AS row_tenant_schemas FROM pg_namespace WHERE nspname = 'tn-r';

-- a slug whose role names would exceed 63 bytes gets a hash-suffixed name
SELECT (auth.create_tenant('tnlong' || repeat('x', 57))) - 'id' - 'slug' - 'schema' AS long_tenant;
SELECT octet_length(staff_role) AS staff_len, octet_length(admin_role) AS admin_len, staff_role <> admin_role AS distinct_roles
  FROM auth.tenants WHERE slug LIKE 'tnlong%';
SELECT auth.drop_tenant('tnlong' || repeat('x', 57));

-- a pre-existing role or schema of the same name stops creation, and nothing is left behind
CREATE ROLE "tg_tgregresstenants_tn-b_staff";
SELECT auth.create_tenant('tn-b');
SELECT count(*) FROM auth.tenants WHERE slug = 'tn-b';
SELECT count(*) FROM pg_namespace WHERE nspname = 'tn-b';
DROP ROLE "tg_tgregresstenants_tn-b_staff";
CREATE SCHEMA "tn-b";
SELECT auth.create_tenant('tn-b');
DROP SCHEMA "tn-b";

-- host → tenant (tenantgate.base_domain); unknown → NULL; an inactive tenant still maps
SHOW tenantgate.base_domain;
SELECT auth.tenant_for_host('tn-a.localhost') AS plain, auth.tenant_for_host('TN-A.LocalHost.:8080') AS mixed,
       auth.tenant_for_host('tn-b.localhost') AS unknown, auth.tenant_for_host('localhost') AS bare,
       auth.tenant_for_host('x.tn-a.localhost') AS nested, auth.tenant_for_host('tn-a.localhost.evil') AS suffix,
       auth.tenant_for_host(NULL) AS null_host;
SET tenantgate.base_domain = 'Example.COM';
SELECT auth.tenant_for_host('tn-a.example.com') AS a, auth.tenant_for_host('tn-a.localhost') AS old_domain;
SELECT auth.set_tenant_active('tn-a', false);
SELECT auth.tenant_for_host('tn-a.example.com') AS inactive_maps, active FROM auth.tenants WHERE slug = 'tn-a';
SELECT auth.set_tenant_active('tn-a', true);
SELECT auth.set_tenant_active('tn-zzz', true);
SELECT auth.set_tenant_active('tn-a', NULL);
RESET tenantgate.base_domain;
-- only a superuser sets tenantgate.* (PG-09)
SELECT name, context FROM pg_settings WHERE name = 'tenantgate.base_domain';

-- authenticators: client functions only (PG-14); no tenant role can be granted around the hook
CREATE ROLE tn_app LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO tn_app;
SET ROLE tn_app;
SET tenantgate.base_domain = 'evil.test';
SELECT auth.tenant_for_host('tn-a.localhost');
SELECT auth.create_tenant('tn-evil');
SELECT auth.drop_tenant('tn-a');
SELECT auth.set_tenant_active('tn-a', false);
SELECT auth.add_migration('9999', 'SELECT 1');
SELECT auth.migrate();
SELECT auth.enable_tenant_rls('pg_catalog.pg_class');
SELECT * FROM auth.tenants;
SELECT * FROM auth.migrations;
SELECT p.oid::regprocedure AS executable FROM pg_proc p
 WHERE p.pronamespace = 'auth'::regnamespace AND has_function_privilege(p.oid, 'EXECUTE')
   AND p.proname IN ('create_tenant', 'drop_tenant', 'set_tenant_active', 'add_migration', 'migrate',
                     'enable_tenant_rls', 'tenant_for_host', '_run_migration', '_migrate_tenant', 'authenticate',
                     'claims', 'uid', 'tenant', 'tenant_id', 'role')
 ORDER BY 1::text;
RESET ROLE;

-- every SECURITY DEFINER function in auth pins search_path with pg_temp last (PG-04)
SELECT p.oid::regprocedure AS unpinned FROM pg_proc p
 WHERE p.pronamespace = 'auth'::regnamespace AND p.prosecdef
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%pg_temp');
-- configuration tables are dumped with the database
SELECT c::regclass AS config_table FROM pg_extension e, unnest(e.extconfig) c
 WHERE e.extname = 'tenantgate' AND c::regclass::text ~ '^auth\.(tenants|migrations|tenant_migrations|migration_failures)'
 ORDER BY 1::text;

-- tenant roles and the tenantgate_* roles are managed by tenantgate only (supautils-style)
CREATE ROLE tn_creator CREATEROLE;
SET ROLE tn_creator;
GRANT "tg_tgregresstenants_tn-a_staff" TO tn_creator;
GRANT "tg_tgregresstenants_tn-a_admin" TO tn_app;
GRANT tn_app TO "tg_tgregresstenants_tn-a_staff";
GRANT tenantgate_admin TO tn_creator;
GRANT "tenantgate_tgregresstenants_admin" TO tn_creator;
GRANT tenantgate_tenant TO tn_app;
ALTER ROLE "tg_tgregresstenants_tn-a_staff" LOGIN PASSWORD 'pw';
ALTER ROLE "tg_tgregresstenants_tn-a_staff" SET search_path = 'tn-r';
ALTER ROLE "tg_tgregresstenants_tn-a_staff" RENAME TO tn_renamed;
DROP ROLE "tg_tgregresstenants_tn-a_admin";
CREATE ROLE tn_other;
DROP ROLE tn_other;
RESET ROLE;

-- a member of this database's admin role (not a superuser) manages tenants; the cluster-wide
-- tenantgate_admin alone does not make an admin (docs/operations.md, several databases)
CREATE ROLE tn_manager LOGIN;
GRANT tenantgate_admin TO tn_manager;
SET ROLE tn_manager;
SELECT auth.create_tenant('tn-b');
RESET ROLE;
SELECT auth.admin_role() AS database_admin \gset
GRANT :"database_admin" TO tn_manager;
SET ROLE tn_manager;
SELECT auth.create_tenant('tn-b') ->> 'slug' AS created_by_admin;
SELECT auth.set_tenant_active('tn-b', false);
SELECT slug, active FROM auth.tenants ORDER BY id;
SELECT auth.drop_tenant('tn-b');
RESET ROLE;

-- row isolation helper: owner only, never for auth tables
CREATE TABLE public.tn_items (id int, note text);
SELECT auth.enable_tenant_rls('auth.tenants');
SET ROLE tn_manager;
SELECT auth.enable_tenant_rls('public.tn_items');
RESET ROLE;
SELECT auth.enable_tenant_rls('public.tn_items');
SELECT polname, pg_get_expr(polqual, polrelid) AS using_expr, pg_get_expr(polwithcheck, polrelid) AS check_expr
  FROM pg_policy WHERE polrelid = 'public.tn_items'::regclass;
SELECT auth.enable_tenant_rls('public.tn_items');
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'public.tn_items'::regclass;
SELECT attname, format_type(atttypid, atttypmod), attnotnull, pg_get_expr(adbin, adrelid) AS default
  FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum
 WHERE attrelid = 'public.tn_items'::regclass AND attname = 'tenant_id';
SELECT has_table_privilege('tenantgate_tenant', 'public.tn_items', 'SELECT,INSERT,UPDATE,DELETE') AS tenants_granted;
DROP TABLE public.tn_items;

-- drop: schema, roles, row and the tenant's keys go; reserved and unknown names are refused
SELECT id AS old_a_id FROM auth.tenants WHERE slug = 'tn-a' \gset
SELECT auth.add_key('tn-a-key', 'HS256', 'tn-a-secret-tn-a-secret-tn-a-secret!', 'tn-a');
SELECT auth.drop_tenant('public');
SELECT auth.drop_tenant('tn-zzz');
SELECT auth.drop_tenant('tn-a');
SELECT count(*) AS rows FROM auth.tenants WHERE slug = 'tn-a';
SELECT count(*) AS schemas FROM pg_namespace WHERE nspname = 'tn-a';
SELECT count(*) AS roles FROM pg_roles WHERE rolname LIKE 'tg\_tgregresstenants\_tn-a\_%';
SELECT count(*) AS keys FROM auth.keys WHERE tenant = 'tn-a';
-- the id of a dropped tenant is never reused
SELECT (auth.create_tenant('tn-a') ->> 'id')::bigint > :old_a_id AS fresh_id;
SELECT auth.drop_tenant('tn-a'), auth.drop_tenant('tn-r');
DROP ROLE tn_app, tn_creator, tn_manager;
