-- tokens_authenticator: what a client role (the contract's NOINHERIT authenticator) may and may
-- not do with keys and tokens.
CREATE EXTENSION tenantgate;
\set VERBOSITY terse
\i helpers/try.sql
SET client_min_messages = warning;
DROP ROLE IF EXISTS tg_tokauth_app;
DROP ROLE IF EXISTS tg_tokauth_outsider;
RESET client_min_messages;
CREATE ROLE tg_tokauth_app LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO tg_tokauth_app;
CREATE ROLE tg_tokauth_outsider LOGIN;

SELECT auth.add_key('hs', 'HS256', 'authenticator-secret-0123456789abcd');
SELECT auth.generate_key('ES256') IS NOT NULL AS generated;
SELECT auth.sign('{"sub":"u1","exp":4102444800}', 'hs') AS tok \gset
-- a key change drops the cache: the authenticator's first verify reloads it (as the owner)
SELECT auth.add_key('hs2', 'HS256', 'authenticator-secret-0123456789abce');

SET SESSION AUTHORIZATION tg_tokauth_app;
SELECT current_user, pg_has_role('tenantgate_authenticator', 'USAGE') AS inherits_privileges;
-- verify_works_for_an_authenticator
SELECT auth.verify(:'tok') ->> 'sub' AS verified_sub;
SELECT auth.verify(:'tok', 'authenticator-secret-0123456789abcd', 'HS256') ->> 'sub' AS verified_with_key;
SELECT jsonb_array_length(auth.jwks() -> 'keys') AS public_keys;
-- authenticator_cannot_manage_keys_or_sign
SELECT regress.try(sql) AS result FROM (VALUES
  ($$SELECT auth.sign('{"sub":"admin"}')$$),
  ($$SELECT auth.add_key('evil', 'HS256', repeat('e', 32))$$),
  ($$SELECT auth.generate_key('HS256')$$),
  ($$SELECT auth.import_jwks('{"keys":[]}')$$),
  ($$SELECT auth.revoke_key('hs')$$),
  ($$SELECT auth.decode('a.b.c')$$),
  ($$SELECT auth._signing_kid(NULL)$$),
  ($$SELECT auth._key_from_material('k', 'HS256', repeat('e', 32))$$),
  ($$SELECT * FROM auth._jwks_keys('{"keys":[]}')$$),
  ($$SELECT count(*) FROM auth.keys$$),
  ($$UPDATE auth.keys SET revoked_at = now()$$),
  ($$SET tenantgate.leeway = 300$$),
  ($$SET tenantgate.issuer = ''$$),
  ($$SET ROLE tenantgate_admin$$)) AS t(sql);
RESET SESSION AUTHORIZATION;

-- a role that is no authenticator cannot even verify
SET SESSION AUTHORIZATION tg_tokauth_outsider;
SELECT regress.try(sql) AS result FROM (VALUES
  (format('SELECT auth.verify(%L)', :'tok')),
  (format('SELECT auth.verify(%L, %L, %L)', :'tok', 'authenticator-secret-0123456789abcd', 'HS256')),
  ($$SELECT auth.jwks()$$),
  ($$SELECT auth.sign('{}')$$)) AS t(sql);
RESET SESSION AUTHORIZATION;

-- a revoked membership is seen at once: the backend's memo of the last allowed user is dropped
-- with the pg_auth_members change
SET SESSION AUTHORIZATION tg_tokauth_app;
SELECT auth.verify(:'tok') ->> 'sub' AS before_membership_revoke;
RESET SESSION AUTHORIZATION;
REVOKE tenantgate_authenticator FROM tg_tokauth_app;
SET SESSION AUTHORIZATION tg_tokauth_app;
SELECT regress.try(format('SELECT auth.verify(%L)', :'tok')) AS after_membership_revoke;
RESET SESSION AUTHORIZATION;
GRANT tenantgate_authenticator TO tg_tokauth_app;
SET SESSION AUTHORIZATION tg_tokauth_app;
SELECT auth.verify(:'tok') ->> 'sub' AS after_membership_grant;
RESET SESSION AUTHORIZATION;

-- a revocation is seen by the authenticator at once
SELECT auth.revoke_key('hs');
SET SESSION AUTHORIZATION tg_tokauth_app;
SELECT regress.try(format('SELECT auth.verify(%L)', :'tok')) AS after_revoke;
RESET SESSION AUTHORIZATION;

DROP ROLE tg_tokauth_app;
DROP ROLE tg_tokauth_outsider;
