-- auth.http_request: the whole /api request of tenantgate-server in one C function
-- (extension/pg/fn_http_request.cpp): authenticate (as auth.authenticate), parse the PostgREST
-- request in the core (core/postgrest), resolve every name in the tenant's own namespace,
-- execute one statement with every value a parameter through a plan prepared once per query
-- shape per connection, and answer with the HTTP status, the response headers (Content-Range,
-- Location, Preference-Applied, Content-Type) and the body.
--
--   method          GET | HEAD | POST | PATCH | DELETE
--   path            /api/<table>, /api/rpc/<function> or /rpc/<function>
--   query           the raw query string (after '?', still percent-encoded)
--   request_headers {"prefer", "range", "range-unit", "accept", "x-tenantgate-max-rows"} (lower case)
--   request_body    the JSON text of a POST/PATCH (NULL otherwise)
--
-- SECURITY INVOKER without SET clauses, like auth.authenticate (a SET clause or SECURITY
-- DEFINER would undo the role and search_path switch).
CREATE FUNCTION auth.http_request(method text, host text, token text, path text, query text,
                                  request_headers jsonb, request_body text,
                                  OUT status integer, OUT headers jsonb, OUT body text)
  LANGUAGE c VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'tg_http_request';

-- The statements this connection has prepared for auth.http_request (its plan cache misses).
CREATE FUNCTION auth._http_request_plans_prepared() RETURNS bigint
  LANGUAGE c VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'tg_http_request_plans_prepared';

-- PUBLIC, like auth.authenticate and the http_* functions: the contract's authenticators are
-- NOINHERIT logins; auth.authenticate (called first) checks the caller's membership.
REVOKE ALL ON FUNCTION auth.http_request(text, text, text, text, text, jsonb, text),
  auth._http_request_plans_prepared() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.http_request(text, text, text, text, text, jsonb, text),
  auth._http_request_plans_prepared() TO PUBLIC;
