-- errors: the error table (extension/core/error.hpp) as SQL sees it. auth._reasons() lists every
-- row (a changed id, SQLSTATE, status or message shows as a diff here); auth._raise raises each
-- with its SQLSTATE and message and tags it "tenantgate:<id>" in CONSTRAINT NAME, the field the
-- HTTP shim maps; errors raised by SQL functions and by C carry the same tag.
CREATE EXTENSION tenantgate;
\set VERBOSITY terse
-- The fields a client reads (libpq: PQresultErrorField), as one line.
CREATE FUNCTION public.error_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; tag text; det text; hnt text;
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, tag = CONSTRAINT_NAME,
                          det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
  RETURN concat_ws(' | ', st, msg, nullif(tag, ''), nullif(det, ''), nullif(hnt, ''));
END
$$;
GRANT EXECUTE ON FUNCTION public.error_of(text) TO PUBLIC;

SELECT id, sqlstate, http_status, message, hint FROM auth._reasons() ORDER BY id;
SELECT count(*) AS reasons, count(DISTINCT id) AS ids, count(DISTINCT message) AS messages FROM auth._reasons();

-- Every reason raises exactly its row (a "%s" filled with the detail), tagged with its id.
SELECT r.id, e.raised
  FROM auth._reasons() r,
       LATERAL (SELECT public.error_of(format('SELECT auth._raise(%L, %L)', r.id,
                                              CASE WHEN r.message LIKE '%\%s%' THEN 'x' END)) AS raised) e
 WHERE e.raised IS DISTINCT FROM concat_ws(' | ', r.sqlstate, replace(r.message, '%s', 'x'), 'tenantgate:' || r.id, r.hint);

-- The detail: after ": ", or in the "%s".
SELECT public.error_of($$SELECT auth._raise('token_revoked')$$);
SELECT public.error_of($$SELECT auth._raise('malformed_token', 'jti required')$$);
SELECT public.error_of($$SELECT auth._raise('invalid_parameter', 'kid already exists')$$);
SELECT public.error_of($$SELECT auth._raise('function_permission_denied', 'login')$$);
SELECT public.error_of($$SELECT auth._raise('preload_required')$$);
-- Mistakes in a call are refused, never raised as something else.
SELECT public.error_of($$SELECT auth._raise('token revoked')$$);
SELECT public.error_of($$SELECT auth._raise(NULL)$$);
SELECT public.error_of($$SELECT auth._raise('function_permission_denied')$$);
SELECT public.error_of($$SELECT auth._raise('function_permission_denied', '')$$);

-- End to end: rejections raised by SQL and by C carry their tag.
SELECT public.error_of($$SELECT auth.verify('not.a.token')$$);
SELECT public.error_of($$SELECT auth.create_tenant('Bad Slug')$$);
SELECT public.error_of($$SELECT auth.add_key('k', 'HS256', NULL)$$);
SELECT public.error_of($$SELECT auth.revoke_key('no-such-kid')$$);
SELECT public.error_of($$SELECT auth.refresh('tgr_' || repeat('A', 43))$$);
SELECT public.error_of($$SELECT auth.reset_password('nope', 'x')$$);
SELECT public.error_of($$SELECT auth.me()$$);

-- Who may call it: tenant roles (after auth.authenticate) and tenantgate_admin; not PUBLIC.
CREATE ROLE errors_nobody NOLOGIN;
SET ROLE errors_nobody;
SELECT public.error_of($$SELECT auth._raise('token_revoked')$$);
SELECT public.error_of($$SELECT count(*) FROM auth._reasons()$$);
RESET ROLE;
CREATE ROLE errors_admin NOLOGIN IN ROLE tenantgate_admin;
SET ROLE errors_admin;
SELECT public.error_of($$SELECT auth._raise('admin_only')$$);
RESET ROLE;
DROP ROLE errors_nobody, errors_admin;
