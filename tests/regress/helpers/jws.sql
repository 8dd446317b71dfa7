-- Helpers of the suites that forge tokens in SQL (pgcrypto's hmac), in pg_temp (these suites
-- never authenticate, which would drop them):
--   pg_temp.verify(token): 'ok <sub>' (or 'ok ' without a sub), or the refusal as "SQLSTATE: message";
--   pg_temp.b64u(bytes): base64url without padding;
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
CREATE FUNCTION pg_temp.at(seconds_from_now integer) RETURNS bigint LANGUAGE sql VOLATILE
  AS $$ SELECT floor(extract(epoch FROM clock_timestamp()))::bigint + seconds_from_now $$;
