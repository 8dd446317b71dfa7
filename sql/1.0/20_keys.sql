-- Keys and tokens: auth.keys, the key functions, sign/verify/decode.
-- Key material is parsed, checked and generated in C (core/jose); the SQL wrappers below own the
-- rows: locking, the tenant check and the one-active-signer rule. Every SECURITY DEFINER
-- function pins search_path; values are parameters, never spliced into SQL.

-- One row per key. key_data is Key::to_storage(): the HMAC secret, or PKCS#8 DER (private key),
-- or SPKI DER (public only). public_jwk is the public JWK shown by auth.jwks (asymmetric keys).
-- Revoked keys stay for audit and never verify.
CREATE TABLE auth.keys (
  kid              text NOT NULL CHECK (pg_catalog.octet_length(kid) BETWEEN 1 AND 256),
  tenant           text NULL REFERENCES auth.tenants (slug) ON UPDATE CASCADE ON DELETE CASCADE,
  alg              text NOT NULL CHECK (alg IN ('HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512',
                                                'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA')),
  key_data         bytea NOT NULL,
  public_jwk       jsonb NULL,
  can_sign         boolean NOT NULL,
  is_active_signer boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  revoked_at       timestamptz NULL,
  CONSTRAINT keys_kid_tenant_key UNIQUE NULLS NOT DISTINCT (kid, tenant),
  CONSTRAINT keys_active_signer_can_sign CHECK (NOT is_active_signer OR (can_sign AND revoked_at IS NULL))
);
-- At most one active signing key per tenant, and one global one.
CREATE UNIQUE INDEX keys_one_active_signer ON auth.keys ((COALESCE(tenant, ''))) WHERE is_active_signer;
SELECT pg_catalog.pg_extension_config_dump('auth.keys', '');
REVOKE ALL ON TABLE auth.keys FROM PUBLIC;

-- auth.jwks reads a tenant's keys (and the global ones) through this; it also serves the
-- ON DELETE CASCADE from auth.tenants. Lookups by kid use keys_kid_tenant_key.
CREATE INDEX keys_tenant ON auth.keys (tenant);

-- Every backend drops its key cache as soon as keys or tenants change: the trigger sends a
-- relcache invalidation of this empty view, which nothing else names (pg/key_cache.hpp), so
-- ANALYZE or VACUUM of auth.keys leaves the caches alone. Tenant inserts change no lookup (a new
-- tenant has no keys yet); only active and slug matter among tenant updates.
CREATE VIEW auth._key_cache_signal AS SELECT;
REVOKE ALL ON TABLE auth._key_cache_signal FROM PUBLIC;
CREATE FUNCTION auth._keys_changed() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'tg_keys_changed';
CREATE TRIGGER keys_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth.keys
  FOR EACH STATEMENT EXECUTE FUNCTION auth._keys_changed();
CREATE TRIGGER keys_cache_tenants_changed AFTER UPDATE OF active, slug OR DELETE OR TRUNCATE ON auth.tenants
  FOR EACH STATEMENT EXECUTE FUNCTION auth._keys_changed();
-- This backend's key cache counters (tests and diagnosis).
CREATE FUNCTION auth._key_cache_status(OUT loads bigint, OUT keys_parsed bigint, OUT hits bigint,
                                       OUT flushes bigint, OUT evictions bigint, OUT entries bigint)
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_key_cache_status';

-- C halves (owner only): material -> stored form, fresh keys, fresh kids.
CREATE FUNCTION auth._key_from_material(kid text, alg text, key text,
                                        OUT key_data bytea, OUT public_jwk jsonb, OUT can_sign boolean)
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_key_from_material';
CREATE FUNCTION auth._key_generate(kid text, alg text,
                                   OUT key_data bytea, OUT public_jwk jsonb, OUT can_sign boolean)
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_key_generate';
CREATE FUNCTION auth._new_kid() RETURNS text
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_new_kid';
CREATE FUNCTION auth._jwks_keys(jwks jsonb)
  RETURNS TABLE (kid text, alg text, key_data bytea, public_jwk jsonb)
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_jwks_keys';

-- The first step of every key change: the key table's lock (one writer at a time keeps the
-- one-active-signer rule and the kid checks true), then a named tenant must exist (42704);
-- NULL means global (or, for auth.revoke_key, that the kid alone decides).
CREATE FUNCTION auth._lock_keys(tenant text) RETURNS void
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  LOCK TABLE auth.keys IN SHARE ROW EXCLUSIVE MODE;
  IF tenant IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM auth.tenants t WHERE t.slug OPERATOR(pg_catalog.=) tenant) THEN
    PERFORM auth._raise('unknown_tenant');
  END IF;
END
$$;

-- The kid auth.sign uses for a tenant when none is named: its active signing key, else the
-- global one; NULL when there is none. For the login code (owner only).
CREATE FUNCTION auth._signing_kid(tenant text) RETURNS text
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT k.kid FROM auth.keys k
     WHERE k.is_active_signer AND k.revoked_at IS NULL
       AND (k.tenant OPERATOR(pg_catalog.=) $1 OR k.tenant IS NULL)
     ORDER BY k.tenant IS NULL
     LIMIT 1
  $$;

-- An error inside must not put the calling statement, which holds the key, into the server log.
CREATE FUNCTION auth.add_key(kid text, alg text, key text, tenant text DEFAULT NULL) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic
  AS $$
DECLARE
  stored record;
BEGIN
  -- EXECUTE is granted to PUBLIC and the caller checked here, inside the function: a permission
  -- error raised before the call would log the calling statement, secret included.
  -- (auth._caller_is_user_admin, 40_users.sql: superuser, database owner or tenantgate_admin.)
  IF NOT auth._caller_is_user_admin() THEN
    PERFORM auth._raise('function_permission_denied', 'add_key');
  END IF;
  IF kid IS NULL OR alg IS NULL OR key IS NULL THEN
    PERFORM auth._raise('invalid_parameter', 'kid, alg and key are required');
  END IF;
  IF octet_length(kid) NOT BETWEEN 1 AND 256 THEN
    PERFORM auth._raise('invalid_parameter', 'kid must be 1 to 256 bytes');
  END IF;
  PERFORM auth._lock_keys(tenant);
  IF EXISTS (SELECT 1 FROM auth.keys k WHERE k.kid OPERATOR(pg_catalog.=) add_key.kid
                                        AND k.tenant IS NOT DISTINCT FROM add_key.tenant) THEN
    PERFORM auth._raise('invalid_parameter', 'kid already exists');
  END IF;
  stored := auth._key_from_material(kid, alg, key);
  -- A verification key; it signs only when it can and the tenant has no signer yet.
  INSERT INTO auth.keys (kid, tenant, alg, key_data, public_jwk, can_sign, is_active_signer)
  VALUES (kid, tenant, alg, stored.key_data, stored.public_jwk, stored.can_sign,
          stored.can_sign AND NOT EXISTS (SELECT 1 FROM auth.keys k
                                           WHERE k.is_active_signer AND k.tenant IS NOT DISTINCT FROM add_key.tenant));
END
$$;

CREATE FUNCTION auth.generate_key(alg text, tenant text DEFAULT NULL) RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  new_kid text := auth._new_kid();
  stored record;
BEGIN
  PERFORM auth._require_admin('generate_key');
  IF alg IS NULL THEN
    PERFORM auth._raise('invalid_parameter', 'alg is required');
  END IF;
  PERFORM auth._lock_keys(tenant);
  stored := auth._key_generate(new_kid, alg);
  -- The new key signs from now on; the previous signer keeps verifying until revoked.
  UPDATE auth.keys k SET is_active_signer = false
   WHERE k.is_active_signer AND k.tenant IS NOT DISTINCT FROM generate_key.tenant;
  INSERT INTO auth.keys (kid, tenant, alg, key_data, public_jwk, can_sign, is_active_signer)
  VALUES (new_kid, tenant, alg, stored.key_data, stored.public_jwk, stored.can_sign, true);
  RETURN new_kid;
END
$$;

-- Trusts an identity provider's public keys: all of the set or none (the C side refuses the
-- whole set for any bad member; a kid that already exists for the tenant is refused here).
CREATE FUNCTION auth.import_jwks(jwks jsonb, tenant text DEFAULT NULL) RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  imported integer;
BEGIN
  PERFORM auth._require_admin('import_jwks');
  IF jwks IS NULL THEN
    PERFORM auth._raise('invalid_parameter', 'jwks is required');
  END IF;
  PERFORM auth._lock_keys(tenant);
  BEGIN
    INSERT INTO auth.keys (kid, tenant, alg, key_data, public_jwk, can_sign, is_active_signer)
    SELECT j.kid, import_jwks.tenant, j.alg, j.key_data, j.public_jwk, false, false FROM auth._jwks_keys(jwks) j;
  EXCEPTION WHEN unique_violation THEN
    -- never a silent replacement of a key the tenant already trusts
    PERFORM auth._raise('invalid_parameter', 'kid already exists');
  END;
  GET DIAGNOSTICS imported = ROW_COUNT;
  RETURN imported;
END
$$;

-- Revokes a key (kept for audit, never verifies again). Without a tenant, kid names the global
-- key of that name, else the one tenant key of that name (several tenants: name the tenant).
-- When the active signer is revoked, the newest remaining signing key of its tenant takes over.
-- Revoking a revoked key is a no-op.
CREATE FUNCTION auth.revoke_key(kid text, tenant text) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  key_tenant text;
  matches bigint;
BEGIN
  PERFORM auth._require_admin('revoke_key');
  PERFORM auth._lock_keys(NULL);
  IF revoke_key.tenant IS NOT NULL THEN
    SELECT count(*), min(k.tenant) INTO matches, key_tenant FROM auth.keys k
     WHERE k.kid OPERATOR(pg_catalog.=) revoke_key.kid AND k.tenant OPERATOR(pg_catalog.=) revoke_key.tenant;
  ELSIF EXISTS (SELECT 1 FROM auth.keys k WHERE k.kid OPERATOR(pg_catalog.=) revoke_key.kid AND k.tenant IS NULL) THEN
    matches := 1;
  ELSE
    SELECT count(*), min(k.tenant) INTO matches, key_tenant FROM auth.keys k
     WHERE k.kid OPERATOR(pg_catalog.=) revoke_key.kid;
  END IF;
  IF matches = 0 THEN
    PERFORM auth._raise('unknown_key');
  ELSIF matches > 1 THEN
    PERFORM auth._raise('invalid_parameter', 'kid exists for several tenants, name the tenant');
  END IF;
  UPDATE auth.keys k SET revoked_at = clock_timestamp(), is_active_signer = false
   WHERE k.kid OPERATOR(pg_catalog.=) revoke_key.kid AND k.tenant IS NOT DISTINCT FROM key_tenant
     AND k.revoked_at IS NULL;
  IF FOUND AND NOT EXISTS (SELECT 1 FROM auth.keys k WHERE k.is_active_signer
                                                    AND k.tenant IS NOT DISTINCT FROM key_tenant) THEN
    UPDATE auth.keys k SET is_active_signer = true
     WHERE k.ctid = (SELECT s.ctid FROM auth.keys s
                      WHERE s.can_sign AND s.revoked_at IS NULL AND s.tenant IS NOT DISTINCT FROM key_tenant
                      ORDER BY s.created_at DESC, s.kid DESC LIMIT 1);
  END IF;
END
$$;

-- The contract's one-argument form.
CREATE FUNCTION auth.revoke_key(kid text) RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT auth.revoke_key(kid, NULL::text) $$;

CREATE FUNCTION auth.jwks(tenant text DEFAULT NULL) RETURNS jsonb
  LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'tg_jwks';

-- sign(claims, kid) is the contract's form; sign(claims, kid, typ) sets the header's typ (the
-- login code signs access tokens as "at+jwt").
CREATE FUNCTION auth.sign(claims jsonb, kid text DEFAULT NULL) RETURNS text
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_sign';
CREATE FUNCTION auth.sign(claims jsonb, kid text, typ text) RETURNS text
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_sign';
CREATE FUNCTION auth.verify(token text) RETURNS jsonb
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_verify';
CREATE FUNCTION auth.verify(token text, key text, alg text) RETURNS jsonb
  LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'tg_verify_with_key';
CREATE FUNCTION auth.decode(token text) RETURNS jsonb
  LANGUAGE c STABLE STRICT AS 'MODULE_PATHNAME', 'tg_decode';

-- Privileges (contract, Roles): clients verify and read public keys; managing keys and signing
-- arbitrary claims is for the owner and tenantgate_admin; decode is a debugging aid for admins.
-- verify and jwks are EXECUTE-able by PUBLIC because a NOINHERIT authenticator does not hold its
-- group's grants; the C entry points admit only members (also NOINHERIT ones) of
-- tenantgate_authenticator, tenantgate_admin or tenantgate_tenant, and superusers (42501 else).
REVOKE ALL ON FUNCTION auth._keys_changed(), auth._key_cache_status(), auth._key_from_material(text, text, text),
  auth._key_generate(text, text), auth._new_kid(), auth._jwks_keys(jsonb), auth._lock_keys(text),
  auth._signing_kid(text), auth.add_key(text, text, text, text), auth.generate_key(text, text),
  auth.import_jwks(jsonb, text), auth.revoke_key(text), auth.revoke_key(text, text), auth.jwks(text),
  auth.sign(jsonb, text), auth.sign(jsonb, text, text), auth.verify(text), auth.verify(text, text, text), auth.decode(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.verify(text), auth.verify(text, text, text), auth.jwks(text),
  auth.add_key(text, text, text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION auth.generate_key(text, text), auth._key_cache_status(),
  auth.import_jwks(jsonb, text), auth.revoke_key(text), auth.revoke_key(text, text), auth.sign(jsonb, text),
  auth.sign(jsonb, text, text), auth.decode(text) TO tenantgate_admin;
