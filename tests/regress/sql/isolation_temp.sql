-- isolation_temp: inside an authenticated transaction no temporary relation can be made, also
-- not by naming the backend's own temporary schema (pg_temp_<n>) explicitly: a temporary table
-- on a pooled connection would outlive the transaction and could capture the next client's rows.
CREATE EXTENSION tenantgate;
\set VERBOSITY terse
\i helpers/try.sql
\i helpers/authenticator.sql
SELECT regress.authenticator_login('tg_isotemp_app');
GRANT USAGE ON SCHEMA pg_temp TO tg_isotemp_app;
SELECT auth.add_migration('0001_notes', $$ CREATE TABLE notes (id int, body text) $$);
SELECT (auth.create_tenant('isotemp-a'))->>'slug' AS slug;
SELECT auth.create_user('isotemp-a', 'u@isotemp.test', 'isotemp-password') IS NOT NULL AS user_made;
SELECT auth.login('isotemp-a', 'u@isotemp.test', 'isotemp-password') ->> 'access_token' AS tok \gset
SET SESSION AUTHORIZATION tg_isotemp_app;
-- the authenticator may use temporary tables outside a tenant transaction: the schema now exists
CREATE TEMP TABLE warm_up (x int);
SELECT nspname AS temp_schema FROM pg_namespace WHERE oid = pg_my_temp_schema() \gset
BEGIN;
SELECT auth.authenticate(:'tok') ->> 'tenant' AS tenant;
SELECT regress.try(sql) AS result FROM (VALUES
  ('CREATE TEMP TABLE notes (id int, body text)'),
  ('CREATE TABLE pg_temp.notes (id int, body text)'),
  (format('CREATE TABLE %I.notes (id int, body text)', :'temp_schema')),
  (format('CREATE TABLE %I.notes AS SELECT 1 AS id', :'temp_schema')),
  (format('SELECT 1 AS id INTO %I.notes', :'temp_schema')),
  (format('CREATE VIEW %I.notes AS SELECT 1 AS id', :'temp_schema')),
  (format('CREATE SEQUENCE %I.notes_seq', :'temp_schema'))) AS t(sql);
COMMIT;
SELECT count(*) AS temp_relations_left FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relname LIKE 'notes%';
RESET SESSION AUTHORIZATION;
SELECT auth.drop_tenant('isotemp-a');
-- authenticate dropped the session's temporary objects (warm_up too) before switching
SELECT to_regclass('pg_temp.warm_up') IS NULL AS warm_up_dropped;
DROP OWNED BY tg_isotemp_app;
DROP ROLE tg_isotemp_app;
