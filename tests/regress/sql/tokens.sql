-- tokens: sign/verify/decode for every alg, every contract error with its SQLSTATE, the
-- leeway/issuer/audience/size settings and the wall clock.
CREATE EXTENSION tenantgate;
CREATE EXTENSION pgcrypto;
\set VERBOSITY terse
\i helpers/try.sql
\i helpers/jws.sql
\set secret 'tokens-test-secret-0123456789abcdef'
\set hs_header '{"alg":"HS256","typ":"JWT","kid":"hs"}'
SELECT auth.add_key('hs', 'HS256', :'secret');

-- the defaults of the settings
SELECT name, setting, unit, context FROM pg_settings
 WHERE name IN ('tenantgate.leeway', 'tenantgate.max_token_size', 'tenantgate.issuer', 'tenantgate.audience') ORDER BY name;

-- sign_produces_a_standard_hs256_jws (recomputed here with pgcrypto)
SELECT auth.sign('{"sub":"u1","exp":4102444800}', 'hs') AS tok \gset
SELECT split_part(:'tok', '.', 3) = pg_temp.b64u(hmac(convert_to(split_part(:'tok', '.', 1) || '.' || split_part(:'tok', '.', 2), 'UTF8'),
                                                      convert_to(:'secret', 'UTF8'), 'sha256')) AS signature_is_hmac_sha256;
SELECT auth.decode(:'tok') AS decoded;
SELECT pg_temp.verify(:'tok') AS verify_own_token;
SELECT auth.verify(:'tok') AS payload;
-- verify_accepts_a_token_made_elsewhere
SELECT pg_temp.verify(pg_temp.hs(:'hs_header', format('{"sub":"u2","exp":%s}', pg_temp.at(60)), :'secret')) AS foreign_token;
SELECT pg_temp.verify(pg_temp.hs(:'hs_header', format('{"sub":"u3","exp":%s.9}', pg_temp.at(60)), :'secret')) AS fractional_exp;
-- sign_without_kid_uses_the_active_signer; typ is the caller's
SELECT auth.decode(auth.sign('{"sub":"u1"}')) -> 'header' AS default_header;
SELECT auth.decode(auth.sign('{"sub":"u1"}', NULL, 'at+jwt')) -> 'header' ->> 'typ' AS typ;

-- the contract's errors, each with its SQLSTATE
SELECT pg_temp.verify(token) AS result, note FROM (VALUES
  ('abc', 'one segment'),
  ('', 'empty'),
  (split_part(:'tok', '.', 1) || '.' || split_part(:'tok', '.', 2), 'two segments'),
  (:'tok' || '.x', 'four segments'),
  (split_part(:'tok', '.', 1) || '.' || pg_temp.b64u('{"sub":"u9","exp":4102444800}') || '.' || split_part(:'tok', '.', 3), 'payload changed'),
  (pg_temp.hs(:'hs_header', '{"sub":"u1","exp":4102444800}', 'another-secret-0123456789abcdefgh'), 'other secret'),
  (pg_temp.hs('{"alg":"none","kid":"hs"}', '{"sub":"u1","exp":4102444800}', :'secret'), 'alg none'),
  (pg_temp.hs('{"alg":"HS384","kid":"hs"}', '{"sub":"u1","exp":4102444800}', :'secret'), 'alg other than the key''s'),
  (pg_temp.hs('{"alg":"HS256","kid":"nope"}', '{"sub":"u1","exp":4102444800}', :'secret'), 'unknown kid'),
  (pg_temp.hs(:'hs_header', format('{"sub":"u1","exp":%s}', pg_temp.at(-100)), :'secret'), 'expired'),
  (pg_temp.hs(:'hs_header', format('{"sub":"u1","exp":%s}', pg_temp.at(-10)), :'secret'), 'expired within the leeway'),
  (pg_temp.hs(:'hs_header', format('{"sub":"u1","exp":%s,"nbf":%s}', pg_temp.at(600), pg_temp.at(100)), :'secret'), 'nbf in the future'),
  (pg_temp.hs(:'hs_header', format('{"sub":"u1","exp":%s,"iat":%s}', pg_temp.at(600), pg_temp.at(100)), :'secret'), 'iat in the future'),
  (pg_temp.hs(:'hs_header', format('{"sub":"u1","exp":%s,"nbf":%s}', pg_temp.at(600), pg_temp.at(10)), :'secret'), 'nbf within the leeway'),
  (pg_temp.hs(:'hs_header', '{"sub":"u1"}', :'secret'), 'no exp'),
  (pg_temp.hs(:'hs_header', '{"sub":"u1","exp":"4102444800"}', :'secret'), 'exp a string'),
  ('tgr_' || repeat('A', 43), 'refresh token')) AS t(token, note);

-- verify_with_an_explicit_key
SELECT regress.try(format('SELECT auth.verify(%L, %L, %L)', :'tok', key, alg)) AS result, note FROM (VALUES
  (:'secret', 'HS256', 'right key'),
  ('wrong-secret-0123456789abcdef0123', 'HS256', 'wrong key'),
  (:'secret', 'HS384', 'alg differs from the header'),
  (:'secret', 'none', 'alg none'),
  (:'secret', 'hs256', 'alg in lower case'),
  ('', 'HS256', 'empty key'),
  ('short', 'HS256', 'short key')) AS t(key, alg, note);
SELECT regress.try(format('SELECT auth.verify(%L, %L, %L)', 'tgr_abc', :'secret', 'HS256')) AS refresh_token;

-- sign_refuses
SELECT regress.try(sql) AS result, note FROM (VALUES
  ($$SELECT auth.sign('[]')$$, 'claims not an object'),
  ($$SELECT auth.sign('"x"')$$, 'claims a string'),
  ($$SELECT auth.sign(NULL)$$, 'claims NULL'),
  ($$SELECT auth.sign('{"tenant":5}')$$, 'tenant not a string'),
  ($$SELECT auth.sign('{}', 'nope')$$, 'unknown kid'),
  ($$SELECT auth.sign('{"tenant":"tokco1"}', 'hs')$$, 'unknown tenant, global key')) AS t(sql, note);

SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256"}', format('{"sub":"kidless","exp":%s}', pg_temp.at(60)), :'secret')) AS kidless_active_signer;

-- every algorithm signs and verifies (each generated key becomes the active signer in turn)
SELECT a AS alg,
       auth.verify(auth.sign(jsonb_build_object('sub', 'u-' || a, 'exp', pg_temp.at(300)), k)) ->> 'sub' AS sub,
       auth.decode(auth.sign('{}', k)) -> 'header' ->> 'alg' = a AS header_alg
  FROM unnest(ARRAY['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
                    'ES256', 'ES384', 'ES512', 'EdDSA']) WITH ORDINALITY AS u(a, n),
       LATERAL auth.generate_key(a) AS k
 ORDER BY n;
-- kid-less tokens verify with the active signer only
SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256"}', format('{"sub":"u1","exp":%s}', pg_temp.at(60)), :'secret')) AS kidless_not_the_signer;

-- an asymmetric public key verifies what its private key signed
SELECT kid AS es_kid FROM auth.keys WHERE alg = 'ES256' \gset
SELECT auth.sign(jsonb_build_object('sub', 'es', 'exp', pg_temp.at(300)), :'es_kid') AS es_tok \gset
SELECT (SELECT j FROM jsonb_array_elements(auth.jwks() -> 'keys') j WHERE j ->> 'kid' = :'es_kid') AS es_jwk \gset
SELECT auth.verify(:'es_tok', :'es_jwk', 'ES256') ->> 'sub' AS verified_with_jwk;
SELECT regress.try(format('SELECT auth.verify(%L, %L, %L)', :'es_tok', :'es_jwk', 'HS256')) AS public_jwk_as_hmac_secret;
SELECT regress.try(format('SELECT auth.verify(%L, %L, %L)', :'es_tok', :'es_jwk', 'ES384')) AS alg_other_than_header;

-- tenant keys: a key's tenant must match the claims'
INSERT INTO auth.tenants (slug, staff_role, admin_role)
VALUES ('tokco1', 'tg_tokco1_staff', 'tg_tokco1_admin'), ('tokco2', 'tg_tokco2_staff', 'tg_tokco2_admin');
SELECT auth.add_key('co1', 'HS256', 'tokco1-secret-0123456789abcdefghij', 'tokco1');
SELECT regress.try($$SELECT auth.sign('{"tenant":"tokco2"}', 'co1')$$) AS sign_other_tenant;
SELECT auth.verify(auth.sign(jsonb_build_object('sub', 'c1', 'tenant', 'tokco1', 'exp', pg_temp.at(60)), 'co1')) ->> 'tenant' AS tenant_token;
SELECT auth.decode(auth.sign(jsonb_build_object('tenant', 'tokco1'))) -> 'header' ->> 'kid' AS tenant_active_signer;
SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256","kid":"co1"}', format('{"sub":"x","tenant":"tokco2","exp":%s}', pg_temp.at(60)),
                                    'tokco1-secret-0123456789abcdefghij')) AS other_tenant_claim;
SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256","kid":"co1"}', format('{"sub":"no-tenant-claim","exp":%s}', pg_temp.at(60)),
                                    'tokco1-secret-0123456789abcdefghij')) AS tenant_key_without_claim;
UPDATE auth.tenants SET active = false WHERE slug = 'tokco1';
SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256","kid":"co1"}', format('{"sub":"x","tenant":"tokco1","exp":%s}', pg_temp.at(60)),
                                    'tokco1-secret-0123456789abcdefghij')) AS inactive_tenant;
UPDATE auth.tenants SET active = true WHERE slug = 'tokco1';

-- settings: leeway, issuer, audience, size (superuser only)
SET tenantgate.leeway = 0;
SELECT pg_temp.verify(pg_temp.hs(:'hs_header', format('{"sub":"u1","exp":%s}', pg_temp.at(-10)), :'secret')) AS expired_without_leeway;
SELECT regress.try('SET tenantgate.leeway = 301') AS leeway_above_max;
SELECT regress.try('SET tenantgate.leeway = -1') AS leeway_negative;
SELECT regress.try($$SET tenantgate.leewy = 1$$) AS reserved_prefix;
RESET tenantgate.leeway;
SET tenantgate.issuer = 'https://idp.example';
SELECT pg_temp.verify(pg_temp.hs(:'hs_header', format('{"sub":"u1","exp":%s}', pg_temp.at(60)), :'secret')) AS no_iss;
SELECT pg_temp.verify(pg_temp.hs(:'hs_header', format('{"sub":"u1","iss":"https://evil.example","exp":%s}', pg_temp.at(60)), :'secret')) AS other_iss;
SELECT pg_temp.verify(pg_temp.hs(:'hs_header', format('{"sub":"u1","iss":"https://idp.example","exp":%s}', pg_temp.at(60)), :'secret')) AS right_iss;
RESET tenantgate.issuer;
SET tenantgate.audience = 'api';
SELECT pg_temp.verify(pg_temp.hs(:'hs_header', format('{"sub":"u1","aud":%s,"exp":%s}', aud, pg_temp.at(60)), :'secret')) AS result, aud
  FROM unnest(ARRAY['"api"', '["web","api"]', '"web"', '["web"]', '"API"']) aud;
SELECT pg_temp.verify(pg_temp.hs(:'hs_header', format('{"sub":"u1","exp":%s}', pg_temp.at(60)), :'secret')) AS no_aud;
RESET tenantgate.audience;
SET tenantgate.max_token_size = 1024;
SELECT pg_temp.verify(pg_temp.hs(:'hs_header', format('{"sub":"u1","pad":"%s","exp":%s}', repeat('p', 1000), pg_temp.at(60)), :'secret')) AS too_large;
RESET tenantgate.max_token_size;
SELECT pg_temp.verify(pg_temp.hs(:'hs_header', format('{"sub":"u1","pad":"%s","exp":%s}', repeat('p', 1000), pg_temp.at(60)), :'secret')) AS same_token_default_size;
-- a client session cannot change them
SET client_min_messages = warning;
DROP ROLE IF EXISTS tg_tokens_nosuper;
RESET client_min_messages;
CREATE ROLE tg_tokens_nosuper;
SET ROLE tg_tokens_nosuper;
SELECT regress.try('SET tenantgate.' || s || ' = ' || v) AS result, s AS setting
  FROM (VALUES ('leeway', '300'), ('max_token_size', '1048576'), ('issuer', '''x'''), ('audience', '''x''')) AS t(s, v);
SELECT regress.try($$SELECT set_config('tenantgate.leeway', '300', false)$$) AS set_config;
RESET ROLE;
DROP ROLE tg_tokens_nosuper;

-- the clock is the wall clock, not the transaction start (JWT-26); 6 s of margin before exp so a
-- busy machine cannot expire the token between the two statements before the sleep
BEGIN;
SET LOCAL tenantgate.leeway = 0;
SELECT pg_temp.hs(:'hs_header', format('{"sub":"slow","exp":%s}', pg_temp.at(6)), :'secret') AS slow_tok \gset
SELECT pg_temp.verify(:'slow_tok') AS before_exp;
SELECT pg_sleep(7);
-- The token was signed inside this transaction, so its exp lies after the transaction start: a
-- verifier that read the transaction's now() would still accept it.
SELECT pg_temp.verify(:'slow_tok') AS after_exp;
COMMIT;

-- decode shows header and payload without verifying, and refuses what is not a JWS
SELECT auth.decode(pg_temp.hs('{"alg":"HS256","kid":"whatever"}', '{"sub":"d"}', 'not-the-key')) AS decoded_unverified;
SELECT regress.try($$SELECT auth.decode('abc')$$) AS decode_garbage;
SELECT regress.try(format('SELECT auth.decode(%L)', 'tgr_' || repeat('A', 43))) AS decode_refresh_token;

-- a warm verify reads no table (the key cache); a key change makes the next one load once
SELECT pg_temp.verify(:'tok') AS warm_up;
BEGIN;
SELECT loads AS loads0 FROM auth._key_cache_status() \gset
SELECT count(*) FILTER (WHERE pg_temp.verify(:'tok') = 'ok u1') AS verified FROM generate_series(1, 100);
SELECT loads - :loads0 AS key_loads_for_100_warm_verifies FROM auth._key_cache_status();
SELECT auth.add_key('another', 'HS256', 'another-secret-0123456789abcdefghijk');
SELECT loads AS loads1 FROM auth._key_cache_status() \gset
SELECT count(*) FILTER (WHERE pg_temp.verify(:'tok') = 'ok u1') AS verified FROM generate_series(1, 100);
SELECT loads - :loads1 AS key_loads_after_a_key_change FROM auth._key_cache_status();
COMMIT;
