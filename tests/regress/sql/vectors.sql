-- vectors: published JWS examples (RFC 7515 A.1 HS256, A.3 ES256; RFC 8037 Ed25519 key) verify
-- here, and what we sign has the fixed-size signatures other verifiers expect (JWT-14).
CREATE EXTENSION tenantgate;
\set VERBOSITY terse
\i helpers/try.sql
CREATE FUNCTION pg_temp.b64u_decode(data text) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT decode(translate(data, '-_', '+/') || repeat('=', (4 - length(data) % 4) % 4), 'base64') $$;
-- The RFC's payload: {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
\set payload 'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ'
\set hs_jwk '{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}'
\set hs_token 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.' :payload '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
\set es_jwk '{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}'
\set es_mismatched_jwk '{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cLnT8EgfH3cTzP9kGkoFtM"}'
\set es_token 'eyJhbGciOiJFUzI1NiJ9.' :payload '.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q'

-- rfc7515_vectors_verify: the signature checks pass, so what is left is the 2011 exp
SELECT auth.decode(:'hs_token') AS rfc7515_a1;
SELECT regress.try(format('SELECT auth.verify(%L, %L, %L)', :'hs_token', :'hs_jwk', 'HS256')) AS a1_hs256,
       regress.try(format('SELECT auth.verify(%L, %L, %L)', :'es_token', :'es_jwk', 'ES256')) AS a3_es256;
-- the same tokens with one signature byte changed
SELECT regress.try(format('SELECT auth.verify(%L, %L, %L)', overlay(:'hs_token' placing 'e' from length(:'hs_token') - 42 for 1), :'hs_jwk', 'HS256')) AS a1_tampered,
       regress.try(format('SELECT auth.verify(%L, %L, %L)', overlay(:'es_token' placing 'E' from length(:'es_token') - 85 for 1), :'es_jwk', 'ES256')) AS a3_tampered;
-- stored keys: the A.1 key (kid-less token: the active signer) and the A.3 public key
SELECT auth.add_key('rfc7515-a1', 'HS256', :'hs_jwk');
SELECT regress.try(format('SELECT auth.verify(%L)', :'hs_token')) AS a1_stored_key;
SELECT auth.add_key('rfc7515-a3', 'ES256', :'es_jwk');
SELECT auth.revoke_key('rfc7515-a1');
SELECT regress.try(format('SELECT auth.verify(%L)', :'es_token')) AS a3_kidless_but_not_the_signer;

-- a private JWK whose d does not belong to its x/y (the A.3 public point with another scalar) is refused
SELECT regress.try(format('SELECT auth.add_key(%L, %L, %L)', 'mismatched', 'ES256', :'es_mismatched_jwk')) AS mismatched_private_jwk;
-- RFC 8037 A.2 Ed25519 public key
SELECT auth.add_key('rfc8037', 'EdDSA', '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}');
SELECT public_jwk ->> 'x' AS x, public_jwk ->> 'crv' AS crv FROM auth.keys WHERE kid = 'rfc8037';

-- signatures_have_the_fixed_jws_sizes (ECDSA r||s left-padded: 64/96/132 bytes; RSA 256; Ed25519 64)
CREATE TEMPORARY TABLE signers AS
SELECT a AS alg, auth.generate_key(a) AS kid
  FROM unnest(ARRAY['HS256', 'HS384', 'HS512', 'RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA']) a;
SELECT s.alg, min(octet_length(sig)) AS min_bytes, max(octet_length(sig)) AS max_bytes, count(*) AS tokens,
       bool_and(auth.verify(t) ->> 'sub' = 'size') AS all_verify
  FROM signers s,
       LATERAL (SELECT auth.sign('{"sub":"size","exp":4102444800}', s.kid) AS t FROM generate_series(1, CASE WHEN s.alg LIKE 'ES%' THEN 300 ELSE 5 END)) g,
       LATERAL (SELECT pg_temp.b64u_decode(split_part(t, '.', 3)) AS sig) d
 GROUP BY s.alg ORDER BY s.alg;
