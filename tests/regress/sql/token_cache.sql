-- The per-backend token cache of auth.authenticate (extension/pg/token_cache.hpp): a token a
-- backend authenticated before is a hit (no signature check, no SPI); every invalidation
-- committed in THIS session takes effect on the very next authenticate of ANOTHER session (a
-- dblink connection, whose cache is warm): jti revocation, logout, refresh-token reuse (family
-- revoked), key revocation, tenant deactivation, user deactivation; exp/nbf checked on every
-- hit; the size bound; the status function for admins only. Nothing random is printed.
\set VERBOSITY terse
\set leftover_roles '^(tg_tgregresstokencache_tcache-[ab]_(admin|staff)|tcache_app)$'
\i helpers/drop_leftover_roles.sql
CREATE EXTENSION IF NOT EXISTS dblink;
SET tenantgate.login_max_failures = 0;
CREATE ROLE tcache_app LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO tcache_app;
SELECT auth.create_tenant('tcache-a') ->> 'slug' AS slug;
SELECT auth.create_tenant('tcache-b') ->> 'slug' AS slug;
SELECT auth.create_user('tcache-a', 'ann@tcache-a.test', 'ann-password-1') AS ann_id \gset
SELECT auth.create_user('tcache-a', 'cid@tcache-a.test', 'cid-password-1') AS cid_id \gset
SELECT auth.create_user('tcache-b', 'bea@tcache-b.test', 'bea-password-1') AS bea_id \gset

-- the other session (a superuser, so that it may change tenantgate.* settings for itself)
SELECT dblink_connect('other', format('dbname=%s user=%s host=%s port=%s', current_database(), current_user,
                      coalesce(nullif(split_part(current_setting('unix_socket_directories'), ',', 1), ''), '127.0.0.1'),
                      current_setting('port'))) AS connected;
-- one request of the other session: its own transaction, like the HTTP server's statement
CREATE FUNCTION pg_temp.remote(token text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  SELECT t.r INTO r FROM dblink('other', format($q$SELECT auth.authenticate(%L) ->> 'role'$q$, token)) AS t(r text);
  RETURN 'ok ' || r;
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '^.*: ', '');
END $$;
-- the status is per backend, for admins only
SELECT has_function_privilege('tcache_app', 'auth._token_cache_status()', 'EXECUTE') AS app_may,
       has_function_privilege('tenantgate_admin', 'auth._token_cache_status()', 'EXECUTE') AS admin_may;
SET ROLE tcache_app;
SELECT * FROM auth._token_cache_status();
RESET ROLE;
SELECT capacity FROM dblink('other', 'SELECT capacity FROM auth._token_cache_status()') AS t(capacity int);

CREATE FUNCTION pg_temp.hits() RETURNS bigint LANGUAGE sql AS $$
  SELECT h FROM dblink('other', 'SELECT hits FROM auth._token_cache_status()') AS t(h bigint)
$$;

SET ROLE tcache_app;
SELECT auth.login('tcache-a', 'ann@tcache-a.test', 'ann-password-1') ->> 'access_token' AS ann1 \gset
SELECT auth.login('tcache-a', 'ann@tcache-a.test', 'ann-password-1') ->> 'access_token' AS ann2 \gset
SELECT auth.login('tcache-a', 'ann@tcache-a.test', 'ann-password-1') AS annp \gset
SELECT :'annp'::jsonb ->> 'access_token' AS ann3, :'annp'::jsonb ->> 'refresh_token' AS annr \gset
SELECT auth.login('tcache-a', 'cid@tcache-a.test', 'cid-password-1') ->> 'access_token' AS cid1 \gset
SELECT auth.login('tcache-b', 'bea@tcache-b.test', 'bea-password-1') ->> 'access_token' AS bea1 \gset
RESET ROLE;

-- ---------------------------------------------------------------- hits
SELECT pg_temp.remote(:'ann1') AS first;
SELECT pg_temp.hits() AS h0 \gset
SELECT pg_temp.remote(:'ann1') AS second, pg_temp.remote(:'ann1') AS third;
SELECT pg_temp.hits() - :h0 AS new_hits;  -- the status call itself is no authenticate
-- a hit still refuses a second authenticate in one transaction, and a host of another tenant
SELECT t.r FROM dblink('other', format($q$SELECT auth.authenticate(%L) IS NOT NULL AND auth.authenticate(%L) IS NOT NULL$q$,
                                        :'ann1', :'ann1')) AS t(r text);
SELECT t.r FROM dblink('other', format($q$SELECT auth.authenticate(%L, 'tcache-b.example.com') IS NOT NULL$q$, :'ann1'))
  AS t(r text);
SELECT dblink_exec('other', $q$SET tenantgate.base_domain = 'example.com'$q$) AS base_domain;
SELECT t.r FROM dblink('other', format($q$SELECT auth.authenticate(%L, 'tcache-a.example.com') ->> 'role'$q$, :'ann1'))
  AS t(r text);
SELECT t.r FROM dblink('other', format($q$SELECT auth.authenticate(%L, 'tcache-b.example.com') ->> 'role'$q$, :'ann1'))
  AS t(r text);
SELECT t.r FROM dblink('other', format($q$SELECT auth.authenticate(%L, 'nobody.example.com') ->> 'role'$q$, :'ann1'))
  AS t(r text);
-- the context a hit sets up is the full one
SELECT t.* FROM dblink('other', format($q$SELECT auth.authenticate(%L) IS NOT NULL, auth.tenant(), auth.role(),
                                        current_user, current_setting('search_path')$q$, :'ann1'))
  AS t(ok bool, tenant text, role text, usr name, path text);

-- ---------------------------------------------------------------- jti revocation
SELECT pg_temp.remote(:'ann2') AS warm;
INSERT INTO auth.revoked_tokens (jti, expires_at)
  SELECT auth.verify(:'ann2') ->> 'jti', now() + interval '1 hour';
SELECT pg_temp.remote(:'ann2') AS after_jti_revocation;
SELECT pg_temp.remote(:'ann1') AS other_token_unaffected;

-- ---------------------------------------------------------------- logout
SELECT pg_temp.remote(:'ann1') AS warm;
SET ROLE tcache_app;
SELECT auth.logout(:'ann1') IS NULL AS logged_out;
RESET ROLE;
SELECT pg_temp.remote(:'ann1') AS after_logout;

-- ---------------------------------------------------------------- refresh reuse → family revoked
SELECT pg_temp.remote(:'ann3') AS warm;
SET ROLE tcache_app;
SELECT auth.refresh(:'annr') IS NOT NULL AS rotated;
SELECT auth.refresh(:'annr') IS NOT NULL AS reused;
RESET ROLE;
SELECT pg_temp.remote(:'ann3') AS after_reuse;

-- ---------------------------------------------------------------- user deactivated
SELECT pg_temp.remote(:'cid1') AS warm;
SELECT auth.set_user_active(:'cid_id', false);
SELECT pg_temp.remote(:'cid1') AS after_user_deactivation;
SELECT auth.set_user_active(:'cid_id', true);
SET ROLE tcache_app;
SELECT auth.login('tcache-a', 'cid@tcache-a.test', 'cid-password-1') ->> 'access_token' AS cid2 \gset
RESET ROLE;

-- ---------------------------------------------------------------- tenant deactivated
SELECT pg_temp.remote(:'bea1') AS warm;
SELECT auth.set_tenant_active('tcache-b', false) IS NULL AS deactivated;
SELECT pg_temp.remote(:'bea1') AS after_tenant_deactivation;
SELECT auth.set_tenant_active('tcache-b', true) IS NULL AS reactivated;
SELECT pg_temp.remote(:'bea1') AS after_reactivation;

-- ---------------------------------------------------------------- key revoked
SELECT auth.revoke_key(kid, 'tcache-b') IS NULL AS revoked FROM auth.keys WHERE tenant = 'tcache-b' AND is_active_signer;
SELECT pg_temp.remote(:'bea1') AS after_key_revocation;

-- ---------------------------------------------------------------- an uncommitted change does nothing yet
SELECT pg_temp.remote(:'cid2') AS warm;
BEGIN;
SELECT auth.set_user_active(:'cid_id', false);
SELECT pg_temp.remote(:'cid2') AS before_commit;
ROLLBACK;
SELECT pg_temp.remote(:'cid2') AS after_rollback;

-- ---------------------------------------------------------------- exp on every hit
-- The other session allows 300 s of clock skew (wide margins: nothing here depends on how fast
-- the test runs). A token whose exp passed 10 s ago is accepted (and cached: one new hit); with
-- leeway 0 the cached entry is refused — the time rules are applied to every hit, with the
-- settings of the moment. The same for an nbf 200 s ahead.
-- pg_temp.leeway_probe(token): the other session under leeway 300 twice (new_hits: the cache
-- entries it made), then under leeway 0 once (the cached entry), then back to 300.
CREATE FUNCTION pg_temp.leeway_probe(token text, OUT with_leeway text, OUT again text, OUT new_hits bigint,
                                     OUT cached_without_leeway text) LANGUAGE plpgsql AS $$
DECLARE
  h0 bigint;
BEGIN
  PERFORM dblink_exec('other', 'SET tenantgate.leeway = 300');
  h0 := pg_temp.hits();
  with_leeway := pg_temp.remote(token);
  again := pg_temp.remote(token);
  new_hits := pg_temp.hits() - h0;
  PERFORM dblink_exec('other', 'SET tenantgate.leeway = 0');
  cached_without_leeway := pg_temp.remote(token);
  PERFORM dblink_exec('other', 'SET tenantgate.leeway = 300');
END
$$;
SELECT auth.sign(jsonb_build_object('sub', 'service-1', 'tenant', 'tcache-a', 'role', 'staff', 'jti', 'tc-exp-1',
                                    'exp', extract(epoch FROM now())::bigint - 10),
                 (SELECT kid FROM auth.keys WHERE tenant = 'tcache-a' AND is_active_signer), 'at+jwt') AS late \gset
SELECT * FROM pg_temp.leeway_probe(:'late');  -- expired 10 s ago
SELECT auth.sign(jsonb_build_object('sub', 'service-1', 'tenant', 'tcache-a', 'role', 'staff', 'jti', 'tc-nbf-1',
                                    'nbf', extract(epoch FROM now())::bigint + 200,
                                    'exp', extract(epoch FROM now())::bigint + 600),
                 (SELECT kid FROM auth.keys WHERE tenant = 'tcache-a' AND is_active_signer), 'at+jwt') AS early \gset
SELECT * FROM pg_temp.leeway_probe(:'early');  -- valid from 200 s ahead

-- ---------------------------------------------------------------- size bound
-- three tokens through a cache of two: the oldest goes
SELECT dblink_exec('other', 'SET tenantgate.token_cache_size = 2') AS bounded;
SELECT pg_temp.remote(:'cid2'), pg_temp.remote(:'late'), pg_temp.remote(:'early');
SELECT pg_temp.hits() AS h3 \gset
SELECT pg_temp.remote(:'early') AS early_again, pg_temp.remote(:'late') AS late_again;
SELECT pg_temp.hits() - :h3 AS hits_of_the_two_newest;
SELECT pg_temp.remote(:'cid2') AS oldest_again;
SELECT pg_temp.hits() - :h3 AS still_two_the_oldest_was_evicted;
SELECT entries, capacity FROM dblink('other', 'SELECT entries, capacity FROM auth._token_cache_status()')
  AS t(entries int, capacity int);
SELECT dblink_exec('other', 'SET tenantgate.token_cache_size = 0') AS disabled;
SELECT pg_temp.hits() AS h2 \gset
SELECT pg_temp.remote(:'cid2'), pg_temp.remote(:'cid2');
SELECT pg_temp.hits() - :h2 AS hits_while_disabled,
       (SELECT entries FROM dblink('other', 'SELECT entries FROM auth._token_cache_status()') AS t(entries int)) AS entries;

SELECT dblink_disconnect('other');
SELECT auth.drop_tenant('tcache-a') IS NULL AS dropped, auth.drop_tenant('tcache-b') IS NULL AS dropped;
DROP ROLE tcache_app;
