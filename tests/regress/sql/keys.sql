-- keys: every key function, weak-key refusals, JWKS hygiene, per-tenant keys, privileges.
CREATE EXTENSION tenantgate;
\set VERBOSITY terse
\i helpers/try.sql
\set ECHO none
\set rsa_pub '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1D+YEC5S/sVwFckRZW3A\nHnv0GGnrlK0Cxki3DYayJbOpK0GC8R7O1wcNpTHgUIC7S4irrJYyChAqqu05pDyg\nFZL+OIkpMRKbL5FxOVV26Ufzl+TFCux5IP0dvlYAawlQ0X9kv0GqB+oIk+526gsZ\nKlzrcMi4ZDIdFU0ujTOteLMZwbh5pUfxroiGXA+e90N9UDpQKWxJnaxglGjq26Q9\nt0IrSIESctFGkp290z/tfOs0NAV1f5PjF6Lwi3JnQ3SY/3CceEggpUIw4gcE1EdD\n9x8lk+vnm5vWNSzLc4eqpzUyWcN7O6WG9AL3636v/beODIpDkXW/wtgOsjCi7iyM\nfwIDAQAB\n-----END PUBLIC KEY-----'
\set rsa_priv '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDUP5gQLlL+xXAV\nyRFlbcAee/QYaeuUrQLGSLcNhrIls6krQYLxHs7XBw2lMeBQgLtLiKusljIKECqq\n7TmkPKAVkv44iSkxEpsvkXE5VXbpR/OX5MUK7Hkg/R2+VgBrCVDRf2S/QaoH6giT\n7nbqCxkqXOtwyLhkMh0VTS6NM614sxnBuHmlR/GuiIZcD573Q31QOlApbEmdrGCU\naOrbpD23QitIgRJy0UaSnb3TP+186zQ0BXV/k+MXovCLcmdDdJj/cJx4SCClQjDi\nBwTUR0P3HyWT6+ebm9Y1LMtzh6qnNTJZw3s7pYb0Avfrfq/9t44MikORdb/C2A6y\nMKLuLIx/AgMBAAECggEAEV8zHv/roxad2eqfFeIpu1UB4Y2pzn1qoLgK43yG0Dco\nPXYbNYkD/O2C3GZ8qZofukrxYirY5aH1HBBWi26624kwbYgsauvO79HDpqGsHePZ\nuDDtP7ujHmQZLx7y4c/dYYg/wrepJwSstw7phLZr1N/OFWkYTnsbjkbG7J+yLxKz\nebInb3YBPiDcjZ7RBb09qAxFoNbT6HJsLhxtWYDYJFSlILmq0biTXsenGEZgAoyD\nyOwgjt8qYFxOv5zp86/0Xv44WTKFCY23egBH8KMsvDnZmkirwq03n6QCwdmLl+Y0\nIfX0fWW+T80UE2g++lpE+waXKWqbLPwwmctekCh6gQKBgQDu5BN6pK8gIE+YFD7u\n08XwSXTPLqT5KMvWvDApGXS+0Iu4Dwqr7BrP/CrrrhqvVpRs4Nbo9u2hJoVGPHVs\nT9nxdbvkZKbE0tgSZd/x5J/sezF6gKWrUsoCL9WcGMb5aEC3lvWXohT64b6Ob9e1\noDF94JN4vqHrWL3tiNx2cGhy8QKBgQDjcwsTKTC+RJ/j2nVPg/qe6OYRcIsk9ybz\nlDtDq77I6k1iXBLFbxHaddnRk2q3td9acShekviq9fOEtF+aIqp/HenSQhLWwnAt\nxUegKPd0h6QVZsfzlPFogH1xIINYBo2U6B8Ys5yWf00zDXx73S2ELbPfP/Bv1BVI\nAsSZIyIWbwKBgQC0zka38mDhjdLwJZKkLACKJu6TyJfwRKJSukgxMyUbLrgw7KGF\nEcQRWqgZjMKBpqPb7Ch8VjfwWjlQuX2eJqmriRJWgJ+AJJyJADYI3KL11x/RugCp\ntJVUJmQkKtSd+/vPeCAVTgVXBPi20YuP2djbjtfO8WmXuKi3WXiS4+0J4QKBgFMd\nvkVRPxO4pikwsr/M/e/GMhTbaK2od555Y7LV9xEatg6kkON/NCn9+Qwh79SUbLtz\nMIpm8OIgoM200F7WHjH3r3N7W8EJKs8/EW6QqeT2kFqVxanYmuNSWQTXGcg4FNL+\nhCaVtDo26PIoEn59E94CiYGiru1etiwrfsZrVVCXAoGAK0QrcfD2+l+2F7Z2LYRJ\nAfkUGX53A/AGW/jhT6Pw5Zepetv4+h+B1/6HP4IuNEwBRFD5ODNl8gNsFXJ8v1Mv\nW7i2+YZSvOeWNoFK+TVoGl/51VD5OwQ8xbZYr9sVDk3UEtpb6mhmG2Uwv3qV6MIO\n3AhMt0fklCSafNC+Nm+vPg8=\n-----END PRIVATE KEY-----'
\set rsa1024_pub '-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC98CC2psR/zlNAYWmGBFIKeScI\noHoCMponAexvYN6gzFngaC0kiYhlpiZj8+uU9vYESw9ZgtOjc9LbfawbeBItzZod\naw6OGnmYJJaDFXeqkzmCoa42R8Ose8KVqEwapVM45hxWgIr5z1f3wiScdH0b14xp\nOAF9D3zg3mO1cjiaBwIDAQAB\n-----END PUBLIC KEY-----'
\set ec_pub '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESRPqdk4MuqEQhR4eQllPHBct5a3G\n3exWuY74Pb0kXRuJuDVXswgxFpZl4d88tf4EajiV4OUy8QoDEFbAawFoFQ==\n-----END PUBLIC KEY-----'
\set ec_priv '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPrw9WMv6vWUNcoTr\nDb7eewpoMmn3MtrV1TfVy6KLTYqhRANCAARJE+p2Tgy6oRCFHh5CWU8cFy3lrcbd\n7Fa5jvg9vSRdG4m4NVezCDEWlmXh3zy1/gRqOJXg5TLxCgMQVsBrAWgV\n-----END PRIVATE KEY-----'
\set ed_pub '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA9gCayYwEw6XdZnabj3E92rgv0kCSZksm5U7747H9ejY=\n-----END PUBLIC KEY-----'
\set ECHO all

-- creates_roles_nologin
-- the extension's own roles (suites running beside this one add logins such as tenantgate_server)
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN ('tenantgate_admin', 'tenantgate_authenticator', 'tenantgate_tenant') ORDER BY 1;
-- keys_table_is_dumped_config
SELECT 'auth.keys'::regclass = ANY (extconfig) AS dumped FROM pg_extension WHERE extname = 'tenantgate';

-- add_key_accepts_strong_keys
SELECT auth.add_key('hs', 'HS256', repeat('s', 32));
SELECT auth.add_key('hs384', 'HS384', repeat('s', 48));
SELECT auth.add_key('hs512', 'HS512', repeat('s', 64));
SELECT auth.add_key('hs-jwk', 'HS256', '{"kty":"oct","k":"' || rtrim(translate(encode(convert_to(repeat('k', 32), 'UTF8'), 'base64'), '+/', '-_'), '=') || '"}');
SELECT auth.add_key('rsa', 'RS256', :'rsa_pub');
SELECT auth.add_key('rsa-ps', 'PS256', :'rsa_pub');
SELECT auth.add_key('rsa-priv', 'RS256', :'rsa_priv');
SELECT auth.add_key('ec', 'ES256', :'ec_pub');
SELECT auth.add_key('ec-priv', 'ES256', :'ec_priv');
SELECT auth.add_key('ed', 'EdDSA', :'ed_pub');
SELECT kid, alg, can_sign, is_active_signer, tenant IS NULL AS global, public_jwk IS NOT NULL AS has_jwk
  FROM auth.keys ORDER BY created_at, kid;

-- add_key_refuses_weak_or_mismatched_keys
SELECT regress.try(format('SELECT auth.add_key(%L, %L, %L)', 'x', alg, key)) AS result, note
  FROM (VALUES ('HS256', 'short', 'short secret'),
               ('HS256', repeat('s', 31), '31 bytes for HS256'),
               ('HS384', repeat('s', 47), '47 bytes for HS384'),
               ('HS512', repeat('s', 63), '63 bytes for HS512'),
               ('HS256', '', 'empty secret'),
               ('HS256', :'rsa_pub', 'public key PEM as HMAC secret'),
               ('HS256', :'ec_pub', 'EC PEM as HMAC secret'),
               ('RS256', :'rsa1024_pub', 'RSA 1024'),
               ('ES384', :'ec_pub', 'P-256 key for ES384'),
               ('ES256', :'ed_pub', 'Ed25519 key for ES256'),
               ('EdDSA', :'ec_pub', 'EC key for EdDSA'),
               ('RS256', repeat('s', 32), 'secret for RS256'),
               ('none', repeat('s', 32), 'alg none'),
               ('hs256', repeat('s', 32), 'alg in lower case'),
               ('HS256 ', repeat('s', 32), 'alg with a space')) AS t(alg, key, note);
SELECT regress.try($$SELECT auth.add_key('x', 'HS256', NULL)$$) AS null_key;
SELECT regress.try($$SELECT auth.add_key('', 'HS256', repeat('s', 32))$$) AS empty_kid;
SELECT regress.try(format('SELECT auth.add_key(%L, %L, %L)', repeat('k', 257), 'HS256', repeat('s', 32))) AS long_kid;
SELECT regress.try($$SELECT auth.add_key('hs', 'HS256', repeat('t', 32))$$) AS duplicate_kid;
SELECT regress.try($$SELECT auth.add_key('x', 'HS256', repeat('s', 32), 'nosuchtenant')$$) AS unknown_tenant;
SELECT count(*) AS keys_after_refusals FROM auth.keys;

-- generate_key_every_alg_becomes_active_signer
CREATE TEMPORARY TABLE generated AS
SELECT n, a AS alg, auth.generate_key(a) AS kid
  FROM unnest(ARRAY['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384',
                    'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']) WITH ORDINALITY AS u(a, n);
SELECT g.alg, length(kid) AS kid_length, can_sign, is_active_signer,
       (public_jwk IS NOT NULL) = (g.alg NOT LIKE 'HS%') AS jwk_iff_asymmetric
  FROM generated g JOIN auth.keys k USING (kid)
 ORDER BY n;
SELECT alg FROM auth.keys WHERE is_active_signer;
SELECT regress.try($$SELECT auth.generate_key('none')$$) AS generate_none;
SELECT regress.try($$SELECT auth.generate_key('HS256', 'nosuchtenant')$$) AS generate_unknown_tenant;
-- generated_hmac_secrets_are_distinct_and_full_size
CREATE TEMPORARY TABLE generated_hs AS SELECT auth.generate_key('HS256') AS kid FROM generate_series(1, 20);
SELECT count(DISTINCT k.key_data) AS distinct_secrets, min(octet_length(k.key_data)) AS bytes,
       count(DISTINCT kid) AS distinct_kids
  FROM generated_hs JOIN auth.keys k USING (kid);

-- jwks_never_shows_secrets_or_private_parts
SELECT jsonb_array_length(auth.jwks() -> 'keys') AS public_keys,
       (SELECT count(*) FROM auth.keys WHERE public_jwk IS NOT NULL AND revoked_at IS NULL) AS stored_public;
SELECT count(*) FILTER (WHERE j ?| ARRAY['k', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'oth']) AS with_secret_members,
       count(*) FILTER (WHERE j ->> 'kty' = 'oct') AS oct_keys,
       count(*) FILTER (WHERE j ->> 'use' = 'sig' AND j ? 'kid' AND j ? 'alg') AS well_formed
  FROM jsonb_array_elements(auth.jwks() -> 'keys') j;
SELECT j ->> 'kid' AS kid, j ->> 'kty' AS kty, j ->> 'alg' AS alg, j ->> 'crv' AS crv
  FROM jsonb_array_elements(auth.jwks() -> 'keys') j WHERE j ->> 'kid' IN ('rsa', 'rsa-priv', 'ec', 'ec-priv', 'ed')
 ORDER BY 1;

-- per-tenant keys (tenants inserted directly: no schema or role is needed here)
INSERT INTO auth.tenants (slug, staff_role, admin_role)
VALUES ('keysco1', 'tg_keysco1_staff', 'tg_keysco1_admin'), ('keysco2', 'tg_keysco2_staff', 'tg_keysco2_admin');
SELECT auth.add_key('hs', 'HS256', repeat('1', 32), 'keysco1') AS same_kid_other_tenant;
SELECT length(auth.generate_key('ES256', 'keysco1')) AS tenant_kid_length;
SELECT tenant, alg FROM auth.keys WHERE is_active_signer ORDER BY tenant NULLS FIRST;
SELECT auth._signing_kid('keysco1') = (SELECT kid FROM auth.keys WHERE tenant = 'keysco1' AND is_active_signer) AS tenant_signer,
       auth._signing_kid('keysco2') = (SELECT kid FROM auth.keys WHERE tenant IS NULL AND is_active_signer) AS falls_back_to_global,
       auth._signing_kid(NULL) = (SELECT kid FROM auth.keys WHERE tenant IS NULL AND is_active_signer) AS global_signer;
-- jwks_of_a_tenant_is_its_keys_and_the_global_ones
SELECT jsonb_array_length(auth.jwks('keysco1') -> 'keys') - jsonb_array_length(auth.jwks() -> 'keys') AS extra_for_keysco1,
       jsonb_array_length(auth.jwks('keysco2') -> 'keys') - jsonb_array_length(auth.jwks() -> 'keys') AS extra_for_keysco2;
-- one_active_signer_per_tenant_is_enforced
SELECT regress.try($$UPDATE auth.keys SET is_active_signer = true WHERE kid = 'hs512'$$) AS second_global_signer;

-- import_jwks_trusts_public_keys_all_or_nothing
SELECT jsonb_build_object('keys', jsonb_agg(public_jwk ORDER BY kid)) AS set
  FROM auth.keys WHERE kid IN ('rsa', 'ec', 'ed') AND tenant IS NULL \gset
SELECT auth.import_jwks(:'set', 'keysco2') AS imported;
SELECT kid, alg, can_sign, is_active_signer FROM auth.keys WHERE tenant = 'keysco2' ORDER BY kid;
SELECT regress.try(format('SELECT auth.import_jwks(%L, %L)', :'set', 'keysco2')) AS reimport_existing_kids;
SELECT regress.try(format('SELECT auth.import_jwks(%L, %L)', s, 'keysco1')) AS result, note
  FROM (VALUES
    (jsonb_build_object('keys', jsonb_build_array(jsonb_build_object('kty', 'oct', 'kid', 'o1', 'k', repeat('A', 43)))), 'oct key'),
    (jsonb_build_object('keys', (:'set'::jsonb -> 'keys') || jsonb_build_array(jsonb_build_object('kty', 'oct', 'kid', 'o1', 'k', repeat('A', 43)))), 'mixed set'),
    (jsonb_build_object('keys', jsonb_build_array(:'set'::jsonb -> 'keys' -> 0, jsonb_set(:'set'::jsonb -> 'keys' -> 1, '{kid}', :'set'::jsonb -> 'keys' -> 0 -> 'kid'))), 'duplicate kid'),
    (jsonb_build_object('keys', jsonb_build_array(jsonb_set(:'set'::jsonb -> 'keys' -> 0, '{use}', '"enc"'))), 'use enc'),
    (jsonb_build_object('keys', jsonb_build_array((:'set'::jsonb -> 'keys' -> 0) || '{"key_ops":["encrypt"]}')), 'key_ops encrypt'),
    (jsonb_build_object('keys', jsonb_build_array(jsonb_set(:'set'::jsonb -> 'keys' -> 0, '{alg}', '"RSA1_5"'))), 'alg RSA1_5'),
    (jsonb_build_object('keys', jsonb_build_array((:'set'::jsonb -> 'keys' -> 0) - 'kid')), 'no kid'),
    ('{"keys": "nope"}'::jsonb, 'keys not an array'),
    ('[]'::jsonb, 'not a set')) AS t(s, note);
SELECT count(*) AS keysco1_keys_after_refused_imports FROM auth.keys WHERE tenant = 'keysco1';
-- import_jwks_drops_private_members
SELECT auth.import_jwks(jsonb_build_object('keys', jsonb_build_array(
         jsonb_set(jsonb_set(:'set'::jsonb -> 'keys' -> 0, '{kid}', '"with-d"'), '{d}', '"AAAA"'))), 'keysco1') AS imported_with_d;
SELECT can_sign, public_jwk ? 'd' AS stored_d FROM auth.keys WHERE kid = 'with-d';
SELECT count(*) FILTER (WHERE j ?| ARRAY['k', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'oth']) AS with_secret_members
  FROM jsonb_array_elements(auth.jwks('keysco1') -> 'keys') j;

-- revoke_key
SELECT regress.try($$SELECT auth.revoke_key('nosuchkid')$$) AS unknown_kid;
SELECT auth.add_key('dup', 'HS256', repeat('d', 32), 'keysco1'), auth.add_key('dup', 'HS256', repeat('e', 32), 'keysco2');
SELECT regress.try($$SELECT auth.revoke_key('dup')$$) AS ambiguous_kid;
SELECT auth.revoke_key('dup', 'keysco2');
SELECT regress.try($$SELECT auth.revoke_key('dup')$$) AS still_ambiguous_by_name;
SELECT tenant, revoked_at IS NOT NULL AS revoked FROM auth.keys WHERE kid = 'dup' ORDER BY tenant;
SELECT auth.revoke_key('hs', 'keysco1');
SELECT tenant, revoked_at IS NOT NULL AS revoked FROM auth.keys WHERE kid = 'hs' ORDER BY tenant NULLS FIRST;
SELECT auth.revoke_key('rsa') AS global_key_first;
SELECT tenant, revoked_at IS NOT NULL AS revoked FROM auth.keys WHERE kid = 'rsa' ORDER BY tenant NULLS FIRST;
SELECT count(*) AS rsa_in_jwks FROM jsonb_array_elements(auth.jwks() -> 'keys') j WHERE j ->> 'kid' = 'rsa';
SELECT auth.revoke_key('rsa') AS revoking_twice_is_a_no_op;
-- revoking_the_active_signer_promotes_the_newest_remaining_signer
SELECT kid AS old_signer FROM auth.keys WHERE tenant IS NULL AND is_active_signer \gset
SELECT auth.revoke_key(:'old_signer');
SELECT count(*) AS global_signers, bool_and(kid <> :'old_signer') AS another_key,
       bool_and(created_at = (SELECT max(created_at) FROM auth.keys WHERE tenant IS NULL AND can_sign AND revoked_at IS NULL)) AS newest
  FROM auth.keys WHERE tenant IS NULL AND is_active_signer;

-- tenant_delete_cascades_to_its_keys
DELETE FROM auth.tenants WHERE slug = 'keysco2';
SELECT count(*) AS keysco2_keys FROM auth.keys WHERE tenant = 'keysco2';

-- privileges: nobody but the owner touches auth.keys; key management is for tenantgate_admin
-- (add_key is EXECUTE-able by PUBLIC and checks its caller inside, so that a refused call never
-- logs the statement with the secret: tokens_authenticator.sql calls it as a client)
SELECT r AS role,
       has_table_privilege(r, 'auth.keys', 'SELECT') AS select_keys,
       has_function_privilege(r, 'auth.add_key(text,text,text,text)', 'EXECUTE') AS add_key,
       has_function_privilege(r, 'auth.generate_key(text,text)', 'EXECUTE') AS generate_key,
       has_function_privilege(r, 'auth.import_jwks(jsonb,text)', 'EXECUTE') AS import_jwks,
       has_function_privilege(r, 'auth.revoke_key(text)', 'EXECUTE') AS revoke_key,
       has_function_privilege(r, 'auth.revoke_key(text,text)', 'EXECUTE') AS revoke_key2,
       has_function_privilege(r, 'auth.sign(jsonb,text)', 'EXECUTE') AS sign,
       has_function_privilege(r, 'auth.sign(jsonb,text,text)', 'EXECUTE') AS sign3,
       has_function_privilege(r, 'auth.decode(text)', 'EXECUTE') AS decode,
       has_function_privilege(r, 'auth._signing_kid(text)', 'EXECUTE') AS signing_kid,
       has_function_privilege(r, 'auth._key_from_material(text,text,text)', 'EXECUTE') AS key_from_material
  FROM unnest(ARRAY['tenantgate_authenticator', 'tenantgate_admin', 'tenantgate_tenant', 'public']) r;
SELECT p.oid::regprocedure AS security_definer_function, p.proconfig
  FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
  JOIN pg_extension e ON d.refobjid = e.oid AND e.extname = 'tenantgate'
 WHERE p.prosecdef AND p.oid::regprocedure::text ~ '(key|jwks)'
 ORDER BY 1::text;
