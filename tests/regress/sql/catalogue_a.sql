-- catalogue_a: the security catalogue's section A items on issuance, minting rights, key
-- identity and verification order that the per-function files do not name (JWT-39, 42, 43, 44,
-- 45, 46, 48). Tokens, uuids and times are never printed.
CREATE EXTENSION tenantgate;
CREATE EXTENSION pgcrypto;
\set VERBOSITY terse
\i helpers/try.sql
\i helpers/authenticator.sql
CREATE FUNCTION regress.b64u(data bytea) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT rtrim(translate(encode(data, 'base64'), E'+/\n', '-_'), '=') $$;
-- A token signed with an HS256 secret by hand (header and payload as given).
CREATE FUNCTION regress.forge(header text, payload text, secret text) RETURNS text LANGUAGE sql AS $$
  SELECT x.s || '.' || regress.b64u(public.hmac(convert_to(x.s, 'UTF8'), convert_to(secret, 'UTF8'), 'sha256'))
    FROM (SELECT regress.b64u(convert_to(header, 'UTF8')) || '.' || regress.b64u(convert_to(payload, 'UTF8')) AS s) x
$$;
SELECT regress.authenticator_login('tg_cata_app');
GRANT USAGE ON SCHEMA pg_temp TO tg_cata_app;
SELECT auth.add_migration('0001_items', $$ CREATE TABLE items (id int PRIMARY KEY, note text) $$);
SELECT (auth.create_tenant('cata-1'))->>'slug' AS t1, (auth.create_tenant('cata-2'))->>'slug' AS t2;
SELECT jsonb_array_length(auth.jwks('cata-1') -> 'keys') AS cata1_generated_public_keys;
SELECT auth.create_user('cata-1', 'admin@cata1.test', 'cata1-admin-password', 'admin') IS NOT NULL AS admin_made,
       auth.create_user('cata-1', 'staff@cata1.test', 'cata1-staff-password') IS NOT NULL AS staff_made;
SELECT auth.login('cata-1', 'admin@cata1.test', 'cata1-admin-password') ->> 'access_token' AS admin_tok,
       auth.login('cata-1', 'staff@cata1.test', 'cata1-staff-password') ->> 'access_token' AS staff_tok \gset

-- JWT-39 verification order: a forged signature is reported as such, whatever else is wrong;
-- with the right secret the same tokens (expired; of an unknown tenant; with a crit header)
-- fail on what is really wrong.
SELECT auth.add_key('cata-hs', 'HS256', 'cata-global-secret-0123456789abcdef');
SELECT s.signed_with,
       regress.try(format('SELECT auth.verify(%L)', regress.forge(
         '{"alg":"HS256","kid":"cata-hs"}', '{"sub":"x","exp":1300819380}', s.secret))) AS expired,
       regress.try_authenticate(regress.forge(
         '{"alg":"HS256","kid":"cata-hs","typ":"at+jwt"}', '{"sub":"x","jti":"j1","tenant":"no-such-tenant","role":"staff","exp":4102444800}',
         s.secret)) AS unknown_tenant,
       regress.try(format('SELECT auth.verify(%L)', regress.forge(
         '{"alg":"HS256","kid":"cata-hs","crit":["exp"],"exp":1}', '{"sub":"x"}', s.secret))) AS crit
  FROM (VALUES ('a forged signature', 'not-the-secret-0123456789abcdefgh'),
               ('the right secret', 'cata-global-secret-0123456789abcdef')) AS s(signed_with, secret);

-- JWT-44 kid identity: the same kid in two tenants and globally are three keys, each bound to
-- its tenant; a global key never verifies a token whose kid names a tenant key of another tenant.
SELECT auth.add_key('k1', 'HS256', 'cata-1-k1-secret-0123456789abcdefgh', 'cata-1');
SELECT auth.add_key('k1', 'HS256', 'cata-2-k1-secret-0123456789abcdefgh', 'cata-2');
SELECT regress.try($$SELECT auth.add_key('k1', 'HS256', 'cata-1-k1-other-0123456789abcdefgh', 'cata-1')$$) AS duplicate_kid_same_tenant;
SELECT regress.try(format('SELECT auth.verify(%L) ->> %L', regress.forge(
         '{"alg":"HS256","kid":"k1"}', '{"tenant":"cata-2","sub":"x"}', 'cata-1-k1-secret-0123456789abcdefgh'), 'tenant')) AS cata1_secret_claims_cata2,
       regress.try_authenticate(regress.forge(
         '{"alg":"HS256","kid":"k1","typ":"at+jwt"}', '{"tenant":"cata-2","sub":"x","role":"admin","exp":4102444800}',
         'cata-1-k1-secret-0123456789abcdefgh')) AS cata1_secret_authenticates_cata2;

-- JWT-42 minting rights: the authenticator, and a tenant admin inside its authenticated
-- transaction, can mint, import, add or revoke nothing.
SET SESSION AUTHORIZATION tg_cata_app;
SELECT regress.try(sql) AS authenticator_minting FROM (VALUES
  ($$SELECT auth.sign('{"tenant":"cata-2","role":"admin","sub":"x"}')$$),
  ($$SELECT auth.generate_key('HS256')$$),
  ($$SELECT auth.generate_key('ES256', 'cata-1')$$),
  ($$SELECT auth.import_jwks('{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}')$$),
  ($$SELECT auth.add_key('x', 'HS256', repeat('a', 32))$$),
  ($$SELECT auth.revoke_key('cata-hs')$$),
  ($$SELECT auth.create_tenant('cata-evil')$$)) AS t(sql);
BEGIN;
SELECT auth.authenticate(:'admin_tok') ->> 'role' AS authenticated_as;
SELECT regress.try(sql) AS tenant_admin_minting FROM (VALUES
  ($$SELECT auth.sign('{"tenant":"cata-2","role":"admin","sub":"x"}')$$),
  ($$SELECT auth.sign('{"tenant":"cata-1","role":"admin","sub":"x"}', 'k1')$$),
  ($$SELECT auth.generate_key('ES256', 'cata-1')$$),
  ($$SELECT auth.add_key('x', 'HS256', repeat('a', 32), 'cata-1')$$),
  ($$SELECT auth.revoke_key('k1', 'cata-1')$$),
  ($$SELECT count(*) FROM auth.keys$$)) AS t(sql);
ROLLBACK;

-- JWT-43 issuance hygiene: the e-mail cannot inject claims, exp - iat is the configured TTL, and
-- the TTL settings cannot be raised by a client.
SELECT regress.try(sql) AS client_sets_ttl FROM (VALUES
  ($$SET tenantgate.access_ttl = '100 years'$$),
  ($$SELECT set_config('tenantgate.refresh_ttl', '3153600000', true)$$),
  ($$SET tenantgate.login_max_failures = 0$$)) AS t(sql);
RESET SESSION AUTHORIZATION;
SELECT auth.create_user('cata-1', 'a@x.com","role":"admin', 'cata1-injector-password') IS NOT NULL AS injector_made;
SELECT (auth.decode(auth.login('cata-1', 'a@x.com","role":"admin', 'cata1-injector-password') ->> 'access_token')) -> 'payload' AS p \gset
SELECT :'p'::jsonb ->> 'role' AS injected_role, :'p'::jsonb ->> 'email' = 'a@x.com","role":"admin' AS email_kept_verbatim,
       (:'p'::jsonb ->> 'exp')::bigint - (:'p'::jsonb ->> 'iat')::bigint AS lifetime_seconds,
       length(:'p'::jsonb ->> 'jti') >= 22 AS jti_has_128_bits;
-- jtis are unique over many issued tokens (refresh rotation issues one access token each)
CREATE TEMP TABLE issued (jti text);
DO $$
DECLARE
  pair jsonb := auth.login('cata-1', 'staff@cata1.test', 'cata1-staff-password');
BEGIN
  FOR i IN 1..300 LOOP
    INSERT INTO issued VALUES ((auth.decode(pair ->> 'access_token')) #>> '{payload,jti}');
    pair := auth.refresh(pair ->> 'refresh_token');
  END LOOP;
END $$;
SELECT count(*) AS tokens, count(DISTINCT jti) AS distinct_jtis FROM issued;

-- JWT-45 auth.decode never authorizes: a forged token decodes, and nothing accepts it.
SELECT regress.forge('{"alg":"HS256","typ":"at+jwt"}', '{"tenant":"cata-1","role":"admin","sub":"x","exp":4102444800}',
                     'attacker-secret-0123456789abcdefghij') AS forged \gset
SELECT (auth.decode(:'forged')) #>> '{payload,role}' AS decoded_role;
SELECT regress.try(format('SELECT auth.verify(%L)', :'forged')) AS verify_forged,
       regress.try_authenticate(:'forged') AS authenticate_forged;

-- JWT-46 replay after the user changed: a demoted admin's token and a disabled user's token die.
SELECT auth.login('cata-1', 'admin@cata1.test', 'cata1-admin-password') ->> 'access_token' AS admin_tok2 \gset
UPDATE auth.users SET role = 'staff' WHERE email = 'admin@cata1.test';
SELECT regress.try_authenticate(:'admin_tok2') AS demoted_admin_token;
SELECT auth.set_user_active(id, false) FROM auth.users WHERE email = 'staff@cata1.test';
SELECT regress.try_authenticate(:'staff_tok') AS disabled_user_token;

-- JWT-48 password and imported-hash DoS: hostile lengths and parameters are refused up front.
SELECT regress.try(sql) AS hostile_input FROM (VALUES
  ($$SELECT auth.login('cata-1', 'admin@cata1.test', repeat('A', 1000000))$$),
  ($$SELECT auth.create_user('cata-1', 'h1@x.test', password_hash => 'pbkdf2_sha256$2000000000$salt$aGFzaA==')$$),
  ($$SELECT auth.create_user('cata-1', 'h2@x.test', password_hash => 'scrypt:1073741824:8:1$salt$00')$$),
  ($$SELECT auth.create_user('cata-1', 'h3@x.test', password_hash => '$pbkdf2-sha256$0$c2FsdA$aGFzaA')$$),
  ($$SELECT auth.create_user('cata-1', 'h4@x.test', password_hash => 'pbkdf2:sha256:')$$),
  ($$SELECT auth.create_user('cata-1', 'h5@x.test', password_hash => '$pbkdf2-sha256$29000$+++$i01NZ9cAJCAYlXQCY2AXmcmJfe8eD5vZMDOy0h8tH2U')$$),
  ($$SELECT auth.create_user('cata-1', 'h6@x.test', repeat('p', 5000))$$)) AS t(sql);
SELECT count(*) AS hostile_users_created FROM auth.users WHERE email LIKE 'h_@x.test';

SELECT auth.drop_tenant('cata-1'), auth.drop_tenant('cata-2');
DROP OWNED BY tg_cata_app;
DROP ROLE tg_cata_app;
