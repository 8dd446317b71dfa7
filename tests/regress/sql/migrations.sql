-- Tenant migrations: versions in order, every schema tenant, one subtransaction per tenant,
-- failures recorded and resumed, never run as a superuser (PG-12). Tenants: mg-1 .. mg-12.
\set VERBOSITY terse
CREATE EXTENSION tenantgate;
\set leftover_roles '^tg_tgregressmigrations_mg-'
\i helpers/drop_leftover_roles.sql

SELECT auth.add_migration('0001_orders', $$
  CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text, made_by name DEFAULT current_user);
  INSERT INTO orders (note) VALUES ('seed');
$$);
SELECT auth.add_migration('0001_orders', 'SELECT 1');
SELECT auth.add_migration('', 'SELECT 1');
SELECT auth.add_migration('0009', '  ');
-- a new tenant gets every migration at creation, as tenantgate_admin, in its own schema
SELECT auth.create_tenant('mg-1') ->> 'slug' AS slug;
SELECT note, made_by FROM "mg-1".orders;
SELECT tableowner FROM pg_tables WHERE schemaname = 'mg-1';
SELECT has_table_privilege('tg_tgregressmigrations_mg-1_staff', '"mg-1".orders', 'SELECT,INSERT,UPDATE,DELETE') AS staff_dml,
       has_table_privilege('tg_tgregressmigrations_mg-1_staff', '"mg-1".orders', 'TRUNCATE') AS staff_truncate,
       has_sequence_privilege('tg_tgregressmigrations_mg-1_staff', '"mg-1".orders_id_seq', 'USAGE') AS staff_seq,
       has_table_privilege('tg_tgregressmigrations_mg-1_admin', '"mg-1".orders', 'SELECT') AS admin_via_staff;
SELECT t.slug, tm.version FROM auth.tenant_migrations tm JOIN auth.tenants t ON t.id = tm.tenant_id ORDER BY 1, 2;
-- nothing pending: 0 applications; row tenants have no schema and are skipped
SELECT auth.create_tenant('mg-row', NULL, 'row') ->> 'slug' AS slug;
SELECT auth.migrate();

-- ten more tenants; then two new migrations reach all eleven (progress every 10%)
SELECT count(auth.create_tenant('mg-' || i)) FROM generate_series(2, 11) i;
SELECT auth.add_migration('0003_index', 'CREATE INDEX orders_note ON orders (note)');
SELECT auth.add_migration('0002_amount', 'ALTER TABLE orders ADD COLUMN amount int DEFAULT 0');
SELECT auth.migrate();
SELECT version, count(*) FROM auth.tenant_migrations GROUP BY version ORDER BY version;
SELECT count(*) AS tenants_with_index FROM pg_indexes WHERE indexname = 'orders_note' AND schemaname LIKE 'mg-%';
-- one tenant only; an unknown one
SELECT auth.add_migration('0004_note', 'ALTER TABLE orders ADD COLUMN note2 text');
SELECT auth.migrate('mg-5');
SELECT t.slug FROM auth.tenant_migrations tm JOIN auth.tenants t ON t.id = tm.tenant_id WHERE version = '0004_note';
SELECT auth.migrate('mg-zzz');
SELECT auth.migrate();

-- a failing tenant is rolled back to where it was and recorded; the others proceed
ALTER TABLE "mg-3".orders RENAME COLUMN note TO note_renamed;
SELECT auth.add_migration('0005_backfill', 'UPDATE orders SET note = upper(note); ALTER TABLE orders ADD COLUMN done bool');
SELECT auth.add_migration('0006_after', 'ALTER TABLE orders ADD COLUMN later bool');
SELECT auth.migrate();
SELECT t.slug, f.version, f.sqlstate, f.message FROM auth.migration_failures f JOIN auth.tenants t ON t.id = f.tenant_id;
SELECT count(*) AS mg3_done_column FROM information_schema.columns WHERE table_schema = 'mg-3' AND column_name IN ('done', 'later');
SELECT count(*) AS tenants_at_0006 FROM auth.tenant_migrations WHERE version = '0006_after';
-- fixed, a rerun resumes where it failed and clears the failure
ALTER TABLE "mg-3".orders RENAME COLUMN note_renamed TO note;
SELECT auth.migrate();
SELECT count(*) AS failures FROM auth.migration_failures;
SELECT note FROM "mg-3".orders;

-- migration SQL never acts as the superuser that called migrate() (PG-12)
SELECT auth.add_migration('0007_escalate', 'RESET ROLE; ALTER ROLE "tg_tgregressmigrations_mg-1_staff" SUPERUSER');
SELECT auth.migrate('mg-1');
SELECT f.message FROM auth.migration_failures f JOIN auth.tenants t ON t.id = f.tenant_id WHERE t.slug = 'mg-1';
DELETE FROM auth.migrations WHERE version = '0007_escalate';
CREATE FUNCTION pg_temp.try_migration(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
  PERFORM auth.add_migration('0007_try', sql);
  PERFORM auth.migrate('mg-2');
  SELECT f.message INTO result FROM auth.migration_failures f;
  DELETE FROM auth.migration_failures;
  DELETE FROM auth.tenant_migrations WHERE version = '0007_try';
  DELETE FROM auth.migrations WHERE version = '0007_try';
  RETURN coalesce(replace(result, current_database(), '<db>'), 'applied');
END $$;
SET client_min_messages = warning;
SELECT sql, pg_temp.try_migration(sql) AS outcome FROM unnest(ARRAY[
  'SET ROLE postgres', 'SET SESSION AUTHORIZATION postgres', 'SELECT * FROM auth.keys',
  'CREATE TEMP TABLE x (y int)', 'ALTER ROLE "tg_tgregressmigrations_mg-2_staff" SUPERUSER', 'CREATE SCHEMA evil',
  'SELECT current_user']) sql;
RESET client_min_messages;
SELECT rolsuper FROM pg_roles WHERE rolname = 'tg_tgregressmigrations_mg-1_staff';
-- migrations land in the tenant's own schema, not in public, whatever the caller's search_path
SET search_path = public;
SELECT auth.add_migration('0010_t', 'CREATE TABLE t10 (x int)');
SELECT auth.migrate('mg-4');
SELECT schemaname FROM pg_tables WHERE tablename = 't10';
RESET search_path;

-- tenants cannot run migrations
CREATE ROLE "mg_app" LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO mg_app;
SET ROLE mg_app;
SELECT auth.migrate();
SELECT auth._run_migration('mg-1', 'DROP TABLE orders');
RESET ROLE;
DROP ROLE mg_app;

SELECT count(auth.drop_tenant(slug)) FROM auth.tenants WHERE slug LIKE 'mg-%';
SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tg\_tgregressmigrations\_mg-%';
