-- auth.http_request: the rest of PostgREST 12's grammar (issue 9) against the real catalog.
-- (1) filters, order, limit/offset and or-trees on embedded resources, !inner, FK hints (and
--     PGRST201's candidates), spreads, JSON paths, any/all, rpc with one json argument and
--     VARIADIC inputs; (2) each new shape is its own prepared statement: two requests that
--     differ in shape never share a plan; (3) isolation: an embed, spread, FK hint or rpc never
--     reaches another tenant's schema, auth or pg_catalog, and a JSON key is only a value.
\set leftover_roles '^(tg_tgregresshttpgrammar_htg-(a|b)_(admin|staff)|htg_app)$'
\i helpers/tenant_db.sql
\i helpers/try.sql

SELECT auth.add_migration('0001_shop', $$
  CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, info jsonb);
  CREATE TABLE orders (
    id bigint PRIMARY KEY,
    status text NOT NULL,
    customer_id bigint REFERENCES customers (id),
    referrer_id bigint CONSTRAINT orders_referrer_fk REFERENCES customers (id),
    data jsonb);
  CREATE FUNCTION echo(jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS 'SELECT $1';
  CREATE FUNCTION echo_doc(doc json) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT doc ->> ''k''';
  CREATE FUNCTION total(base int, VARIADIC n int[]) RETURNS int LANGUAGE sql IMMUTABLE
    AS 'SELECT base + coalesce((SELECT sum(x)::int FROM unnest(n) AS x), 0)';
$$) IS NULL AS added;
SELECT auth.create_tenant('htg-a') IS NOT NULL AS a, auth.create_tenant('htg-b') IS NOT NULL AS b;
INSERT INTO "htg-a".customers VALUES (1, 'ann', '{"city": "Oslo"}'), (2, 'al', NULL), (3, 'nobody', '{}');
INSERT INTO "htg-a".orders VALUES
  (1, 'open', 1, 2, '{"a": {"b": "deep"}, "n": 5, "list": [10, 20]}'), (2, 'done', 1, NULL, '{"n": 7}'),
  (3, 'open', 2, 1, NULL), (4, 'done', 1, NULL, NULL);
INSERT INTO "htg-b".customers VALUES (1, 'bea secret', NULL);
INSERT INTO "htg-b".orders VALUES (1, 'open', 1, NULL, '{"n": 1}');
-- A foreign key from tenant a's schema into tenant b's (only a superuser can make one).
CREATE TABLE "htg-a".cross_ref (id int PRIMARY KEY, b_customer bigint REFERENCES "htg-b".customers (id));
INSERT INTO "htg-a".cross_ref VALUES (1, 1);
GRANT SELECT ON "htg-a".cross_ref TO "tg_tgregresshttpgrammar_htg-a_staff";
SELECT auth.create_user('htg-a', 'u@htg-a.test', 'pw-htg-a-long-enough', 'staff') IS NOT NULL AS ua;
SELECT auth.login('htg-a', 'u@htg-a.test', 'pw-htg-a-long-enough') ->> 'access_token' AS ta \gset
-- Helpers in schema regress (auth.authenticate drops temporary objects): the answer's status
-- and body, or the refusal as "SQLSTATE: message".
CREATE FUNCTION regress.api(token text, method text, path text, query text, headers text DEFAULT '{}',
                            body text DEFAULT NULL) RETURNS TABLE (status int, body text) LANGUAGE sql
  AS $$ SELECT status, body FROM auth.http_request(method, 'htg-a.example.test', token, path, query, headers::jsonb, body) $$;
CREATE FUNCTION regress.refused(token text, method text, path text, query text, headers text DEFAULT '{}',
                                body text DEFAULT NULL) RETURNS text LANGUAGE sql
  AS $$ SELECT regress.try(format('SELECT auth.http_request(%L, %L, %L, %L, %L, %L, %L)', method, 'htg-a.example.test',
          token, path, query, headers, body)) $$;
-- PGRST201's hint: the candidate relationships.
CREATE FUNCTION regress.hint(token text, path text, query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE h text;
BEGIN
  PERFORM auth.http_request('GET', 'htg-a.example.test', token, path, query, '{}', NULL);
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
  RETURN SQLERRM || ' / ' || h;
END $$;
CREATE ROLE htg_app LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO htg_app;
\c - htg_app
\set A '''htg-a.example.test'''
SELECT :'ta' AS t \gset

-- (1) Embedded resources: filters, order, limit/offset, or-trees (by name or alias); two foreign
-- keys lead from orders to customers, so each embed names one.
SELECT * FROM regress.api(:'t', 'GET', '/api/customers',
  'select=name,orders!customer_id(id,status)&orders.status=eq.open&orders.order=id.desc&order=id');
SELECT * FROM regress.api(:'t', 'GET', '/api/customers',
  'select=name,o:orders!customer_id(id)&o.order=id&o.limit=1&o.offset=1&id=eq.1');
SELECT * FROM regress.api(:'t', 'GET', '/api/customers',
  'select=name,orders!customer_id(id)&orders.or=(status.eq.done,id.eq.3)&orders.order=id&order=id');
SELECT regress.refused(:'t', 'GET', '/api/customers', 'select=name&orders.status=eq.open') AS not_embedded;
-- !inner: customers without a matching order are left out (and not counted).
SELECT status, headers ->> 'Content-Range' AS range, body FROM auth.http_request('GET', :A, :'t', '/api/customers',
  'select=name,orders!customer_id!inner(id)&orders.status=eq.done&order=id', '{"prefer": "count=exact"}', NULL);
SELECT * FROM regress.api(:'t', 'GET', '/api/customers', 'select=name,orders!customer_id(id)&orders.status=eq.done&order=id');
-- FK hints: two keys from orders to customers are ambiguous without one.
SELECT regress.hint(:'t', '/api/orders', 'select=id,customers(name)') AS ambiguous;
SELECT * FROM regress.api(:'t', 'GET', '/api/orders',
  'select=id,buyer:customers!customer_id(name),referrer:customers!orders_referrer_fk(name)&order=id');
-- The parent ordered by a many-to-one relation's column (its hint, as in the select).
SELECT * FROM regress.api(:'t', 'GET', '/api/orders', 'select=id&order=customers!customer_id(name).desc,id');
SELECT regress.refused(:'t', 'GET', '/api/customers', 'select=id&order=orders!customer_id(id)') AS order_by_to_many;
-- Spreads: the many-to-one columns lifted into the row; one-to-many is refused.
SELECT * FROM regress.api(:'t', 'GET', '/api/orders', 'select=id,...customers!customer_id(name,info)&order=id');
SELECT regress.refused(:'t', 'GET', '/api/customers', 'select=name,...orders!customer_id(id)') AS spread_to_many;
-- JSON paths in select, filters and order (the output column named after the last key).
SELECT * FROM regress.api(:'t', 'GET', '/api/orders',
  'select=id,data->a->>b,num:data->n,data->list->0,data->>n::int&data->n=not.is.null&order=data->n.desc');
SELECT * FROM regress.api(:'t', 'GET', '/api/orders', 'select=id&data->a->>b=eq.deep');
SELECT * FROM regress.api(:'t', 'GET', '/api/customers', 'select=name,orders!customer_id!inner(n:data->>n)&orders.data->>n=eq.7');
SELECT regress.refused(:'t', 'GET', '/api/orders', 'select=status->a') AS not_json;
-- any/all.
SELECT * FROM regress.api(:'t', 'GET', '/api/orders', 'select=id&status=eq(any).{open,x}&id=gt(all).{1,2}');
SELECT * FROM regress.api(:'t', 'GET', '/api/customers', 'select=name&name=like(any).{a*,z*}&name=not.ilike(all).{*L*,*x*}');
-- rpc: the whole body as the one unnamed json argument; params=single-object; VARIADIC.
SELECT * FROM regress.api(:'t', 'POST', '/rpc/echo', '', '{}', '[1, {"a": 2}]');
SELECT * FROM regress.api(:'t', 'POST', '/rpc/echo_doc', '', '{"prefer": "params=single-object"}', '{"k": "v"}');
SELECT regress.refused(:'t', 'POST', '/rpc/echo_doc', '', '{}', '{"k": "v"}') AS without_single_object;
SELECT * FROM regress.api(:'t', 'POST', '/rpc/total', '', '{}', '{"base": 1, "n": [2, 3]}');
SELECT * FROM regress.api(:'t', 'GET', '/rpc/total', 'base=1&n=2&n=3&n=4');
SELECT * FROM regress.api(:'t', 'GET', '/rpc/total', 'n=5&base=1');
SELECT regress.refused(:'t', 'GET', '/rpc/total', 'base=1&base=2&n=1') AS repeated_non_variadic;

-- (2) Shapes: !inner or not, a spread or an embed, a key or an index — each its own statement,
-- each answered right when they alternate on one backend; the same shape again prepares nothing
-- (the first shape here was prepared in (1): three new ones).
SELECT auth._http_request_plans_prepared() AS before \gset
SELECT body FROM regress.api(:'t', 'GET', '/api/customers', 'select=name,orders!customer_id(id)&orders.status=eq.done&order=id');
SELECT body FROM regress.api(:'t', 'GET', '/api/customers', 'select=name,orders!customer_id!inner(id)&orders.status=eq.done&order=id');
SELECT body FROM regress.api(:'t', 'GET', '/api/customers', 'select=name,orders!customer_id(id)&orders.status=eq.open&order=id');
SELECT body FROM regress.api(:'t', 'GET', '/api/customers', 'select=name,orders!customer_id!inner(id)&orders.status=eq.open&order=id');
SELECT body FROM regress.api(:'t', 'GET', '/api/orders', 'select=id,x:data->list->0&id=eq.1');
SELECT body FROM regress.api(:'t', 'GET', '/api/orders', 'select=id,x:data->list->a&id=eq.1');
SELECT body FROM regress.api(:'t', 'GET', '/api/orders', 'select=id,x:data->list->1&id=eq.1');
SELECT auth._http_request_plans_prepared() - :before AS prepared_for_seven_requests;

-- (3) Isolation through the new syntax.
SELECT p, q, regress.refused(:'t', 'GET', p, q) AS refused FROM (VALUES
  ('/api/orders', 'select=id,users(*)'),                        -- auth.users
  ('/api/orders', 'select=id,...users(*)'),
  ('/api/orders', 'select=id,...auth.users(*)'),
  ('/api/orders', 'select=id,...pg_authid(rolname)'),
  ('/api/orders', 'select=id,htg-b.customers(*)'),              -- another tenant's table
  ('/api/orders', 'select=id,...htg-b.customers!inner(*)'),
  ('/api/cross_ref', 'select=id,customers!inner(*)'),           -- an FK into tenant b's schema
  ('/api/cross_ref', 'select=id,customers!cross_ref_b_customer_fkey!inner(*)'),
  ('/api/cross_ref', 'select=id,...customers!b_customer(*)'),
  ('/api/orders', 'select=id,customers!customer_id(name)&customers.htg-b.name=eq.x'),
  ('/api/orders', 'select=id&data->>x''||(SELECT 1)||''=eq.1'),
  ('/api/orders', 'select=id&status=eq(any).{open}); DROP TABLE orders; --')
) AS t(p, q);
-- A JSON key carrying SQL is a key like any other: a value that matches nothing.
SELECT * FROM regress.api(:'t', 'GET', '/api/orders', 'select=id,data->>x''; DROP TABLE orders; --&id=eq.1');
SELECT * FROM regress.api(:'t', 'GET', '/api/orders', 'select=id&data->>n'' OR true OR ''x=eq.5');
-- rpc with one json argument finds only the tenant's own functions.
SELECT p, h, regress.refused(:'t', 'POST', p, '', h, '{"a": 1}') AS refused FROM (VALUES
  ('/rpc/jsonb_pretty', '{}'), ('/rpc/to_jsonb', '{}'), ('/rpc/htg-b.echo', '{}'),
  ('/rpc/jsonb_pretty', '{"prefer": "params=single-object"}'), ('/rpc/auth.user_claims', '{"prefer": "params=single-object"}'),
  ('/rpc/json_object_keys', '{"prefer": "params=single-object"}')
) AS t(p, h);
-- Nothing was dropped or changed.
SELECT * FROM regress.api(:'t', 'GET', '/api/orders', 'select=id,status&order=id');

\c - postgres
DROP TABLE "htg-a".cross_ref;
DROP FUNCTION regress.api, regress.refused, regress.hint;
SELECT auth.drop_tenant(s) IS NULL AS dropped FROM unnest(ARRAY['htg-a', 'htg-b']) AS s;
DROP ROLE htg_app;
