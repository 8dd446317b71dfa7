-- Helpers of the suites that forge tokens in SQL (pgcrypto's hmac), in pg_temp (these suites
-- never authenticate, which would drop them):
--   pg_temp.verify(token): 'ok <sub>' (or 'ok ' without a sub), or the refusal as "SQLSTATE: message";
--   pg_temp.b64u(bytes or text): base64url without padding;
--   pg_temp.mac(signing_input, secret[, alg]): the base64url HMAC (sha256 unless named);
--   pg_temp.hs_raw(h, p, secret): HS256 over the exact segments given (already base64url);
--   pg_temp.hs(header, payload, secret): an HS256 token over the exact header and payload text;
--   pg_temp.at(seconds_from_now): a NumericDate that many seconds from the wall clock.
CREATE FUNCTION pg_temp.verify(token text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN 'ok ' || coalesce(auth.verify(token) ->> 'sub', '');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
CREATE FUNCTION pg_temp.b64u(data bytea) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT rtrim(translate(encode(data, 'base64'), E'+/\n', '-_'), '=') $$;
CREATE FUNCTION pg_temp.b64u(data text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT pg_temp.b64u(convert_to(data, 'UTF8')) $$;
CREATE FUNCTION pg_temp.mac(signing_input text, secret text, alg text DEFAULT 'sha256') RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT pg_temp.b64u(hmac(convert_to(signing_input, 'UTF8'), convert_to(secret, 'UTF8'), alg)) $$;
CREATE FUNCTION pg_temp.hs_raw(h text, p text, secret text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT h || '.' || p || '.' || pg_temp.mac(h || '.' || p, secret) $$;
CREATE FUNCTION pg_temp.hs(header text, payload text, secret text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT pg_temp.hs_raw(pg_temp.b64u(header), pg_temp.b64u(payload), secret) $$;
CREATE FUNCTION pg_temp.at(seconds_from_now integer) RETURNS bigint LANGUAGE sql VOLATILE
  AS $$ SELECT floor(extract(epoch FROM clock_timestamp()))::bigint + seconds_from_now $$;
