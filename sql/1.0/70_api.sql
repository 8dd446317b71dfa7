-- The HTTP shim's entry points (server/, CONTRACT.md §2). tenantgate-server holds no key and
-- parses no token: each HTTP request is ONE call of one of these functions, i.e. one implicit
-- transaction, with the Host, the bearer token and the request as parameters.
--
-- Functions that act for a signed-in user are SECURITY INVOKER without SET clauses: they call
-- auth.authenticate first, which switches role and search_path for the transaction (a SET
-- clause or SECURITY DEFINER would undo that), so the query then runs with the tenant role's
-- privileges only. They name everything schema-qualified; tenant roles cannot create objects.
-- Table, column and function names arrive as parameters and are resolved in the catalogs of
-- the tenant's own schema only, then quoted with format('%I'); every value is bound as a
-- parameter ($1 text[] of filter values, $2 the JSON body) and cast to the column's type.
-- Errors are rows of the error table raised by auth._raise (00_base.sql); server/http_errors.cpp maps
-- their reason tag to an HTTP status.
--
-- The sign-in functions that run before a token exists (login, refresh, register, jwks,
-- reset) are SECURITY DEFINER and first call auth._http_require_authenticator(): the session
-- user must be a superuser or a member (NOINHERIT ones too) of tenantgate_authenticator or
-- tenantgate_admin, else 42501 'permission denied' (pg/access.cpp, require_authenticator_session).

CREATE FUNCTION auth._http_require_authenticator() RETURNS void
  LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'tg_require_authenticator';

CREATE FUNCTION auth._http_tenant(host text) RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    v_slug text;
  BEGIN
    PERFORM auth._http_require_authenticator();
    v_slug := auth.tenant_for_host(host);
    IF v_slug IS NULL THEN
      PERFORM auth._raise('unknown_tenant');
    END IF;
    IF NOT (SELECT t.active FROM auth.tenants t WHERE t.slug OPERATOR(pg_catalog.=) v_slug) THEN
      PERFORM auth._raise('tenant_inactive');
    END IF;
    RETURN v_slug;
  END
  $$;

-- The namespace an authenticated request may reach: the tenant's own schema, or for a
-- row-isolation tenant the first ordinary schema of its search_path (only tables with the
-- tenantgate isolation policy are then reachable, see _http_relation).
CREATE FUNCTION auth._http_namespace(OUT nsp oid, OUT own boolean)
  LANGUAGE plpgsql STABLE
  AS $$
  DECLARE
    s pg_catalog.text;
  BEGIN
    SELECT n.oid INTO nsp FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) auth.tenant();
    own := nsp IS NOT NULL;
    IF own THEN
      RETURN;
    END IF;
    FOREACH s IN ARRAY pg_catalog.current_schemas(false) LOOP
      IF s NOT IN ('pg_catalog', 'auth', 'information_schema') AND s NOT LIKE 'pg\_%' THEN
        SELECT n.oid INTO nsp FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) s;
        RETURN;
      END IF;
    END LOOP;
    PERFORM auth._raise('unknown_table');
  END
  $$;

CREATE FUNCTION auth._http_relation(tbl text, OUT rel oid, OUT schema_name text, OUT rel_name text)
  LANGUAGE plpgsql STABLE
  AS $$
  DECLARE
    ns pg_catalog.record;
  BEGIN
    SELECT * INTO ns FROM auth._http_namespace();
    SELECT c.oid, n.nspname, c.relname INTO rel, schema_name, rel_name
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.relnamespace OPERATOR(pg_catalog.=) ns.nsp
       AND c.relname OPERATOR(pg_catalog.=) tbl
       AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
       AND (ns.own OR EXISTS (SELECT 1 FROM pg_catalog.pg_policy p
                               WHERE p.polrelid OPERATOR(pg_catalog.=) c.oid
                                 AND p.polname OPERATOR(pg_catalog.=) 'tenantgate_tenant_isolation'));
    IF rel IS NULL THEN
      PERFORM auth._raise('unknown_table');
    END IF;
  END
  $$;

-- The type of a column of rel as SQL text (schema-qualified when needed), or an error.
CREATE FUNCTION auth._http_column_type(rel oid, col text) RETURNS text
  LANGUAGE plpgsql STABLE
  AS $$
  DECLARE
    t pg_catalog.text;
  BEGIN
    SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO t FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) rel AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname OPERATOR(pg_catalog.=) col;
    IF t IS NULL THEN
      PERFORM auth._raise('unknown_column');
    END IF;
    RETURN t;
  END
  $$;

-- /api/<table>. query: {"select":[..]|null,"filters":[{"col","op","not","val"|"vals"}],
-- "order":[{"col","dir","nulls"}],"limit":n,"offset":n}; body: object or array (POST),
-- object (PATCH); prefer: 'representation' or 'minimal'. Returns the rows as a JSON array
-- (NULL for minimal).
CREATE FUNCTION auth.http_api(method text, host text, token text, tbl text, query jsonb, body jsonb, prefer text)
  RETURNS text
  LANGUAGE plpgsql VOLATILE
  AS $$
  DECLARE
    r pg_catalog.record;
    f pg_catalog.jsonb;
    v pg_catalog.jsonb;
    o pg_catalog.jsonb;
    params pg_catalog.text[] := '{}';
    conds pg_catalog.text[] := '{}';
    items pg_catalog.text[];
    cols pg_catalog.text[];
    sets pg_catalog.text[];
    typ pg_catalog.text;
    expr pg_catalog.text;
    op pg_catalog.text;
    sel pg_catalog.text;
    ord pg_catalog.text[] := '{}';
    sql pg_catalog.text;
    result pg_catalog.text;
    rows pg_catalog.jsonb;
    lim bigint;
    off bigint;
  BEGIN
    PERFORM auth.authenticate(token, host);
    SELECT * INTO r FROM auth._http_relation(tbl);

    -- Columns to return.
    IF query->'select' IS NULL OR pg_catalog.jsonb_typeof(query->'select') = 'null' THEN
      sel := '*';
    ELSE
      SELECT pg_catalog.string_agg(pg_catalog.format('_t.%I', c), ', ' ORDER BY i) INTO sel
        FROM pg_catalog.jsonb_array_elements_text(query->'select') WITH ORDINALITY AS e(c, i)
       WHERE auth._http_column_type(r.rel, c) IS NOT NULL;
      IF sel IS NULL THEN
        RAISE EXCEPTION 'invalid query' USING ERRCODE = '22023';
      END IF;
    END IF;

    -- Filters: column checked and quoted, operator from a fixed list, values as parameters.
    FOR f IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(query->'filters', '[]')) LOOP
      typ := auth._http_column_type(r.rel, f->>'col');
      op := f->>'op';
      IF op IN ('eq', 'neq', 'lt', 'lte', 'gt', 'gte') THEN
        params := params || (f->>'val');
        expr := pg_catalog.format('_t.%I %s CAST($1[%s] AS %s)', f->>'col',
                  CASE op WHEN 'eq' THEN '=' WHEN 'neq' THEN '<>' WHEN 'lt' THEN '<' WHEN 'lte' THEN '<='
                          WHEN 'gt' THEN '>' ELSE '>=' END,
                  pg_catalog.array_length(params, 1), typ);
      ELSIF op IN ('like', 'ilike') THEN
        params := params || pg_catalog.replace(f->>'val', '*', '%');
        expr := pg_catalog.format('CAST(_t.%I AS text) %s $1[%s]', f->>'col',
                  CASE op WHEN 'like' THEN 'LIKE' ELSE 'ILIKE' END, pg_catalog.array_length(params, 1));
      ELSIF op = 'in' THEN
        items := '{}';
        FOR v IN SELECT * FROM pg_catalog.jsonb_array_elements(f->'vals') LOOP
          params := params || (v #>> '{}');
          items := items || pg_catalog.format('CAST($1[%s] AS %s)', pg_catalog.array_length(params, 1), typ);
        END LOOP;
        IF pg_catalog.cardinality(items) = 0 THEN
          expr := 'false';
        ELSE
          expr := pg_catalog.format('_t.%I IN (%s)', f->>'col', pg_catalog.array_to_string(items, ', '));
        END IF;
      ELSIF op = 'is' THEN
        expr := pg_catalog.format('_t.%I IS %s', f->>'col',
                  CASE f->>'val' WHEN 'null' THEN 'NULL' WHEN 'not_null' THEN 'NOT NULL' WHEN 'true' THEN 'TRUE'
                                 WHEN 'false' THEN 'FALSE' WHEN 'unknown' THEN 'UNKNOWN' END);
        IF expr IS NULL THEN
          RAISE EXCEPTION 'invalid filter' USING ERRCODE = '22023';
        END IF;
      ELSE
        RAISE EXCEPTION 'unknown operator' USING ERRCODE = '22023';
      END IF;
      IF (f->>'not')::boolean THEN
        expr := 'NOT (' || expr || ')';
      END IF;
      conds := conds || expr;
    END LOOP;

    FOR o IN SELECT * FROM pg_catalog.jsonb_array_elements(COALESCE(query->'order', '[]')) LOOP
      PERFORM auth._http_column_type(r.rel, o->>'col');
      IF COALESCE(o->>'dir', 'asc') NOT IN ('asc', 'desc') OR COALESCE(o->>'nulls', 'first') NOT IN ('first', 'last') THEN
        RAISE EXCEPTION 'invalid query' USING ERRCODE = '22023';
      END IF;
      ord := ord || pg_catalog.format('_t.%I %s%s', o->>'col', pg_catalog.upper(COALESCE(o->>'dir', 'asc')),
                      CASE o->>'nulls' WHEN 'first' THEN ' NULLS FIRST' WHEN 'last' THEN ' NULLS LAST' ELSE '' END);
    END LOOP;
    lim := COALESCE((query->>'limit')::bigint, 1000);
    off := COALESCE((query->>'offset')::bigint, 0);
    IF lim < 0 OR off < 0 THEN
      RAISE EXCEPTION 'invalid query' USING ERRCODE = '22023';
    END IF;

    IF method = 'GET' THEN
      sql := pg_catalog.format('SELECT COALESCE(pg_catalog.json_agg(_s), ''[]''::json)::text FROM ('
                               'SELECT %s FROM %I.%I AS _t%s%s LIMIT %s OFFSET %s) AS _s',
               sel, r.schema_name, r.rel_name,
               CASE WHEN pg_catalog.cardinality(conds) > 0 THEN ' WHERE ' || pg_catalog.array_to_string(conds, ' AND ') ELSE '' END,
               CASE WHEN pg_catalog.cardinality(ord) > 0 THEN ' ORDER BY ' || pg_catalog.array_to_string(ord, ', ') ELSE '' END,
               lim, off);
      EXECUTE sql INTO result USING params;
      RETURN result;
    END IF;

    IF method IN ('PATCH', 'DELETE') THEN
      IF pg_catalog.cardinality(conds) = 0 THEN
        RAISE EXCEPTION 'filter required' USING ERRCODE = '22023';
      END IF;
      IF pg_catalog.cardinality(ord) > 0 OR query->'limit' IS NOT NULL AND (query->>'limit')::bigint <> lim THEN
        NULL;  -- order/limit do not apply to changes; ignored
      END IF;
    END IF;

    IF method = 'POST' THEN
      IF pg_catalog.jsonb_typeof(body) = 'object' THEN
        rows := pg_catalog.jsonb_build_array(body);
      ELSIF pg_catalog.jsonb_typeof(body) = 'array' THEN
        rows := body;
      ELSE
        RAISE EXCEPTION 'invalid body' USING ERRCODE = '22023';
      END IF;
      IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(rows) e WHERE pg_catalog.jsonb_typeof(e) <> 'object') THEN
        RAISE EXCEPTION 'invalid body' USING ERRCODE = '22023';
      END IF;
      SELECT pg_catalog.array_agg(DISTINCT k ORDER BY k) INTO cols
        FROM pg_catalog.jsonb_array_elements(rows) e, pg_catalog.jsonb_object_keys(e) k;
      IF cols IS NULL THEN
        RAISE EXCEPTION 'no columns' USING ERRCODE = '22023';
      END IF;
      PERFORM auth._http_column_type(r.rel, c) FROM pg_catalog.unnest(cols) c;
      sql := pg_catalog.format('INSERT INTO %I.%I AS _t (%s) SELECT %s FROM pg_catalog.jsonb_populate_recordset(NULL::%I.%I, $2) AS _r RETURNING %s',
               r.schema_name, r.rel_name,
               (SELECT pg_catalog.string_agg(pg_catalog.format('%I', c), ', ') FROM pg_catalog.unnest(cols) c),
               (SELECT pg_catalog.string_agg(pg_catalog.format('_r.%I', c), ', ') FROM pg_catalog.unnest(cols) c),
               r.schema_name, r.rel_name, sel);
      body := rows;
    ELSIF method = 'PATCH' THEN
      IF pg_catalog.jsonb_typeof(body) <> 'object' THEN
        RAISE EXCEPTION 'invalid body' USING ERRCODE = '22023';
      END IF;
      SELECT pg_catalog.array_agg(k ORDER BY k) INTO cols FROM pg_catalog.jsonb_object_keys(body) k;
      IF cols IS NULL THEN
        RAISE EXCEPTION 'no columns' USING ERRCODE = '22023';
      END IF;
      PERFORM auth._http_column_type(r.rel, c) FROM pg_catalog.unnest(cols) c;
      SELECT pg_catalog.array_agg(pg_catalog.format('%I = _r.%I', c, c)) INTO sets FROM pg_catalog.unnest(cols) c;
      sql := pg_catalog.format('UPDATE %I.%I AS _t SET %s FROM pg_catalog.jsonb_populate_record(NULL::%I.%I, $2) AS _r WHERE %s RETURNING %s',
               r.schema_name, r.rel_name, pg_catalog.array_to_string(sets, ', '), r.schema_name, r.rel_name,
               pg_catalog.array_to_string(conds, ' AND '), CASE WHEN sel = '*' THEN '_t.*' ELSE sel END);
    ELSIF method = 'DELETE' THEN
      sql := pg_catalog.format('DELETE FROM %I.%I AS _t WHERE %s RETURNING %s', r.schema_name, r.rel_name,
               pg_catalog.array_to_string(conds, ' AND '), CASE WHEN sel = '*' THEN '_t.*' ELSE sel END);
    ELSE
      RAISE EXCEPTION 'invalid request' USING ERRCODE = '22023';
    END IF;

    IF prefer = 'minimal' THEN
      EXECUTE sql USING params, body;
      RETURN NULL;
    END IF;
    EXECUTE 'WITH _w AS (' || sql || ') SELECT COALESCE(pg_catalog.json_agg(_w), ''[]''::json)::text FROM _w'
      INTO result USING params, body;
    RETURN result;
  END
  $$;

-- /rpc/<function>: a function of the tenant's schema, called with named arguments taken from
-- the JSON object (jsonb_to_record casts them to the parameter types). The overload whose
-- named inputs cover the object's keys and whose required inputs the object provides wins.
CREATE FUNCTION auth.http_rpc(host text, token text, fn text, args jsonb) RETURNS text
  LANGUAGE plpgsql VOLATILE
  AS $$
  DECLARE
    ns pg_catalog.record;
    p pg_catalog.record;
    chosen pg_catalog.oid;
    found_any boolean := false;
    matches integer := 0;
    keys pg_catalog.text[];
    names pg_catalog.text[];
    types pg_catalog.oid[];
    required integer;
    call_args pg_catalog.text;
    coldefs pg_catalog.text;
    target pg_catalog.text;
    retset boolean;
    rettype pg_catalog.oid;
    sql pg_catalog.text;
    result pg_catalog.text;
  BEGIN
    PERFORM auth.authenticate(token, host);
    SELECT * INTO ns FROM auth._http_namespace();
    IF NOT ns.own THEN
      RAISE EXCEPTION 'unknown function' USING ERRCODE = '42883';
    END IF;
    IF pg_catalog.jsonb_typeof(args) <> 'object' THEN
      RAISE EXCEPTION 'invalid body' USING ERRCODE = '22023';
    END IF;
    SELECT COALESCE(pg_catalog.array_agg(k), '{}') INTO keys FROM pg_catalog.jsonb_object_keys(args) k;
    FOR p IN
      SELECT f.oid, f.proargnames, f.proargmodes, f.proargtypes, f.pronargs, f.pronargdefaults, f.provariadic
        FROM pg_catalog.pg_proc f
       WHERE f.pronamespace OPERATOR(pg_catalog.=) ns.nsp AND f.proname OPERATOR(pg_catalog.=) fn AND f.prokind = 'f'
    LOOP
      found_any := true;
      IF p.provariadic <> 0 THEN
        CONTINUE;
      END IF;
      -- input argument names in order (proargnames covers all args incl. OUT when modes exist)
      SELECT COALESCE(pg_catalog.array_agg(a.n ORDER BY a.i), '{}') INTO names
        FROM ROWS FROM (pg_catalog.unnest(COALESCE(p.proargnames, '{}'::text[])),
                       pg_catalog.unnest(COALESCE(p.proargmodes, '{}'::"char"[]))) WITH ORDINALITY AS a(n, m, i)
       WHERE p.proargmodes IS NULL OR a.m IN ('i', 'b');
      IF p.proargmodes IS NULL AND p.proargnames IS NULL THEN
        names := '{}';
      END IF;
      IF pg_catalog.cardinality(names) <> p.pronargs OR '' = ANY (names) THEN
        IF p.pronargs > 0 THEN
          CONTINUE;  -- unnamed inputs cannot be called by name
        END IF;
      END IF;
      required := p.pronargs - p.pronargdefaults;
      IF NOT (keys <@ names) OR NOT (names[1:required] <@ keys) THEN
        CONTINUE;
      END IF;
      matches := matches + 1;
      chosen := p.oid;
    END LOOP;
    IF NOT found_any THEN
      RAISE EXCEPTION 'unknown function' USING ERRCODE = '42883';
    ELSIF matches = 0 THEN
      RAISE EXCEPTION 'arguments do not match' USING ERRCODE = '22023';
    ELSIF matches > 1 THEN
      RAISE EXCEPTION 'ambiguous function' USING ERRCODE = '22023';
    END IF;

    SELECT f.proretset, f.prorettype, pg_catalog.string_to_array(f.proargtypes::text, ' ')::oid[] INTO retset, rettype, types
      FROM pg_catalog.pg_proc f WHERE f.oid OPERATOR(pg_catalog.=) chosen;
    SELECT pg_catalog.string_agg(pg_catalog.format('%I => _r.%I', k, k), ', '),
           pg_catalog.string_agg(pg_catalog.format('%I %s', k, pg_catalog.format_type(types[pg_catalog.array_position(names, k)], NULL)), ', ')
      INTO call_args, coldefs
      FROM pg_catalog.unnest(keys) k;
    target := pg_catalog.format('%I.%I(%s)', (SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE n.oid OPERATOR(pg_catalog.=) ns.nsp),
                                fn, COALESCE(call_args, ''));
    IF retset THEN
      sql := pg_catalog.format('SELECT COALESCE(pg_catalog.json_agg(_f), ''[]''::json)::text FROM %s%s AS _f', 
               CASE WHEN coldefs IS NULL THEN '' ELSE pg_catalog.format('pg_catalog.jsonb_to_record($1) AS _r(%s), LATERAL ', coldefs) END,
               target);
    ELSIF rettype = 'pg_catalog.void'::pg_catalog.regtype THEN
      sql := pg_catalog.format('SELECT %s::text %s', target,
               CASE WHEN coldefs IS NULL THEN '' ELSE pg_catalog.format('FROM pg_catalog.jsonb_to_record($1) AS _r(%s)', coldefs) END);
      EXECUTE sql USING args;
      RETURN 'null';
    ELSE
      sql := pg_catalog.format('SELECT pg_catalog.to_json(%s)::text %s', target,
               CASE WHEN coldefs IS NULL THEN '' ELSE pg_catalog.format('FROM pg_catalog.jsonb_to_record($1) AS _r(%s)', coldefs) END);
    END IF;
    EXECUTE sql INTO result USING args;
    RETURN COALESCE(result, 'null');
  END
  $$;

-- Sign-in routes. Each resolves the tenant from the Host first (unknown → 42704).
-- client: the HTTP client's address as the shim saw it (the login throttle's key).
CREATE FUNCTION auth.http_login(host text, email text, password text, client text DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  BEGIN
    RETURN auth.login(auth._http_tenant(host), email, password, client);
  END
  $$;

-- A refresh token must belong to the Host's tenant. Refresh tokens are opaque (tgr_…, stored
-- as a SHA-256 hash by 50_sessions.sql): the tenant is that of the token's refresh family. A
-- foreign token is refused before auth.refresh / auth.revoke_refresh_token see it, so it is
-- neither rotated, nor revoked, nor counted as a reuse; malformed, unknown and reused tokens are
-- left to those functions (28000).
CREATE FUNCTION auth._http_check_refresh_tenant(slug text, refresh_token text) RETURNS void
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  DECLARE
    owner_slug text;
  BEGIN
    IF refresh_token ~ '^tgr_[A-Za-z0-9_-]{43}$' THEN
      SELECT t.slug INTO owner_slug
        FROM auth.refresh_tokens r
        JOIN auth.refresh_families f ON f.id OPERATOR(pg_catalog.=) r.family_id
        JOIN auth.tenants t ON t.id OPERATOR(pg_catalog.=) f.tenant_id
       WHERE r.token_hash OPERATOR(pg_catalog.=) auth._token_hash(refresh_token);
      IF owner_slug IS NOT NULL AND owner_slug IS DISTINCT FROM slug THEN
        PERFORM auth._raise('tenant_mismatch');
      END IF;
    END IF;
  END
  $$;

CREATE FUNCTION auth.http_refresh(host text, refresh_token text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  BEGIN
    PERFORM auth._http_check_refresh_tenant(auth._http_tenant(host), refresh_token);
    RETURN auth.refresh(refresh_token);
  END
  $$;

-- POST /auth/logout with {"refresh_token"} and no bearer: ends a session whose access token
-- has expired (auth.logout needs a valid one).
CREATE FUNCTION auth.http_revoke_refresh_token(host text, refresh_token text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  BEGIN
    PERFORM auth._http_check_refresh_tenant(auth._http_tenant(host), refresh_token);
    PERFORM auth.revoke_refresh_token(refresh_token);
  END
  $$;

CREATE FUNCTION auth.http_register(host text, email text, password text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  BEGIN
    RETURN auth.register(auth._http_tenant(host), email, password);
  END
  $$;

CREATE FUNCTION auth.http_jwks(host text) RETURNS jsonb
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
  BEGIN
    RETURN auth.jwks(auth._http_tenant(host));
  END
  $$;

-- Completes a reset with the token auth.start_password_reset made (opaque tgp_…, stored hashed):
-- it must be a token of a user of the Host's tenant.
CREATE FUNCTION auth.http_reset_password(host text, reset_token text, new_password text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
  DECLARE
    slug text := auth._http_tenant(host);
    owner_slug text;
  BEGIN
    IF reset_token ~ '^tgp_[A-Za-z0-9_-]{43}$' THEN
      SELECT t.slug INTO owner_slug
        FROM auth.password_resets p
        JOIN auth.users u ON u.id OPERATOR(pg_catalog.=) p.user_id
        JOIN auth.tenants t ON t.id OPERATOR(pg_catalog.=) u.tenant_id
       WHERE p.token_hash OPERATOR(pg_catalog.=) auth._token_hash(reset_token);
      IF owner_slug IS NOT NULL AND owner_slug IS DISTINCT FROM slug THEN
        PERFORM auth._raise('tenant_mismatch');
      END IF;
    END IF;
    PERFORM auth.reset_password(reset_token, new_password);
  END
  $$;

-- Routes of a signed-in user: authenticate first (INVOKER, no SET clause).
CREATE FUNCTION auth.http_me(host text, token text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    RETURN auth.me();
  END
  $$;

CREATE FUNCTION auth.http_logout(host text, token text) RETURNS void
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    PERFORM auth.logout(token);
  END
  $$;

CREATE FUNCTION auth.http_change_password(host text, token text, current_password text, new_password text)
  RETURNS void
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    PERFORM auth.change_password(current_password, new_password);
  END
  $$;

-- A tenant admin starts a reset for one of its users; the reset token is returned to the admin
-- (there is no mail server), who hands it over out of band.
CREATE FUNCTION auth.http_start_password_reset(host text, token text, email text) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    PERFORM auth.authenticate(token, host);
    IF auth.role() IS DISTINCT FROM 'admin' THEN
      PERFORM auth._raise('admin_only');
    END IF;
    RETURN pg_catalog.jsonb_build_object('reset_token', auth.start_password_reset(auth.tenant(), email));
  END
  $$;

REVOKE ALL ON FUNCTION auth._http_check_refresh_tenant(text, text) FROM PUBLIC;  -- definer helper, owner only
REVOKE ALL ON FUNCTION auth.http_revoke_refresh_token(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.http_revoke_refresh_token(text, text) TO PUBLIC;
REVOKE ALL ON FUNCTION auth._http_require_authenticator(), auth._http_tenant(text), auth._http_namespace(),
  auth._http_relation(text), auth._http_column_type(oid, text),
  auth.http_api(text, text, text, text, jsonb, jsonb, text), auth.http_rpc(text, text, text, jsonb),
  auth.http_login(text, text, text, text), auth.http_refresh(text, text), auth.http_register(text, text, text),
  auth.http_jwks(text), auth.http_reset_password(text, text, text), auth.http_me(text, text),
  auth.http_logout(text, text), auth.http_change_password(text, text, text, text),
  auth.http_start_password_reset(text, text, text) FROM PUBLIC;
-- PUBLIC, like auth.authenticate: the contract's authenticators are NOINHERIT logins, which do
-- not use tenantgate_authenticator's grants. The definer functions check the session user's
-- membership themselves; the others do nothing before a valid token switched the role, and the
-- helpers run as the tenant role then.
GRANT EXECUTE ON FUNCTION auth._http_require_authenticator(), auth._http_tenant(text), auth._http_namespace(),
  auth._http_relation(text), auth._http_column_type(oid, text),
  auth.http_api(text, text, text, text, jsonb, jsonb, text), auth.http_rpc(text, text, text, jsonb),
  auth.http_login(text, text, text, text), auth.http_refresh(text, text), auth.http_register(text, text, text),
  auth.http_jwks(text), auth.http_reset_password(text, text, text), auth.http_me(text, text),
  auth.http_logout(text, text), auth.http_change_password(text, text, text, text),
  auth.http_start_password_reset(text, text, text) TO PUBLIC;
