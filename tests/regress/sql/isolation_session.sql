-- isolation_session: nothing of a tenant transaction outlives it and nothing planted before it
-- runs inside it — one session of a NOINHERIT authenticator (tests/attack and tests/pgbouncer
-- repeat the classes across pooled connections).
\set leftover_roles '^(tg_tgregressisolationse_ses-(a|r)_(admin|staff)|ses_app)$'
\i helpers/tenant_db.sql
\i helpers/try.sql
CREATE ROLE ses_app LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO ses_app;
SELECT auth.add_migration('0001', $$
  CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
$$) IS NULL AS added;
SELECT auth.create_tenant('ses-a') IS NOT NULL AS a, auth.create_tenant('ses-r', NULL, 'row') IS NOT NULL AS r;
CREATE TABLE public.shared_notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, secret text NOT NULL);
SELECT auth.enable_tenant_rls('public.shared_notes');
CREATE INDEX ON public.shared_notes (secret);
INSERT INTO public.shared_notes (tenant_id, secret) SELECT id, 'other-tenant-only' FROM auth.tenants WHERE slug = 'ses-a';
INSERT INTO "ses-a".orders (note) VALUES ('a1');
SELECT auth.create_user('ses-a', 'u@ses-a.test', 'pw-ses-a-long-enough', 'admin') IS NOT NULL AS ua,
       auth.create_user('ses-r', 'u@ses-r.test', 'pw-ses-r-long-enough', 'admin') IS NOT NULL AS ur;
SELECT auth.login('ses-a', 'u@ses-a.test', 'pw-ses-a-long-enough') ->> 'access_token' AS tok_a \gset
SELECT auth.login('ses-r', 'u@ses-r.test', 'pw-ses-r-long-enough') ->> 'access_token' AS tok_r \gset
-- A tenant function whose set_config(..., false) no statement hook sees: the planner inlines it.
CREATE FUNCTION "ses-a".leak() RETURNS text LANGUAGE sql AS $$ SELECT set_config('app.leak', 'left', false) $$;
\c - ses_app

-- 1. No object can be created inside: any form, any path.
BEGIN;
SELECT auth.authenticate(:'tok_a') IS NOT NULL AS authenticated;
SET LOCAL search_path = pg_temp, "ses-a";
SELECT regress.try(sql) AS result FROM (VALUES
  ('CREATE TABLE x (a int)'),
  ('CREATE TABLE x AS SELECT 1 AS a'),
  ('SELECT 1 AS a INTO x'),
  ('CREATE VIEW x AS SELECT 1 AS a'),
  ('CREATE SEQUENCE x'),
  ('CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS ''SELECT 1'''),
  ('CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql SECURITY DEFINER AS ''SELECT count(*)::int FROM "ses-a".orders'''),
  ('CREATE TYPE pg_temp.t AS (a int)'),
  ('CREATE DOMAIN pg_temp.d AS int'),
  ('CREATE OPERATOR pg_temp.=== (FUNCTION = int4eq, LEFTARG = int, RIGHTARG = int)'),
  ('SELECT lo_create(0)'),
  ('SELECT lo_from_bytea(0, ''x'')')) AS t(sql);
COMMIT;
SELECT count(*) AS temp_objects FROM pg_class WHERE relnamespace = pg_my_temp_schema();

-- 2. What would outlive the transaction, refused; the transaction-scoped forms still work.
BEGIN;
SELECT auth.authenticate(:'tok_a') IS NOT NULL AS authenticated;
SELECT regress.try(sql) AS result FROM (VALUES
  ('SET statement_timeout = 1'),
  ('SET SESSION statement_timeout = 1'),
  ('RESET statement_timeout'),
  ('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY'),
  ('SELECT set_config(''statement_timeout'', ''1'', false)'),
  ('SET LOCAL statement_timeout = 100000'),
  ('SELECT set_config(''statement_timeout'', ''100000'', true)'),
  ('SET TRANSACTION ISOLATION LEVEL READ COMMITTED'),
  ('SELECT pg_advisory_lock(1)'),
  ('SELECT pg_try_advisory_lock_shared(1, 2)'),
  ('SELECT pg_advisory_xact_lock(1)'),
  ('SELECT pg_notify(''c'', ''x'')')) AS t(sql);
ROLLBACK;

-- 2b. However a session-level value is made in a tenant transaction, COMMIT refuses it (the
-- settings' stacks show it) and nothing is left; the authenticator's own SET before
-- authenticate stays its own.
BEGIN;
SELECT auth.authenticate(:'tok_a') IS NOT NULL AS authenticated;
SELECT "ses-a".leak() AS inside;
COMMIT;
SELECT coalesce(current_setting('app.leak', true), '') = '' AS nothing_left;
BEGIN;
SET statement_timeout = '5min';
SELECT auth.authenticate(:'tok_a') IS NOT NULL AS authenticated;
COMMIT;
SHOW statement_timeout;
RESET statement_timeout;

-- 3. Sequence state is forgotten when the tenant transaction ends.
BEGIN;
SELECT auth.authenticate(:'tok_a') IS NOT NULL AS authenticated;
INSERT INTO orders (note) VALUES ('a2') RETURNING id;
SELECT lastval() AS inside;
COMMIT;
SELECT regress.try('SELECT lastval()') AS after_commit;
SELECT regress.try('SELECT currval(''"ses-a".orders_id_seq'')') AS currval_after_commit;

-- 4. WITH HOLD cursors: declared before authenticate in the same transaction, or running it.
BEGIN;
DECLARE early CURSOR WITH HOLD FOR SELECT 1;
SELECT regress.try(format('SELECT auth.authenticate(%L)', :'tok_a')) AS after_hold_cursor;
ROLLBACK;
BEGIN;
DECLARE c CURSOR WITH HOLD FOR SELECT s.claims ->> 'tenant' AS tenant, auth.tenant() FROM (SELECT auth.authenticate(:'tok_a') AS claims) s;
COMMIT;
SELECT regress.try('FETCH ALL FROM c') AS fetched;

-- 5. Row isolation: nothing tells a value of another tenant from a value that exists nowhere.
BEGIN;
SELECT auth.authenticate(:'tok_r') IS NOT NULL AS authenticated;
SELECT count(*) AS other_value, (SELECT count(*) FROM public.shared_notes WHERE secret = 'nowhere') AS no_value
  FROM public.shared_notes WHERE secret = 'other-tenant-only';
SELECT regress.try(sql) AS result FROM (VALUES
  ('EXPLAIN SELECT * FROM public.shared_notes WHERE secret = ''other-tenant-only'''),
  ('EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM public.shared_notes WHERE secret = ''other-tenant-only'''),
  ('DO $x$ BEGIN EXECUTE ''EXPLAIN SELECT 1''; END $x$'),
  ('SELECT idx_tup_fetch FROM pg_stat_xact_user_tables'),
  ('SELECT * FROM pg_stat_user_indexes'),
  ('SELECT * FROM pg_statio_user_tables'),
  ('SELECT pg_stat_get_xact_tuples_fetched(''public.shared_notes''::regclass)'),
  ('SELECT pg_relation_size(''public.shared_notes'')'),
  ('SELECT count(*) FROM pg_locks'),
  ('SELECT count(*) FROM pg_stat_activity')) AS t(sql);
SELECT count(*) AS stats_rows FROM pg_stats WHERE tablename = 'shared_notes';
ROLLBACK;

-- 6. Sessions of an authenticator login see and signal no other session, token or not.
SELECT regress.try('SELECT count(*) FROM pg_stat_activity') AS activity;
-- counters a tenant's probe moved are readable after its COMMIT: refused outside a context too
SELECT regress.try(sql) AS result FROM (VALUES
  ('SELECT idx_tup_fetch FROM pg_stat_user_indexes'),
  ('SELECT * FROM pg_stat_xact_user_tables'),
  ('SELECT pg_relation_size(''public.shared_notes'')')) AS t(sql);
SELECT regress.try('SELECT pg_cancel_backend(pg_backend_pid())') AS cancel;
SELECT regress.try('SELECT pg_terminate_backend(0)') AS terminate;
-- ... nor change the defaults of the login they share (they reach every later session of it)
SELECT regress.try(sql) AS result FROM (VALUES
  ('ALTER ROLE ses_app SET statement_timeout = 1'),
  ('ALTER ROLE CURRENT_USER SET search_path = pg_temp, public'),
  ('ALTER ROLE SESSION_USER RESET ALL'),
  ('ALTER ROLE CURRENT_USER PASSWORD ''new-password''')) AS t(sql);
SELECT count(*) AS login_defaults FROM pg_db_role_setting WHERE setrole = 'ses_app'::regrole;
\c - postgres
GRANT pg_monitor TO ses_app;
\c - ses_app
-- (a NOINHERIT login uses pg_monitor's rights through SET ROLE, as PostgreSQL's own checks require)
SET ROLE pg_monitor;
SELECT regress.try('SELECT count(*) FROM pg_stat_activity WHERE query IS NOT NULL') AS activity_as_pg_monitor;
RESET ROLE;
\c - postgres
REVOKE pg_monitor FROM ses_app;
SELECT auth.drop_tenant('ses-a') IS NULL AS a, auth.drop_tenant('ses-r') IS NULL AS r;
DROP TABLE public.shared_notes;
DROP ROLE ses_app;
