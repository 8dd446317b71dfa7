-- Versions (extension/pg/sql_version.cpp): every C entry point refuses with
-- extension_version_mismatch while the database's SQL (pg_extension.extversion) is not the loaded
-- library's version; auth.version() runs anyway and shows both. An upgrade script replaces it
-- (sql/upgrade/*/00_header.sql).
CREATE FUNCTION auth.version(OUT library text, OUT sql text)
  LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'tg_version';
REVOKE ALL ON FUNCTION auth.version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.version() TO tenantgate_admin;
