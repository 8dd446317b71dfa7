-- Helpers of the suites that act as the contract's authenticator (schema regress, not pg_temp:
-- auth.authenticate drops the session's temporary objects).
--   regress.authenticator_login(name): (re)creates the NOINHERIT login NAME, a member of
--     tenantgate_authenticator (a role left by an earlier, interrupted run is dropped first).
--   regress.try_authenticate(token[, host]): auth.authenticate in its own subtransaction:
--     'ok', or the refusal as "SQLSTATE: message". Call it outside an explicit transaction: an
--     accepted token stays authenticated until the statement's transaction ends.
CREATE SCHEMA IF NOT EXISTS regress;
GRANT USAGE ON SCHEMA regress TO PUBLIC;
CREATE OR REPLACE FUNCTION regress.authenticator_login(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
    EXECUTE format('DROP ROLE %I', name);
  END IF;
  EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT', name);
  EXECUTE format('GRANT tenantgate_authenticator TO %I', name);
END
$$;
CREATE OR REPLACE FUNCTION regress.try_authenticate(token text, host text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    PERFORM auth.authenticate(token, host);
  EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
  END;
  RETURN 'ok';
END
$$;
