#!/usr/bin/env bash
# Multi-session tests of the users module (bash + psql against the private preloaded cluster).
#
#   run.sh refresh_race   ROUNDS (default 50) rounds of two concurrent auth.refresh calls on one
#                         refresh token, alternately READ COMMITTED and REPEATABLE READ, and
#                         alternately released at the same instant (pg_sleep_until) or both
#                         blocked behind a third session's row lock and released together (so
#                         they surely contend): exactly one gets a new pair, the other 28000
#                         `token revoked`; the family is revoked afterwards (a reuse was
#                         detected), the winner's new tokens are dead, never two children.
#   run.sh throttle_race  concurrent wrong logins are all counted (no lost update) and at most
#                         login_max_failures of them do hash work; the lockout holds against the
#                         right password, is per tenant, and ends after login_lockout.
#   run.sh visibility     a revocation committed by another backend (logout, refresh-token reuse,
#                         deactivation, inactive tenant) is seen at once by auth.authenticate in an
#                         already-open transaction — READ COMMITTED, REPEATABLE READ, SERIALIZABLE —
#                         whose snapshot predates it, even after a successful authenticate there;
#                         and parallel logouts and authenticates of one session's tokens end
#                         without a deadlock, every token revoked.
#
# Connection: TG_CLUSTER_ENV (CTest) or PGHOST/PGPORT from the environment. Each mode works in its
# own database (tg_sessions_<mode>) with its own tenants and roles, so the modes run in parallel.
set -uo pipefail

mode=${1:?usage: run.sh refresh_race|throttle_race|visibility}
if [[ -n ${TG_CLUSTER_ENV:-} ]]; then set -a; . "$TG_CLUSTER_ENV"; set +a; fi
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:?PGPORT or TG_CLUSTER_ENV needed} PGUSER=postgres
unset PGDATABASE
export PGOPTIONS="-c client_min_messages=warning"

DB=tg_sessions_${mode}
case $mode in
  refresh_race) P=srr ;;
  throttle_race) P=sth ;;
  visibility) P=svi ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
APP=${P}_app
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

passes=0
fails=0
pass() { echo "PASS $1"; passes=$((passes + 1)); }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
check() {  # NAME REGEX OUTPUT
  if [[ $3 =~ $2 ]]; then pass "$1"; else fail "$1" "expected /$2/, got: $(echo "$3" | tr '\n' '|' | cut -c1-400)"; fi
}
check_not() {  # NAME FORBIDDEN_REGEX OUTPUT
  if [[ $3 =~ $2 ]]; then fail "$1" "must not match /$2/: $(echo "$3" | tr '\n' '|' | cut -c1-400)"; else pass "$1"; fi
}
finish() {
  echo "== $mode: $passes passed, $fails failed"
  [[ $fails -eq 0 && $passes -gt 0 ]]
}

su_sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
app_sql() { PGUSER=$APP psql -X -q -At -d "$DB" "$@" 2>&1; }
# Polls QUERY (a count) until it reaches N (10 s at most); prints the last count.
wait_for() {  # QUERY N
  local n=0
  for _ in $(seq 1 200); do
    n=$(su_sql -c "$1")
    ((n >= $2)) && break
    sleep 0.05
  done
  echo "$n"
}
# An instant ~$1 ms from now, as the server sees it: concurrent sessions pg_sleep_until it.
instant() { su_sql -c "SELECT (clock_timestamp() + interval '$1 milliseconds')::text"; }

setup() {
  psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || exit 1
  local r
  for r in $(psql -X -At -d postgres -c "SELECT rolname FROM pg_roles WHERE rolname ~ '^tg_${P}-[a-z]_(admin|staff)$'
                                           OR rolname = '$APP' ORDER BY rolname LIKE '%admin' DESC"); do
    psql -X -q -d postgres -c "DROP ROLE \"$r\"" >/dev/null || { echo "cannot drop leftover role $r" >&2; exit 1; }
  done
  psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$DB\"" || exit 1
  su_sql -c "CREATE EXTENSION tenantgate" -c "SELECT count(*) FROM auth.cleanup_roles()" \
         -c "ALTER DATABASE \"$DB\" SET tenantgate.base_domain = 'example.test'" \
         -c "CREATE ROLE $APP LOGIN NOINHERIT" -c "GRANT tenantgate_authenticator TO $APP" \
         -c "SELECT auth.create_tenant('${P}-a')" -c "SELECT auth.create_tenant('${P}-b')" >/dev/null || exit 1
}

teardown() {
  # drop_tenant drops the tenant roles (they carry the database's role tag)
  psql -X -q -d "$DB" -c "SELECT auth.drop_tenant(slug) FROM auth.tenants" >/dev/null 2>&1
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null
  psql -X -q -d postgres -c "DROP ROLE IF EXISTS $APP" >/dev/null
}

# ------------------------------------------------------------------------------------------------
refresh_race() {
  local rounds=${ROUNDS:-50} i iso line rt at sid t out1 out2 wins revoked bad=0 both=0 none=0 rr=0 rc=0
  local held contended=0 waiting
  su_sql -c "SELECT auth.create_user('${P}-a', 'racer@${P}.test', 'racer-password')" >/dev/null || exit 1
  for ((i = 1; i <= rounds; i++)); do
    if ((i % 2)); then iso='READ COMMITTED'; rc=$((rc + 1)); else iso='REPEATABLE READ'; rr=$((rr + 1)); fi
    line=$(app_sql -c "SELECT p ->> 'refresh_token', p ->> 'access_token', auth.verify(p ->> 'access_token') ->> 'sid'
                         FROM auth.login('${P}-a', 'racer@${P}.test', 'racer-password') AS p" -F ' ')
    read -r rt at sid <<<"$line"
    if [[ ! $rt =~ ^tgr_ ]]; then fail "round $i login" "$line"; continue; fi
    held=$(( (i / 2) % 2 ))
    if ((held)); then
      # a third session holds the token's row; both refreshes queue behind it; then it goes away
      psql -X -q -At -d "$DB" -c "BEGIN" \
           -c "SELECT id FROM auth.refresh_tokens WHERE token_hash = sha256(convert_to('$rt', 'UTF8')) FOR UPDATE" \
           -c "SELECT pg_sleep(60) /* tg-holder */" >/dev/null 2>&1 &
      wait_for "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND query LIKE '%tg-holder%'
                   AND state = 'active' AND pid <> pg_backend_pid()" 1 >/dev/null
      for k in 1 2; do
        app_sql -c "BEGIN ISOLATION LEVEL $iso" \
                -c "SELECT 'pair ' || (auth.refresh('$rt') ->> 'refresh_token')" -c "COMMIT" >"$WORK/r$k" &
      done
      waiting=$(wait_for "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND usename = '$APP'
                             AND wait_event_type = 'Lock'" 2)
      ((waiting == 2)) && contended=$((contended + 1))
      su_sql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                  WHERE datname = '$DB' AND query LIKE '%tg-holder%' AND pid <> pg_backend_pid()" >/dev/null
    else
      t=$(instant 400)
      for k in 1 2; do
        app_sql -c "BEGIN ISOLATION LEVEL $iso" -c "SELECT pg_sleep_until('$t')" \
                -c "SELECT 'pair ' || (auth.refresh('$rt') ->> 'refresh_token')" -c "COMMIT" >"$WORK/r$k" &
      done
    fi
    wait
    out1=$(<"$WORK/r1")
    out2=$(<"$WORK/r2")
    wins=$(cat "$WORK/r1" "$WORK/r2" | grep -c '^pair tgr_')
    revoked=$(cat "$WORK/r1" "$WORK/r2" | grep -c 'ERROR:  token revoked')
    if [[ $wins -eq 1 && $revoked -eq 1 ]]; then
      :
    else
      ((wins == 2)) && both=$((both + 1))
      ((wins == 0)) && none=$((none + 1))
      bad=$((bad + 1))
      echo "round $i ($iso): $(echo "$out1" | tr '\n' '|') // $(echo "$out2" | tr '\n' '|')"
      continue
    fi
    local child
    child=$(cat "$WORK/r1" "$WORK/r2" | sed -n 's/^pair //p')
    # the loser detected a reuse: the family is revoked, committed by the worker
    local state
    state=$(su_sql -c "SELECT f.revoke_reason, (SELECT count(*) FROM auth.refresh_tokens t WHERE t.family_id = f.id)
                         FROM auth.refresh_families f WHERE f.id = '$sid'" -F ' ')
    if [[ $state != "refresh token reuse 2" ]]; then
      bad=$((bad + 1)); echo "round $i ($iso): family state '$state'"; continue
    fi
    out1=$(app_sql -c "SELECT auth.refresh('$child')")
    out2=$(app_sql -c "BEGIN" -c "SELECT auth.authenticate('$at')" -c "ROLLBACK")
    if [[ ! $out1 =~ "token revoked" || ! $out2 =~ "token revoked" ]]; then
      bad=$((bad + 1)); echo "round $i ($iso): winner's tokens alive: $out1 / $out2"
    fi
  done
  if ((contended < rounds / 4)); then
    fail "refresh_race: contention" "only $contended rounds had both refreshes waiting on the row lock"
  fi
  if ((bad == 0)); then
    pass "refresh_race: $rounds rounds ($rc READ COMMITTED, $rr REPEATABLE READ; $contended both seen waiting on the row): exactly one pair, family revoked, winner's tokens dead"
  else
    fail "refresh_race" "$bad of $rounds rounds wrong ($both with two pairs, $none with none)"
  fi
  # The loser of a REPEATABLE READ round fails to serialize inside auth.refresh: never a 40001
  # to the client, never a partial state (checked above); and the server log stays clean.
  check_not "refresh_race: no serialization failure reaches the client" "40001|could not serialize" \
    "$(cat "$WORK"/r1 "$WORK"/r2)"
}

# ------------------------------------------------------------------------------------------------
# N concurrent wrong logins of one (tenant, e-mail), all released at the same instant.
storm() {  # N TENANT EMAIL PASSWORD
  local n=$1 t k
  t=$(instant 500)
  for ((k = 1; k <= n; k++)); do
    app_sql -c "SELECT pg_sleep_until('$t')" -c "SELECT auth.login('$2', '$3', '$4') ? 'access_token'" >"$WORK/s$k" &
  done
  wait
  cat "$WORK"/s*
  rm -f "$WORK"/s*
}

throttle_race() {
  su_sql -c "SELECT auth.create_user('${P}-a', 'victim@${P}.test', 'victim-password')" \
         -c "SELECT auth.create_user('${P}-b', 'victim@${P}.test', 'victim-password')" >/dev/null || exit 1
  local out status
  # wrong_storm NAME: 20 concurrent wrong logins, which must all fail with 28P01; then status is
  # the throttle's status of the e-mail
  wrong_storm() {
    out=$(storm 20 "${P}-a" "victim@${P}.test" wrong-password)
    check "throttle_race: $1" "^20$" "$(echo "$out" | grep -c 'ERROR:  invalid credentials')"
    status=$(su_sql -c "SELECT auth.login_throttle_status('${P}-a', 'victim@${P}.test')")
  }
  # 1. no lost update: 20 concurrent failures under a high limit are 20 charged attempts
  su_sql -c "ALTER DATABASE \"$DB\" SET tenantgate.login_max_failures = 1000" \
         -c "ALTER DATABASE \"$DB\" SET tenantgate.login_failure_window = '15min'" \
         -c "ALTER DATABASE \"$DB\" SET tenantgate.login_lockout = '15min'" >/dev/null
  wrong_storm "20 concurrent wrong logins all fail with 28P01"
  check "throttle_race: all 20 concurrent failures counted" '"attempts": 20' "$status"
  check "throttle_race: not locked below the limit" '"locked_seconds": 0' "$status"

  # 2. at most login_max_failures of 20 concurrent attempts get through to the password check
  su_sql -c "SELECT auth.unlock_login('${P}-a', 'victim@${P}.test')" \
         -c "ALTER DATABASE \"$DB\" SET tenantgate.login_max_failures = 5" >/dev/null
  wrong_storm "20 concurrent attempts over the limit all answer 28P01"
  check "throttle_race: exactly 5 charged, 15 refused while locked" '"refused": 15' "$status"
  check "throttle_race: locked for the lockout" '"locked_seconds": (89[0-9]|900)' "$status"
  out=$(app_sql -c "SELECT auth.login('${P}-a', 'victim@${P}.test', 'victim-password') ? 'access_token'")
  check "throttle_race: the right password is refused while locked" "invalid credentials" "$out"
  out=$(app_sql -c "SELECT auth.login('${P}-b', 'victim@${P}.test', 'victim-password') ? 'access_token'")
  check "throttle_race: the same e-mail in another tenant is not locked" "^t$" "$out"

  # 3. concurrent right and wrong passwords under the limit: the successes clear the count
  su_sql -c "SELECT auth.unlock_login('${P}-a', 'victim@${P}.test')" >/dev/null
  out=$(storm 4 "${P}-a" "victim@${P}.test" victim-password)
  check "throttle_race: 4 concurrent right logins under a limit of 5 all succeed" "^4$" "$(echo "$out" | grep -c '^t$')"

  # 4. the lockout ends by itself
  su_sql -c "SELECT auth.unlock_login('${P}-a', 'victim@${P}.test')" \
         -c "ALTER DATABASE \"$DB\" SET tenantgate.login_max_failures = 3" \
         -c "ALTER DATABASE \"$DB\" SET tenantgate.login_lockout = '4s'" >/dev/null
  for _ in 1 2 3; do app_sql -c "SELECT auth.login('${P}-a', 'victim@${P}.test', 'nope')" >/dev/null; done
  out=$(app_sql -c "SELECT auth.login('${P}-a', 'victim@${P}.test', 'victim-password') ? 'access_token'")
  check "throttle_race: locked right after 3 failures" "invalid credentials" "$out"
  sleep 5
  out=$(app_sql -c "SELECT auth.login('${P}-a', 'victim@${P}.test', 'victim-password') ? 'access_token'")
  check "throttle_race: the lockout ends after login_lockout" "^t$" "$out"
}

# ------------------------------------------------------------------------------------------------
# One transaction of the authenticator at isolation $1: takes its snapshot, authenticates $2
# successfully (a warm key cache), lets another backend run $3 (committed), authenticates again.
around_revocation() {  # ISOLATION TOKEN REVOKE_SQL
  cat >"$WORK/v.sql" <<EOF
\\set VERBOSITY terse
BEGIN ISOLATION LEVEL $1;
SELECT 'snapshot taken' WHERE 1 = 0;
SAVEPOINT a;
SELECT 'before ' || (auth.authenticate('$2') ->> 'tenant');
ROLLBACK TO SAVEPOINT a;
\\! PGUSER=postgres psql -X -q -At -v ON_ERROR_STOP=1 -d $DB -f $WORK/revoke.sql >/dev/null 2>&1 || echo REVOKE-FAILED
SAVEPOINT b;
SELECT 'after ' || (auth.authenticate('$2') ->> 'tenant');
ROLLBACK TO SAVEPOINT b;
COMMIT;
EOF
  printf '%s\n' "$3" >"$WORK/revoke.sql"
  PGUSER=$APP psql -X -q -At -d "$DB" -f "$WORK/v.sql" 2>&1
}

visibility() {
  su_sql -c "SELECT auth.create_user('${P}-a', 'viewer@${P}.test', 'viewer-password')" \
         -c "SELECT auth.create_user('${P}-b', 'viewer@${P}.test', 'viewer-password')" >/dev/null || exit 1
  local iso pair at rt uid out
  for iso in 'READ COMMITTED' 'REPEATABLE READ' 'SERIALIZABLE'; do
    # logout
    at=$(app_sql -c "SELECT auth.login('${P}-a', 'viewer@${P}.test', 'viewer-password') ->> 'access_token'")
    out=$(around_revocation "$iso" "$at" "SELECT auth.logout('$at');")
    check "visibility ($iso): authenticated before the logout" "before ${P}-a" "$out"
    check "visibility ($iso): logout seen at once: token revoked" "ERROR:  token revoked" "$out"
    check_not "visibility ($iso): not accepted after the logout" "after ${P}-a|REVOKE-FAILED" "$out"

    # refresh-token reuse in another backend (the worker commits the family revocation)
    pair=$(app_sql -c "SELECT p ->> 'access_token', p ->> 'refresh_token'
                         FROM auth.login('${P}-a', 'viewer@${P}.test', 'viewer-password') AS p" -F ' ')
    read -r at rt <<<"$pair"
    out=$(around_revocation "$iso" "$at" "SELECT auth.refresh('$rt');
DO \$\$ BEGIN PERFORM auth.refresh('$rt'); EXCEPTION WHEN invalid_authorization_specification THEN NULL; END \$\$;")
    check "visibility ($iso): reuse elsewhere revokes the family at once" "before ${P}-a.*ERROR:  token revoked" \
      "$(echo "$out" | tr '\n' ' ')"
    check_not "visibility ($iso): not accepted after the reuse" "after ${P}-a|REVOKE-FAILED" "$out"

    # deactivation of the user
    at=$(app_sql -c "SELECT auth.login('${P}-a', 'viewer@${P}.test', 'viewer-password') ->> 'access_token'")
    uid=$(su_sql -c "SELECT u.id FROM auth.users u JOIN auth.tenants t ON t.id = u.tenant_id
                      WHERE t.slug = '${P}-a' AND u.email = 'viewer@${P}.test'")
    out=$(around_revocation "$iso" "$at" "SELECT auth.deactivate_user('$uid');")
    check "visibility ($iso): deactivation seen at once" "before ${P}-a.*ERROR:  token revoked" \
      "$(echo "$out" | tr '\n' ' ')"
    check_not "visibility ($iso): not accepted after the deactivation" "after ${P}-a|REVOKE-FAILED" "$out"
    su_sql -c "SELECT auth.set_user_active('$uid', true)" >/dev/null

    # the tenant made inactive
    at=$(app_sql -c "SELECT auth.login('${P}-b', 'viewer@${P}.test', 'viewer-password') ->> 'access_token'")
    out=$(around_revocation "$iso" "$at" "SELECT auth.set_tenant_active('${P}-b', false);")
    check "visibility ($iso): inactive tenant seen at once" "before ${P}-b.*ERROR:  tenant inactive" \
      "$(echo "$out" | tr '\n' ' ')"
    check_not "visibility ($iso): not accepted after the tenant went inactive" "after ${P}-b|REVOKE-FAILED" "$out"
    su_sql -c "SELECT auth.set_tenant_active('${P}-b', true)" >/dev/null
  done

  # parallel logouts and authenticates of five access tokens of one session
  local rt tokens=() k t all
  rt=$(app_sql -c "SELECT auth.login('${P}-a', 'viewer@${P}.test', 'viewer-password') ->> 'refresh_token'")
  for k in 1 2 3 4 5; do
    pair=$(app_sql -c "SELECT p ->> 'access_token', p ->> 'refresh_token' FROM auth.refresh('$rt') AS p" -F ' ')
    read -r at rt <<<"$pair"
    tokens+=("$at")
  done
  t=$(instant 500)
  for k in 0 1 2 3 4; do
    app_sql -c "SELECT pg_sleep_until('$t')" -c "SELECT 'logged out ' || auth.logout('${tokens[$k]}')" >"$WORK/l$k" &
    app_sql -c "SELECT pg_sleep_until('$t')" -c "BEGIN" \
            -c "SELECT 'authenticated ' || (auth.authenticate('${tokens[$k]}') ->> 'tenant')" -c "ROLLBACK" >"$WORK/a$k" &
  done
  wait
  all=$(cat "$WORK"/l* "$WORK"/a*)
  check_not "visibility: parallel logouts/authenticates: no deadlock, no other error" \
    "deadlock|ERROR" "$(echo "$all" | grep -E 'ERROR|deadlock' | grep -v 'ERROR:  token revoked')"
  check "visibility: parallel logouts: at least one logged out" "logged out" "$all"
  out=""
  for k in 0 1 2 3 4; do
    out+=$(app_sql -c "BEGIN" -c "SELECT 'alive ' || (auth.authenticate('${tokens[$k]}') ->> 'tenant')" -c "ROLLBACK")$'\n'
  done
  check_not "visibility: after parallel logouts every token of the session is revoked" "alive" "$out"
  check "visibility: ... each refused with token revoked" "^5$" "$(echo "$out" | grep -c 'ERROR:  token revoked')"
}

setup
"$mode"
teardown
finish
