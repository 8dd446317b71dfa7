-- regress.try(sql): 'ok', or the error as "SQLSTATE: message" (one statement, many refusals).
-- In a schema, not pg_temp: auth.authenticate drops the session's temporary objects.
CREATE SCHEMA IF NOT EXISTS regress;
GRANT USAGE ON SCHEMA regress TO PUBLIC;
CREATE OR REPLACE FUNCTION regress.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
