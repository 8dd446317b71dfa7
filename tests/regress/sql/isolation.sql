-- The tenant context of auth.authenticate: transaction scope, role switch, readers, and the
-- isolation promise as seen from one session of a NOINHERIT authenticator login.
-- Tenants here: iso-a, iso-b (schema isolation), iso-r1, iso-r2 (row isolation).
-- Roles are cluster-wide: every name below is unique to this file, and the file cleans up.
\set leftover_roles '^(tg_tgregressisolation_iso-(a|b|r1|r2)_(admin|staff)|iso_app|iso_plain)$'
\i helpers/tenant_db.sql
-- Until the users module provides auth._check_session(jsonb), a pass-through stands in for it.
DO $$
BEGIN
  IF to_regprocedure('auth._check_session(jsonb)') IS NULL THEN
    CREATE FUNCTION auth._check_session(claims jsonb) RETURNS void LANGUAGE sql STABLE AS 'SELECT';
  END IF;
END $$;
CREATE ROLE iso_app LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO iso_app;

SELECT auth.add_migration('0001_orders', $$
  CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text NOT NULL, note text);
  CREATE VIEW v_orders AS SELECT * FROM orders;
  CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM orders';
$$);
SELECT (auth.create_tenant('iso-a'))->>'staff_role' AS staff_a, (auth.create_tenant('iso-b'))->>'slug' AS slug_b;
SELECT (auth.create_tenant('iso-r1', 'Row one', 'row'))->>'isolation' AS r1,
       (auth.create_tenant('iso-r2', 'Row two', 'row'))->>'isolation' AS r2;
INSERT INTO "iso-a".orders (tenant, note) VALUES ('iso-a', 'a secret 1'), ('iso-a', 'a secret 2');
INSERT INTO "iso-b".orders (tenant, note) VALUES ('iso-b', 'b secret');
CREATE TABLE public.shared_orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text, note text);
SELECT auth.enable_tenant_rls('public.shared_orders');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'public.shared_orders'::regclass;
INSERT INTO public.shared_orders (tenant_id, tenant, note)
  SELECT id, slug, slug || ' row' FROM auth.tenants WHERE slug IN ('iso-r1', 'iso-r2');

-- Tokens (never printed). A global key, and a key that belongs to iso-a only.
SELECT auth.add_key('iso-global', 'HS256', 'iso-global-secret-iso-global-secret!');
SELECT auth.add_key('iso-a-key', 'HS256', 'iso-a-tenant-secret-iso-a-tenant-secret', 'iso-a');
-- The claims of a real session: through auth.create_user + auth.login when the users module is
-- installed (auth._check_session then knows the user and session), else made up.
CREATE FUNCTION pg_temp.session_claims(tenant text, role text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  email text := role || '-' || gen_random_uuid() || '@' || tenant || '.test';
BEGIN
  IF to_regprocedure('auth.login(text,text,text)') IS NULL THEN
    RETURN jsonb_build_object('sub', gen_random_uuid()::text, 'tenant', tenant, 'role', role,
             'jti', gen_random_uuid()::text, 'sid', gen_random_uuid()::text,
             'iat', extract(epoch FROM now())::bigint, 'exp', extract(epoch FROM now())::bigint + 300);
  END IF;
  PERFORM auth.create_user(tenant, email, 'pw-' || email, role);
  RETURN (auth.decode(auth.login(tenant, email, 'pw-' || email) ->> 'access_token')) -> 'payload';
END $$;
CREATE TEMP TABLE base AS
  SELECT t.slug, r.role, pg_temp.session_claims(t.slug, r.role) AS claims
    FROM (VALUES ('iso-a'), ('iso-b'), ('iso-r1'), ('iso-r2')) t(slug), (VALUES ('staff'), ('admin')) r(role);
-- tok(tenant, role, …): a session's claims (iso-a's staff for tenants that do not exist or roles
-- that are not admin/staff), then the given tenant/role and `extra`, signed with kid and typ.
CREATE FUNCTION pg_temp.tok(tenant text, role text DEFAULT 'staff', kid text DEFAULT 'iso-global',
                            typ text DEFAULT 'at+jwt', extra jsonb DEFAULT '{}') RETURNS text
  LANGUAGE sql AS $$
    SELECT auth.sign(jsonb_strip_nulls(coalesce(
             (SELECT b.claims FROM base b WHERE b.slug = tenant AND b.role = tok.role),
             (SELECT b.claims FROM base b WHERE b.slug = 'iso-a' AND b.role = 'staff'))
             || jsonb_build_object('tenant', tenant, 'role', role)) || extra, kid, typ)
  $$;
SELECT claims ->> 'sub' AS sub_a FROM base WHERE slug = 'iso-a' AND role = 'staff' \gset
SELECT pg_temp.tok('iso-a') AS ta, pg_temp.tok('iso-a', 'admin') AS ta_admin, pg_temp.tok('iso-b') AS tb,
       pg_temp.tok('iso-r1') AS tr1, pg_temp.tok('iso-r2') AS tr2 \gset
SELECT pg_temp.tok('iso-a', kid => 'iso-a-key') AS ta_own_key,
       pg_temp.tok(NULL, kid => 'iso-a-key') AS t_key_tenant_only,
       pg_temp.tok(NULL) AS t_global_no_tenant,
       pg_temp.tok('iso-a', typ => 'JWT') AS t_typ_jwt,
       pg_temp.tok('iso-a', typ => 'application/AT+JWT') AS t_typ_media,
       pg_temp.tok('iso-a', extra => jsonb_build_object('exp', extract(epoch FROM now())::bigint - 3600)) AS t_expired,
       pg_temp.tok('nosuch') AS t_unknown_tenant \gset
SELECT auth.sign(((auth.decode(:'ta'))->'payload') - 'jti', 'iso-global', 'at+jwt') AS t_no_jti,
       auth.sign(((auth.decode(:'ta'))->'payload') - 'exp', 'iso-global', 'at+jwt') AS t_no_exp \gset
-- Forged with iso-a's own secret (as iso-a's identity provider could): HS256 by hand (pgcrypto).
CREATE SCHEMA forge;
CREATE EXTENSION pgcrypto SCHEMA forge;
REVOKE ALL ON SCHEMA forge FROM PUBLIC;
CREATE FUNCTION pg_temp.b64u(b bytea) RETURNS text LANGUAGE sql
  AS $$ SELECT rtrim(translate(encode(b, 'base64'), E'+/\n', '-_'), '=') $$;
CREATE FUNCTION pg_temp.forge(header jsonb, payload jsonb, secret text) RETURNS text LANGUAGE sql AS $$
  SELECT s || '.' || pg_temp.b64u(forge.hmac(s, secret, 'sha256'))
    FROM (SELECT pg_temp.b64u(convert_to(header::text, 'UTF8')) || '.' || pg_temp.b64u(convert_to(payload::text, 'UTF8')) AS s) x
$$;
SELECT pg_temp.forge('{"alg":"HS256","typ":"at+jwt","kid":"iso-a-key"}',
                     jsonb_set((auth.decode(:'ta'))->'payload', '{tenant}', '"iso-b"'),
                     'iso-a-tenant-secret-iso-a-tenant-secret') AS t_a_key_claims_b,
       pg_temp.forge('{"alg":"HS256","typ":"at+jwt","kid":"iso-a-key"}',
                     jsonb_set((auth.decode(:'ta'))->'payload', '{role}', '"admin"'),
                     'wrong-secret-wrong-secret-wrong-secret') AS t_bad_signature,
       pg_temp.forge('{"alg":"HS256","typ":"at+jwt"}',
                     jsonb_set((auth.decode(:'ta'))->'payload', '{tenant}', '"iso-b"'),
                     'iso-a-tenant-secret-iso-a-tenant-secret') AS t_a_secret_no_kid_claims_b \gset
-- JWT-08/44: both tenants have a key called "1" (IdP defaults); iso-a's secret cannot speak for iso-b
SELECT auth.add_key('1', 'HS256', 'iso-a-kid-one-secret-iso-a-kid-one-secret', 'iso-a');
SELECT auth.add_key('1', 'HS256', 'iso-b-kid-one-secret-iso-b-kid-one-secret', 'iso-b');
SELECT pg_temp.forge('{"alg":"HS256","typ":"at+jwt","kid":"1"}',
                     jsonb_set((auth.decode(:'ta'))->'payload', '{tenant}', '"iso-b"'),
                     'iso-a-kid-one-secret-iso-a-kid-one-secret') AS t_kid1_a_secret_claims_b,
       pg_temp.forge('{"alg":"HS256","typ":"at+jwt","kid":"1"}', (auth.decode(:'ta'))->'payload',
                     'iso-a-kid-one-secret-iso-a-kid-one-secret') AS t_kid1_a \gset
SELECT pg_temp.tok('iso-a', 'postgres') AS t_role_bad, pg_temp.tok('iso-a', 'tenantgate_admin') AS t_role_tgadmin, pg_temp.tok('iso-a', 'ADMIN') AS t_role_upper,
       pg_temp.tok('iso-a', 'tg_tgregressisolation_iso-b_admin') AS t_role_other, pg_temp.tok('iso-a', '') AS t_role_empty,
       pg_temp.tok('iso-a', extra => '{"role": ["admin"]}') AS t_role_array \gset
SELECT pg_temp.tok('auth') AS t_tenant_auth, pg_temp.tok('public') AS t_tenant_public,
       pg_temp.tok('Iso-a') AS t_tenant_upper, pg_temp.tok('iso-a;') AS t_tenant_semicolon,
       pg_temp.tok('iso-a, iso-b') AS t_tenant_list, pg_temp.tok('pg_catalog') AS t_tenant_catalog \gset

\c - iso_app
-- not authenticated: the readers are NULL, no tenant data is reachable (PG-35)
SELECT current_user, auth.claims(), auth.uid(), auth.tenant(), auth.tenant_id(), auth.role();
SELECT * FROM "iso-a".orders;
SELECT count(*) FROM public.shared_orders;
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND has_table_privilege(c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE');
-- the authenticator is a member of no tenant role (PG-05)
SELECT r.rolname, pg_has_role(session_user, r.oid, 'MEMBER') FROM pg_roles r
 WHERE r.rolname LIKE 'tg\_tgregressisolation\_iso-%' OR r.rolname = 'tenantgate_admin' ORDER BY 1;
SET ROLE "tg_tgregressisolation_iso-a_staff";
SET ROLE tenantgate_admin;

-- authenticate switches role, search_path and claims for the transaction only (PG-10 a)
BEGIN;
SELECT auth.authenticate(:'ta') ->> 'tenant' AS tenant;
SELECT current_user, session_user, auth.uid() = :'sub_a' AS uid,
       auth.tenant(), auth.role(), auth.tenant_id() IS NOT NULL AS has_id;
SHOW search_path;
SELECT current_setting('request.jwt.claims')::jsonb ->> 'tenant' AS published;
SELECT auth.claims() ->> 'sub' = auth.uid() AS sub_is_uid, auth.claims() ->> 'tenant' AS claims_tenant;
SELECT tenant, note FROM orders ORDER BY id;
SELECT tenant, note FROM v_orders ORDER BY id;
SELECT order_count();
COMMIT;
SELECT current_user, auth.tenant(), current_setting('search_path'), current_setting('request.jwt.claims', true);
-- (b) ROLLBACK, (c) error then ROLLBACK
BEGIN;
SELECT auth.authenticate(:'ta_admin') ->> 'role' AS role;
SELECT current_user;
ROLLBACK;
SELECT current_user, auth.tenant();
BEGIN;
SELECT auth.authenticate(:'ta') IS NOT NULL AS ok;
SELECT 1 / 0;
ROLLBACK;
SELECT current_user, auth.tenant();
-- (f) autocommit: one statement
SELECT auth.authenticate(:'ta') IS NOT NULL AS ok;
SELECT current_user, auth.tenant();

-- another tenant's schema is out of reach by every path (PG-01, PG-02)
BEGIN;
SELECT auth.authenticate(:'ta') IS NOT NULL AS ok;
SAVEPOINT s;
SELECT * FROM "iso-b".orders;
ROLLBACK TO s;
INSERT INTO "iso-b".orders (tenant, note) VALUES ('iso-a', 'x');
ROLLBACK TO s;
UPDATE "iso-b".orders SET note = 'x';
ROLLBACK TO s;
DELETE FROM "iso-b".orders;
ROLLBACK TO s;
TRUNCATE "iso-b".orders;
ROLLBACK TO s;
COPY "iso-b".orders TO STDOUT;
ROLLBACK TO s;
SELECT nextval('"iso-b".orders_id_seq');
ROLLBACK TO s;
SELECT "iso-b".order_count();
ROLLBACK TO s;
SELECT * FROM "iso-b".v_orders;
ROLLBACK TO s;
LOCK "iso-b".orders;
ROLLBACK TO s;
SET LOCAL search_path = "iso-b";
SELECT * FROM orders;
ROLLBACK TO s;
SELECT set_config('search_path', '"iso-b"', true);
SELECT * FROM orders;
ROLLBACK TO s;
-- tenants create nothing (PG-03, PG-34)
CREATE TABLE "iso-a".mine (x int);
ROLLBACK TO s;
CREATE FUNCTION "iso-a".lower(text) RETURNS text LANGUAGE sql AS 'SELECT ''pwned''';
ROLLBACK TO s;
CREATE TABLE public.mine (x int);
ROLLBACK TO s;
\set VERBOSITY sqlstate
CREATE SCHEMA evil;
\set VERBOSITY terse
ROLLBACK TO s;
CREATE EXTENSION dblink;
ROLLBACK TO s;
SELECT has_schema_privilege('public', 'CREATE') AS public_create, has_database_privilege(current_database(), 'CREATE') AS db_create;
COMMIT;

-- the role cannot be changed or reset inside the context (PG-06, PG-07, PG-11)
BEGIN;
SELECT auth.authenticate(:'ta') IS NOT NULL AS ok;
SAVEPOINT s;
RESET ROLE;
ROLLBACK TO s;
SET ROLE NONE;
ROLLBACK TO s;
SET ROLE iso_app;
ROLLBACK TO s;
SET LOCAL ROLE "tg_tgregressisolation_iso-a_admin";
ROLLBACK TO s;
SET SESSION AUTHORIZATION iso_app;
ROLLBACK TO s;
SET SESSION AUTHORIZATION postgres;
ROLLBACK TO s;
RESET SESSION AUTHORIZATION;
ROLLBACK TO s;
RESET ALL;
ROLLBACK TO s;
DISCARD PLANS;
ROLLBACK TO s;
SELECT set_config('role', 'tg_tgregressisolation_iso-b_staff', true);
ROLLBACK TO s;
SELECT set_config('session_authorization', 'postgres', false);
ROLLBACK TO s;
SELECT set_config('is_superuser', 'on', false);
ROLLBACK TO s;
ALTER ROLE CURRENT_USER SET role = 'tg_tgregressisolation_iso-b_staff';
ROLLBACK TO s;
GRANT "tg_tgregressisolation_iso-b_staff" TO "tg_tgregressisolation_iso-a_staff";
ROLLBACK TO s;
ALTER SYSTEM SET work_mem = '1GB';
ROLLBACK TO s;
LOAD 'tenantgate';
ROLLBACK TO s;
SET tenantgate.base_domain = 'evil.test';
ROLLBACK TO s;
SELECT current_user, auth.tenant();
-- set_config of role / session_authorization, in any case or with a computed name, is refused
SELECT set_config('role', 'none', true);
ROLLBACK TO s;
SELECT set_config('ROLE', 'none', true);
ROLLBACK TO s;
SELECT set_config('ro' || 'le', 'none', true);
ROLLBACK TO s;
SELECT 1 FROM (SELECT set_config('session_authorization', 'iso_app', true)) x;
ROLLBACK TO s;
SELECT * FROM "iso-a".orders WHERE false;
ROLLBACK TO s;
SELECT current_user, auth.tenant();
COMMIT;
-- fail-closed: a statement analysed before authenticate (and not re-analysed, the path being
-- unchanged) can still drop to the authenticator: the readers refuse, nothing is reachable
SET search_path = public, pg_temp;
PREPARE drop_role AS SELECT set_config('role', 'none', true);
BEGIN;
SELECT auth.authenticate(:'tr1') IS NOT NULL AS ok;
EXECUTE drop_role;
SELECT current_user;
SAVEPOINT s;
SELECT auth.tenant();
ROLLBACK TO s;
SELECT count(*) FROM public.shared_orders;
ROLLBACK;
DEALLOCATE drop_role;
RESET search_path;

-- forged claims never reach the readers (PG-08)
SET request.jwt.claims = '{"tenant":"iso-r2","role":"admin","sub":"x"}';
SELECT auth.claims(), auth.tenant_id();
SELECT count(*) FROM public.shared_orders;
BEGIN;
SELECT set_config('request.jwt.claims', '{"tenant":"iso-r2","role":"admin","sub":"x"}', true);
SELECT auth.claims(), auth.tenant_id();
SELECT auth.authenticate(:'tr1') IS NOT NULL AS ok;
SAVEPOINT s;
SET request.jwt.claims = '{"tenant":"iso-r2"}';
ROLLBACK TO s;
SELECT set_config('request.jwt.claims', '{"tenant":"iso-r2","role":"admin","sub":"x"}', true);
SELECT auth.tenant(), auth.claims() ->> 'tenant' AS claim_tenant;
SELECT tenant, note FROM public.shared_orders ORDER BY id;
COMMIT;
RESET request.jwt.claims;

-- row isolation (PG-16): own rows only, no cross-tenant writes
BEGIN;
SELECT auth.authenticate(:'tr1') IS NOT NULL AS ok;
SHOW search_path;
SELECT tenant, note FROM public.shared_orders ORDER BY id;
INSERT INTO public.shared_orders (tenant, note) VALUES ('iso-r1', 'r1 new') RETURNING tenant, note, tenant_id = auth.tenant_id() AS own;
SAVEPOINT s;
INSERT INTO public.shared_orders (tenant_id, tenant, note)
  SELECT id, 'forged', 'x' FROM (SELECT auth.tenant_id() + 1 AS id) v;
ROLLBACK TO s;
UPDATE public.shared_orders SET tenant_id = tenant_id + 1 RETURNING id;
ROLLBACK TO s;
UPDATE public.shared_orders SET note = 'touched' WHERE tenant = 'iso-r2' RETURNING id;
DELETE FROM public.shared_orders WHERE tenant = 'iso-r2' RETURNING id;
SET LOCAL row_security = off;
SELECT count(*) FROM public.shared_orders;
ROLLBACK TO s;
SELECT count(*) FROM public.shared_orders;
COMMIT;

-- a prepared statement follows the tenant of the transaction that executes it (PG-20); inside
-- a tenant transaction nothing is prepared or deallocated (a prepared statement outlives it)
PREPARE q AS SELECT tenant FROM public.shared_orders ORDER BY id;
BEGIN;
SELECT auth.authenticate(:'tr1') IS NOT NULL AS ok;
EXECUTE q;
SAVEPOINT s;
PREPARE q2 AS SELECT 1;
ROLLBACK TO s;
DEALLOCATE q;
ROLLBACK TO s;
DEALLOCATE ALL;
ROLLBACK TO s;
DO $$ BEGIN EXECUTE 'PREPARE q3 AS SELECT 1'; END $$;
ROLLBACK TO s;
COMMIT;
BEGIN;
SELECT auth.authenticate(:'tr2') IS NOT NULL AS ok;
EXECUTE q;
COMMIT;
EXECUTE q;
DEALLOCATE q;
SELECT provolatile, proparallel FROM pg_proc WHERE oid = 'auth.tenant_id()'::regprocedure;

-- savepoints: a rolled-back authenticate leaves nothing; the outer context survives (PG-10 d, e)
BEGIN;
SAVEPOINT s;
SELECT auth.authenticate(:'ta') IS NOT NULL AS ok;
SELECT current_user, auth.tenant();
ROLLBACK TO s;
SELECT current_user, auth.tenant(), current_setting('search_path'), current_setting('request.jwt.claims', true);
SELECT auth.authenticate(:'tr1') IS NOT NULL AS ok;
SAVEPOINT t;
SELECT auth.authenticate(:'tr2') IS NOT NULL AS ok;
ROLLBACK TO t;
SELECT current_user, auth.tenant(), count(*) AS visible FROM public.shared_orders;
COMMIT;
BEGIN;
SAVEPOINT s;
SELECT auth.authenticate(:'tb') IS NOT NULL AS ok;
RELEASE s;
SELECT current_user, auth.tenant();
COMMIT;
SELECT current_user, auth.tenant();
-- a second authenticate in the same transaction is refused (PG-36)
BEGIN;
SELECT auth.authenticate(:'ta') IS NOT NULL AS ok;
SELECT auth.authenticate(:'ta') IS NOT NULL AS ok;
ROLLBACK;
BEGIN;
SELECT auth.authenticate(:'ta') IS NOT NULL AS ok;
SELECT auth.authenticate(:'tb') IS NOT NULL AS ok;
ROLLBACK;

-- session state that would outlive the transaction is refused (PG-28, PG-29, PG-31, PG-33)
BEGIN;
SELECT auth.authenticate(:'ta') IS NOT NULL AS ok;
SAVEPOINT s;
CREATE TEMP TABLE orders (LIKE "iso-a".orders);
ROLLBACK TO s;
CREATE TABLE pg_temp.orders (x int);
ROLLBACK TO s;
SELECT * INTO TEMP t FROM orders;
ROLLBACK TO s;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) CREATE TEMP TABLE t AS SELECT * FROM orders;
ROLLBACK TO s;
CREATE TEMP VIEW v AS SELECT 1;
ROLLBACK TO s;
CREATE SEQUENCE pg_temp.s;
ROLLBACK TO s;
DECLARE c CURSOR WITH HOLD FOR SELECT * FROM orders;
ROLLBACK TO s;
LISTEN iso_events;
ROLLBACK TO s;
NOTIFY iso_events, 'hello';
ROLLBACK TO s;
SELECT pg_notify('iso_events', 'hello');
ROLLBACK TO s;
SELECT 1 FROM (SELECT pg_notify('iso_events', 'hello')) s;
ROLLBACK TO s;
DO $$ BEGIN PERFORM pg_notify('iso_events', 'hello'); END $$;
ROLLBACK TO s;
UNLISTEN *;
ROLLBACK TO s;
COPY orders TO PROGRAM 'id';
ROLLBACK TO s;
COPY orders FROM '/etc/passwd';
ROLLBACK TO s;
SELECT pg_read_file('/etc/passwd');
ROLLBACK TO s;
PREPARE TRANSACTION 'iso';
SELECT current_user, auth.tenant();
ROLLBACK;
-- outside a context they work as usual
LISTEN iso_events;
UNLISTEN iso_events;
SELECT pg_notify('iso_events', 'hello');

-- token rules (JWT-08, JWT-29, JWT-30, JWT-31, JWT-33 c)
SELECT auth.authenticate(:'ta', 'iso-a.example.test') ->> 'tenant' AS tenant;
SELECT auth.authenticate(:'ta', 'ISO-A.Example.Test.:8443') ->> 'tenant' AS tenant;
SELECT auth.authenticate(:'ta', 'iso-b.example.test');
SELECT auth.authenticate(:'ta', 'nosuch.example.test');
SELECT auth.authenticate(:'ta', 'www.example.test');
SELECT auth.authenticate(:'ta', '');
SELECT auth.authenticate(:'ta', 'iso-a.evil.test');
SELECT auth.authenticate(:'ta_own_key') ->> 'tenant' AS tenant;
SELECT auth.authenticate(:'t_a_key_claims_b');
SELECT auth.authenticate(:'t_a_key_claims_b', 'iso-b.example.test');
SELECT auth.authenticate(:'t_a_secret_no_kid_claims_b');
SELECT auth.authenticate(:'t_bad_signature');
SELECT auth.authenticate(:'t_kid1_a') ->> 'tenant' AS kid_1_own_tenant;
SELECT auth.authenticate(:'t_kid1_a_secret_claims_b');
SELECT auth.authenticate(:'t_kid1_a_secret_claims_b', 'iso-b.example.test');
SELECT auth.authenticate(:'t_key_tenant_only') ->> 'role' AS role_with_key_tenant;
SELECT auth.authenticate(:'t_global_no_tenant');
SELECT auth.authenticate(:'t_typ_jwt');
SELECT auth.authenticate(:'t_typ_media') ->> 'tenant' AS tenant;
SELECT auth.authenticate('tgr_' || repeat('x', 43));
SELECT auth.authenticate(:'t_no_jti');
SELECT auth.authenticate(:'t_no_exp');
SELECT auth.authenticate(:'t_expired');
SELECT auth.authenticate(:'t_unknown_tenant');
SELECT auth.authenticate(:'t_role_bad');
SELECT auth.authenticate(:'t_role_tgadmin');
SELECT auth.authenticate(:'t_role_upper');
SELECT auth.authenticate(:'t_role_other');
SELECT auth.authenticate(:'t_role_empty');
SELECT auth.authenticate(:'t_role_array');
SELECT auth.authenticate(:'t_tenant_auth');
SELECT auth.authenticate(:'t_tenant_public');
SELECT auth.authenticate(:'t_tenant_upper');
SELECT auth.authenticate(:'t_tenant_semicolon');
SELECT auth.authenticate(:'t_tenant_list');
SELECT auth.authenticate(:'t_tenant_catalog');
SELECT auth.authenticate(NULL);
SELECT auth.authenticate('not a token');
SELECT current_user, auth.tenant();

-- inside a SECURITY DEFINER function authenticate refuses (PG-36)
\c - postgres
CREATE FUNCTION public.definer_auth(t text) RETURNS jsonb LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_catalog AS 'SELECT auth.authenticate(t)';
GRANT EXECUTE ON FUNCTION public.definer_auth(text) TO iso_app;
\c - iso_app
SELECT public.definer_auth(:'ta');

-- the tenant state is re-checked on every call (JWT-32)
\c - postgres
SELECT auth.set_tenant_active('iso-a', false);
\c - iso_app
SELECT auth.authenticate(:'ta');
SELECT auth.authenticate(:'ta_own_key');
\c - postgres
SELECT auth.set_tenant_active('iso-a', true);
SELECT auth.revoke_key('iso-a-key', 'iso-a');
\c - iso_app
SELECT auth.authenticate(:'ta_own_key');
SELECT auth.authenticate(:'ta') ->> 'tenant' AS tenant;

-- a login that is no member of tenantgate_authenticator gets nothing, whatever PUBLIC may
-- execute (PG-14)
\c - postgres
CREATE ROLE iso_plain LOGIN;
\c - iso_plain
SELECT auth.authenticate(:'ta');
SELECT auth.login('iso-a', 'nobody@iso-a.test', 'whatever-password');
SELECT current_user, auth.tenant();

-- cleanup (roles are cluster-wide)
\c - postgres
DROP ROLE iso_plain;
DROP TABLE public.shared_orders;
DROP FUNCTION public.definer_auth(text);
DROP SCHEMA forge CASCADE;
SELECT auth.drop_tenant('iso-a'), auth.drop_tenant('iso-b'), auth.drop_tenant('iso-r1'), auth.drop_tenant('iso-r2');
SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tg\_tgregressisolation\_iso-%';
DROP OWNED BY iso_app;
DROP ROLE iso_app;
