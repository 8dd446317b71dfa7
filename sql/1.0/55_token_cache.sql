-- The per-backend token cache of auth.authenticate (extension/pg/token_cache.hpp): every
-- backend drops it when a change that could revoke an authenticated token commits. auth.keys
-- and auth.tenants already send that signal (20_keys.sql: keys_changed,
-- keys_cache_tenants_changed); these triggers send it for revocations, session families and
-- users, only for the changes that can take a token's validity away (a login's new family, a
-- refresh's used token or a purge of expired revocations do not flush every backend's cache).
CREATE FUNCTION auth._token_cache_invalidate() RETURNS trigger
  LANGUAGE c AS 'MODULE_PATHNAME', 'tg_token_cache_invalidate';
REVOKE ALL ON FUNCTION auth._token_cache_invalidate() FROM PUBLIC;

CREATE TRIGGER token_cache_revoked AFTER INSERT OR UPDATE ON auth.revoked_tokens
  FOR EACH ROW EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_families_changed AFTER UPDATE ON auth.refresh_families
  FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.user_id IS DISTINCT FROM NEW.user_id
                     OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_families_gone AFTER DELETE ON auth.refresh_families
  FOR EACH ROW EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_families_truncated AFTER TRUNCATE ON auth.refresh_families
  FOR EACH STATEMENT EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_users_changed AFTER UPDATE ON auth.users
  FOR EACH ROW WHEN (OLD.active IS DISTINCT FROM NEW.active OR OLD.role IS DISTINCT FROM NEW.role
                     OR OLD.sessions_not_before IS DISTINCT FROM NEW.sessions_not_before
                     OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_users_added_or_gone AFTER INSERT OR DELETE ON auth.users
  FOR EACH ROW EXECUTE FUNCTION auth._token_cache_invalidate();
CREATE TRIGGER token_cache_users_truncated AFTER TRUNCATE ON auth.users
  FOR EACH STATEMENT EXECUTE FUNCTION auth._token_cache_invalidate();

-- This backend's cache: entries held, tenantgate.token_cache_size, hits and misses since start.
CREATE FUNCTION auth._token_cache_status(OUT entries integer, OUT capacity integer, OUT hits bigint,
                                         OUT misses bigint)
  LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'tg_token_cache_status';
REVOKE ALL ON FUNCTION auth._token_cache_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth._token_cache_status() TO tenantgate_admin;
