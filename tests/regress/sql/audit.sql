-- Functions and pooled sessions: nothing planted before a tenant transaction runs inside it.
-- (1) every PL/pgSQL or SQL function of the extension either pins search_path or is one of the
--     functions that must run in the tenant's path (they call auth.authenticate) and declares
--     only pg_catalog-qualified types; (2) auth.audit() lists a DBA's functions that a tenant
--     could run through another client's search_path; (3) a domain planted in pg_temp by an
--     earlier client of the same backend never runs inside the next tenant transaction.
\set leftover_roles '^(tg_tgregressaudit_aud-a_(admin|staff)|aud_app)$'
\i helpers/tenant_db.sql
\i helpers/try.sql

-- (1) The extension's own functions.
SELECT p.oid::regprocedure AS unpinned_by_design
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'tenantgate'
  JOIN pg_language l ON l.oid = p.prolang
 WHERE l.lanname IN ('plpgsql', 'sql')
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c ~* '^search_path=')
 ORDER BY p.oid::regprocedure::text;
-- ... and none of them declares a type that the caller's path could resolve (grammar keywords
-- such as bigint or boolean always mean pg_catalog's types).
SELECT p.oid::regprocedure, m[1] AS variable, m[2] AS declared_type
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'tenantgate'
  JOIN pg_language l ON l.oid = p.prolang AND l.lanname = 'plpgsql',
  LATERAL regexp_matches(coalesce(substring(p.prosrc FROM '(?s)DECLARE(.*?)\mBEGIN\M'), ''),
                         '\n\s*(\w+)\s+([\w.]+)', 'g') AS m
 WHERE NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c ~* '^search_path=')
   AND m[2] !~ '^pg_catalog\.' AND m[2] NOT IN ('bigint', 'integer', 'int', 'smallint', 'boolean');

-- (2) auth.audit(): empty for the extension alone.
SELECT * FROM auth.audit();
SELECT auth.add_migration('0001_notes', $$
  CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);
  CREATE FUNCTION note_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM notes';
  CREATE FUNCTION note_count_pinned() RETURNS bigint LANGUAGE sql STABLE SET search_path FROM CURRENT
    AS 'SELECT count(*) FROM notes';
$$) IS NULL AS added;
SELECT auth.create_tenant('aud-a') IS NOT NULL AS created;
CREATE SCHEMA aud_private;
CREATE FUNCTION aud_private.helper() RETURNS int LANGUAGE sql AS 'SELECT 1';          -- no USAGE for tenants
CREATE FUNCTION aud_private.definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
CREATE FUNCTION public.shared_helper(x text) RETURNS text LANGUAGE plpgsql AS 'BEGIN RETURN x; END';
CREATE FUNCTION public.shared_helper_revoked() RETURNS int LANGUAGE sql AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION public.shared_helper_revoked() FROM PUBLIC;
CREATE FUNCTION public.shared_helper_pinned() RETURNS int LANGUAGE sql SET search_path = public, pg_temp AS 'SELECT 1';
SELECT function, language, security_definer, problem FROM auth.audit();
-- The audit is for the people who manage tenants.
CREATE ROLE aud_app LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO aud_app;
SET SESSION AUTHORIZATION aud_app;
SELECT regress.try('SELECT * FROM auth.audit()');
RESET SESSION AUTHORIZATION;
DROP FUNCTION aud_private.helper(), aud_private.definer(), public.shared_helper(text),
  public.shared_helper_revoked(), public.shared_helper_pinned();
DROP SCHEMA aud_private;

-- (3) A domain planted in pg_temp by the authenticator, with a CHECK that calls its own
-- function, and a failing call of every client function of the API compiled under that path.
INSERT INTO "aud-a".notes (body) VALUES ('first'), ('second');
SELECT auth.create_user('aud-a', 'u@aud-a.test', 'pw-aud-a-long-enough', 'staff') IS NOT NULL AS user_made;
SELECT auth.login('aud-a', 'u@aud-a.test', 'pw-aud-a-long-enough') ->> 'access_token' AS tok \gset
\c - aud_app
SET search_path = pg_temp, public;
CREATE FUNCTION pg_temp.planted(v pg_catalog.text) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN RAISE EXCEPTION 'PLANTED ran as %', current_user; END $$;
CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_temp.planted(VALUE));
CREATE DOMAIN pg_temp.jsonb AS pg_catalog.jsonb CHECK (pg_temp.planted(VALUE::pg_catalog.text));
CREATE DOMAIN pg_temp.oid AS pg_catalog.oid CHECK (pg_temp.planted(VALUE::pg_catalog.text));
SELECT regress.try($$SELECT auth.http_request('GET', 'aud-a.example.test', 'bad', '/api/notes', '', '{}', NULL)$$);
SELECT regress.try($$SELECT auth.http_request('POST', 'aud-a.example.test', 'bad', '/rpc/note_count', '', '{}', '{}')$$);
SELECT regress.try($$SELECT auth.http_me('aud-a.example.test', 'bad')$$);
SELECT count(*) AS planted_objects FROM pg_type WHERE typnamespace = pg_my_temp_schema();
-- The next request on this backend: the planted domain never runs, and it is gone.
SELECT status, body FROM auth.http_request('GET', 'aud-a.example.test', :'tok', '/api/notes', 'order=id.asc', '{}', NULL);
SELECT status, body FROM auth.http_request('POST', 'aud-a.example.test', :'tok', '/rpc/note_count', '', '{}', '{}');
SELECT (auth.http_me('aud-a.example.test', :'tok'))::jsonb ->> 'email' AS me;
SELECT count(*) AS planted_objects FROM pg_type WHERE typnamespace = pg_my_temp_schema();
-- A statement prepared before authenticate that calls a planted function fails inside.
CREATE FUNCTION pg_temp.evil() RETURNS text LANGUAGE sql AS $$ SELECT 'PLANTED' $$;
PREPARE planted_call AS SELECT pg_temp.evil();
BEGIN;
SELECT auth.authenticate(:'tok', 'aud-a.example.test') IS NOT NULL AS authenticated;
EXECUTE planted_call;
ROLLBACK;
DEALLOCATE planted_call;
\c - postgres
SELECT auth.drop_tenant('aud-a') IS NULL AS dropped;
DROP ROLE aud_app;
