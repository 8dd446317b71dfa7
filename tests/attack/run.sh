#!/usr/bin/env bash
# Multi-session attacks on the isolation promise (security-catalogue.md section C and JWT-30..33),
# as a NOINHERIT authenticator login, against a running cluster with tenantgate preloaded.
# Tenants: atk1, atk2 (schema isolation), atk3, atk4 (row isolation); logins atk_app, atk_app2.
set -uo pipefail
DB=tg_attack
. "$(dirname "$0")/lib.sh"

fresh_database '^(tg_atk|atk_)' atk_app atk_app2 || { echo "setup failed"; exit 1; }
su_sql <<'SQL' >/dev/null || { echo "setup failed"; exit 1; }
SELECT auth.add_migration('0001', 'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text NOT NULL)');
SELECT auth.create_tenant('atk1'), auth.create_tenant('atk2'),
       auth.create_tenant('atk3', NULL, 'row'), auth.create_tenant('atk4', NULL, 'row');
INSERT INTO atk1.orders (tenant) VALUES ('atk1'), ('atk1');
INSERT INTO atk2.orders (tenant) VALUES ('atk2');
CREATE TABLE public.shared_orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text);
SELECT auth.enable_tenant_rls('public.shared_orders');
INSERT INTO public.shared_orders (tenant_id, tenant)
  SELECT t.id, t.slug FROM auth.tenants t, generate_series(1, 500) WHERE t.slug IN ('atk3', 'atk4');
SQL
T1=$(token_for atk1) T2=$(token_for atk2) T3=$(token_for atk3) T4=$(token_for atk4)
[[ -n $T1 && -n $T2 && -n $T3 && -n $T4 ]] || { echo "no tokens"; exit 1; }
ok() { echo "SELECT auth.authenticate('$1') IS NOT NULL;"; }

# --- JWT-30 / PG-01: a token of atk1 never reaches atk2's rows
out=$(as_sql atk_app <<SQL
BEGIN; $(ok "$T1") SELECT count(*) FROM atk2.orders; ROLLBACK;
BEGIN; $(ok "$T1") SELECT string_agg(DISTINCT tenant, ',') FROM orders; ROLLBACK;
SELECT auth.authenticate('$T1', 'atk2.example.test');
BEGIN; $(ok "$T3") SELECT string_agg(DISTINCT tenant, ',') || ':' || count(*) FROM public.shared_orders; ROLLBACK;
SQL
)
check "PG-01 other schema denied" "permission denied for schema atk2" "$out"
check "PG-01 own schema only" $'\n''atk1'$'\n' "$out"
check "JWT-30 host of another tenant" "tenant mismatch" "$out"
check "PG-16 row tenant sees own rows" "atk3:500" "$out"

# --- JWT-33 (b): a change committed after a REPEATABLE READ / SERIALIZABLE snapshot is seen
# authenticate_after KEY LEVEL TOKEN CHANGE_SQL: a session of atk_app takes a snapshot at LEVEL
# and waits on advisory lock KEY while the superuser commits CHANGE_SQL; then it authenticates
# TOKEN. Prints what the session printed.
authenticate_after() {
  local session
  lock_hold "$1"
  as_sql atk_app > /tmp/tg_atk_rr.$$ <<SQL &
BEGIN ISOLATION LEVEL $2;
SELECT count(*) FROM pg_catalog.pg_class WHERE false;
SELECT pg_advisory_lock($1);
SELECT auth.authenticate('$3') IS NOT NULL AS accepted;
COMMIT;
SQL
  session=$!
  wait_lock "$1" false
  su_sql -c "$4" >/dev/null
  lock_release "$1"
  wait $session
  cat /tmp/tg_atk_rr.$$
}
for level in "REPEATABLE READ" "SERIALIZABLE"; do
  check "JWT-33 $level sees a later deactivation" "tenant inactive" \
    "$(authenticate_after 9101 "$level" "$T2" "SELECT auth.set_tenant_active('atk2', false)")"
  su_sql -c "SELECT auth.set_tenant_active('atk2', true)" >/dev/null
done
if [[ $(su_sql -c "SELECT to_regprocedure('auth.logout(text)') IS NOT NULL") == t ]]; then
  T2L=$(token_for atk2)
  check "JWT-33 REPEATABLE READ sees a later logout" "token revoked" \
    "$(authenticate_after 9102 "REPEATABLE READ" "$T2L" "SELECT auth.logout('$T2L')")"
  out=$(as_sql atk_app -c "SELECT auth.authenticate('$T2L')")
  check "JWT-33 (a) logout then authenticate" "token revoked" "$out"
else
  echo "SKIP JWT-33 logout cases: auth.logout not installed yet"
fi
rm -f /tmp/tg_atk_rr.$$

# --- JWT-33 (d): authenticate racing deactivation: no deadlock, no other error, and after the
# deactivation committed no call succeeds
T2R=$(token_for atk2)
for i in $(seq 1 8); do
  ( for _ in $(seq 1 12); do as_sql atk_app -c "SELECT 'ok:' || (auth.authenticate('$T2R') IS NOT NULL)"; done ) > /tmp/tg_atk_race.$$.$i &
done
for _ in $(seq 1 10); do
  su_sql -c "SELECT auth.set_tenant_active('atk2', false)" >/dev/null; su_sql -c "SELECT auth.set_tenant_active('atk2', true)" >/dev/null
done
su_sql -c "SELECT auth.set_tenant_active('atk2', false)" >/dev/null
wait
others=$(cat /tmp/tg_atk_race.$$.* | grep -v -E '^ok:true$|tenant inactive' | sort | uniq -c)
rm -f /tmp/tg_atk_race.$$.*
check "JWT-33 (d) racing calls: only accepted or tenant inactive" "^$" "$others"
after=$(for i in $(seq 1 8); do as_sql atk_app -c "SELECT 'ok:' || (auth.authenticate('$T2R') IS NOT NULL)" & done; wait)
check_not "JWT-33 (d) nothing accepted after the deactivation committed" "ok:true" "$after"
su_sql -c "SELECT auth.set_tenant_active('atk2', true)" >/dev/null
# concurrent create_tenant of one slug: exactly one wins, nothing half-made
for i in 1 2 3 4; do su_sql -c "SELECT auth.create_tenant('atk9')" >/dev/null 2>&1 & done; wait
check "concurrent create_tenant: one tenant, two roles, one schema" "^1:2:1$" \
  "$(su_sql -c "SELECT (SELECT count(*) FROM auth.tenants WHERE slug = 'atk9') || ':' ||
                       (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tg\_tgattack\_atk9\_%') || ':' ||
                       (SELECT count(*) FROM pg_namespace WHERE nspname = 'atk9')")"

# --- JWT-32: a warm backend re-checks the key on every call
su_sql -c "SELECT auth.add_key('atk1-key', 'HS256', 'atk1-key-secret-atk1-key-secret-0123', 'atk1')" >/dev/null
TK=$(su_sql -c "SELECT auth.sign((auth.decode('$T1') -> 'payload'), 'atk1-key', 'at+jwt')")
lock_hold 9103
as_sql atk_app > /tmp/tg_atk_warm.$$ <<SQL &
SELECT 'first:' || (auth.authenticate('$TK') IS NOT NULL);
SELECT pg_advisory_lock(9103);
SELECT auth.authenticate('$TK');
SQL
session=$!
wait_lock 9103 false
su_sql -c "SELECT auth.revoke_key('atk1-key', 'atk1')" >/dev/null
lock_release 9103
wait $session
out=$(cat /tmp/tg_atk_warm.$$); rm -f /tmp/tg_atk_warm.$$
check "JWT-32 warm call accepted" "first:true" "$out"
check "JWT-32 revoked key refused in the same backend" "unknown key" "$out"

# --- PG-23: query texts and signals of other clients. Clients share one login behind a pool:
# no session of an authenticator login may read or signal another (docs/isolation.md).
as_sql atk_app -c "SELECT 'hunter2-secret-literal', pg_sleep(6)" >/dev/null &
victim=$!
victim_pid=""
for _ in $(seq 1 100); do
  victim_pid=$(su_sql -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%hunter2-secret-literal%' AND pid <> pg_backend_pid() LIMIT 1")
  [[ -n $victim_pid ]] && break
  sleep 0.05
done
out=$(as_sql atk_app2 <<SQL
BEGIN; $(ok "$T1")
SAVEPOINT s;
SELECT 'visible:' || count(*) FROM pg_stat_activity WHERE query LIKE '%hunter2-secret%' AND pid <> pg_backend_pid(); ROLLBACK TO s;
SELECT pg_cancel_backend($victim_pid); ROLLBACK TO s;
SELECT pg_terminate_backend($victim_pid); ROLLBACK TO s;
ROLLBACK;
SQL
)
check "PG-23 tenant cannot read pg_stat_activity" "pg_stat_get_activity\(\) is not allowed in an authenticated transaction" "$out"
check_not "PG-23 tenant sees no query text" "visible:|hunter2" "$out"
check "PG-23 tenant cannot cancel other backends" "pg_cancel_backend\(\) is not allowed in an authenticated transaction" "$out"
check "PG-23 tenant cannot terminate other backends" "pg_terminate_backend\(\) is not allowed in an authenticated transaction" "$out"
# the same login, without a token: closed too (it was a documented residual before)
out=$(as_sql atk_app -c "SELECT 'same-login-visible:' || count(*) FROM pg_stat_activity WHERE query LIKE '%hunter2-secret-literal%' AND pid <> pg_backend_pid()")
check "PG-23 the same login without a token cannot read its other sessions" "permission denied for function pg_stat_get_activity" "$out"
out=$(as_sql atk_app -c "SELECT pg_stat_get_backend_activity(s) FROM pg_stat_get_backend_idset() s")
check "PG-23 … nor through pg_stat_get_backend_activity" "permission denied for function pg_stat_get_backend" "$out"
out=$(as_sql atk_app -c "SELECT pg_cancel_backend($victim_pid)" -c "SELECT pg_terminate_backend($victim_pid)")
check "PG-23 the same login cannot cancel its other sessions" "permission denied for function pg_cancel_backend" "$out"
check "PG-23 the same login cannot terminate its other sessions" "permission denied for function pg_terminate_backend" "$out"
out=$(as_sql atk_app2 -c "SELECT 'other-login-visible:' || count(*) FROM pg_stat_activity WHERE query LIKE '%hunter2-secret-literal%' AND pid <> pg_backend_pid()")
check "PG-23 another authenticator login cannot read it" "permission denied for function pg_stat_get_activity" "$out"
out=$(su_sql -c "SELECT 'superuser-visible:' || count(*) FROM pg_stat_activity WHERE query LIKE '%hunter2-secret-literal%' AND pid <> pg_backend_pid()")
check "PG-23 superusers keep their view" "superuser-visible:1" "$out"
wait $victim

# --- PG-27: nothing of a context survives on the same connection
out=$(as_sql atk_app <<SQL
BEGIN; $(ok "$T1")
SELECT set_config('request.jwt.claims', '{"tenant":"atk2","role":"admin"}', false);
SET search_path = atk2;
SET statement_timeout = '123s';
COMMIT;
SELECT 'after:' || current_user || ':' || coalesce(auth.tenant(), 'none') || ':' || coalesce(auth.tenant_id()::text, 'none');
SELECT count(*) FROM atk1.orders;
SELECT count(*) FROM orders;
SQL
)
check "PG-27 next transaction has no tenant" "after:atk_app:none:none" "$out"
check "PG-27 next transaction reaches no data" "permission denied for schema atk1" "$out"

# --- PG-21: parallel workers see the same tenant as the leader
out=$(as_sql atk_app <<SQL
BEGIN; $(ok "$T4")
SELECT 'serial:' || count(*) FROM public.shared_orders;
SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0; SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2; SET LOCAL force_parallel_mode = on;
SELECT 'parallel:' || count(*) FROM public.shared_orders;
SELECT 'tenants:' || string_agg(DISTINCT tenant, ',') FROM public.shared_orders;
COMMIT;
SQL
)
check "PG-21 serial count" "serial:500" "$out"
check "PG-21 parallel count identical" "parallel:500" "$out"
check "PG-21 parallel sees one tenant" "tenants:atk4"$'(\n|$)' "$out"

# --- PG-30: a tenant creates no large object; large objects of others are closed to it
out=$(as_sql atk_app -c "BEGIN" -c "SELECT auth.authenticate('$T1') IS NULL" -c "SELECT lo_from_bytea(0, 'atk1 secret')" -c "ROLLBACK")
check "PG-30 a tenant cannot create a large object" "creating a database object is not allowed in an authenticated transaction" "$out"
LO=$(su_sql -c "SELECT lo_from_bytea(0, 'owner secret')")
out=$(as_sql atk_app -c "BEGIN" -c "SELECT auth.authenticate('$T2') IS NULL" -c "SELECT lo_get($LO)" -c "ROLLBACK")
check "PG-30 another role's large object denied to a tenant" "permission denied for large object" "$out"
out=$(as_sql atk_app -c "SELECT lo_get($LO)")
check "PG-30 authenticator cannot read it" "permission denied for large object" "$out"
su_sql -c "SELECT lo_unlink($LO)" >/dev/null

# --- the rest of section C and the JWT items about authenticate
. "$(dirname "$0")/catalogue_c.sh"

# --- PG-37: a dropped and re-created slug does not accept the old tenant's tokens
T5=$(token_for atk1)
# a token of a global key (it survives the drop) naming the old atk1
TG=$(forge_hs256 '{"alg":"HS256","typ":"at+jwt","kid":"atk-global"}' \
  "{\"sub\":\"$(claim_of "$T5" sub)\",\"tenant\":\"atk1\",\"role\":\"staff\",\"jti\":\"j-old\",$(now_claims)}" \
  'atk-global-secret-atk-global-secret-0123')
su_sql -c "SELECT lo_unlink($LO)" >/dev/null
sleep 2.1
su_sql -c "SELECT auth.drop_tenant('atk1')" >/dev/null 2>&1
out=$(as_sql atk_app -c "SELECT auth.authenticate('$T5')")
check "PG-37 dropped tenant" "unknown tenant" "$out"
su_sql -c "SELECT auth.create_tenant('atk1')" >/dev/null
out=$(as_sql atk_app -c "SELECT auth.authenticate('$T5')")
check "PG-37 re-created slug refuses the old tenant's token (its key went with the tenant)" "unknown key|token revoked" "$out"
out=$(as_sql atk_app -c "SELECT auth.authenticate('$TG')")
check "PG-37 re-created slug refuses a global-key token issued before the re-creation" "token revoked" "$out"

# --- PG-06: outside a transaction block DISCARD ALL lands on the authenticator
out=$(as_sql atk_app <<SQL
$(ok "$T2")
DISCARD ALL;
SELECT 'after-discard:' || current_user || ':' || coalesce(auth.tenant(), 'none');
SQL
)
check "PG-06 DISCARD ALL outside a transaction" "after-discard:atk_app:none" "$out"

# --- PG-26: failed authenticate calls never write the token into the server log
log=${TG_LOG:-/tmp/tenants-data/log}
if [[ -r $log ]]; then
  leaked=0
  for t in "$T1" "$T2" "$T3" "$T4" "$T5" "$TK" "$FORGED" "$TL" "$AT" "$A1" "$A2"; do
    grep -qF -- "${t##*.}" "$log" && { leaked=$((leaked + 1)); echo "leaked: token ${t:0:12}… $(grep -F -- "${t##*.}" "$log" | head -1 | cut -c1-80)"; }
  done
  for secret in wrong-but-real-looking-pw-4711 not-a-real-refresh-token-4711 "${RT#tgr_}" "${R1#tgr_}"; do
    grep -qF -- "$secret" "$log" && { leaked=$((leaked + 1)); echo "leaked: ${secret:0:12}…"; }
  done
  check "PG-26 no token, password or refresh token in the server log" "^0$" "$leaked"
else
  echo "SKIP PG-26: server log $log not readable"
fi

su_sql -c "SELECT auth.drop_tenant(slug) FROM auth.tenants" -c "DROP TABLE public.shared_orders" >/dev/null
PGUSER=postgres psql -X -q -d postgres -c "DROP DATABASE \"${DB}\" WITH (FORCE)" -c "DROP ROLE atk_app, atk_app2" >/dev/null
finish
