# Sourced by run.sh (its setup: tenants atk1/atk2 schema, atk3/atk4 row, logins atk_app and
# atk_app2 NOINHERIT authenticators, tokens T1..T4 from auth.login). The rest of
# security-catalogue.md section C, and the JWT items about auth.authenticate (replay, type
# confusion, revocation, refresh races). Every check names its catalogue item.

# HS256 by hand, as an attacker who knows (or plants) a secret would sign.
forge_hs256() {  # HEADER_JSON PAYLOAD_JSON SECRET
  python3 - "$1" "$2" "$3" <<'PY'
import base64, hashlib, hmac, sys
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
s = b(sys.argv[1].encode()) + "." + b(sys.argv[2].encode())
print(s + "." + b(hmac.new(sys.argv[3].encode(), s.encode(), hashlib.sha256).digest()))
PY
}
payload_of() { su_sql -c "SELECT (auth.decode('$1') -> 'payload')::text"; }
claim_of() { su_sql -c "SELECT auth.decode('$1') -> 'payload' ->> '$2'"; }
start_time=$(su_sql -c "SELECT pg_postmaster_start_time()")
atk4_id=$(su_sql -c "SELECT min(id) FROM public.shared_orders WHERE tenant = 'atk4'")
su_sql -c "SELECT auth.add_key('atk-global', 'HS256', 'atk-global-secret-atk-global-secret-0123')" >/dev/null
now_claims() { echo "\"iat\": $(date +%s), \"exp\": $(( $(date +%s) + 300 ))"; }

# --- Roles and grants (PG-05, PG-14, JWT-42, CONTRACT §Roles)
su_sql -c "CREATE ROLE atk_plain LOGIN" >/dev/null
out=$(as_sql atk_plain <<SQL
SELECT auth.authenticate('$T1');
SELECT auth.login('atk1', 'nobody@atk1.test', 'whatever-password');
SELECT auth.refresh('tgr_' || repeat('x', 43));
SELECT auth.logout('$T1');
SELECT auth.verify('$T1');
SELECT 'plain-user:' || current_user;
SQL
)
check "PG-14 a login that is no authenticator cannot authenticate" "permission denied for function authenticate" "$out"
check "PG-14 a login that is no authenticator cannot log in" "permission denied for function login" "$out"
check "PG-14 a login that is no authenticator cannot refresh" "permission denied for function refresh" "$out"
check "PG-14 a login that is no authenticator cannot log out" "permission denied for function logout" "$out"
check "PG-14 a login that is no authenticator cannot verify" "permission denied for function verify" "$out"
check "PG-14 a login that is no authenticator stays itself" "plain-user:atk_plain" "$out"
out=$(as_sql atk_app <<SQL
SELECT 'member:' || count(*) FROM pg_roles r
 WHERE pg_has_role(session_user, r.oid, 'MEMBER') AND r.rolname <> session_user AND r.rolname <> 'tenantgate_authenticator';
SELECT 'tables:' || count(*) FROM pg_class c WHERE c.relnamespace = 'auth'::regnamespace
   AND c.relkind IN ('r', 'v', 'm', 'p', 'S')
   AND (has_table_privilege(c.oid, 'SELECT') OR has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE')
        OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'));
SELECT 'callable:' || string_agg(DISTINCT p.proname, ',' ORDER BY p.proname) FROM pg_proc p
 WHERE p.pronamespace = 'auth'::regnamespace AND has_function_privilege(p.oid, 'EXECUTE');
SQL
)
check "PG-05 the authenticator is a member of no tenant or admin role" "member:0" "$out"
check "PG-14 no auth table or sequence is open to the authenticator" "tables:0" "$out"
check_not "PG-14 no admin function is executable by the authenticator" \
  "callable:.*(generate_key|import_jwks|revoke_key|[,:]sign[,$]|create_tenant|drop_tenant|set_tenant_active|add_migration|[,:]migrate[,$]|enable_tenant_rls|_run_migration|_migrate_tenant|_check_session|_issue_tokens|_hash_password)" "$out"
admin_calls=(
  "auth.add_key('x', 'HS256', repeat('a', 32))" "auth.generate_key('HS256')" "auth.generate_key('ES256', 'atk1')"
  "auth.import_jwks('{\"keys\":[]}')" "auth.revoke_key('atk-global')" "auth.sign('{\"tenant\":\"atk2\",\"role\":\"admin\",\"sub\":\"x\"}')"
  "auth.create_tenant('atk-evil')" "auth.drop_tenant('atk2')" "auth.set_tenant_active('atk2', false)"
  "auth.add_migration('9999', 'SELECT 1')" "auth.migrate()" "auth.enable_tenant_rls('public.shared_orders')"
  "auth.create_user('atk2', 'evil@atk2.test', 'evil-password-0123456789', 'admin')"
  "auth._run_migration('atk2', 'DROP TABLE orders')" "auth._check_session('{}')")
TA1=$(token_for atk1 admin)
for who in U T Tadmin; do
  if [[ $who == Tadmin ]]; then batch T "$TA1" "${admin_calls[@]/#/SELECT }"; else batch "$who" "$T1" "${admin_calls[@]/#/SELECT }"; fi
  for i in "${!admin_calls[@]}"; do
    call=${admin_calls[i]}
    check "PG-14/JWT-42 ($who) ${call%%(*} refused" "permission denied|ERROR:  42501|must be (owner|a member)" "${BATCH_OUT[i]}"
  done
done
check "PG-14/JWT-42 nothing changed by the refused calls" "^2:0:true$" \
  "$(su_sql -c "SELECT (SELECT count(*) FROM auth.tenants WHERE slug IN ('atk1', 'atk2') AND active) || ':' ||
                       (SELECT count(*) FROM auth.users WHERE email = 'evil@atk2.test') || ':' ||
                       (SELECT revoked_at IS NULL FROM auth.keys WHERE kid = 'atk-global')")"

# --- PG-03: objects a migration (tenant-controlled code) puts into a tenant schema never run
# inside auth.* functions, whatever search_path the caller has
su_sql <<'SQL' >/dev/null
SELECT auth.add_migration('0002_shadow', $m$
  CREATE FUNCTION lower(text) RETURNS text LANGUAGE plpgsql AS $f$BEGIN RAISE EXCEPTION 'pwned by lower()'; END$f$;
  CREATE FUNCTION now() RETURNS timestamptz LANGUAGE plpgsql AS $f$BEGIN RAISE EXCEPTION 'pwned by now()'; END$f$;
  CREATE FUNCTION evil_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $f$BEGIN RAISE EXCEPTION 'pwned by ='; END$f$;
  CREATE OPERATOR = (LEFTARG = text, RIGHTARG = text, FUNCTION = evil_eq);
  CREATE FUNCTION format(text, VARIADIC text[]) RETURNS text LANGUAGE plpgsql AS $f$BEGIN RAISE EXCEPTION 'pwned by format()'; END$f$;
  CREATE FUNCTION quote_ident(text) RETURNS text LANGUAGE plpgsql AS $f$BEGIN RAISE EXCEPTION 'pwned by quote_ident()'; END$f$;
$m$);
SQL
email="shadow-$RANDOM@atk1.test"
out=$(su_sql -v ON_ERROR_STOP=0 2>&1 <<SQL
SET search_path = atk1, pg_catalog;
SELECT 'migrated:' || auth.migrate('atk1');
SELECT auth.tenant_for_host('atk1.example.test');
SELECT auth.create_user('atk1', '$email', 'shadow-password-0123456789') IS NOT NULL;
SELECT auth.set_tenant_active('atk1', true);
SELECT auth.jwks('atk1') IS NOT NULL;
SELECT auth.verify('$T1') IS NOT NULL;
SQL
)
check "PG-03 the shadowing migration applied" "migrated:1" "$out"
check_not "PG-03 admin functions never run tenant objects (search_path atk1, pg_catalog)" "pwned" "$out"
out=$(as_sql atk_app <<SQL
SET search_path = atk1, pg_catalog;
SELECT 'login:' || (auth.login('atk1', '$email', 'shadow-password-0123456789') ->> 'token_type');
BEGIN; SELECT auth.authenticate('$T1') IS NOT NULL; SELECT 'tenant:' || auth.tenant(); COMMIT;
SELECT auth.logout('$(token_for atk1)');
SQL
)
check "PG-03 client functions work with a hostile search_path" "login:Bearer" "$out"
check "PG-03 authenticate works with a hostile search_path" "tenant:atk1" "$out"
check_not "PG-03 client functions never run tenant objects" "pwned" "$out"

# --- PG-04: temporary objects named like ours are never read (attacker-chosen search_path)
FORGED=$(forge_hs256 '{"alg":"HS256","typ":"at+jwt","kid":"atk-temp"}' \
  "{\"sub\":\"$(claim_of "$T1" sub)\",\"tenant\":\"atk2\",\"role\":\"admin\",\"jti\":\"j1\",$(now_claims)}" \
  'attacker-secret-attacker-secret-0123456789')
out=$(as_sql atk_app <<SQL
CREATE TEMP TABLE keys (kid text, alg text, key text, tenant text, can_sign boolean, is_active_signer boolean, revoked_at timestamptz);
INSERT INTO keys VALUES ('atk-temp', 'HS256', 'attacker-secret-attacker-secret-0123456789', NULL, true, true, NULL);
CREATE TEMP TABLE tenants AS SELECT 1::bigint AS id, 'atk2'::text AS slug, true AS active;
CREATE TEMP TABLE users (id uuid, tenant_id bigint, email text, password_hash text, role text, active boolean);
CREATE TEMP TABLE revoked_tokens (jti text);
CREATE TEMP TABLE refresh_families (id uuid, revoked_at timestamptz, user_id uuid);
CREATE TEMP TABLE orders (id bigint, tenant text);
INSERT INTO orders VALUES (1, 'temp-shadow');
GRANT ALL ON pg_temp.orders TO PUBLIC;
SET search_path = pg_temp, auth, pg_catalog;
SELECT auth.verify('$FORGED');
SELECT auth.authenticate('$FORGED');
SELECT auth.login('atk1', 'ghost@atk1.test', 'ghost-password-0123456789');
BEGIN;
SELECT auth.authenticate('$T1') IS NOT NULL;
SELECT 'search_path:' || current_setting('search_path');
SELECT 'rows:' || string_agg(DISTINCT tenant, ',') FROM orders;
INSERT INTO orders (tenant) VALUES ('atk1-insert');
SELECT 'own-table:' || count(*) FROM atk1.orders WHERE tenant = 'atk1-insert';
ROLLBACK;
SELECT 'temp-after:' || string_agg(tenant, ',') FROM pg_temp.orders;
SQL
)
check "PG-04 a planted temp key never verifies (verify)" "ERROR:  unknown key" "$(echo "$out" | sed -n 1,3p)"
check "PG-04 a planted temp key never authenticates" "unknown key"$'\n'".*unknown key" "$out"
check "PG-04 a planted temp users table is never read by login" "invalid credentials" "$out"
check "PG-29 authenticate puts pg_temp last" "search_path:atk1, pg_temp" "$out"
check "PG-29 a temp table of the same connection never shadows the tenant's table (read)" "rows:atk1"$'\n' "$out"
check "PG-29 a temp table of the same connection never shadows the tenant's table (write)" "own-table:1" "$out"
check "PG-29 the temp table collected nothing" "temp-after:temp-shadow"$'(\n|$)' "$out"

# --- PG-19 / PG-04: views and functions the authenticator makes before authenticating (temporary
# ones: it can create nothing else) give a tenant nothing beyond its own rows
out=$(as_sql atk_app <<SQL
CREATE TEMP VIEW v_owner AS SELECT * FROM public.shared_orders;
CREATE TEMP VIEW v_invoker WITH (security_invoker = true) AS SELECT * FROM public.shared_orders;
GRANT SELECT ON pg_temp.v_owner, pg_temp.v_invoker TO PUBLIC;
CREATE FUNCTION pg_temp.definer_count() RETURNS text LANGUAGE sql SECURITY DEFINER
  AS 'SELECT string_agg(DISTINCT tenant, '','') || '':'' || count(*) FROM public.shared_orders';
CREATE FUNCTION pg_temp.invoker_count() RETURNS text LANGUAGE sql
  AS 'SELECT string_agg(DISTINCT tenant, '','') || '':'' || count(*) FROM public.shared_orders';
CREATE FUNCTION pg_temp.other_schema() RETURNS bigint LANGUAGE plpgsql AS 'BEGIN RETURN (SELECT count(*) FROM atk2.orders); END';
BEGIN; SELECT auth.authenticate('$T3') IS NULL;
SAVEPOINT s;
SELECT 'owner-view:' || count(*) FROM pg_temp.v_owner; ROLLBACK TO s;
SELECT 'invoker-view:' || string_agg(DISTINCT tenant, ',') || ':' || count(*) FROM pg_temp.v_invoker; ROLLBACK TO s;
SELECT 'definer-fn:' || pg_temp.definer_count(); ROLLBACK TO s;
SELECT 'invoker-fn:' || pg_temp.invoker_count(); ROLLBACK TO s;
SELECT pg_temp.other_schema(); ROLLBACK TO s;
COMMIT;
SQL
)
# authenticate drops the session's temporary objects before it switches: none of them runs
check "PG-19 a view the authenticator made is gone inside the tenant transaction" "relation \"pg_temp.v_owner\" does not exist" "$out"
check_not "PG-19 … and shows nothing" "(owner-view|invoker-view|definer-fn|invoker-fn):[a-z0-9]" "$out"
check "PG-04 a SECURITY DEFINER function the authenticator made never runs as the tenant" "function pg_temp.definer_count\(\) does not exist" "$out"
check "PG-01 a function the authenticator made never runs as the tenant" "function pg_temp.other_schema\(\) does not exist" "$out"

# --- PG-29 (row isolation): a session-level path with pg_temp first and a temporary twin of a
# shared table, left on a pooled connection, catch none of the next tenant's unqualified rows
out=$(as_sql atk_app <<SQL
SET search_path = pg_temp, public;
CREATE TEMP TABLE shared_orders (id bigint, tenant text, tenant_id bigint);
GRANT ALL ON pg_temp.shared_orders TO PUBLIC;
BEGIN; SELECT auth.authenticate('$T3') IS NULL;
SELECT 'row-path:' || current_setting('search_path');
INSERT INTO shared_orders (tenant) VALUES ('atk3');
SELECT 'row-visible:' || count(*) FROM shared_orders;
ROLLBACK;
SELECT 'twin-after:' || count(*) FROM pg_temp.shared_orders;
SQL
)
check "PG-29 row isolation: authenticate moves pg_temp last" "row-path:public, pg_temp" "$out"
check "PG-29 row isolation: unqualified writes reach the shared table" "row-visible:501" "$out"
check "PG-29 row isolation: the temporary twin caught nothing" "twin-after:0" "$out"

# --- PG-06 / PG-07 (rest): every way off the tenant role is refused
out=$(as_sql atk_app <<SQL
BEGIN; SELECT auth.authenticate('$T1') IS NULL;
SAVEPOINT s; SET SESSION AUTHORIZATION DEFAULT; ROLLBACK TO s;
SET role TO DEFAULT; ROLLBACK TO s;
SELECT set_config('role', 'tg_tgattack_atk2_staff', false); ROLLBACK TO s;
SELECT set_config('search_path', 'atk2', true); SELECT count(*) FROM orders; ROLLBACK TO s;
SELECT 'still:' || current_user || ':' || auth.tenant();
SELECT set_config('session_authorization', 'postgres', true); ROLLBACK TO s;
SELECT set_config('session_authorization', 'atk_app', true); ROLLBACK TO s;
SELECT set_config(lower('ROLE'), 'none', true); ROLLBACK TO s;
SELECT 'dropped-to:' || current_user;
SELECT count(*) FROM atk1.orders;
COMMIT;
SQL
)
check "PG-06 SET SESSION AUTHORIZATION DEFAULT refused" "SET SESSION AUTHORIZATION is not allowed" "$out"
check "PG-07 SET role TO DEFAULT refused" "SET ROLE is not allowed|permission denied to set role" "$out"
check "PG-07 set_config(role) to another tenant refused" "set_config\(\) of role or session_authorization is not allowed" "$out"
check "PG-07 set_config of role/session_authorization refused (other tenant, superuser, the login itself)" "^3$" \
  "$(echo "$out" | grep -c 'set_config() of role or session_authorization is not allowed')"
check "PG-07 set_config with a computed name refused" "set_config\(\) with a computed parameter name is not allowed" "$out"
check "PG-06 … so the transaction stays on the tenant role" "dropped-to:tg_tgattack_atk1_staff" "$out"
check "PG-06 … with its own data" "^2$" "$(echo "$out" | tail -1)"
check "PG-02 set_config(search_path) into another tenant reaches nothing" "permission denied for schema atk2|relation \"orders\" does not exist" "$out"
check "PG-06 the context is unchanged after every attempt" "still:tg_tgattack_atk1_staff:atk1" "$out"

# --- PG-08: forged claims through role defaults and connection options
out=$(as_sql atk_app -c "ALTER ROLE CURRENT_USER SET request.jwt.claims = '{\"tenant\":\"atk4\"}'")
check "PG-08 ALTER ROLE … SET request.jwt.claims by the authenticator refused" "permission denied|role \"atk_app\" is managed by tenantgate" "$out"
forged_claims='{"tenant":"atk4","role":"admin","sub":"x"}'
out=$(PGOPTIONS="-c request.jwt.claims=$forged_claims" as_sql atk_app <<SQL
SELECT 'u:' || coalesce(auth.tenant(), 'none') || ':' || coalesce(auth.tenant_id()::text, 'none');
SELECT count(*) FROM public.shared_orders;
BEGIN; SELECT auth.authenticate('$T3') IS NULL;
SELECT 't:' || auth.tenant() || ':' || string_agg(DISTINCT tenant, ',') FROM public.shared_orders;
COMMIT;
SQL
)
check "PG-08 claims from PGOPTIONS never reach the readers" "u:none:none" "$out"
check "PG-08 claims from PGOPTIONS reach no rows" "permission denied for table shared_orders" "$out"
check "PG-08 after authenticate the verified tenant wins over PGOPTIONS" "t:atk3:atk3"$'(\n|$)' "$out"

# --- PG-09 / PG-25: tenantgate.* settings are superuser-only and hold no secret
check "PG-09 every tenantgate.* setting is superuser/sighup/postmaster" "^$" \
  "$(su_sql -c "SELECT string_agg(name || '=' || context, ',') FROM pg_settings WHERE name LIKE 'tenantgate.%' AND context NOT IN ('superuser', 'sighup', 'postmaster')")"
sets=$(su_sql -c "SELECT string_agg(format('SET %s = %L;', name, CASE vartype WHEN 'bool' THEN 'on' WHEN 'string' THEN 'evil.test' ELSE '999999' END), E'\n') FROM pg_settings WHERE name LIKE 'tenantgate.%'")
nsets=$(echo "$sets" | grep -c 'SET ')
out=$(as_sql atk_app <<< "$sets")
check "PG-09 the authenticator can set none of the $nsets tenantgate.* settings" "^$nsets$" "$(echo "$out" | grep -cE 'permission denied to set parameter|cannot be changed')"
email="ttl-$RANDOM@atk1.test"
su_sql -c "SELECT auth.create_user('atk1', '$email', 'ttl-password-0123456789')" >/dev/null
TT=$(as_sql atk_app -c "SET tenantgate.access_ttl = '100000000'" -c "SELECT auth.login('atk1', '$email', 'ttl-password-0123456789') ->> 'access_token'" | grep '^eyJ')
check "PG-09 tokens carry the configured lifetime, not the client's" "^300$" \
  "$(su_sql -c "SELECT (auth.decode('$TT') -> 'payload' ->> 'exp')::bigint - (auth.decode('$TT') -> 'payload' ->> 'iat')::bigint")"
check "PG-25 no tenantgate.* setting and no request.* setting shows a secret" "^0$" \
  "$(as_sql atk_app -c "SELECT count(*) FROM pg_settings WHERE (name LIKE 'tenantgate.%' OR name LIKE 'request.%') AND (setting ILIKE '%secret%' OR setting LIKE 'eyJ%' OR setting LIKE '%PRIVATE KEY%')")"

# --- PG-11: SET role clauses and SECURITY DEFINER role switches
su_sql <<'SQL' >/dev/null
CREATE FUNCTION atk1.as_other() RETURNS text LANGUAGE sql SET role = 'tg_tgattack_atk2_staff' AS 'SELECT current_user::text';
CREATE FUNCTION atk1.as_postgres() RETURNS text LANGUAGE sql SET session_authorization = 'postgres' AS 'SELECT current_user::text';
CREATE FUNCTION atk1.definer_switch() RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $f$BEGIN SET LOCAL ROLE tg_tgattack_atk2_staff; RETURN current_user; END$f$;
GRANT EXECUTE ON FUNCTION atk1.as_other(), atk1.as_postgres(), atk1.definer_switch() TO tg_tgattack_atk1_staff;
SQL
out=$(as_sql atk_app <<SQL
BEGIN; SELECT auth.authenticate('$T1') IS NULL;
SAVEPOINT s; SELECT atk1.as_other(); ROLLBACK TO s;
SELECT atk1.as_postgres(); ROLLBACK TO s;
SELECT atk1.definer_switch(); ROLLBACK TO s;
CREATE FUNCTION atk1.mine() RETURNS text LANGUAGE sql SET role = 'tg_tgattack_atk2_staff' AS 'SELECT 1::text'; ROLLBACK TO s;
ALTER FUNCTION auth.authenticate(text, text) SET role = 'postgres'; ROLLBACK TO s;
SELECT 'after:' || current_user;
COMMIT;
SQL
)
check "PG-11 a function's SET role clause cannot reach another tenant's role" "permission denied to set role \"tg_tgattack_atk2_staff\"" "$out"
check "PG-11 a function's SET session_authorization clause refused" "permission denied to set session authorization|cannot set parameter|permission denied" "$(echo "$out" | sed -n 3p)"
check "PG-11 SECURITY DEFINER + SET ROLE refused" "cannot set parameter \"role\" within security-definer function|SET ROLE is not allowed" "$out"
check "PG-11 tenants create no functions" "permission denied for schema atk1" "$out"
check "PG-11 ALTER FUNCTION on auth.* refused" "must be owner of function (auth.)?authenticate" "$out"
check "PG-11 the role is unchanged" "after:tg_tgattack_atk1_staff" "$out"
su_sql -c "DROP FUNCTION atk1.as_other(), atk1.as_postgres(), atk1.definer_switch()" >/dev/null

# --- PG-12: tenant roles attach no code to their tables; nothing runs as the caller of migrate
out=$(as_sql atk_app <<SQL
BEGIN; SELECT auth.authenticate('$T1') IS NULL;
SAVEPOINT s; CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION pg_catalog.suppress_redundant_updates_trigger(); ROLLBACK TO s;
CREATE INDEX ON orders (lower(tenant)); ROLLBACK TO s;
ALTER TABLE orders ADD COLUMN evil int; ROLLBACK TO s;
ALTER TABLE orders ALTER COLUMN tenant SET DEFAULT 'x'; ROLLBACK TO s;
CREATE RULE r AS ON INSERT TO orders DO ALSO NOTIFY x; ROLLBACK TO s;
CREATE POLICY p ON orders USING (true); ROLLBACK TO s;
CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION pg_catalog.now(); ROLLBACK TO s;
COMMIT;
SQL
)
check "PG-12 no trigger, index, column, default, rule or policy on own tables" "^6$" \
  "$(echo "$out" | grep -cE 'must be owner of (table|relation) orders|permission denied for table orders')"
check "PG-12 no event trigger" "permission denied to create event trigger" "$out"
out=$(su_sql -v ON_ERROR_STOP=0 2>&1 <<'SQL'
SELECT auth.add_migration('0003_escape', $m$ RESET ROLE; ALTER ROLE tg_tgattack_atk1_staff SUPERUSER; $m$);
SET client_min_messages = warning;
SELECT 'migrated:' || auth.migrate('atk1');
SELECT 'super:' || rolsuper FROM pg_roles WHERE rolname = 'tg_tgattack_atk1_staff';
SELECT 'failure:' || count(*) FROM auth.migration_failures f JOIN auth.tenants t ON t.id = f.tenant_id WHERE t.slug = 'atk1' AND f.version = '0003_escape';
DELETE FROM auth.migrations WHERE version = '0003_escape';
SQL
)
check "PG-12 migration SQL never acts as the superuser calling migrate" "super:f" "$out"
check "PG-12 the escaping migration is recorded as failed" "failure:[1-9]" "$out"

# --- PG-13: the install refuses a schema or roles an attacker prepared
PGUSER=postgres psql -X -q -d postgres -c "DROP DATABASE IF EXISTS tg_atk_hijack" -c "CREATE DATABASE tg_atk_hijack" \
  -c "CREATE ROLE atk_evil LOGIN" -c "GRANT CREATE ON DATABASE tg_atk_hijack TO atk_evil" >/dev/null 2>&1
out=$(PGUSER=atk_evil psql -X -q -At -d tg_atk_hijack -c "CREATE SCHEMA auth" \
        -c "CREATE FUNCTION auth.helper() RETURNS text LANGUAGE sql AS 'SELECT ''attacker'''" 2>&1
      PGUSER=postgres psql -X -q -At -d tg_atk_hijack -c "CREATE EXTENSION tenantgate" 2>&1)
check "PG-13 CREATE EXTENSION refuses a pre-existing auth schema of another owner" "ERROR" "$out"
PGUSER=postgres psql -X -q -d tg_atk_hijack -c "DROP SCHEMA auth CASCADE" >/dev/null 2>&1
out=$(PGUSER=postgres psql -X -q -At -d tg_atk_hijack 2>&1 <<'SQL'
BEGIN;
ALTER ROLE tenantgate_admin LOGIN;
CREATE EXTENSION tenantgate;
ROLLBACK;
BEGIN;
ALTER ROLE tenantgate_authenticator SUPERUSER;
CREATE EXTENSION tenantgate;
ROLLBACK;
BEGIN;
ALTER ROLE tenantgate_tenant BYPASSRLS;
CREATE EXTENSION tenantgate;
ROLLBACK;
SELECT 'clean:' || count(*) FROM pg_extension WHERE extname = 'tenantgate';
SQL
)
check "PG-13 CREATE EXTENSION refuses pre-existing roles with LOGIN/SUPERUSER/BYPASSRLS" "^3$" "$(echo "$out" | grep -c 'ERROR:.*already exist with LOGIN')"
check "PG-13 nothing installed by the refused attempts" "clean:0" "$out"
PGUSER=postgres psql -X -q -d postgres -c "DROP DATABASE tg_atk_hijack WITH (FORCE)" -c "DROP ROLE atk_evil" >/dev/null 2>&1

# --- PG-15: public keys only; refresh tokens stored hashed; a dump by a client fails
out=$(as_sql atk_app -c "SELECT 'private:' || count(*) FROM jsonb_array_elements(coalesce(auth.jwks('atk1') -> 'keys', '[]') || coalesce(auth.jwks() -> 'keys', '[]')) k WHERE k ?| array['d', 'k', 'p', 'q', 'dp', 'dq', 'qi']")
check "PG-15 jwks shows no private or secret member" "private:0" "$out"
email="hash-$RANDOM@atk1.test"
su_sql -c "SELECT auth.create_user('atk1', '$email', 'hash-password-0123456789')" >/dev/null
R=$(as_sql atk_app -c "SELECT auth.login('atk1', '$email', 'hash-password-0123456789') ->> 'refresh_token'")
check "PG-15 the refresh token is nowhere in the database" "^0$" \
  "$(su_sql -c "SELECT (SELECT count(*) FROM auth.refresh_tokens t WHERE strpos(t::text, '${R#tgr_}') > 0) + (SELECT count(*) FROM auth.users u WHERE strpos(u::text, 'hash-password-0123456789') > 0)")"
out=$(PGUSER=atk_app "${TG_PG_BINDIR:-/usr/lib/postgresql/15/bin}/pg_dump" -d "$DB" -n auth 2>&1 >/dev/null)
check "PG-15 a dump by the authenticator fails on the auth tables" "permission denied" "$out"

# --- PG-16 (rest): RLS forced, no bypass, MERGE / ON CONFLICT / COPY / FOR UPDATE stay inside
check "PG-16 RLS enabled and forced, owner not a tenant or login role" "^true:true:postgres$" \
  "$(su_sql -c "SELECT relrowsecurity || ':' || relforcerowsecurity || ':' || relowner::regrole FROM pg_class WHERE oid = 'public.shared_orders'::regclass")"
check "PG-16 no tenant or authenticator role bypasses RLS" "^0$" \
  "$(su_sql -c "SELECT count(*) FROM pg_roles WHERE (rolbypassrls OR rolsuper) AND (rolname ~ '^(tg_tgattack_atk|atk_)' OR rolname LIKE 'tenantgate\_%')")"
out=$(as_sql atk_app <<SQL
BEGIN; SELECT auth.authenticate('$T3') IS NULL;
SAVEPOINT s;
MERGE INTO public.shared_orders t USING (SELECT $atk4_id AS id) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET tenant = 'merged';
SELECT 'merge-others:' || count(*) FROM public.shared_orders WHERE tenant = 'merged';
INSERT INTO public.shared_orders (id, tenant) OVERRIDING SYSTEM VALUE VALUES ($atk4_id, 'upsert') ON CONFLICT (id) DO UPDATE SET tenant = 'upserted';
ROLLBACK TO s;
SELECT 'copy:' || count(*) FROM (SELECT 1 FROM public.shared_orders FOR UPDATE) x;
COPY (SELECT tenant FROM public.shared_orders) TO STDOUT;
COPY public.shared_orders (tenant) TO STDOUT;
DELETE FROM public.shared_orders WHERE id = $atk4_id RETURNING 'deleted-other';
COMMIT;
SQL
)
check "PG-16 MERGE touches no other tenant's row" "merge-others:0" "$out"
check "PG-16 ON CONFLICT on a hidden row fails instead of updating it" "violates row-level security policy" "$out"
check "PG-16 FOR UPDATE locks only own rows" "copy:500" "$out"
check "PG-16 COPY TO STDOUT copies only own rows" "^1000:0$" "$(echo "$out" | grep -cx atk3):$(echo "$out" | grep -cx atk4)"
check_not "PG-16 DELETE … RETURNING reaches no other tenant's row" "deleted-other" "$out"
check "PG-16 atk4's rows untouched" "^500:0$" \
  "$(su_sql -c "SELECT count(*) || ':' || count(*) FILTER (WHERE tenant <> 'atk4') FROM public.shared_orders WHERE tenant_id = (SELECT id FROM auth.tenants WHERE slug = 'atk4')")"

# --- PG-17: per-tenant unique keys leave no existence oracle
su_sql <<'SQL' >/dev/null
CREATE TABLE public.shared_people (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL);
SELECT auth.enable_tenant_rls('public.shared_people');
ALTER TABLE public.shared_people ADD UNIQUE (tenant_id, email);
INSERT INTO public.shared_people (tenant_id, email) SELECT id, 'ceo@atk4.test' FROM auth.tenants WHERE slug = 'atk4';
SQL
out=$(as_sql atk_app -c "BEGIN" -c "SELECT auth.authenticate('$T3') IS NULL" \
        -c "INSERT INTO public.shared_people (email) VALUES ('ceo@atk4.test') RETURNING 'inserted'" -c "ROLLBACK")
check "PG-17 a (tenant_id, email) key tells nothing about other tenants" "inserted" "$out"

# --- PG-18: policy quals run before the caller's leaky quals and functions
su_sql -c "CREATE FUNCTION public.leak(t text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS \$f\$BEGIN RAISE NOTICE 'leak:%', t; RETURN true; END\$f\$" >/dev/null
out=$(as_sql atk_app <<SQL
BEGIN; SELECT auth.authenticate('$T3') IS NULL;
SELECT 'div:' || count(*) FROM public.shared_orders WHERE 1 / (id - $atk4_id) IS NOT NULL;
SELECT 'leaky:' || count(*) FROM public.shared_orders WHERE public.leak(tenant);
COMMIT;
CREATE FUNCTION pg_temp.lp(int) RETURNS boolean LANGUAGE sql LEAKPROOF AS 'SELECT true';
SQL
)
check "PG-18 an error oracle on another tenant's row never fires" "div:500" "$out"
check_not "PG-18 a leaky function sees no other tenant's row" "leak:atk4" "$out"
check "PG-18 only superusers define LEAKPROOF functions" "only superuser can define a leakproof function" "$out"
su_sql -c "DROP FUNCTION public.leak(text)" >/dev/null

# --- PG-19: a security_invoker view over an RLS table filters like the table
su_sql -c "CREATE VIEW public.v_shared WITH (security_invoker = true) AS SELECT * FROM public.shared_orders" \
       -c "GRANT SELECT ON public.v_shared TO tenantgate_tenant" >/dev/null
out=$(as_sql atk_app -c "BEGIN" -c "SELECT auth.authenticate('$T4') IS NULL" \
        -c "SELECT 'view:' || count(*) || ':' || string_agg(DISTINCT tenant, ',') FROM public.v_shared" -c "COMMIT")
check "PG-19 security_invoker view shows only own rows" "view:500:atk4" "$out"
su_sql -c "DROP VIEW public.v_shared" >/dev/null

# --- PG-20 (rest): cached plans of PL/pgSQL, CTEs, sublinks, generic plans, protocol-level
# prepared statements follow the tenant of the executing transaction
su_sql -c "CREATE FUNCTION public.shared_tenants() RETURNS text LANGUAGE plpgsql STABLE AS \$f\$DECLARE r text; BEGIN SELECT string_agg(DISTINCT tenant, ',') || ':' || count(*) INTO r FROM public.shared_orders; RETURN r; END\$f\$" >/dev/null
out=$(as_sql atk_app <<SQL
SET plan_cache_mode = force_generic_plan;
PREPARE cte AS WITH o AS (SELECT tenant FROM public.shared_orders) SELECT string_agg(DISTINCT tenant, ',') AS t FROM o WHERE EXISTS (SELECT 1 FROM public.shared_orders s WHERE s.tenant = o.tenant);
BEGIN; SELECT auth.authenticate('$T3') IS NULL; SELECT 'fn1:' || public.shared_tenants(); EXECUTE cte; COMMIT;
BEGIN; SELECT auth.authenticate('$T4') IS NULL; SELECT 'fn2:' || public.shared_tenants(); EXECUTE cte; COMMIT;
SELECT 'fn3:' || coalesce(public.shared_tenants(), 'none');
SQL
)
check "PG-20 PL/pgSQL plan, first tenant" "fn1:atk3:500" "$out"
check "PG-20 PL/pgSQL cached plan follows the next tenant" "fn2:atk4:500" "$out"
check "PG-20 generic CTE/sublink plan follows the tenant" "atk3"$'\n'".*"$'\n'"atk4"$'(\n|$)' "$(echo "$out" | grep -E '^(atk3|atk4|fn2:.*)$')"
check "PG-20 without a context the cached plan reaches nothing" "permission denied for table shared_orders" "$out"
cat > /tmp/tg_atk_prepared.$$ <<'PGB'
\set t random(3, 4)
BEGIN;
\if :t = 3
SELECT auth.authenticate(:tok3) IS NOT NULL;
\else
SELECT auth.authenticate(:tok4) IS NOT NULL;
\endif
SELECT 1 / (count(*) = 500 AND bool_and(tenant = auth.tenant()) AND auth.tenant() = 'atk' || :t)::int FROM public.shared_orders;
COMMIT;
PGB
out=$(PGUSER=atk_app "${TG_PG_BINDIR:-/usr/lib/postgresql/15/bin}/pgbench" -n -M prepared -c 2 -j 1 -t 60 \
        -D "tok3=$T3" -D "tok4=$T4" -f /tmp/tg_atk_prepared.$$ "$DB" 2>&1)
rm -f /tmp/tg_atk_prepared.$$
check "PG-20 protocol-level prepared statements (pgbench -M prepared) follow the tenant" "actually processed: 120/120" "$out"

# --- PG-22: statistics of other tenants' rows are hidden
su_sql -c "ANALYZE public.shared_orders" -c "ANALYZE atk2.orders" >/dev/null
out=$(as_sql atk_app <<SQL
BEGIN; SELECT auth.authenticate('$T3') IS NULL;
SELECT 'stats-rls:' || count(*) FROM pg_stats WHERE tablename = 'shared_orders';
SELECT 'stats-ext:' || count(*) FROM pg_stats_ext;
COMMIT;
BEGIN; SELECT auth.authenticate('$T1') IS NULL;
SELECT 'stats-other:' || count(*) FROM pg_stats WHERE schemaname = 'atk2';
SELECT 'functions-other:' || count(*) FROM pg_proc WHERE pronamespace = 'atk2'::regnamespace AND has_function_privilege(oid, 'EXECUTE') AND has_schema_privilege('atk2', 'USAGE');
COMMIT;
SQL
)
check "PG-22 pg_stats hides a row-isolated table" "stats-rls:0" "$out"
check "PG-22 pg_stats_ext shows nothing" "stats-ext:0" "$out"
check "PG-22 pg_stats hides another tenant's tables" "stats-other:0" "$out"
check "PG-22 another tenant's functions are not callable" "functions-other:0" "$out"

# --- PG-24: pg_stat_statements is not installed in a tenant database (documented requirement)
check "PG-24 pg_stat_statements absent from the tenant database" "^0$" \
  "$(su_sql -c "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'")"

# --- PG-28: a statement prepared in a tenant's transaction would outlive it (and run as whoever
# executes it next): PREPARE and DEALLOCATE are refused inside one. (A statement prepared before
# authenticate follows the executing tenant: regress isolation.sql, PG-20.)
out=$(as_sql atk_app <<SQL
BEGIN; SELECT auth.authenticate('$T1') IS NULL;
PREPARE steal AS SELECT tenant FROM atk1.orders;
COMMIT;
EXECUTE steal;
SELECT 'prepared:' || count(*) FROM pg_prepared_statements;
SQL
)
check "PG-28 PREPARE is refused in a tenant's transaction" "PREPARE is not allowed in an authenticated transaction" "$out"
check "PG-28 … and nothing prepared survives it" "prepared:0" "$out"
out=$(as_sql atk_app <<SQL
PREPARE steal2 AS SELECT 1;
BEGIN; SELECT auth.authenticate('$T1') IS NULL;
DEALLOCATE steal2;
COMMIT;
SELECT 'prepared:' || count(*) FROM pg_prepared_statements;
SQL
)
check "PG-28 DEALLOCATE is refused in a tenant's transaction" "DEALLOCATE is not allowed in an authenticated transaction" "$out"
check "PG-28 … and the session's statement stays" "prepared:1" "$out"
out=$(as_sql atk_app <<SQL
SELECT pg_advisory_lock(4242);
BEGIN; SELECT auth.authenticate('$T1') IS NULL; SELECT 'cursor:' || count(*) FROM pg_cursors; COMMIT;
SQL
)
check "PG-28 no cursor survives" "cursor:0" "$out"

# --- PG-32: shared sequences: no direct read of the counter
out=$(as_sql atk_app -c "BEGIN" -c "SELECT auth.authenticate('$T3') IS NULL" -c "SELECT last_value FROM public.shared_orders_id_seq" -c "ROLLBACK")
check "PG-32 a tenant cannot SELECT a shared sequence" "permission denied for sequence shared_orders_id_seq" "$out"

# --- PG-33 / PG-34: server files, programs and DDL escape hatches, with and without a token
hatches=("COPY (SELECT 1) TO PROGRAM 'id'" "COPY (SELECT 1) TO '/tmp/tg_atk_copy'" "SELECT pg_read_file('/etc/passwd')"
         "SELECT pg_ls_dir('.')" "SELECT pg_read_binary_file('global/pg_control')" "SELECT lo_import('/etc/passwd')"
         "SELECT lo_export(1, '/tmp/tg_atk_lo')" "CREATE EXTENSION adminpack" "CREATE EXTENSION pgcrypto" "CREATE EXTENSION dblink"
         "CREATE SCHEMA evil" "CREATE DATABASE evil" "CREATE ROLE evil" "ALTER SYSTEM SET work_mem = '1GB'"
         "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION pg_catalog.now()" "CREATE PUBLICATION p FOR ALL TABLES"
         "CREATE SUBSCRIPTION s CONNECTION 'dbname=postgres' PUBLICATION p" "CREATE TABLE public.evil (x int)")
for who in U T; do
  batch "$who" "$T1" "${hatches[@]}"
  for i in "${!hatches[@]}"; do
    h=${hatches[i]} out=${BATCH_OUT[i]}
    check "PG-33/34 ($who) refused: ${h:0:40}" "permission denied|must be superuser|not allowed in an authenticated transaction|only superuser|must have privileges|must be owner|not be executed|ERROR:  42501|$( [[ $who == T ]] && echo 'cannot run inside a transaction block' || echo '^$' )" "$out"
  done
done

# --- PG-35: no token (or a bad one): nothing reachable, readers NULL
out=$(as_sql atk_app <<SQL
SELECT auth.authenticate('garbage.token.here');
SELECT 'readers:' || coalesce(auth.tenant_id()::text, 'null') || ':' || coalesce(auth.tenant(), 'null') || ':' || current_user;
SELECT 'columns:' || count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE a.attnum > 0 AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'
   AND has_column_privilege(c.oid, a.attnum, 'SELECT,INSERT,UPDATE,REFERENCES');
SELECT 'schemas:' || count(*) FROM pg_namespace WHERE nspname ~ '^atk' AND has_schema_privilege(oid, 'USAGE');
SELECT 'sequences:' || count(*) FROM pg_class WHERE relkind = 'S' AND relnamespace <> 'pg_catalog'::regnamespace AND CASE WHEN relkind = 'S' THEN has_sequence_privilege(oid, 'USAGE,SELECT,UPDATE') END;
SQL
)
check "PG-35 a bad token leaves the readers NULL" "readers:null:null:atk_app" "$out"
check "PG-35 no column of any table is open" "columns:0" "$out"
check "PG-35 no tenant schema is usable" "schemas:0" "$out"
check "PG-35 no sequence is usable" "sequences:0" "$out"

# --- PG-38 / JWT-46: user lifecycle reaches tokens already issued
email="life-$RANDOM@atk1.test"
uid=$(su_sql -c "SELECT auth.create_user('atk1', '$email', 'life-password-0123456789')")
TL=$(as_sql atk_app -c "SELECT auth.login('atk1', '$email', 'life-password-0123456789') ->> 'access_token'")
check "PG-38 a live user's token authenticates" "^t$" "$(as_sql atk_app -c "SELECT auth.authenticate('$TL') IS NOT NULL")"
su_sql -c "SELECT auth.set_user_active('$uid', false)" >/dev/null
check "PG-38/JWT-46 a disabled user's token is refused at once" "token revoked" "$(as_sql atk_app -c "SELECT auth.authenticate('$TL')")"
su_sql -c "SELECT auth.set_user_active('$uid', true)" >/dev/null
TL2=$(as_sql atk_app -c "SELECT auth.login('atk1', '$email', 'life-password-0123456789') ->> 'access_token'")
TL3=$(as_sql atk_app -c "SELECT auth.login('atk1', '$email', 'life-password-0123456789') ->> 'access_token'")
as_sql atk_app -c "BEGIN" -c "SELECT auth.authenticate('$TL2') IS NULL" \
  -c "SELECT auth.change_password('life-password-0123456789', 'life-password-9876543210')" -c "COMMIT" >/dev/null
check "PG-38/JWT-46 after a password change the user's other sessions are refused" "token revoked" "$(as_sql atk_app -c "SELECT auth.authenticate('$TL3')")"
su_sql -c "DELETE FROM auth.users WHERE id = '$uid'" >/dev/null
check "PG-38/JWT-46 a deleted user's token is refused" "token revoked" "$(as_sql atk_app -c "SELECT auth.authenticate('$TL2')")"

# --- PG-39: hostile inputs end in ERRORs, never in a crash
big=$(head -c 300000 /dev/zero | tr '\0' 'A')
out=$(as_sql atk_app <<SQL
SELECT auth.authenticate('$big.$big.$big');
SELECT auth.authenticate(repeat('.', 100000));
SELECT auth.authenticate('eyJhbGciOiJIUzI1NiJ9.' || repeat('[', 10000) || '.x');
SELECT auth.authenticate('$T1', repeat('a.', 100000));
SELECT auth.authenticate('$T1', E'atk1.example.test\\\\x00');
SELECT auth.tenant_for_host(repeat('x', 1000000));
SELECT auth.verify(convert_from('\\xc0af'::bytea, 'SQL_ASCII'));
SET statement_timeout = '1ms'; SELECT auth.authenticate('$T1', 'atk1.example.test') IS NULL, pg_sleep(0.1); RESET statement_timeout;
SELECT 'alive';
SQL
)
check "PG-39 hostile inputs: the backend survives" "alive" "$out"
check "PG-39 no server restart" "^same$" "$([[ $(su_sql -c "SELECT pg_postmaster_start_time()") == "$start_time" ]] && echo same || echo restarted)"

# --- PG-40: a tenant cannot ANALYZE shared tables (planner estimates are a documented residual)
out=$(as_sql atk_app -c "BEGIN" -c "SELECT auth.authenticate('$T3') IS NULL" -c "ANALYZE public.shared_orders" -c "ROLLBACK")
check "PG-40 ANALYZE by a tenant is skipped" "only table or database owner can analyze it" "$out"

# --- PG-41: the server is at or above the validated floor
check "PG-41 server_version_num >= 150019" "^t$" "$(su_sql -c "SELECT current_setting('server_version_num')::int >= 150019")"

# --- PG-42 / JWT-36 / JWT-31: tenant names from tokens are compared byte for byte (signed with a
# real global key, so only the tenant claim is wrong)
base="\"sub\":\"$(claim_of "$T1" sub)\",\"role\":\"staff\",\"jti\":\"j-$RANDOM\",$(now_claims)"
for spec in 'atk1\u0000x|malformed token' 'аtk1|unknown tenant' 'ｃatk1|unknown tenant' 'ATK1|unknown tenant' \
            'atk1 |unknown tenant' 'atk1\u200b|unknown tenant' '\"atk1\"|unknown tenant' 'atk1;|unknown tenant' \
            'atk1, atk2|unknown tenant' 'pg_toast|unknown tenant' 'information_schema|unknown tenant' 'auth|unknown tenant'; do
  tenant=${spec%%|*} want=${spec#*|}
  tok=$(forge_hs256 '{"alg":"HS256","typ":"at+jwt","kid":"atk-global"}' "{$base,\"tenant\":\"$tenant\"}" \
          'atk-global-secret-atk-global-secret-0123')
  check "JWT-36/PG-42 tenant claim '$tenant' refused" "ERROR:  $want" "$(as_sql atk_app -c "SELECT auth.authenticate('$tok')")"
done
tok=$(forge_hs256 '{"alg":"HS256","typ":"at+jwt","kid":"atk-global"}' "{$base,\"tenant\":\"atk1\"}" 'atk-global-secret-atk-global-secret-0123')
check "JWT-36 the same forged token with the exact tenant is accepted (control)" "^atk1$" "$(as_sql atk_app -c "SELECT auth.authenticate('$tok') ->> 'tenant'")"

# --- JWT-29: token-type confusion
email="type-$RANDOM@atk1.test"
su_sql -c "SELECT auth.create_user('atk1', '$email', 'type-password-0123456789')" >/dev/null
pair=$(as_sql atk_app -c "SELECT auth.login('atk1', '$email', 'type-password-0123456789')")
RT=$(echo "$pair" | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
AT=$(echo "$pair" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
check "JWT-29 a refresh token is no access token" "wrong token type" "$(as_sql atk_app -c "SELECT auth.authenticate('$RT')")"
check "JWT-29 an access token is no refresh token" "wrong token type|invalid|malformed|token revoked" "$(as_sql atk_app -c "SELECT auth.refresh('$AT')")"
kid=$(su_sql -c "SELECT auth.decode('$AT') -> 'header' ->> 'kid'")
for extra in '"token_use":"refresh"' '"typ":"refresh"' '"token_use":"id"'; do
  tok=$(su_sql -c "SELECT auth.sign((auth.decode('$AT') -> 'payload') || '{$extra}'::jsonb, '$kid', 'at+jwt')")
  check "JWT-29 payload {$extra} in an at+jwt token refused" "wrong token type" "$(as_sql atk_app -c "SELECT auth.authenticate('$tok')")"
done
for typ in JWT refresh+jwt; do
  tok=$(su_sql -c "SELECT auth.sign(auth.decode('$AT') -> 'payload', '$kid', '$typ')")
  check "JWT-29 header typ $typ refused" "wrong token type" "$(as_sql atk_app -c "SELECT auth.authenticate('$tok')")"
done
tok=$(su_sql -c "SELECT auth.sign(auth.decode('$AT') -> 'payload', '$kid')")
check "JWT-29 header without typ refused" "wrong token type" "$(as_sql atk_app -c "SELECT auth.authenticate('$tok')")"

# --- JWT-30: a token replayed at another tenant's host, and a logout there, change nothing
check "JWT-30 logout at another tenant's host refused" "tenant mismatch" "$(as_sql atk_app -c "SELECT auth.logout('$AT', 'atk2.example.test')")"
check "JWT-30 the token still works at its own tenant" "^atk1$" "$(as_sql atk_app -c "SELECT auth.authenticate('$AT', 'atk1.example.test') ->> 'tenant'")"
check "JWT-30 a refresh token is bound to its tenant's family" "^atk1$" \
  "$(as_sql atk_app -c "SELECT auth.refresh('$RT') ->> 'access_token'" | python3 -c 'import base64,json,sys; p=sys.stdin.read().strip().split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["tenant"])' 2>&1)"

# --- JWT-32 / JWT-33 (a): a warm backend sees a logout committed elsewhere
email="warm-$RANDOM@atk1.test"
su_sql -c "SELECT auth.create_user('atk1', '$email', 'warm-password-0123456789')" >/dev/null
TW=$(as_sql atk_app -c "SELECT auth.login('atk1', '$email', 'warm-password-0123456789') ->> 'access_token'")
out=$(as_sql atk_app <<SQL
SELECT 'warm:' || (auth.authenticate('$TW') IS NOT NULL);
\! PGUSER=atk_app2 psql -X -q -d $DB -c "SELECT auth.logout('$TW')"
SELECT auth.authenticate('$TW');
SQL
)
check "JWT-32 warm call accepted" "warm:true" "$out"
check "JWT-32/JWT-33 logout in another session refused in the warm backend" "token revoked" "$out"

# --- JWT-34: refresh-token reuse revokes the family's access tokens; concurrent refreshes
email="fam-$RANDOM@atk1.test"
su_sql -c "SELECT auth.create_user('atk1', '$email', 'fam-password-0123456789')" >/dev/null
pair=$(as_sql atk_app -c "SELECT auth.login('atk1', '$email', 'fam-password-0123456789')")
R1=$(echo "$pair" | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
A1=$(echo "$pair" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
pair=$(as_sql atk_app -c "SELECT auth.refresh('$R1')")
R2=$(echo "$pair" | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
A2=$(echo "$pair" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
check "JWT-34 the rotated access token authenticates" "^t$" "$(as_sql atk_app -c "SELECT auth.authenticate('$A2') IS NOT NULL")"
check "JWT-34 reuse of R1 refused" "token revoked" "$(as_sql atk_app -c "SELECT auth.refresh('$R1')")"
check "JWT-34 after reuse the first access token is refused" "token revoked" "$(as_sql atk_app -c "SELECT auth.authenticate('$A1')")"
check "JWT-34 after reuse the rotated access token is refused" "token revoked" "$(as_sql atk_app -c "SELECT auth.authenticate('$A2')")"
check "JWT-34 after reuse the rotated refresh token is dead" "token revoked" "$(as_sql atk_app -c "SELECT auth.refresh('$R2')")"
pair=$(as_sql atk_app -c "SELECT auth.login('atk1', '$email', 'fam-password-0123456789')")
RC=$(echo "$pair" | python3 -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
for i in 1 2 3 4; do as_sql atk_app -c "SELECT auth.refresh('$RC') ->> 'access_token'" > /tmp/tg_atk_refresh.$$.$i & done
wait
wins=$(cat /tmp/tg_atk_refresh.$$.* | grep -c '^eyJ')
others=$(cat /tmp/tg_atk_refresh.$$.* | grep -v '^eyJ' | grep -v 'token revoked' | grep -v '^CONTEXT:' | sort -u)
check "JWT-34 concurrent refreshes of one token: at most one wins" "^[01]$" "$wins"
check "JWT-34 concurrent refreshes: the others see token revoked" "^$" "$others"
alive=0
for t in $(cat /tmp/tg_atk_refresh.$$.* | grep '^eyJ'); do
  [[ $(as_sql atk_app -c "SELECT auth.authenticate('$t') IS NOT NULL") == t ]] && alive=$((alive + 1))
done
rm -f /tmp/tg_atk_refresh.$$.*
check "JWT-34 after a detected race no child access token of the family is valid" "^0$" "$alive"

# --- PG-26 (rest): failed logins never put the password into the server log
as_sql atk_app -c "SELECT auth.login('atk1', 'x@atk1.test', 'wrong-but-real-looking-pw-4711')" >/dev/null
as_sql atk_app -c "SELECT auth.refresh('tgr_not-a-real-refresh-token-4711')" >/dev/null

su_sql -c "DROP TABLE public.shared_people" -c "DROP FUNCTION public.shared_tenants()" >/dev/null
PGUSER=postgres psql -X -q -d postgres -c "DROP ROLE atk_plain" >/dev/null
