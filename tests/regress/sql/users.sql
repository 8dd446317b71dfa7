-- Users: create_user (new passwords, imported Django/passlib/Werkzeug hashes and their upgrade
-- at the first login), e-mail rules, roles, bad input; the Flask-era seed flow end to end as an
-- authenticator; login errors; deactivation; who may manage users; the login throttle; sign-up.
-- Nothing random is printed: tokens, ids and timestamps go into psql variables (\gset).
\set VERBOSITY terse
-- Tenant roles are cluster-wide: drop what an earlier run in this cluster may have left.
\set leftover_roles '^(tg_tgregressusers_company[12]_(admin|staff)|users_app|users_dba|users_nobody)$'
\i helpers/drop_leftover_roles.sql
\i helpers/authenticator.sql
SET tenantgate.base_domain = 'example.com';
SET tenantgate.login_max_failures = 0;  -- the throttle has its own section below
-- The contract's authenticator, a DBA role, and a role that is neither.
SELECT regress.authenticator_login('users_app');
CREATE ROLE users_dba LOGIN;
SELECT auth.admin_role() AS database_admin \gset
GRANT :"database_admin" TO users_dba;
CREATE ROLE users_nobody LOGIN;

SELECT auth.create_tenant('company1', 'Company One') ->> 'slug' AS slug;
SELECT auth.create_tenant('company2', 'Company Two') ->> 'slug' AS slug;
-- Each tenant's company_data comes from a tenant migration.
SELECT auth.add_migration('0001_company_data', 'CREATE TABLE company_data (id int PRIMARY KEY, info text NOT NULL)');
SELECT auth.migrate() AS applied;
INSERT INTO company1.company_data VALUES (1, 'company1 row 1'), (2, 'company1 row 2');
INSERT INTO company2.company_data VALUES (1, 'company2 secret');

-- ---------------------------------------------------------------- create_user: new passwords
SELECT auth.create_user('company1', 'alice@company1.com', 'alice-password-1') AS alice_id \gset
SELECT auth.create_user('company1', 'boss@company1.com', 'boss-password-1', 'admin') AS boss_id \gset
SELECT email, role, active, auth._password_hash_format(password_hash) AS format,
       password_hash ~ '^\$scrypt\$ln=16,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$' AS default_scrypt,
       strpos(password_hash, 'alice-password-1') = 0 AS no_plaintext, sessions_not_before IS NULL AS fresh
  FROM auth.users ORDER BY email;
-- two hashes of one password differ (fresh salt)
SELECT auth.create_user('company2', 'alice@company1.com', 'alice-password-1') AS alice2_id \gset
SELECT count(DISTINCT password_hash) AS distinct_hashes FROM auth.users WHERE lower(email) = 'alice@company1.com';
-- e-mail unique per tenant, case-insensitively; the same address in another tenant is fine (above)
SELECT auth.create_user('company1', 'ALICE@Company1.COM', 'another-password');
\echo :SQLSTATE
SELECT auth.create_user('company2', 'Alice@Company1.com', 'another-password');
\echo :SQLSTATE
SELECT count(*) AS users FROM auth.users;

-- ---------------------------------------------------------------- create_user: bad input changes nothing
SELECT auth.create_user('company1', 'carol@company1.com', 'carol-password', 'owner');
\echo :SQLSTATE
SELECT auth.create_user('company1', 'carol@company1.com', 'carol-password', NULL);
\echo :SQLSTATE
SELECT auth.create_user('company1', 'carol@company1.com', 'carol-password', 'Admin');
\echo :SQLSTATE
SELECT auth.create_user('company1', 'no-at-sign', 'carol-password');
\echo :SQLSTATE
SELECT auth.create_user('company1', '@company1.com', 'carol-password');
\echo :SQLSTATE
SELECT auth.create_user('company1', 'carol @company1.com', 'carol-password');
\echo :SQLSTATE
SELECT auth.create_user('company1', E'carol@company1.com\n', 'carol-password');
\echo :SQLSTATE
SELECT auth.create_user('company1', NULL, 'carol-password');
\echo :SQLSTATE
SELECT auth.create_user('company1', repeat('c', 320) || '@company1.com', 'carol-password');
\echo :SQLSTATE
SELECT auth.create_user('company1', 'carol@company1.com', 'short');
\echo :SQLSTATE
SELECT auth.create_user('company1', 'carol@company1.com', repeat('p', 4097));
\echo :SQLSTATE
SELECT auth.create_user('company1', 'carol@company1.com');  -- neither password nor hash
\echo :SQLSTATE
SELECT auth.create_user('company1', 'carol@company1.com', 'carol-password',
                        password_hash => 'pbkdf2_sha256$1000$Xv9sN2qLwP4kR7tY1zA3bC$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72NM=');
\echo :SQLSTATE
SELECT auth.create_user('nosuchtenant', 'carol@company1.com', 'carol-password');
\echo :SQLSTATE
SELECT auth.create_user(NULL, 'carol@company1.com', 'carol-password');
\echo :SQLSTATE
-- hashes in no accepted format, or with parameters that would make a login a DoS
SELECT h AS refused_hash, auth._password_hash_format(h) AS format
  FROM (VALUES ('md5$salt$0123456789abcdef0123456789abcdef'),
               ('$2b$12$abcdefghijklmnopqrstuu5s2v8/s1W1jyEfD6o0Pbq0Qm1Yc6FJ1W'),
               ('plaintext'),
               ('$pbkdf2-sha256$0$5ry31vofg7CWkhJCSClFKA$i01NZ9cAJCAYlXQCY2AXmcmJfe8eD5vZMDOy0h8tH2U'),
               ('pbkdf2_sha256$2000000000$salt$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72NM='),
               ('scrypt:1073741824:8:1$salt$24abaa45e3989e7663bbc53a3c848c2acbb6386b77e70256f233c8ee93218c4b'),
               ('pbkdf2:sha256:'),
               ('')) AS v(h);
SELECT auth.create_user('company1', 'carol@company1.com',
                        password_hash => 'pbkdf2_sha256$2000000000$salt$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72NM=');
\echo :SQLSTATE
SELECT auth.create_user('company1', 'carol@company1.com',
                        password_hash => 'scrypt:1073741824:8:1$salt$24abaa45e3989e7663bbc53a3c848c2acbb6386b77e70256f233c8ee93218c4b');
\echo :SQLSTATE
SELECT auth.create_user('company1', 'carol@company1.com', password_hash => 'md5$salt$0123456789abcdef0123456789abcdef');
\echo :SQLSTATE
SELECT count(*) AS users, count(*) FILTER (WHERE email ILIKE 'carol%') AS carols FROM auth.users;

-- ---------------------------------------------------------------- imports log in and are upgraded
-- Django (hashlib vector: pbkdf2_sha256, 1000 iterations), Werkzeug 3.1.8 generate_password_hash
-- (methods pbkdf2:sha256:1000 and scrypt:16384:8:1); all of the password "correct horse".
SELECT auth.create_user('company1', 'django@company1.com',
         password_hash => 'pbkdf2_sha256$1000$Xv9sN2qLwP4kR7tY1zA3bC$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72NM=') AS django_id \gset
SELECT auth.create_user('company1', 'wz-pbkdf2@company1.com',
         password_hash => 'pbkdf2:sha256:1000$nFFWvk5ZEVlodDLZ$a33c567e17672889ed5356df461e789411a8972c9c8365d046c6f469f9fe330b',
         role => 'admin') AS wzp_id \gset
SELECT auth.create_user('company1', 'wz-scrypt@company1.com',
         password_hash => 'scrypt:16384:8:1$C87DFgvUUZ1UxQlD$c10e94973b5fb08adb2009be3b029103459e88911149855d4cce2bdaff4807584bc04dda5155a5ac4db00c83a58e5aa6ab6a77824c67ea02641cbb3dbcc6c823') AS wzs_id \gset
-- stored unchanged
SELECT email, auth._password_hash_format(password_hash) AS format, left(password_hash, 17) AS stored_prefix
  FROM auth.users WHERE id IN (:'django_id', :'wzp_id', :'wzs_id') ORDER BY email;
-- a wrong password leaves the imported hash alone
SELECT auth.login('company1', 'django@company1.com', 'correct horsE');
\echo :SQLSTATE
SELECT auth._password_hash_format(password_hash) AS format FROM auth.users WHERE id = :'django_id';
SELECT auth.login('company1', 'django@company1.com', 'correct horse') ? 'access_token' AS django_in;
SELECT auth.login('company1', 'WZ-PBKDF2@company1.com', 'correct horse') ? 'access_token' AS werkzeug_pbkdf2_in;
SELECT auth.login('company1', 'wz-scrypt@company1.com', 'correct horse') ? 'access_token' AS werkzeug_scrypt_in;
-- upgraded to the default at that login, and the new hash works (the old password, new format)
SELECT email, auth._password_hash_format(password_hash) AS format, auth._password_needs_rehash(password_hash) AS needs_rehash,
       password_hash LIKE '$scrypt$ln=16,r=8,p=1$%' AS default_scrypt
  FROM auth.users WHERE id IN (:'django_id', :'wzp_id', :'wzs_id') ORDER BY email;
SELECT auth.login('company1', 'django@company1.com', 'correct horse') ? 'access_token' AS django_in_again;
SELECT auth.login('company1', 'django@company1.com', 'correct horsE');
\echo :SQLSTATE

-- ---------------------------------------------------------------- the seed flow (Flask era, passlib)
SELECT auth.create_user('company1', 'flask@company1.com',
         password_hash => '$pbkdf2-sha256$29000$5ry31vofg7CWkhJCSClFKA$i01NZ9cAJCAYlXQCY2AXmcmJfe8eD5vZMDOy0h8tH2U') AS flask_id \gset
SELECT auth._password_hash_format(password_hash) AS format,
       password_hash = '$pbkdf2-sha256$29000$5ry31vofg7CWkhJCSClFKA$i01NZ9cAJCAYlXQCY2AXmcmJfe8eD5vZMDOy0h8tH2U' AS unchanged
  FROM auth.users WHERE id = :'flask_id';
-- everything from here runs as the NOINHERIT authenticator
SET ROLE users_app;
SELECT auth.login('company1', 'flask@company1.com', 'foo') AS pair \gset
SELECT jsonb_object_keys(:'pair'::jsonb) AS key ORDER BY 1;
SELECT :'pair'::jsonb ->> 'token_type' AS token_type, :'pair'::jsonb -> 'expires_in' AS expires_in,
       (:'pair'::jsonb ->> 'refresh_token') ~ '^tgr_[A-Za-z0-9_-]{43}$' AS opaque_refresh;
SELECT :'pair'::jsonb ->> 'access_token' AS tok, :'pair'::jsonb ->> 'refresh_token' AS rt \gset
-- the access token: at+jwt, signed by company1's key, the claims of the design
SELECT (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(c) k) AS claims,
       c ->> 'sub' = :'flask_id' AS sub_is_user, c ->> 'tenant' AS tenant, c ->> 'role' AS role, c ->> 'email' AS email,
       (c ->> 'exp')::bigint - (c ->> 'iat')::bigint AS lifetime,
       length(c ->> 'jti') >= 22 AS long_jti, (c ->> 'sid') ~ '^[0-9a-f-]{36}$' AS sid_uuid
  FROM auth.verify(:'tok') AS c;
-- authenticate (host of company1): the tenant role, the tenant schema, only company1's rows
BEGIN;
SELECT a ->> 'tenant' AS tenant, a ->> 'role' AS role FROM auth.authenticate(:'tok', 'company1.example.com') AS a;
SELECT current_user, auth.tenant(), auth.role(), auth.uid() = :'flask_id' AS uid_ok, current_setting('search_path') AS search_path;
SELECT * FROM company_data ORDER BY id;
SELECT auth.me() - 'id' AS me, auth.me() ->> 'id' = :'flask_id' AS me_id_ok;
SAVEPOINT s;
SELECT * FROM company2.company_data;
ROLLBACK TO s;
SELECT count(*) AS own_rows FROM company1.company_data;
COMMIT;
-- nothing of it remains after COMMIT
SELECT current_user, auth.tenant() IS NULL AS no_tenant;
SELECT * FROM company1.company_data;
\echo :SQLSTATE
-- company1's token at company2's host
SELECT regress.try_authenticate(:'tok', 'company2.example.com');
-- refresh: a new pair, and the new access token works
SELECT auth.refresh(:'rt') AS pair2 \gset
SELECT :'pair2'::jsonb ->> 'access_token' AS tok2, :'pair2'::jsonb ->> 'refresh_token' AS rt2 \gset
SELECT :'tok2' <> :'tok' AS new_access, :'rt2' <> :'rt' AS new_refresh,
       (auth.verify(:'tok2') ->> 'sid') = (auth.verify(:'tok') ->> 'sid') AS same_family;
BEGIN;
SELECT auth.authenticate(:'tok2', 'company1.example.com') ->> 'email' AS email;
SELECT count(*) AS rows FROM company_data;
COMMIT;
-- logout: the access token and the whole session are dead
SELECT auth.logout(:'tok2');
SELECT regress.try_authenticate(:'tok2');
BEGIN;
SELECT auth.authenticate(:'tok');  -- the first access token of the same session
\echo :SQLSTATE
ROLLBACK;
SELECT auth.refresh(:'rt2');
\echo :SQLSTATE
RESET ROLE;
-- the imported hash became the default at the first login
SELECT auth._password_hash_format(password_hash) AS format, password_hash LIKE '$scrypt$%' AS upgraded
  FROM auth.users WHERE id = :'flask_id';
SET ROLE users_app;
SELECT auth.login('company1', 'flask@company1.com', 'foo') ? 'access_token' AS foo_still_works;

-- ---------------------------------------------------------------- login errors
-- unknown e-mail and bad password: the same 28P01 and text
SELECT auth.login('company1', 'nobody@company1.com', 'whatever-password');
\echo :SQLSTATE
SELECT auth.login('company1', 'alice@company1.com', 'wrong-password');
\echo :SQLSTATE
SELECT auth.login('company1', 'alice@company1.com', NULL);
\echo :SQLSTATE
SELECT auth.login('company1', NULL, 'alice-password-1');
\echo :SQLSTATE
SELECT auth.login('company1', 'alice@company1.com', repeat('x', 100000));
\echo :SQLSTATE
-- the e-mail is matched case-insensitively; the password is not
SELECT auth.login('company1', 'Alice@COMPANY1.com', 'alice-password-1') ? 'access_token' AS mixed_case_email;
SELECT auth.login('company1', 'alice@company1.com', 'ALICE-PASSWORD-1');
\echo :SQLSTATE
-- boss exists only in company1: another tenant does not know him
SELECT auth.login('company2', 'boss@company1.com', 'boss-password-1');
\echo :SQLSTATE
SELECT auth.login('nosuchtenant', 'alice@company1.com', 'alice-password-1');
\echo :SQLSTATE
RESET ROLE;
-- an unknown e-mail burns the hash work a wrong password costs (not a fast path). Counted, not
-- timed: the calls of the password-hashing functions one failed login makes (track_functions).
SET track_functions = 'all';
-- In a schema, not pg_temp: auth.authenticate drops the session's temporary objects.
CREATE SCHEMA IF NOT EXISTS regress;
GRANT USAGE ON SCHEMA regress TO PUBLIC;
CREATE FUNCTION regress.hash_calls() RETURNS bigint LANGUAGE sql AS $$
  SELECT coalesce(pg_stat_get_xact_function_calls('auth._verify_password(text,text)'::regprocedure), 0)
       + coalesce(pg_stat_get_xact_function_calls('auth._burn_password_work(text)'::regprocedure), 0)
$$;
CREATE FUNCTION regress.failed_login_hash_work(tenant text, email text, password text) RETURNS bigint
  LANGUAGE plpgsql AS $$
DECLARE before bigint := regress.hash_calls();
BEGIN
  BEGIN
    PERFORM auth.login(tenant, email, password);
  EXCEPTION WHEN invalid_password THEN NULL;
  END;
  RETURN regress.hash_calls() - before;
END $$;
SELECT regress.failed_login_hash_work('company1', 'alice@company1.com', 'wrong-password-1') AS bad_password_hashes,
       regress.failed_login_hash_work('company1', 'ghost@company1.com', 'wrong-password-1') AS unknown_email_hashes;
-- a cheap imported hash (Django, 1,000 iterations) is not a faster path either
SELECT auth.create_user('company1', 'cheap@company1.com',
         password_hash => 'pbkdf2_sha256$1000$Xv9sN2qLwP4kR7tY1zA3bC$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72NM=') IS NOT NULL AS imported;
-- (verifying the cheap hash, then the default's work on top)
SELECT regress.failed_login_hash_work('company1', 'cheap@company1.com', 'wrong-password-1') AS imported_hashes;
SELECT auth._password_hash_format(password_hash) AS still_imported FROM auth.users WHERE email = 'cheap@company1.com';
-- inactive tenant: 42501 before any password work; back to active, logins work again
SELECT auth.set_tenant_active('company2', false);
SET ROLE users_app;
SELECT auth.login('company2', 'alice@company1.com', 'alice-password-1');
\echo :SQLSTATE
RESET ROLE;
SELECT auth.set_tenant_active('company2', true);
SET ROLE users_app;
SELECT auth.login('company2', 'alice@company1.com', 'alice-password-1') ? 'access_token' AS company2_alice_in;
RESET ROLE;

-- ---------------------------------------------------------------- deactivated users
SELECT auth.create_user('company1', 'leaver@company1.com', 'leaver-password') AS leaver_id \gset
SET ROLE users_app;
SELECT auth.login('company1', 'leaver@company1.com', 'leaver-password') AS lpair \gset
SELECT :'lpair'::jsonb ->> 'access_token' AS ltok, :'lpair'::jsonb ->> 'refresh_token' AS lrt \gset
BEGIN;
SELECT auth.authenticate(:'ltok') ->> 'email' AS email;
ROLLBACK;
RESET ROLE;
SELECT auth.deactivate_user(:'leaver_id');
SELECT active, sessions_not_before IS NOT NULL AS cut_off FROM auth.users WHERE id = :'leaver_id';
SELECT count(*) FILTER (WHERE revoked_at IS NULL) AS live_families, count(*) AS families
  FROM auth.refresh_families WHERE user_id = :'leaver_id';
SET ROLE users_app;
SELECT regress.try_authenticate(:'ltok');
SELECT auth.refresh(:'lrt');
\echo :SQLSTATE
SELECT auth.login('company1', 'leaver@company1.com', 'leaver-password');
\echo :SQLSTATE
RESET ROLE;
-- reactivated: logs in again; the old session stays dead
SELECT auth.set_user_active(:'leaver_id', true);
SET ROLE users_app;
SELECT auth.login('company1', 'leaver@company1.com', 'leaver-password') ->> 'access_token' AS ltok2 \gset
BEGIN;
SELECT auth.authenticate(:'ltok2') ->> 'email' AS back_in;
ROLLBACK;
SELECT auth.refresh(:'lrt');
\echo :SQLSTATE
RESET ROLE;
SELECT auth.set_user_active(:'leaver_id', NULL);
\echo :SQLSTATE
SELECT auth.set_user_active('00000000-0000-0000-0000-000000000000', false);
\echo :SQLSTATE

-- ---------------------------------------------------------------- who may manage users
SET ROLE users_app;
SELECT auth.login('company1', 'boss@company1.com', 'boss-password-1') ->> 'access_token' AS boss_tok \gset
SELECT auth.login('company1', 'alice@company1.com', 'alice-password-1') ->> 'access_token' AS alice_tok \gset
-- the authenticator itself: no admin function, no auth table
SELECT auth.create_user('company1', 'x1@company1.com', 'x1-password');
\echo :SQLSTATE
SELECT auth.deactivate_user(:'alice_id');
\echo :SQLSTATE
SELECT auth.set_user_active(:'alice_id', false);
\echo :SQLSTATE
SELECT auth.start_password_reset('company1', 'alice@company1.com');
\echo :SQLSTATE
SELECT auth.create_tenant('company3');
\echo :SQLSTATE
SELECT auth.sign('{"sub":"x","tenant":"company1","role":"admin"}');
\echo :SQLSTATE
SELECT auth._hash_password('x');
\echo :SQLSTATE
SELECT auth._throttle_reset(1, 'alice@company1.com');
\echo :SQLSTATE
SELECT auth.unlock_login('company1', 'alice@company1.com');
\echo :SQLSTATE
SELECT auth.login_throttle_status('company1', 'alice@company1.com');
\echo :SQLSTATE
SELECT count(*) FROM auth.users;
\echo :SQLSTATE
SELECT count(*) FROM auth.refresh_tokens;
\echo :SQLSTATE
SELECT count(*) FROM auth.refresh_families;
\echo :SQLSTATE
SELECT count(*) FROM auth.revoked_tokens;
\echo :SQLSTATE
SELECT count(*) FROM auth.password_resets;
\echo :SQLSTATE
-- a staff token: no
BEGIN;
SELECT auth.authenticate(:'alice_tok') ->> 'role' AS role;
SELECT auth.create_user('company1', 'x2@company1.com', 'x2-password');
\echo :SQLSTATE
ROLLBACK;
BEGIN;
SELECT auth.authenticate(:'alice_tok') ->> 'role' AS role;
SELECT auth.deactivate_user(:'boss_id');
\echo :SQLSTATE
ROLLBACK;
-- a tenant admin, in its authenticated transaction: its own tenant's users, no other tenant's
BEGIN;
SELECT auth.authenticate(:'boss_tok', 'company1.example.com') ->> 'role' AS role;
SELECT current_user;
SELECT auth.create_user('company1', 'hired@company1.com', 'hired-password', 'staff') AS hired_id \gset
SAVEPOINT s;
SELECT auth.create_user('company2', 'intruder@company2.com', 'intruder-password');
\echo :SQLSTATE
ROLLBACK TO s;
SELECT auth.deactivate_user(:'alice2_id');  -- alice of company2
\echo :SQLSTATE
ROLLBACK TO s;
SELECT auth.set_user_active('00000000-0000-0000-0000-000000000000', false);  -- no probing of ids
\echo :SQLSTATE
ROLLBACK TO s;
SELECT count(*) FROM auth.users;  -- and still no table access
\echo :SQLSTATE
ROLLBACK TO s;
SELECT auth.unlock_login('company2', 'alice@company1.com');
\echo :SQLSTATE
ROLLBACK TO s;
SELECT auth.login_throttle_status('company1', 'alice@company1.com') AS own_tenant_status;
SELECT auth.deactivate_user(:'leaver_id');
SELECT auth.tenant() AS still_tenant, current_user;
COMMIT;
RESET ROLE;
SELECT u.email, u.role, u.active, t.slug
  FROM auth.users u JOIN auth.tenants t ON t.id = u.tenant_id
 WHERE u.email IN ('hired@company1.com', 'leaver@company1.com', 'intruder@company2.com', 'alice@company1.com')
 ORDER BY t.slug, u.email;
-- outside an authenticated transaction a tenant admin's token is no authority: the role has none
SET ROLE users_nobody;
SELECT auth.create_user('company1', 'x3@company1.com', 'x3-password');
\echo :SQLSTATE
RESET ROLE;
-- a member of this database's admin role manages every tenant's users
SET ROLE users_dba;
SELECT auth.create_user('company2', 'dba-made@company2.com', 'dba-made-password') IS NOT NULL AS created;
SELECT auth.deactivate_user(:'alice2_id');
SELECT auth.set_user_active(:'alice2_id', true);
SELECT count(*) FROM auth.users;
\echo :SQLSTATE
RESET ROLE;
SELECT email, active FROM auth.users WHERE tenant_id = (SELECT id FROM auth.tenants WHERE slug = 'company2') ORDER BY email;

-- ---------------------------------------------------------------- the login throttle
-- 3 failures within the window lock (tenant, lower(e-mail)) for the lockout; then even the
-- right password fails with the same 28P01. Another tenant's same address is not locked.
SELECT auth.create_user('company1', 'shared@example.org', 'shared-password-1') IS NOT NULL AS c1,
       auth.create_user('company2', 'shared@example.org', 'shared-password-2') IS NOT NULL AS c2;
SET tenantgate.login_max_failures = 3;
SET tenantgate.login_failure_window = '15min';
SET tenantgate.login_lockout = '15min';
SET ROLE users_app;
SET tenantgate.login_max_failures = 1000;  -- a client cannot loosen it
\echo :SQLSTATE
SELECT auth.login('company1', 'shared@example.org', 'wrong-1');
SELECT auth.login('company1', 'SHARED@example.org', 'wrong-2');
RESET ROLE;
SELECT auth.login_throttle_status('company1', 'Shared@Example.org') AS status;
SET ROLE users_app;
SELECT auth.login('company1', 'shared@example.org', 'shared-password-1') ? 'access_token' AS success_clears_count;
RESET ROLE;
SELECT auth.login_throttle_status('company1', 'shared@example.org') AS status;
SET ROLE users_app;
SELECT auth.login('company1', 'shared@example.org', 'wrong-1');
SELECT auth.login('company1', 'Shared@Example.org', 'wrong-2');
SELECT auth.login('company1', 'shared@example.org', 'wrong-3');
\echo :SQLSTATE
SELECT auth.login('company1', 'shared@example.org', 'shared-password-1');  -- locked
\echo :SQLSTATE
SELECT auth.login('company1', 'shared@EXAMPLE.org', 'shared-password-1');  -- locked, any case
\echo :SQLSTATE
RESET ROLE;
SELECT s - 'locked_seconds' AS status, (s ->> 'locked_seconds')::int BETWEEN 890 AND 900 AS locked_15min
  FROM auth.login_throttle_status('company1', 'shared@example.org') AS s;
SELECT auth.login_throttle_status('company2', 'shared@example.org') AS other_tenant_status;
SET ROLE users_app;
SELECT auth.login('company2', 'shared@example.org', 'shared-password-2') ? 'access_token' AS other_tenant_not_locked;
SELECT auth.login('company1', 'alice@company1.com', 'alice-password-1') ? 'access_token' AS other_user_not_locked;
-- a locked login costs no hash work
RESET ROLE;
SELECT regress.failed_login_hash_work('company1', 'shared@example.org', 'shared-password-1') AS locked_hashes;
-- the DBA lifts a lockout
SELECT auth.unlock_login('company1', 'SHARED@example.org');
SELECT auth.login_throttle_status('company1', 'shared@example.org') AS status;
SELECT auth.unlock_login('company1', NULL);
\echo :SQLSTATE
SELECT auth.login_throttle_status('nosuchtenant', 'shared@example.org');
\echo :SQLSTATE
SET ROLE users_app;
SELECT auth.login('company1', 'shared@example.org', 'shared-password-1') ? 'access_token' AS unlocked;
-- unknown e-mails are throttled too (no difference between "no such user" and "bad password")
SELECT auth.login('company1', 'ghost@example.org', 'x');
SELECT auth.login('company1', 'ghost@example.org', 'x');
SELECT auth.login('company1', 'ghost@example.org', 'x');
RESET ROLE;
SELECT regress.failed_login_hash_work('company1', 'ghost@example.org', 'x') AS ghost_locked_hashes;
-- 0 turns it off
SET tenantgate.login_max_failures = 0;
SELECT regress.failed_login_hash_work('company1', 'ghost@example.org', 'x') AS throttle_off_hashes;

-- ---------------------------------------------------------------- sign-up (auth.register)
SET ROLE users_app;
SELECT auth.register('company1', 'self@company1.com', 'self-password-1');
\echo :SQLSTATE
RESET ROLE;
UPDATE auth.tenants SET allow_signup = true WHERE slug = 'company1';
SET ROLE users_app;
SELECT r - 'id' AS registered, (r ->> 'id') ~ '^[0-9a-f-]{36}$' AS has_id
  FROM auth.register('company1', 'self@company1.com', 'self-password-1') AS r;
SELECT auth.register('company1', 'SELF@company1.com', 'self-password-2');
\echo :SQLSTATE
SELECT auth.register('company1', 'bad email@company1.com', 'self-password-1');
\echo :SQLSTATE
SELECT auth.register('company1', 'self2@company1.com', 'short');
\echo :SQLSTATE
SELECT auth.register('nosuchtenant', 'self@company1.com', 'self-password-1');
\echo :SQLSTATE
SELECT auth.login('company1', 'self@company1.com', 'self-password-1') ->> 'access_token' AS self_tok \gset
SELECT auth.verify(:'self_tok') ->> 'role' AS self_role;
RESET ROLE;
SET ROLE users_nobody;  -- not a client role
SELECT auth.register('company1', 'self3@company1.com', 'self-password-3');
\echo :SQLSTATE
SELECT auth.login('company1', 'self@company1.com', 'self-password-1');
\echo :SQLSTATE
RESET ROLE;
SELECT auth.me();  -- not authenticated
\echo :SQLSTATE

-- ---------------------------------------------------------------- claims come from the user row
-- built with a JSON writer: an e-mail cannot inject claims
SELECT auth.create_user('company1', 'x","role":"admin"@company1.com', 'inject-password') IS NOT NULL AS created;
SET ROLE users_app;
SELECT c ->> 'role' AS role, c ->> 'email' AS email
  FROM auth.verify(auth.login('company1', 'x","role":"admin"@company1.com', 'inject-password') ->> 'access_token') AS c;
-- a demoted admin's live tokens stop at authenticate; a refresh issues the new role
SELECT auth.login('company1', 'boss@company1.com', 'boss-password-1') AS bpair \gset
RESET ROLE;
UPDATE auth.users SET role = 'staff' WHERE id = :'boss_id';
SET ROLE users_app;
SELECT regress.try_authenticate(:'bpair'::jsonb ->> 'access_token');
SELECT auth.verify(auth.refresh(:'bpair'::jsonb ->> 'refresh_token') ->> 'access_token') ->> 'role' AS refreshed_role;
RESET ROLE;

-- ---------------------------------------------------------------- a dropped tenant takes its users along
SELECT auth.drop_tenant('company2');
SELECT count(*) AS company2_users FROM auth.users u WHERE NOT EXISTS (SELECT 1 FROM auth.tenants t WHERE t.id = u.tenant_id);
SELECT auth.drop_tenant('company1');
SELECT count(*) AS users_left, (SELECT count(*) FROM auth.refresh_families) AS families_left,
       (SELECT count(*) FROM auth.refresh_tokens) AS refresh_tokens_left
  FROM auth.users;
DROP ROLE users_app, users_dba, users_nobody;
