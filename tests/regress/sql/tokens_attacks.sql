-- tokens_attacks: the JWT/JOSE attack catalogue (JWT-01..09, 19, 21..26) at the SQL level, with
-- tokens forged in SQL (pgcrypto HMAC) and keys from auth.sign; revocation across sessions (dblink).
CREATE EXTENSION tenantgate;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION dblink;
\set VERBOSITY terse
\i helpers/try.sql
\i helpers/jws.sql
\set secret 'attacks-secret-0123456789abcdefghij'
\set h '{"alg":"HS256","typ":"JWT","kid":"hs"}'
\set p '{"sub":"1","tenant":"atkco1","role":"admin","exp":4102444800}'
SELECT auth.add_key('hs', 'HS256', :'secret');
SELECT auth.generate_key('ES256') AS ec_kid \gset
SELECT auth.generate_key('RS256') AS rsa_kid \gset
INSERT INTO auth.tenants (slug, staff_role, admin_role)
VALUES ('atkco1', 'tg_atkco1_staff', 'tg_atkco1_admin'), ('atkco2', 'tg_atkco2_staff', 'tg_atkco2_admin');
SELECT pg_temp.hs(:'h', '{"sub":"1","exp":4102444800}', :'secret') AS good \gset
SELECT split_part(:'good', '.', 1) AS gh, split_part(:'good', '.', 2) AS gp, split_part(:'good', '.', 3) AS gs \gset
SELECT pg_temp.verify(:'good') AS baseline;

-- JWT-01 alg none, every casing, every shape
SELECT alg, pg_temp.verify(hp || '.') AS empty_sig, pg_temp.verify(hp) AS two_segments,
       pg_temp.verify(hp || '.' || :'gs') AS copied_sig
  FROM (SELECT alg, pg_temp.b64u(format('{"alg":%s,"typ":"JWT","kid":"hs"}', alg)) || '.' || pg_temp.b64u(:'p') AS hp
          FROM unnest(ARRAY['"none"', '"None"', '"NONE"', '"nOnE"', '"none "', '"none\u0000"']) alg) t;
SELECT pg_temp.verify('eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.') AS rfc7519_unsecured;
SELECT regress.try(format('SELECT auth.verify(%L, %L, %L)', pg_temp.b64u('{"alg":"none"}') || '.' || pg_temp.b64u(:'p') || '.', :'secret', 'none')) AS caller_asks_for_none;

-- JWT-02 a stored public key used as an HMAC secret
SELECT public_jwk::text AS ec_jwk FROM auth.keys WHERE kid = :'ec_kid' \gset
SELECT form, pg_temp.verify(pg_temp.hs(format('{"alg":"HS256","kid":"%s"}', :'ec_kid'), :'p', secret)) AS stored_kid,
       regress.try(format('SELECT auth.verify(%L, %L, %L)', pg_temp.hs('{"alg":"HS256"}', :'p', secret), secret, 'HS256')) AS explicit_key
  FROM (VALUES ('jwk text', :'ec_jwk'), ('jwk with newline', :'ec_jwk' || E'\n'),
               ('pem', E'-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESRPqdk4MuqEQhR4eQllPHBct5a3G\n3exWuY74Pb0kXRuJuDVXswgxFpZl4d88tf4EajiV4OUy8QoDEFbAawFoFQ==\n-----END PUBLIC KEY-----\n')) AS t(form, secret);

-- JWT-03 header alg must equal the key's alg, byte-exact
SELECT alg, pg_temp.verify(pg_temp.hs(format('{"alg":%s,"kid":"hs"}', alg), :'p', :'secret')) AS result
  FROM unnest(ARRAY['"hs256"', '"Hs256"', '"HS256 "', '"HS256\u0000"', '["HS256"]', '256', 'null', '"HS384"', '"RS256"', '"ES256"']) alg;
SELECT pg_temp.verify(pg_temp.hs('{"kid":"hs"}', :'p', :'secret')) AS missing_alg;
SELECT pg_temp.verify(pg_temp.hs(format('{"alg":"RS384","kid":"%s"}', :'rsa_kid'), :'p', :'secret')) AS rs384_on_rs256_key;
SELECT pg_temp.verify(pg_temp.hs(format('{"alg":"ES384","kid":"%s"}', :'ec_kid'), :'p', :'secret')) AS es384_on_p256_key;

-- JWT-04 missing, empty, truncated signatures, wrong segment counts
SELECT shape, pg_temp.verify(token) AS result FROM (VALUES
  ('H.P.', :'gh' || '.' || :'gp' || '.'), ('H.P', :'gh' || '.' || :'gp'), ('H..S', :'gh' || '..' || :'gs'),
  ('.P.S', '.' || :'gp' || '.' || :'gs'), ('P.S', :'gp' || '.' || :'gs'), ('.P.', '.' || :'gp' || '.'),
  ('P', :'gp'), ('empty', ''), ('H.P.S.', :'good' || '.'), ('H.P.S.foo', :'good' || '.foo'), ('..', '..'),
  ('1 byte MAC', :'gh' || '.' || :'gp' || '.' || pg_temp.b64u(substr(decode(translate(:'gs', '-_', '+/') || '=', 'base64'), 1, 1))),
  ('16 byte MAC', :'gh' || '.' || :'gp' || '.' || pg_temp.b64u(substr(decode(translate(:'gs', '-_', '+/') || '=', 'base64'), 1, 16))),
  ('31 byte MAC', :'gh' || '.' || :'gp' || '.' || pg_temp.b64u(substr(decode(translate(:'gs', '-_', '+/') || '=', 'base64'), 1, 31))),
  ('MAC + 1 byte', :'gh' || '.' || :'gp' || '.' || pg_temp.b64u(decode(translate(:'gs', '-_', '+/') || '=', 'base64') || '\x00'::bytea))) AS t(shape, token);

-- JWT-05 cut and paste
SELECT pg_temp.verify(:'gh' || '.' || pg_temp.b64u('{"sub":"1","tenant":"atkco2","exp":4102444800}') || '.' || :'gs') AS payload_changed,
       pg_temp.verify(pg_temp.b64u('{"alg":"HS256","typ":"JWT","kid":"hs","x":1}') || '.' || :'gp' || '.' || :'gs') AS header_changed,
       pg_temp.verify(:'gh' || '.' || :'gp' || '.' || split_part(pg_temp.hs(:'h', '{"sub":"2","exp":4102444800}', :'secret'), '.', 3)) AS signature_of_another_token;

-- JWT-06 kid SQL injection: parameterized equality, nothing runs. The stacked query would take a
-- session-level advisory lock, which no rollback releases: its absence shows it never ran.
SELECT kid, pg_temp.verify(pg_temp.hs(jsonb_build_object('alg', 'HS256', 'kid', kid)::text, :'p', repeat('A', 32))) AS result
  FROM unnest(ARRAY[$$' OR '1'='1$$, $$x' UNION SELECT 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA','HS256',NULL --$$,
                    $$x'; SELECT pg_advisory_lock(7316, 4242)--$$, $$x\'$$, '$$', '%', '_', 'h%', $$hs' AND tenant IS NULL --$$]) kid;
SELECT count(*) = 0 AS injected_query_never_ran FROM pg_locks
 WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 7316 AND objid = 4242;

-- JWT-07 kid traversal, odd types, oversize
SELECT left(kid, 30) AS kid, pg_temp.verify(pg_temp.hs(jsonb_build_object('alg', 'HS256', 'kid', kid)::text, :'p', '')) AS empty_secret,
       pg_temp.verify(pg_temp.hs(jsonb_build_object('alg', 'HS256', 'kid', kid)::text, :'p', :'secret')) AS real_secret
  FROM unnest(ARRAY['../../../../../../dev/null', '/proc/self/environ', '|id', ';id', repeat('k', 257), repeat('k', 10240)]) kid;
SELECT kid, pg_temp.verify(pg_temp.hs(format('{"alg":"HS256","kid":%s}', kid), :'p', :'secret')) AS result
  FROM unnest(ARRAY['"hs\u0000evil"', '{"$ne":null}', '["hs"]', '123', 'null', 'true']) kid;

-- JWT-08 kids of other tenants, kid collisions between tenants
SELECT auth.add_key('1', 'HS256', 'atkco1-secret-0123456789abcdefghijk', 'atkco1');
SELECT auth.add_key('1', 'HS256', 'atkco2-secret-0123456789abcdefghijk', 'atkco2');
SELECT note, pg_temp.verify(pg_temp.hs(header, claims, secret)) AS result FROM (VALUES
  ('atkco1 key, atkco1 claim', '{"alg":"HS256","kid":"1"}', format('{"sub":"a","tenant":"atkco1","exp":%s}', pg_temp.at(60)), 'atkco1-secret-0123456789abcdefghijk'),
  ('atkco1 key, atkco2 claim', '{"alg":"HS256","kid":"1"}', format('{"sub":"a","tenant":"atkco2","role":"admin","exp":%s}', pg_temp.at(60)), 'atkco1-secret-0123456789abcdefghijk'),
  ('atkco1 key, no tenant claim (kid ambiguous)', '{"alg":"HS256","kid":"1"}', format('{"sub":"a","exp":%s}', pg_temp.at(60)), 'atkco1-secret-0123456789abcdefghijk'),
  ('atkco1 key, unknown tenant claim', '{"alg":"HS256","kid":"1"}', format('{"sub":"a","tenant":"nobody","exp":%s}', pg_temp.at(60)), 'atkco1-secret-0123456789abcdefghijk'),
  ('global key, atkco2 claim', :'h', format('{"sub":"g","tenant":"atkco2","exp":%s}', pg_temp.at(60)), :'secret')) AS t(note, header, claims, secret);
SELECT auth.add_key('co1only', 'HS256', 'atkco1-only-secret-0123456789abcdefg', 'atkco1');
SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256","kid":"co1only"}', format('{"sub":"a","tenant":"atkco2","exp":%s}', pg_temp.at(60)),
                                 'atkco1-only-secret-0123456789abcdefg')) AS other_tenant_key;

-- JWT-09 no kid, revoked kid, inactive tenant: never a loop over all keys
SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256"}', format('{"sub":"nokid","exp":%s}', pg_temp.at(60)), :'secret')) AS kidless_not_active_signer,
       pg_temp.verify(pg_temp.hs('{"alg":"HS256"}', format('{"sub":"nokid","tenant":"atkco1","exp":%s}', pg_temp.at(60)), 'atkco1-secret-0123456789abcdefghijk')) AS kidless_tenant_active_signer,
       pg_temp.verify(pg_temp.hs('{"alg":"HS256"}', format('{"sub":"nokid","tenant":"atkco1","exp":%s}', pg_temp.at(60)), 'atkco1-only-secret-0123456789abcdefg')) AS kidless_other_tenant_key;
SELECT auth.revoke_key('co1only');
SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256","kid":"co1only"}', format('{"sub":"a","tenant":"atkco1","exp":%s}', pg_temp.at(60)),
                                 'atkco1-only-secret-0123456789abcdefg')) AS revoked_kid;
UPDATE auth.tenants SET active = false WHERE slug = 'atkco2';
SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256","kid":"1"}', format('{"sub":"a","tenant":"atkco2","exp":%s}', pg_temp.at(60)),
                                 'atkco2-secret-0123456789abcdefghijk')) AS inactive_tenant_key;
UPDATE auth.tenants SET active = true WHERE slug = 'atkco2';

-- JWT-19 empty and short HMAC secrets never verify
SELECT regress.try(format('SELECT auth.verify(%L, %L, %L)', pg_temp.hs('{"alg":"HS256"}', :'p', ''), '', 'HS256')) AS empty_secret,
       regress.try(format('SELECT auth.verify(%L, %L, %L)', pg_temp.hs('{"alg":"HS256"}', :'p', 'x'), 'x', 'HS256')) AS one_byte_secret;

-- JWT-21 non-canonical base64url
SELECT shape, pg_temp.verify(token) AS result FROM (VALUES
  ('padded header', :'gh' || '=.' || :'gp' || '.' || :'gs'),
  ('padded signature', :'good' || '='),
  ('plus and slash', translate(:'good', '-_', '+/')),
  ('space inside', :'gh' || '.' || :'gp' || '.' || left(:'gs', 10) || ' ' || substr(:'gs', 11)),
  ('newline inside', :'gh' || '.' || :'gp' || E'\n.' || :'gs'),
  ('percent-encoded dot', :'gh' || '%2E' || :'gp' || '.' || :'gs'),
  ('length 1 mod 4', :'gh' || '.' || :'gp' || '.' || :'gs' || 'AA'),
  ('trailing bits altered', :'gh' || '.' || :'gp' || '.' || left(:'gs', 42) ||
     substr('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
            ((strpos('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', right(:'gs', 1)) - 1) # 1) + 1, 1))) AS t(shape, token);
SELECT (strpos('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', right(:'gs', 1)) - 1) & 3 = 0 AS canonical_has_zero_trailing_bits;

-- JWT-22 duplicate member names
SELECT note, pg_temp.verify(pg_temp.hs(header, payload, :'secret')) AS result FROM (VALUES
  ('{"alg":"HS256","alg":"none","kid":"hs"}', '{"sub":"1","exp":4102444800}', 'duplicate alg'),
  ('{"alg":"HS256","kid":"x","kid":"hs"}', '{"sub":"1","exp":4102444800}', 'duplicate kid'),
  (:'h', '{"sub":"u1","tenant":"atkco1","tenant":"atkco2","exp":4102444800}', 'duplicate tenant'),
  (:'h', '{"sub":"u1","tenant":"atkco1","\u0074enant":"atkco2","exp":4102444800}', 'escape-equal duplicate'),
  (:'h', '{"sub":"u1","exp":1,"exp":4102444800}', 'duplicate exp')) AS t(header, payload, note);

-- JWT-23 strict JSON and UTF-8
SELECT payload, pg_temp.verify(pg_temp.hs(:'h', payload, :'secret')) AS result
  FROM unnest(ARRAY['0', '[]', '"x"', 'null', 'true', '{"exp":4102444800}x', '{"exp":4102444800}{"b":2}',
                    '{"exp":4102444800,}', '{''exp'':4102444800}', '{"exp":04102444800}', '{"exp":NaN}',
                    '{"exp":4102444800,"s":"\x41"}', '{"exp":4102444800,"s":"\ud800"}', '{"exp":4102444800,"s":"\u0000"}',
                    '{"exp":4102444800,"\u0000":1}', '{"exp":4102444800} /* c */', E'\ufeff{"exp":4102444800}']) payload;
SELECT note, pg_temp.verify(pg_temp.b64u(convert_to(:'h', 'UTF8')) || '.' || pg_temp.b64u(payload) || '.' ||
                            pg_temp.b64u(hmac(convert_to(pg_temp.b64u(convert_to(:'h', 'UTF8')) || '.' || pg_temp.b64u(payload), 'UTF8'),
                                              convert_to(:'secret', 'UTF8'), 'sha256'))) AS result
  FROM (VALUES ('\x7b22657870223a343130323434343830302c2273223a22c0af227d'::bytea, 'overlong UTF-8'),
               ('\x7b22657870223a343130323434343830302c2273223a22fffe227d'::bytea, 'bytes FF FE'),
               ('\x7b22657870223a343130323434343830302c2273223a22f888808080227d'::bytea, '5-byte sequence')) AS t(payload, note);
SELECT pg_temp.verify(pg_temp.hs(:'h', '{"sub":"big","exp":4102444800,"n":1e999999}', :'secret')) AS number_beyond_numeric;

-- JWT-24 oversize and deep nesting, each refused by its own guard (the detail names it; the unit
-- tests bound the work by counting it)
SELECT pg_temp.verify(repeat('a', 1000000)) AS one_megabyte,
       pg_temp.verify(repeat('.', 1000000)) AS a_million_dots,
       pg_temp.verify(pg_temp.hs(:'h', '{"a":' || repeat('[', 100000) || repeat(']', 100000) || ',"exp":4102444800}', :'secret')) AS deep_nesting_huge,
       pg_temp.verify(pg_temp.hs(:'h', '{"a":' || repeat('[', 40) || repeat(']', 40) || ',"exp":4102444800}', :'secret')) AS nesting_beyond_depth,
       pg_temp.verify(pg_temp.hs(repeat('{"a":', 40) || '1' || repeat('}', 40), :'p', :'secret')) AS deep_header;

-- JWT-25 numeric edge cases (leeway 0 for exact boundaries)
SET tenantgate.leeway = 0;
SELECT exp, pg_temp.verify(pg_temp.hs(:'h', format('{"sub":"n","exp":%s}', exp), :'secret')) AS result
  FROM unnest(ARRAY['0', '-1', '-0', '"4102444800"', 'null', 'true', '[]', '{}', '1e400', '-1e400', '1e308',
                    '9007199254740993', '9223372036854775808', '1E10']) exp;
SELECT note, pg_temp.verify(pg_temp.hs(:'h', format('{"sub":"n","exp":%s}', exp), :'secret')) AS result FROM (VALUES
  ('now + 60', pg_temp.at(60)::text), ('now + 60.9', pg_temp.at(60) || '.9'), ('now', pg_temp.at(0)::text),
  ('now - 1', pg_temp.at(-1)::text)) AS t(note, exp);
SELECT claim, pg_temp.verify(pg_temp.hs(:'h', format('{"sub":"n","exp":4102444800,%s}', claim), :'secret')) AS result
  FROM unnest(ARRAY['"nbf":1e400', '"nbf":"0"', '"iat":1e400', '"iat":-1e400', '"nbf":-1e400', '"iat":0', '"nbf":0']) claim;
RESET tenantgate.leeway;

-- JWT-26 leeway boundaries (default 30 s) and time zones
SELECT note, pg_temp.verify(pg_temp.hs(:'h', format('{"sub":"l","exp":%s%s}', exp, extra), :'secret')) AS result FROM (VALUES
  ('exp = now - leeway - 2', pg_temp.at(-32), ''),
  ('exp = now - leeway + 2', pg_temp.at(-28), ''),
  ('nbf = now + leeway - 2', pg_temp.at(600), format(',"nbf":%s', pg_temp.at(28))),
  ('nbf = now + leeway + 2', pg_temp.at(600), format(',"nbf":%s', pg_temp.at(32)))) AS t(note, exp, extra);
SET TIME ZONE 'Pacific/Kiritimati';
SELECT pg_temp.verify(pg_temp.hs(:'h', format('{"sub":"tz","exp":%s}', pg_temp.at(-32)), :'secret')) AS expired_in_any_zone;
RESET TIME ZONE;

-- revocation and tenant deactivation are seen by another session at once
SELECT dblink_connect('other', format('dbname=%s user=%s host=%s port=%s', current_database(), current_user,
                      coalesce(nullif(split_part(current_setting('unix_socket_directories'), ',', 1), ''), '127.0.0.1'),
                      current_setting('port'))) AS connected;
SELECT pg_temp.hs('{"alg":"HS256","kid":"1"}', format('{"sub":"x","tenant":"atkco1","exp":%s}', pg_temp.at(600)),
                  'atkco1-secret-0123456789abcdefghijk') AS co1_tok \gset
CREATE FUNCTION pg_temp.remote_verify(token text) RETURNS text LANGUAGE sql AS $$
  SELECT r FROM dblink('other', format($q$SELECT CASE WHEN auth.verify(%L) IS NOT NULL THEN 'ok' END$q$, token)) AS t(r text)
$$;
CREATE FUNCTION pg_temp.remote(token text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN pg_temp.remote_verify(token);
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT pg_temp.remote(:'good') AS global_before, pg_temp.remote(:'co1_tok') AS tenant_before;
SELECT auth.revoke_key('hs');
SELECT pg_temp.remote(:'good') AS global_after_revoke;
UPDATE auth.tenants SET active = false WHERE slug = 'atkco1';
SELECT pg_temp.remote(:'co1_tok') AS tenant_after_deactivation;
SELECT auth.add_key('fresh', 'HS256', 'fresh-secret-0123456789abcdefghijkl');
SELECT pg_temp.remote(pg_temp.hs('{"alg":"HS256","kid":"fresh"}', '{"sub":"f","exp":4102444800}', 'fresh-secret-0123456789abcdefghijkl')) AS new_key_at_once;
-- a PostgreSQL error inside the key-cache load (lock timeout) keeps its SQLSTATE through the
-- reverse guard, and the next call loads normally
SELECT dblink_exec('other', 'BEGIN') AS remote_begin;
SELECT dblink_exec('other', 'LOCK TABLE auth.keys IN ACCESS EXCLUSIVE MODE') AS remote_lock;
SET lock_timeout = '200ms';
SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256","kid":"fresh"}', '{"sub":"f","exp":4102444800}', 'fresh-secret-0123456789abcdefghijkl')) AS while_locked;
RESET lock_timeout;
SELECT dblink_exec('other', 'ROLLBACK') AS remote_rollback;
SELECT pg_temp.verify(pg_temp.hs('{"alg":"HS256","kid":"fresh"}', '{"sub":"f","exp":4102444800}', 'fresh-secret-0123456789abcdefghijkl')) AS after_unlock;
SELECT dblink_disconnect('other');
