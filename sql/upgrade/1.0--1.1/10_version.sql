-- auth.version() and the library's refusal of other versions' SQL (sql/1.0/05_version.sql).
CREATE FUNCTION auth.version(OUT library text, OUT sql text)
  LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'tg_version';
REVOKE ALL ON FUNCTION auth.version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.version() TO tenantgate_admin;
COMMENT ON FUNCTION auth.version() IS 'The loaded library''s version and the database''s (pg_extension); they differ until ALTER EXTENSION tenantgate UPDATE. tenantgate_admin and the owner.';
