-- jsonb_layout: auth.verify writes its jsonb result itself (extension/pg/jsonb_build.cpp) instead
-- of going through jsonb_in. Every datum it makes is compared here byte for byte, through
-- pageinspect, with what jsonb_in makes of the same payload text: every JSON type, nesting,
-- escapes and raw UTF-8, key order (length first, then unsigned bytes), numbers in every form,
-- and arrays/objects on both sides of the 32-child offset stride.
CREATE EXTENSION tenantgate;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION pageinspect;
\set VERBOSITY terse
\set secret 'layout-secret-0123456789abcdefghijkl'
CREATE FUNCTION pg_temp.b64u(data text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT rtrim(translate(encode(convert_to(data, 'UTF8'), 'base64'), E'+/\n', '-_'), '=') $$;
-- An HS256 token over the payload text exactly as given (auth.sign would normalise it).
CREATE FUNCTION pg_temp.token(payload text, secret text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT s || '.' || rtrim(translate(encode(hmac(convert_to(s, 'UTF8'), convert_to(secret, 'UTF8'), 'sha256'),
                                            'base64'), E'+/\n', '-_'), '=')
  FROM (SELECT pg_temp.b64u('{"alg":"HS256","typ":"JWT"}') || '.' || pg_temp.b64u(payload) AS s) AS t $$;

CREATE TABLE payloads (id int PRIMARY KEY, body text NOT NULL);
INSERT INTO payloads VALUES
  (1, '{"exp":4102444800}'),
  (2, '{"exp":4102444800,"s":"","t":true,"f":false,"n":null,"a":[],"o":{}}'),
  (3, '{"exp":4102444800, "sub" : "user-1" ,"n":12345,"iat":1700000000}'),
  (4, '{"exp":4102444800,"esc":"q\"b\\s\/n\nr\rt\tb\bf\fu\u00e9\u4e2d\ud83d\ude00","raw":"éß中😀"}'),
  (5, '{"exp":4102444800,"nums":[0,-0,1,-1,1.5,-12.50,1e3,1E-3,2.5e+2,0.000001,123456789012345678,-123456789012345678,1234567890123456789,12345678901234567890123456789012345678901234567890,1e400,1e-400,4.0,10.000]}'),
  (6, '{"exp":4102444800,"b":1,"a":2,"ab":3,"B":4,"aa":5,"é":6,"z":7,"zz":8,"":9,"Z":10,"a b":11,"\u0061c":12}'),
  (7, '{"exp":4102444800,"deep":[[[[[[[[[[{"a":[{"b":{"c":[1,"x",true,null,{"d":[]}]}}]}]]]]]]]]]]}'),
  (8, '{"exp":4102444800,"pad":["a",1,"bb",2,"ccc",3,"dddd",4,[1],{"x":1},["ab",[2]],"e",5.25]}'),
  (9, '{"exp":4102444800,"aud":["a","b"],"iss":"https://issuer.example/","tenant":"company1","role":"admin"}'),
  (10, '{"exp":4102444800.5,"nbf":1.25,"iat":-0.0}');
-- arrays and objects of 0..70 children, around the stride of 32
INSERT INTO payloads
SELECT 100 + n,
       format('{"exp":4102444800,"arr":[%s],"obj":{%s}}',
              (SELECT coalesce(string_agg(CASE i % 4 WHEN 0 THEN i::text WHEN 1 THEN format('"%s"', repeat('v', i % 5))
                                                     WHEN 2 THEN 'true' ELSE format('[%s,{"k":%s}]', i, i * 1.5) END, ','), '')
               FROM generate_series(1, n) AS i),
              (SELECT coalesce(string_agg(format('"%s":%s', repeat(chr(97 + i % 26), 1 + i % 3) || i,
                                                 CASE i % 3 WHEN 0 THEN (i * 7)::text WHEN 1 THEN format('"%s"', md5(i::text))
                                                 ELSE 'null' END), ','), '')
               FROM generate_series(1, n) AS i))
FROM generate_series(0, 70) AS n;
-- generated objects: member counts, name lengths and value types vary with md5 of the id
INSERT INTO payloads
SELECT 1000 + g,
       '{"exp":4102444800' || coalesce((
         SELECT string_agg(format(',"%s":%s', substr(h, 1, 1 + (get_byte(decode(h, 'hex'), 1) % 12)),
                                  CASE get_byte(decode(h, 'hex'), 2) % 6
                                    WHEN 0 THEN (get_byte(decode(h, 'hex'), 3) * 1000003 - 70000)::text
                                    WHEN 1 THEN to_json(substr(h, 3, get_byte(decode(h, 'hex'), 4) % 30))::text
                                    WHEN 2 THEN (get_byte(decode(h, 'hex'), 5) / 7.0)::text
                                    WHEN 3 THEN format('[%s,"%s",%s]', get_byte(decode(h, 'hex'), 6), substr(h, 9, 3),
                                                       CASE WHEN get_byte(decode(h, 'hex'), 7) % 2 = 0 THEN 'true' ELSE 'false' END)
                                    WHEN 4 THEN format('{"%s":{"x":%s}}', substr(h, 11, 2), get_byte(decode(h, 'hex'), 8))
                                    ELSE 'null' END), '')
         FROM (SELECT DISTINCT ON (substr(md5(g || '-' || m), 1, 1 + (get_byte(decode(md5(g || '-' || m), 'hex'), 1) % 12)))
                      md5(g || '-' || m) AS h
               FROM generate_series(1, g % 45) AS m) AS members), '') || '}'
FROM generate_series(1, 400) AS g;

CREATE TABLE made (id int, j jsonb);
CREATE TABLE ref (id int, j jsonb);
-- PLAIN: no compression, no TOAST pointer; the datum is in the heap tuple as built.
ALTER TABLE made ALTER j SET STORAGE PLAIN;
ALTER TABLE ref ALTER j SET STORAGE PLAIN;
INSERT INTO made SELECT id, auth.verify(pg_temp.token(body, :'secret'), :'secret', 'HS256') FROM payloads ORDER BY id;
INSERT INTO ref SELECT id, body::jsonb FROM payloads ORDER BY id;
CREATE FUNCTION pg_temp.tuples(rel regclass) RETURNS TABLE (page bigint, lp smallint, t_data bytea) LANGUAGE sql AS $$
  SELECT p, h.lp, h.t_data
  FROM generate_series(0, pg_relation_size(rel) / current_setting('block_size')::int - 1) AS p,
       heap_page_items(get_raw_page(rel::text, p::int)) AS h $$;
SELECT (SELECT count(*) FROM payloads) AS payloads,
       count(*) AS tuples_compared,
       count(*) FILTER (WHERE m.t_data IS DISTINCT FROM r.t_data) AS bytes_differ
FROM pg_temp.tuples('made') AS m FULL JOIN pg_temp.tuples('ref') AS r USING (page, lp);
SELECT m.id, m.j::text AS made, r.j::text AS ref FROM made AS m JOIN ref AS r USING (id)
WHERE m.j::text IS DISTINCT FROM r.j::text OR NOT m.j = r.j;
-- the same values through auth.verify(token) with a stored key
SELECT auth.add_key('layout', 'HS256', :'secret');
SELECT count(*) AS stored_key_same FROM payloads
WHERE auth.verify(pg_temp.token(body, :'secret')) = body::jsonb;
-- a number numeric cannot hold: the token is malformed (never a numeric error)
\i helpers/try.sql
SELECT regress.try(format('SELECT auth.verify(%L)', pg_temp.token('{"exp":4102444800,"x":1e200000}', :'secret'))) AS numeric_overflow;
