-- The tenant context: auth.authenticate and the readers. All C (extension/pg/fn_authenticate.cpp,
-- tenant_context.cpp): the readers return what authenticate verified and keeps in
-- extension-private, transaction-scoped memory — never a setting a client can write.

-- No SECURITY DEFINER and no SET clause on purpose: either would undo the role and
-- search_path switch when the function returns.
CREATE FUNCTION auth.authenticate(token text, host text DEFAULT NULL) RETURNS jsonb
  LANGUAGE c VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'tg_authenticate';

-- STABLE (never IMMUTABLE: a constant-folded tenant id would survive in a cached plan, PG-20)
-- and PARALLEL RESTRICTED (parallel workers do not have the leader's private state, PG-21).
CREATE FUNCTION auth.claims() RETURNS jsonb
  LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'tg_claims';
CREATE FUNCTION auth.uid() RETURNS text
  LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'tg_uid';
CREATE FUNCTION auth.tenant() RETURNS text
  LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'tg_tenant';
CREATE FUNCTION auth.tenant_id() RETURNS bigint
  LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'tg_tenant_id';
CREATE FUNCTION auth.role() RETURNS text
  LANGUAGE c STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'tg_role';

REVOKE ALL ON FUNCTION auth.authenticate(text, text), auth.claims(), auth.uid(), auth.tenant(),
  auth.tenant_id(), auth.role() FROM PUBLIC;
-- PUBLIC, not tenantgate_authenticator: the contract's authenticators are NOINHERIT members
-- (CREATE ROLE app LOGIN NOINHERIT), which do not get the group's privileges. Safe: the token
-- is the credential, and without one the readers return NULL.
GRANT EXECUTE ON FUNCTION auth.authenticate(text, text), auth.claims(), auth.uid(), auth.tenant(),
  auth.tenant_id(), auth.role() TO PUBLIC;

-- auth.audit(): the DBA's own functions that a tenant transaction could run with a name resolved
-- through somebody else's search_path (docs/isolation.md, "Your own functions"). A PL/pgSQL or
-- SQL function without a pinned search_path resolves unqualified types, tables and (for
-- PL/pgSQL, once per backend) its DECLAREd types through the caller's path, which an earlier
-- client of a pooled connection may have set; a SECURITY DEFINER one does so with its owner's
-- rights. Listed: functions outside pg_catalog/information_schema and outside this extension
-- (its own functions are checked by its tests), in a language other than C/internal, without
-- search_path in their SET clauses, that are SECURITY DEFINER or that a tenant role can
-- execute (EXECUTE for PUBLIC, tenantgate_tenant or a tenant role, in a schema such a role can
-- use). An empty result is the goal.
CREATE FUNCTION auth.audit()
  RETURNS TABLE (function regprocedure, owner name, language name, security_definer boolean, problem text)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
  WITH tenant_grantees AS (
    SELECT 0::oid AS grantee  -- PUBLIC
    UNION
    SELECT r.oid FROM pg_catalog.pg_roles r
     WHERE NOT r.rolsuper AND pg_catalog.pg_has_role(r.oid, 'tenantgate_tenant', 'MEMBER')
  ), candidates AS (
    SELECT p.oid, p.proowner, l.lanname, p.prosecdef, p.pronamespace, p.proacl
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      JOIN pg_catalog.pg_language l ON l.oid = p.prolang
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
       AND l.lanname NOT IN ('c', 'internal')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proconfig) AS c(setting)
                        WHERE c.setting ~* '^search_path=')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
                        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
                          AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
                          AND e.extname = 'tenantgate')
  ), reachable AS (
    SELECT c.oid FROM candidates c JOIN pg_catalog.pg_namespace n ON n.oid = c.pronamespace
     WHERE (c.proacl IS NULL
            OR EXISTS (SELECT 1 FROM pg_catalog.aclexplode(c.proacl) a
                        WHERE a.privilege_type = 'EXECUTE' AND a.grantee IN (SELECT grantee FROM tenant_grantees)))
       AND (EXISTS (SELECT 1 FROM pg_catalog.aclexplode(n.nspacl) a
                     WHERE a.privilege_type = 'USAGE' AND a.grantee IN (SELECT grantee FROM tenant_grantees))
            OR n.nspowner IN (SELECT grantee FROM tenant_grantees))
  )
  SELECT c.oid::pg_catalog.regprocedure, pg_catalog.pg_get_userbyid(c.proowner), c.lanname, c.prosecdef,
         CASE WHEN c.prosecdef THEN 'SECURITY DEFINER without SET search_path'
              ELSE 'executable by tenant roles without SET search_path' END
    FROM candidates c
   WHERE c.prosecdef OR c.oid IN (SELECT oid FROM reachable)
   ORDER BY c.oid::pg_catalog.regprocedure::pg_catalog.text
  $$;
REVOKE ALL ON FUNCTION auth.audit() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.audit() TO tenantgate_admin;
