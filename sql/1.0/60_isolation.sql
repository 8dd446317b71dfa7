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
