-- The baseline bench/run.sh compares auth.verify with: an HS256 JWT verifier written the way
-- people write one without tenantgate, in plpgsql + pgcrypto. It does the same work as
-- auth.verify for HS256 (three segments, base64url decoding, header "alg" check, HMAC-SHA256
-- over "<header>.<payload>" via pgcrypto's hmac(), signature comparison, payload parsed as
-- JSON, exp/nbf checked with 30 s leeway) — except the key lookup: the secret is an argument,
-- which only flatters the baseline. Needs `CREATE EXTENSION pgcrypto` in schema public.

CREATE SCHEMA IF NOT EXISTS bench;

-- base64url (RFC 4648 §5, unpadded) → bytea.
CREATE OR REPLACE FUNCTION bench.base64url_decode(s text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.decode(
           pg_catalog.rpad(pg_catalog.translate(s, '-_', '+/'),
                           (pg_catalog.length(s) + 3) / 4 * 4, '='),
           'base64')
$$;

CREATE OR REPLACE FUNCTION bench.plpgsql_verify_hs256(token text, secret bytea) RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
  parts text[] := pg_catalog.string_to_array(token, '.');
  header jsonb;
  payload jsonb;
  now_s numeric := extract(epoch FROM pg_catalog.now());
BEGIN
  IF pg_catalog.array_length(parts, 1) IS DISTINCT FROM 3 THEN
    RAISE EXCEPTION 'malformed token' USING ERRCODE = '28000';
  END IF;
  header := pg_catalog.convert_from(bench.base64url_decode(parts[1]), 'UTF8')::jsonb;
  IF header->>'alg' IS DISTINCT FROM 'HS256' THEN
    RAISE EXCEPTION 'algorithm not allowed' USING ERRCODE = '28000';
  END IF;
  IF public.hmac(pg_catalog.convert_to(parts[1] || '.' || parts[2], 'UTF8'), secret, 'sha256')
       IS DISTINCT FROM bench.base64url_decode(parts[3]) THEN
    RAISE EXCEPTION 'invalid signature' USING ERRCODE = '28000';
  END IF;
  payload := pg_catalog.convert_from(bench.base64url_decode(parts[2]), 'UTF8')::jsonb;
  IF pg_catalog.jsonb_typeof(payload) IS DISTINCT FROM 'object'
     OR pg_catalog.jsonb_typeof(payload->'exp') IS DISTINCT FROM 'number' THEN
    RAISE EXCEPTION 'malformed token' USING ERRCODE = '28000';
  END IF;
  IF (payload->>'exp')::numeric <= now_s - 30 THEN
    RAISE EXCEPTION 'token expired' USING ERRCODE = '28000';
  END IF;
  IF payload ? 'nbf' AND (payload->>'nbf')::numeric > now_s + 30 THEN
    RAISE EXCEPTION 'token not yet valid' USING ERRCODE = '28000';
  END IF;
  RETURN payload;
END
$$;

-- µs per row of a query returning one count: the whole statement between two clock readings.
CREATE OR REPLACE FUNCTION bench.us_per_row(query text) RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  n bigint;
BEGIN
  t0 := pg_catalog.clock_timestamp();
  EXECUTE query INTO n;
  RETURN extract(epoch FROM pg_catalog.clock_timestamp() - t0) * 1e6 / n;
END
$$;
