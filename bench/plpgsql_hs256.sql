-- The baselines bench/run.sh compares auth.verify with: HS256 JWT verifiers written the way people
-- write one without tenantgate, in plpgsql + pgcrypto. Needs `CREATE EXTENSION pgcrypto` in
-- schema public. Both get the secret as an argument instead of looking a key up (which only
-- flatters them) and raise the contract's errors like auth.verify; both return the payload.
--
-- bench.plpgsql_verify_hs256 — THE baseline: the steps of the widely used pgjwt `verify`
-- (github.com/michelp/pgjwt), written here as one plpgsql function:
--   * split with regexp_split_to_array(token, '\.'), exactly three parts required;
--   * base64url decoding by translate('-_' → '+/'), '=' padding to a multiple of 4 and
--     decode(…, 'base64');
--   * header and payload: convert_from(…, 'UTF8')::json;
--   * signature: pgcrypto hmac(<header>.<payload>, secret, 'sha256'), base64url-encoded
--     (encode + translate, padding and newlines dropped) and compared with the third part;
--   * exp and nbf read with ->> and cast to numeric, compared with now() and 30 s of leeway.
-- Added to pgjwt's steps, because auth.verify does them too: the header's "alg" must be "HS256"
-- (pgjwt trusts its algorithm argument), the payload must be an object and "exp" a number
-- (pgjwt accepts a token without exp), and a failure raises (pgjwt returns valid = false).
-- Left out of pgjwt's steps, which only makes the baseline faster: pgjwt's try_cast_double
-- runs a plpgsql EXCEPTION block (a subtransaction) for each of exp and nbf, and builds a
-- tstzrange to compare them; here they are plain casts.
--
-- bench.plpgsql_verify_hs256_lean — a leaner hand-written variant, reported beside it to show
-- how much the baseline's own style matters: string_to_array instead of the regexp split,
-- ::jsonb (parsed once, then read without re-parsing) instead of ::json, and the decoded
-- signature bytes compared with hmac()'s bytea instead of re-encoding the MAC.

CREATE SCHEMA IF NOT EXISTS bench;

-- base64url (RFC 4648 §5, unpadded) → bytea.
CREATE OR REPLACE FUNCTION bench.base64url_decode(s text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.decode(
           pg_catalog.rpad(pg_catalog.translate(s, '-_', '+/'),
                           (pg_catalog.length(s) + 3) / 4 * 4, '='),
           'base64')
$$;

-- bytea → base64url, unpadded (encode() wraps lines every 76 characters: the newlines go too).
CREATE OR REPLACE FUNCTION bench.base64url_encode(b bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.translate(pg_catalog.encode(b, 'base64'), E'+/=\n', '-_')
$$;

CREATE OR REPLACE FUNCTION bench.plpgsql_verify_hs256(token text, secret bytea) RETURNS json
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
  parts text[] := pg_catalog.regexp_split_to_array(token, '\.');
  header json;
  payload json;
  now_s numeric := extract(epoch FROM pg_catalog.now());
BEGIN
  IF pg_catalog.array_length(parts, 1) IS DISTINCT FROM 3 THEN
    RAISE EXCEPTION 'malformed token' USING ERRCODE = '28000';
  END IF;
  header := pg_catalog.convert_from(bench.base64url_decode(parts[1]), 'UTF8')::json;
  IF header->>'alg' IS DISTINCT FROM 'HS256' THEN
    RAISE EXCEPTION 'algorithm not allowed' USING ERRCODE = '28000';
  END IF;
  IF bench.base64url_encode(public.hmac(pg_catalog.convert_to(parts[1] || '.' || parts[2], 'UTF8'), secret, 'sha256'))
       IS DISTINCT FROM parts[3] THEN
    RAISE EXCEPTION 'invalid signature' USING ERRCODE = '28000';
  END IF;
  payload := pg_catalog.convert_from(bench.base64url_decode(parts[2]), 'UTF8')::json;
  IF pg_catalog.json_typeof(payload) IS DISTINCT FROM 'object'
     OR pg_catalog.json_typeof(payload->'exp') IS DISTINCT FROM 'number' THEN
    RAISE EXCEPTION 'malformed token' USING ERRCODE = '28000';
  END IF;
  IF (payload->>'exp')::numeric <= now_s - 30 THEN
    RAISE EXCEPTION 'token expired' USING ERRCODE = '28000';
  END IF;
  IF (payload->>'nbf')::numeric > now_s + 30 THEN
    RAISE EXCEPTION 'token not yet valid' USING ERRCODE = '28000';
  END IF;
  RETURN payload;
END
$$;

CREATE OR REPLACE FUNCTION bench.plpgsql_verify_hs256_lean(token text, secret bytea) RETURNS jsonb
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
