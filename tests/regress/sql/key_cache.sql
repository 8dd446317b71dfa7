-- key_cache: a backend loads only the key lookups it uses (2,000 tenant keys present), keeps
-- them across ANALYZE and VACUUM of auth.keys, makes no load on a warm verify or authenticate,
-- stays within tenantgate.key_cache_size, and sees a key added or revoked and a tenant
-- deactivated in another session from its next transaction on. The verifier is a fresh backend
-- reached by dblink; auth._key_cache_status() shows its counters.
CREATE EXTENSION tenantgate;
CREATE EXTENSION dblink;
\set VERBOSITY terse
\set leftover_roles '^(tg_tgregresskeycache_kc-auth_(admin|staff)|tg_kc_nobody)$'
\i helpers/drop_leftover_roles.sql
SET tenantgate.base_domain = 'example.com';
SET tenantgate.login_max_failures = 0;

-- 2,000 tenants with a signing key each (tenant rows written directly: no schema or role needed)
INSERT INTO auth.tenants (slug, staff_role, admin_role)
SELECT 'kc' || i, 'tg_kc' || i || '_staff', 'tg_kc' || i || '_admin' FROM generate_series(1, 2000) i;
SELECT count(auth.generate_key('HS256', 'kc' || i)) AS tenant_keys FROM generate_series(1, 2000) i;
SELECT auth.sign('{"sub":"u1","tenant":"kc1","exp":4102444800}') AS tok_1,
       auth.sign('{"sub":"u2","tenant":"kc2","exp":4102444800}') AS tok_2,
       auth.sign('{"sub":"u3","tenant":"kc3","exp":4102444800}') AS tok_3,
       auth.sign('{"sub":"u4","tenant":"kc4","exp":4102444800}') AS tok_4 \gset

SELECT dblink_connect('v', format('dbname=%s user=%s host=%s port=%s', current_database(), current_user,
                      coalesce(nullif(split_part(current_setting('unix_socket_directories'), ',', 1), ''), '127.0.0.1'),
                      current_setting('port'))) AS connected;
CREATE FUNCTION pg_temp.rverify(token text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT r FROM dblink('v', format($q$SELECT auth.verify(%L) ->> 'sub'$q$, token)) AS t(r text));
EXCEPTION WHEN OTHERS THEN
  RETURN SQLERRM;
END
$$;
CREATE FUNCTION pg_temp.rstatus(OUT loads bigint, OUT keys_parsed bigint, OUT hits bigint, OUT flushes bigint,
                                OUT evictions bigint, OUT entries bigint) LANGUAGE sql AS $$
  SELECT * FROM dblink('v', 'SELECT * FROM auth._key_cache_status()')
    AS t(loads bigint, keys_parsed bigint, hits bigint, flushes bigint, evictions bigint, entries bigint)
$$;

-- loads_only_what_is_used: three tokens of three tenants, three lookups, three keys parsed
SELECT * FROM pg_temp.rstatus();
SELECT pg_temp.rverify(:'tok_1') AS t1, pg_temp.rverify(:'tok_2') AS t2, pg_temp.rverify(:'tok_3') AS t3;
SELECT * FROM pg_temp.rstatus();
-- warm_verify_loads_nothing
SELECT pg_temp.rverify(:'tok_1') AS t1, pg_temp.rverify(:'tok_2') AS t2, pg_temp.rverify(:'tok_3') AS t3;
SELECT * FROM pg_temp.rstatus();

-- analyze_and_vacuum_keep_the_cache: here and in the verifier itself
ANALYZE auth.keys;
VACUUM auth.keys;
ANALYZE auth.tenants;
SELECT dblink_exec('v', 'ANALYZE auth.keys') AS remote_analyze;
SELECT dblink_exec('v', 'VACUUM auth.keys') AS remote_vacuum;
SELECT pg_temp.rverify(:'tok_1') AS t1, pg_temp.rverify(:'tok_2') AS t2, pg_temp.rverify(:'tok_3') AS t3;
SELECT loads, flushes FROM pg_temp.rstatus();

-- a_tenant_insert_keeps_the_cache: a new tenant has no keys yet, no lookup changes
INSERT INTO auth.tenants (slug, staff_role, admin_role) VALUES ('kc-new', 'tg_kc-new_staff', 'tg_kc-new_admin');
SELECT pg_temp.rverify(:'tok_1') AS t1;
SELECT loads, flushes FROM pg_temp.rstatus();

-- key_added_elsewhere_is_seen_next_transaction: the verifier first keeps "unknown kid"
BEGIN;
SELECT auth.add_key('later', 'HS256', 'later-secret-0123456789abcdefghijklm', 'kc1');
SELECT auth.sign('{"sub":"later","tenant":"kc1","exp":4102444800}', 'later') AS tok_later \gset
ROLLBACK;
SELECT pg_temp.rverify(:'tok_later') AS before_add;
SELECT pg_temp.rverify(:'tok_later') AS before_add_again;
SELECT loads, hits, flushes FROM pg_temp.rstatus();
SELECT auth.add_key('later', 'HS256', 'later-secret-0123456789abcdefghijklm', 'kc1');
SELECT pg_temp.rverify(:'tok_later') AS after_add;
SELECT loads, flushes, entries FROM pg_temp.rstatus();

-- revoke_elsewhere_is_seen_next_transaction
SELECT auth.revoke_key('later', 'kc1');
SELECT pg_temp.rverify(:'tok_later') AS after_revoke;
-- a generated key becomes the tenant's signer; its tokens verify in the other session at once
SELECT auth.generate_key('HS256', 'kc1') IS NOT NULL AS generated;
SELECT pg_temp.rverify(auth.sign('{"sub":"gen","tenant":"kc1","exp":4102444800}')) AS generated_key;
SELECT pg_temp.rverify(:'tok_1') AS old_signer_still_verifies;

-- deactivation_elsewhere_is_seen_next_transaction (after the signature check), and back
UPDATE auth.tenants SET active = false WHERE slug = 'kc2';
SELECT pg_temp.rverify(:'tok_2') AS deactivated;
UPDATE auth.tenants SET active = true WHERE slug = 'kc2';
SELECT pg_temp.rverify(:'tok_2') AS reactivated;

-- the_size_bound: 20 more tenants with a bound of 16 lookups
SELECT dblink_exec('v', 'SET tenantgate.key_cache_size = 16') AS bounded;
SELECT count(pg_temp.rverify(auth.sign(jsonb_build_object('sub', 'b', 'tenant', 'kc' || i, 'exp', 4102444800))))
       AS verified FROM generate_series(101, 120) i;
SELECT entries, evictions > 0 AS evicted FROM pg_temp.rstatus();
SELECT pg_temp.rverify(:'tok_4') AS still_verifies;
SELECT entries FROM pg_temp.rstatus();
SELECT dblink_exec('v', 'RESET tenantgate.key_cache_size') AS unbounded;

-- warm_authenticate_loads_nothing: a login token of a real tenant
SELECT auth.create_tenant('kc-auth') ->> 'slug' AS slug;
SELECT auth.create_user('kc-auth', 'ann@kc-auth.test', 'ann-password-1') IS NOT NULL AS created;
SELECT auth.login('kc-auth', 'ann@kc-auth.test', 'ann-password-1') ->> 'access_token' AS at \gset
CREATE FUNCTION pg_temp.rauth(token text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT r FROM dblink('v', format($q$SELECT auth.authenticate(%L, 'kc-auth.example.com') ->> 'tenant'$q$,
                                           token)) AS t(r text));
EXCEPTION WHEN OTHERS THEN
  RETURN SQLERRM;
END
$$;
SELECT dblink_exec('v', 'SET tenantgate.base_domain = ''example.com''') AS base_domain;
SELECT pg_temp.rauth(:'at') AS first;
SELECT loads AS loads_after_first FROM pg_temp.rstatus() \gset
SELECT pg_temp.rauth(:'at') AS second, pg_temp.rauth(:'at') AS third;
SELECT loads - :loads_after_first AS loads_on_warm_authenticate FROM pg_temp.rstatus();
UPDATE auth.tenants SET active = false WHERE slug = 'kc-auth';
SELECT pg_temp.rauth(:'at') AS deactivated;
UPDATE auth.tenants SET active = true WHERE slug = 'kc-auth';

-- the_status_is_for_admins
CREATE ROLE tg_kc_nobody;
SET ROLE tg_kc_nobody;
SELECT * FROM auth._key_cache_status();
RESET ROLE;
DROP ROLE tg_kc_nobody;

SELECT dblink_disconnect('v');
SELECT auth.drop_tenant('kc-auth');
