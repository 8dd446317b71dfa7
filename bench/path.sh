#!/usr/bin/env bash
# The whole path of a web request (issue 8), measured side by side in one run on a private
# cluster: pgbench figures E, E3, T, T-cold; wrk against tenantgate-server beside a Node +
# jose + pg reference peer (bench/peers/node-jose); scale with 10 / 1,000 / 10,000 tenants,
# create_tenant, auth.migrate over 1,000 tenants, backend memory after 1,000 tenants. Prints a
# table with the issue's targets (PASS/MISS) and appends it to bench/results/path-<UTC>.txt.
#
#   bash bench/path.sh                         full run (~30-40 min on 2 cores, most of it
#                                              creating 10,000 tenants)
#   PATH_QUICK=1 bash bench/path.sh            smaller: PATH_TENANTS="10 1000", 5 s per figure
#
# Knobs (environment): BUILD_DIR (./build), PATH_SKIP_BUILD=1 (use what is built; the extension
# is still installed from BUILD_DIR), PATH_DURATION (s per figure, 10), PATH_RUNS (3: medians of
# that many interleaved rounds), PATH_WARMUP (s, 3), PATH_TENANTS ("10 1000 10000", ascending;
# the main figures are taken at the first count), PATH_COLD_USERS (1000), PATH_COLD_TOKENS
# (10000), PATH_CLIENTS (pgbench -c, 16), PATH_PGB_JOBS (-j, 2), PATH_WRK_THREADS (2),
# PATH_WRK_CONNS (32), PATH_MEM_TENANTS (1000), PATH_MIGRATE_TENANTS (1000),
# PATH_SERVER_ARGS (extra tenantgate-server flags; default "--access-log off"),
# PATH_PEER=0 (skip the Node peer), PATH_T1=0 (leave out T1/T1api; automatic when router.cpp
# no longer calls auth.http_request), PATH_LOGIN_USERS (32: users POST /auth/login cycles through),
# PATH_STANDBY=1 (issue 13: also a streaming standby of the cluster, made with pg_basebackup, and a
# second server with --db-read on it: figure "GET via --db-read" beside the plain GET; on one
# machine the standby shares the same cores, so this is the routing's cost, not scale-out),
# PATH_PERF=1 (perf record -a -g during one extra server GET, pgbench T and E3 run; reports in
# $BUILD_DIR/path-work/perf-*.txt), PATH_HOLD=SECONDS (pause with everything up before the
# rounds, for profiling by hand; the token is written to $BUILD_DIR/path-work/token).
#
# Needs: cmake + a C++ toolchain (the project's own deps), PostgreSQL 15 with pgbench, wrk,
# node >= 18 with npm. wrk and node/npm are Debian packages: when missing and running as root,
# this script installs them with apt-get (and says so); it never touches scripts/deps.sh.
# The Node peer's packages come from its committed package-lock.json (`npm ci`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)

if [[ ${PATH_QUICK:-0} == 1 ]]; then
  : "${PATH_TENANTS:=10 1000}" "${PATH_DURATION:=5}"
fi
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
DUR=${PATH_DURATION:-10}
RUNS=${PATH_RUNS:-3}
WARMUP=${PATH_WARMUP:-3}
read -r -a TIERS <<<"${PATH_TENANTS:-10 1000 10000}"
COLD_USERS=${PATH_COLD_USERS:-1000}
COLD_TOKENS=${PATH_COLD_TOKENS:-10000}
CLIENTS=${PATH_CLIENTS:-16}
PGB_JOBS=${PATH_PGB_JOBS:-2}
WRK_T=${PATH_WRK_THREADS:-2}
WRK_C=${PATH_WRK_CONNS:-32}
MEM_TENANTS=${PATH_MEM_TENANTS:-1000}
LOGIN_USERS=${PATH_LOGIN_USERS:-32}
MIGRATE_TENANTS=${PATH_MIGRATE_TENANTS:-1000}
SERVER_ARGS=${PATH_SERVER_ARGS:---access-log off}
PEER=${PATH_PEER:-1}
CLUSTER=$BUILD_DIR/path-cluster
WORK=$BUILD_DIR/path-work
DB=tg_path
HOST=company1.localhost
LOCK=/tmp/tenantgate-install.lock
COLS="id, title, amount, tags, done, created_at"
IMPORTED_HASH='$pbkdf2-sha256$29000$5ry31vofg7CWkhJCSClFKA$i01NZ9cAJCAYlXQCY2AXmcmJfe8eD5vZMDOy0h8tH2U'
HEADERS_JSON='{"x-tenantgate-max-rows":"1000"}'  # router.cpp's request headers for a plain GET (default --max-rows)

say() { echo "== path: $(date -u +%T) $*" >&2; }
die() { echo "path.sh: $*" >&2; exit 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

need_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  if [[ $PEER == 1 ]]; then
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
  fi
  if (( ${#missing[@]} )); then
    [[ $(id -u) == 0 ]] || die "missing ${missing[*]}: install them (apt-get install -y ${missing[*]})"
    say "installing the Debian packages ${missing[*]} (apt-get install -y; not part of scripts/deps.sh)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2 \
      || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2; }
  fi
  if [[ $PEER == 1 ]]; then
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    (( major >= 18 )) || die "node $major is too old for the peer (>= 18)"
  fi
}

build() {
  say "build ($BUILD_DIR): tenantgate, tenantgate_sql, tenantgate-server"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DTG_JSONB_CROSSCHECK=OFF >/dev/null
  cmake --build "$BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)" --target tenantgate tenantgate_sql tenantgate-server >/dev/null
}

q() { "$TG_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
qv() { q -tA "$@"; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

SERVER_PID="" PEER_PID="" CLUSTER_UP=0 STANDBY_UP=0 RO_PID=""
cleanup() {
  local rc=$?
  stop_peer || true
  stop_server || true
  stop_ro_server || true
  stop_standby || true
  if (( CLUSTER_UP )); then
    bash "$ROOT/scripts/cluster.sh" stop "$CLUSTER" --check-log >&2 || rc=1
  fi
  exit "$rc"
}

# Installs the extension and creates it in a fresh database of a fresh private cluster, all
# under the shared install lock (other worktrees install their builds into the same system
# directory). The postmaster preloads the .so while the lock is held and keeps that copy; the
# lock fd is not inherited by anything started here (flock -o / {fd}>&-).
install_and_start() {
  local fd
  exec {fd}>"$LOCK"
  say "waiting for the install lock $LOCK"
  flock "$fd"
  say "install the extension, start the private cluster $CLUSTER"
  cmake --install "$BUILD_DIR" >/dev/null {fd}>&-
  trap cleanup EXIT
  CLUSTER_UP=1
  bash "$ROOT/scripts/cluster.sh" start "$CLUSTER" {fd}>&- >&2
  set -a; . "$CLUSTER/env"; set +a
  "$TG_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB" {fd}>&-
  q -c "CREATE EXTENSION tenantgate" {fd}>&-
  flock -u "$fd"
  exec {fd}>&-
}

setup_database() {
  say "database $DB: roles, migration, bench helpers"
  q >/dev/null <<'SQL'
ALTER DATABASE tg_path SET tenantgate.base_domain = 'localhost';
-- Bench tokens must outlive the run (the default access_ttl is 5 minutes; 24 h is the maximum).
ALTER DATABASE tg_path SET tenantgate.access_ttl = 86400;
CREATE ROLE tenantgate_server LOGIN NOINHERIT;
GRANT tenantgate_authenticator TO tenantgate_server;
-- The memory figure reads the backend's own memory contexts as the authenticator.
GRANT EXECUTE ON FUNCTION pg_catalog.pg_get_backend_memory_contexts() TO tenantgate_server;
GRANT SELECT ON pg_catalog.pg_backend_memory_contexts TO tenantgate_server;
SELECT auth.add_migration('0001_company_data', $m$
  CREATE TABLE company_data (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    title      text NOT NULL,
    amount     numeric(12,2),
    tags       text[],
    done       boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
  );
$m$);
CREATE SCHEMA bench;
CREATE TABLE bench.create_ms (n int PRIMARY KEY, slug text, ms float8);
CREATE TABLE bench.tokens (n int PRIMARY KEY, t text NOT NULL);
CREATE TABLE bench.tenant_tokens (n int PRIMARY KEY, host text NOT NULL, t text NOT NULL);
GRANT USAGE ON SCHEMA bench TO tenantgate_server;
GRANT SELECT ON bench.tokens TO tenantgate_server;

-- Creates tenants company<from>..company<to>, each auth.create_tenant call in its own
-- transaction and timed alone (clock_timestamp around the call); then 10 rows of data.
CREATE PROCEDURE bench.create_tenants(from_n int, to_n int)
  LANGUAGE plpgsql AS $p$
DECLARE
  t0 timestamptz;
  ms float8;
  s text;
BEGIN
  FOR i IN from_n .. to_n LOOP
    s := 'company' || i;
    t0 := clock_timestamp();
    PERFORM auth.create_tenant(s);
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    INSERT INTO bench.create_ms VALUES (i, s, ms);
    EXECUTE format('INSERT INTO %I.company_data (title, amount, tags)
                    SELECT %L || '' row '' || g, g * 10.5, ARRAY[''a'', ''b''] FROM generate_series(1, 10) g', s, s);
    COMMIT;
  END LOOP;
END
$p$;

-- A session as auth.login makes it after the password check (auth._issue_tokens, the function
-- login and refresh call): a refresh family and a token pair. Used to mint the bench's tokens
-- without paying a password hash per token.
CREATE FUNCTION bench.issue(uid uuid) RETURNS jsonb LANGUAGE plpgsql AS $f$
DECLARE
  u auth.users;
  t auth.tenants;
  fam uuid;
BEGIN
  SELECT * INTO u FROM auth.users WHERE id = uid;
  SELECT * INTO t FROM auth.tenants WHERE id = u.tenant_id;
  INSERT INTO auth.refresh_families (user_id, tenant_id) VALUES (u.id, t.id) RETURNING id INTO fam;
  RETURN (auth._issue_tokens(u.id, t.slug, u.role, u.email, fam)).pair;
END
$f$;
SQL
}

create_tenants_upto() {  # N: creates the missing tenants up to company<N>
  local want=$1 have
  have=$(qv -c "SELECT count(*) FROM bench.create_ms")
  (( have < want )) || return 0
  say "creating tenants $((have + 1))..$want (auth.create_tenant, each timed)"
  q -c "SET client_min_messages = warning" -c "CALL bench.create_tenants($((have + 1)), $want)"
}

make_users_and_tokens() {
  say "users and tokens: 1 login user, $COLD_USERS users x $((COLD_TOKENS / COLD_USERS)) sessions for T-cold"
  q -v cold_users="$COLD_USERS" -v cold_tokens="$COLD_TOKENS" -v imported="$IMPORTED_HASH" \
    -v login_users="$LOGIN_USERS" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT auth.create_user('company1', 'bench@company1.test', 'bench-password-12345', 'staff');
-- POST /auth/login cycles through these (bench/path/login.lua): a real password hash each.
SELECT auth.create_user('company1', 'login' || g || '@company1.test', 'bench-password-12345', 'staff')
  FROM generate_series(1, :login_users) g;
-- Users of T-cold: nobody logs in as them (their sessions are issued directly), so they get an
-- imported hash (server/demo/seed.sql's passlib one) instead of paying a password hash each.
CREATE TEMP TABLE cold_users AS
  SELECT row_number() OVER () AS k, auth.create_user('company1', 'cold' || g || '@company1.test', NULL, 'staff', :'imported') AS id
    FROM generate_series(1, :cold_users) g;
INSERT INTO bench.tokens
  SELECT n, bench.issue(u.id) ->> 'access_token'
    FROM generate_series(1, :cold_tokens) n JOIN cold_users u ON u.k = (n - 1) % :cold_users + 1;
ANALYZE bench.tokens;
SQL
  MAIN_UID=$(qv -c "SELECT id FROM auth.users WHERE email = 'bench@company1.test'")
  TOKEN=$(qv -c "SELECT bench.issue('$MAIN_UID') ->> 'access_token'")
  [[ $TOKEN == *.*.* ]] || die "could not issue the bench token"
}

# --- pgbench ---------------------------------------------------------------------------------
write_pgbench_scripts() {
  mkdir -p "$WORK/pgb"
  local sel="SELECT $COLS FROM company1.company_data LIMIT 10;"
  echo "$sel" >"$WORK/pgb/E.sql"
  printf '%s\n' "BEGIN;" "SELECT pg_catalog.set_config('search_path', 'company1', true);" "$sel" "COMMIT;" >"$WORK/pgb/E3.sql"
  printf '%s\n' "\\set n random(1, $COLD_TOKENS)" "BEGIN;" \
    "SELECT pg_catalog.set_config('search_path', 'company1', true) FROM bench.tokens WHERE n = :n;" "$sel" "COMMIT;" \
    >"$WORK/pgb/E3L.sql"
  printf '%s\n' "BEGIN;" "SELECT auth.authenticate(:tok, :host);" "$sel" "COMMIT;" >"$WORK/pgb/T.sql"
  printf '%s\n' "\\set n random(1, $COLD_TOKENS)" "BEGIN;" \
    "SELECT auth.authenticate(t, :host) FROM bench.tokens WHERE n = :n;" "$sel" "COMMIT;" >"$WORK/pgb/Tcold.sql"
  # T1: what server/db_pool.cpp sends for GET /api/company_data?limit=10: router.cpp's ONE
  # statement (auth.http_request, prepared once per connection, its own implicit transaction),
  # then the per-request reset, all in one pipeline (one round trip). pgbench 15 has one Sync per
  # pipeline; an explicit BEGIN/COMMIT stands in for the server's Sync after the call, so the
  # reset runs after the tenant transaction, as there. T1api is the call alone (-M prepared).
  local call="SELECT r.status::text || ' ' || r.headers::text || E'\\n' || COALESCE('b' || r.body, '-') FROM auth.http_request(:method, :host, :tok, :path, :query, :headers::jsonb, NULL) AS r;"
  local resets
  resets=$(sed -n 's/^const char\* const kAlwaysReset\[\] = {\(.*\)};$/\1/p' "$ROOT/server/db_pool.cpp" | tr -d '"' | tr ',' '\n' |
           sed 's/^ *//; s/ *$//' | grep -v '^$' || true)
  {
    echo "\\startpipeline"
    echo "BEGIN;"
    echo "$call"
    echo "COMMIT;"
    local s
    while IFS= read -r s; do [[ -n $s ]] && echo "$s;"; done <<<"$resets"
    echo "\\endpipeline"
  } >"$WORK/pgb/T1.sql"
  echo "$call" >"$WORK/pgb/T1api.sql"
  T1_RESETS=$(echo "$resets" | grep -c . || true)
  # T1 copies router.cpp's /api call. When the server no longer makes it, the T1 figures are
  # left out (and say so) instead of timing something else.
  if [[ ${PATH_T1:-1} == 0 ]] || ! grep -qF 'FROM auth.http_request($1, $2, $3, $4, $5, $6::pg_catalog.jsonb, $7) AS r' "$ROOT/server/router.cpp"; then
    PGB_FIGS=(E E3 E3L T Tcold)
    say "NOTE: router.cpp no longer sends auth.http_request(...) for /api: T1, T1api left out (update write_pgbench_scripts)"
  fi
}

# pgb NAME: tps of one pgbench run of figure NAME (script, protocol, user as below).
pgb() {
  local name=$1 mode=prepared user=tenantgate_server script
  case $name in
    E | E3 | E3L) user=$PGUSER ;;
  esac
  script=$WORK/pgb/$name.sql
  local out
  if ! out=$("$TG_PG_BINDIR/pgbench" -n -M "$mode" -c "$CLIENTS" -j "$PGB_JOBS" -T "$2" -f "$script" \
              -h "$PGHOST" -p "$PGPORT" -U "$user" \
              -D tok="$TOKEN" -D host="$HOST" -D method=GET -D path=/api/company_data -D query=limit=10 \
              -D headers="$HEADERS_JSON" "$DB" 2>&1); then
    echo "$out" | tail -20 >&2
    die "pgbench $1 failed"
  fi
  echo "$out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p'
}

# --- HTTP ------------------------------------------------------------------------------------
# wait_started NAME PID LOG TRIES CHECK...: until the command CHECK succeeds (every 0.1 s, TRIES
# times); dies with LOG when process PID ends first or CHECK never succeeds.
wait_started() {
  local name=$1 pid=$2 log=$3 tries=$4 i
  shift 4
  for (( i = 0; i < tries; i++ )); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log" >&2
  die "$name did not start"
}

start_server() {
  SERVER_PORT=$(free_port)
  # shellcheck disable=SC2086
  "$BUILD_DIR/server/tenantgate-server" --db "host=$PGHOST port=$PGPORT dbname=$DB user=tenantgate_server" \
    --listen "127.0.0.1:$SERVER_PORT" $SERVER_ARGS >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_started tenantgate-server "$SERVER_PID" "$WORK/server.log" 100 \
    curl -sf -o /dev/null -H "Host: $HOST" "http://127.0.0.1:$SERVER_PORT/healthz"
}

stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  local rc=0
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=""
  (( rc == 0 )) || { tail -5 "$WORK/server.log" >&2; die "tenantgate-server exited with $rc"; }
}

# --- PATH_STANDBY=1: a streaming standby and a server reading from it -----------------------------
STANDBY=$BUILD_DIR/path-standby
# As the cluster's OS owner (scripts/cluster.sh runs PostgreSQL as an unprivileged user when root).
as_cluster_owner() {
  local owner
  owner=$(stat -c %U "$CLUSTER/data")
  if [[ $(id -u) == 0 && $owner != root ]]; then (cd / && runuser -u "$owner" -- "$@"); else "$@"; fi
}

start_standby() {
  say "standby: pg_basebackup -R of the cluster into $STANDBY"
  stop_standby
  rm -rf "$STANDBY"
  mkdir -p "$STANDBY"
  chown "$(stat -c %U:%G "$CLUSTER/data")" "$STANDBY"
  as_cluster_owner "$TG_PG_BINDIR/pg_basebackup" -D "$STANDBY/data" -R -X stream -c fast -h 127.0.0.1 -p "$PGPORT" -U postgres
  STANDBY_PORT=$(free_port)
  # Later lines win over the copied configuration: its own port and socket directory.
  printf "port = %s\nunix_socket_directories = '%s'\nhot_standby = on\nhot_standby_feedback = on\n" \
    "$STANDBY_PORT" "$STANDBY" | as_cluster_owner tee -a "$STANDBY/data/postgresql.auto.conf" >/dev/null
  STANDBY_UP=1
  as_cluster_owner "$TG_PG_BINDIR/pg_ctl" start -D "$STANDBY/data" -l "$STANDBY/log" -w -t 120 >/dev/null
  # replayed up to now (the bench's users and tokens are there)
  local lsn
  lsn=$(qv -c "SELECT pg_catalog.pg_current_wal_lsn()")
  wait_started "the standby's replay" "$$" "$STANDBY/log" 600 standby_replayed "$lsn"
}

standby_replayed() {  # LSN: true once the standby has replayed up to it
  [[ $("$TG_PG_BINDIR/psql" -X -At -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres -d "$DB" \
         -c "SELECT pg_catalog.pg_last_wal_replay_lsn() >= '$1'" 2>/dev/null) == t ]]
}

stop_standby() {
  (( STANDBY_UP )) || return 0
  STANDBY_UP=0
  as_cluster_owner "$TG_PG_BINDIR/pg_ctl" stop -D "$STANDBY/data" -m fast -w -t 60 >/dev/null 2>&1 || true
  ! grep -E 'server process .* was terminated by signal|PANIC' "$STANDBY/log" >&2 || die "the standby's log shows a crash"
}

start_ro_server() {
  RO_PORT=$(free_port)
  # shellcheck disable=SC2086
  "$BUILD_DIR/server/tenantgate-server" --db "host=$PGHOST port=$PGPORT dbname=$DB user=tenantgate_server" \
    --db-read "host=127.0.0.1 port=$STANDBY_PORT dbname=$DB user=tenantgate_server" \
    --listen "127.0.0.1:$RO_PORT" $SERVER_ARGS >"$WORK/server-ro.log" 2>&1 &
  RO_PID=$!
  wait_started "tenantgate-server --db-read" "$RO_PID" "$WORK/server-ro.log" 100 answers_get "$RO_PORT"
}

stop_ro_server() { stop_bg RO_PID; }

# answers_get PORT: true when the GET the bench measures succeeds there (keys loaded, pools up)
answers_get() {
  curl -sf -o /dev/null -H "Host: $HOST" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/api/company_data?limit=10"
}

# stop_bg VAR: SIGTERM to the background process whose pid the variable VAR holds; waits; clears VAR
stop_bg() {
  local -n bg_pid=$1
  [[ -n $bg_pid ]] || return 0
  kill -TERM "$bg_pid" 2>/dev/null || true
  wait "$bg_pid" 2>/dev/null || true
  bg_pid=""
}

start_peer() {
  [[ $PEER == 1 ]] || return 0
  local dir=$ROOT/bench/peers/node-jose
  if [[ ! -d $dir/node_modules/jose || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    say "npm ci in bench/peers/node-jose (jose, pg from the committed lockfile)"
    (cd "$dir" && npm ci --no-audit --no-fund >&2)
  fi
  PEER_PORT=$(free_port)
  # Same transport as the server and pgbench: libpq's PGHOST (the cluster's socket directory).
  env -u DATABASE_URL PGDATABASE="$DB" PEER_PORT="$PEER_PORT" PEER_BASE_DOMAIN=localhost \
    node "$dir/server.js" >"$WORK/peer.log" 2>&1 &
  PEER_PID=$!
  # ready when it answers an authenticated GET (its keys loaded), not only when it listens
  wait_started "the node peer" "$PEER_PID" "$WORK/peer.log" 300 answers_get "$PEER_PORT"
}

stop_peer() { stop_bg PEER_PID; }

# to_ms VALUE-WITH-UNIT (wrk prints 812.00us, 1.23ms, 1.02s)
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

REFRESH_N=0
# wrkrun NAME SECONDS: prints "rps p50ms p99ms non2xx socket-errors"
wrkrun() {
  local name=$1 secs=$2 port=${SERVER_PORT:-0} script=$ROOT/bench/path/request.lua sargs=()
  case $name in
    get) sargs=(GET "/api/company_data?limit=10" "$HOST" "$TOKEN" -) ;;
    peer) port=$PEER_PORT; sargs=(GET "/api/company_data?limit=10" "$HOST" "$TOKEN" -) ;;
    getro) port=$RO_PORT; sargs=(GET "/api/company_data?limit=10" "$HOST" "$TOKEN" -) ;;
    me) sargs=(GET /auth/me "$HOST" "$TOKEN" -) ;;
    post) sargs=(POST /api/company_data "$HOST" "$TOKEN" '{"title":"wrk row","amount":1.5,"tags":["w"]}') ;;
    login)
      script=$ROOT/bench/path/login.lua
      sargs=("$HOST" company1.test "$LOGIN_USERS" bench-password-12345 "$WRK_T") ;;
    refresh)
      # Fresh refresh tokens for this wrk run alone (4 per connection; each answer supplies the next).
      REFRESH_N=$((REFRESH_N + 1))
      local f=$WORK/refresh-$REFRESH_N.txt
      qv -c "SELECT bench.issue('$MAIN_UID') ->> 'refresh_token' FROM generate_series(1, $((WRK_C * 4)))" >"$f"
      script=$ROOT/bench/path/refresh.lua
      sargs=("$HOST" "$f" "$WRK_T") ;;
    *) die "unknown wrk figure $name" ;;
  esac
  local out
  out=$(wrk -t"$WRK_T" -c"$WRK_C" -d"${secs}s" --timeout 10s --latency -s "$script" "http://127.0.0.1:$port" -- "${sargs[@]}" 2>&1 | tr -d '\r') || true
  echo "$out" >"$WORK/wrk-$name.last"
  local rps p50 p99 non2xx errs
  rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
  p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
  non2xx=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ { print $NF }')
  errs=$(echo "$out" | awk '/Socket errors:/ { gsub(/[^0-9 ]/, " "); n = 0; for (i = 1; i <= NF; i++) n += $i; print n }')
  [[ -n $rps && -n $p99 ]] || { echo "$out" >&2; die "wrk $name failed"; }
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") ${non2xx:-0} ${errs:-0}"
}

# Mean server-side seconds per request between two /metrics scrapes (the server's histogram).
metrics_sum_count() {
  curl -s -H "Host: $HOST" "http://127.0.0.1:$SERVER_PORT/metrics" |
    awk '/^tenantgate_http_request_duration_seconds_sum/ { s = $2 } /^tenantgate_http_request_duration_seconds_count/ { c = $2 } END { print s + 0, c + 0 }'
}

# --- recording -------------------------------------------------------------------------------
RAW=""
rec() { echo "$1 $2" >>"$RAW"; }
med() { awk -v k="$1" '$1 == k { print $2 }' "$RAW" | median; }
vals() { awk -v k="$1" '$1 == k { printf "%s%s", (n++ ? " " : ""), $2 }' "$RAW"; }

PGB_FIGS=(E E3 E3L T Tcold T1 T1api)
WRK_FIGS=(get peer getro me post login refresh)

measure_wrk() {  # measure_wrk PREFIX NAME SECONDS
  local pre=$1 name=$2 secs=$3 rps p50 p99 n e before after
  [[ $name != peer || $PEER == 1 ]] || return 0
  [[ $name != getro || ${PATH_STANDBY:-0} == 1 ]] || return 0
  [[ $name != get ]] || before=$(metrics_sum_count)
  read -r rps p50 p99 n e < <(wrkrun "$name" "$secs")
  rec "$pre:$name:rps" "$rps"; rec "$pre:$name:p50" "$p50"; rec "$pre:$name:p99" "$p99"
  rec "$pre:$name:bad" "$((n + e))"
  if [[ $name == get ]]; then
    after=$(metrics_sum_count)
    rec "$pre:get:server_ms" "$(awk -v a="$before" -v b="$after" 'BEGIN { split(a, x, " "); split(b, y, " ");
      printf "%.3f", (y[2] > x[2]) ? (y[1] - x[1]) / (y[2] - x[2]) * 1000 : 0 }')"
  fi
  say "  wrk $pre $name: $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx+errors $((n + e))"
}

main_rounds() {
  say "warm-up: ${WARMUP}s of every figure"
  local f r
  for f in "${PGB_FIGS[@]}"; do pgb "$f" "$WARMUP" >/dev/null; done
  for f in "${WRK_FIGS[@]}"; do measure_wrk warm "$f" "$WARMUP" >/dev/null; done
  # node needs longer: its JIT, and each worker's pg pool filling up.
  measure_wrk warm peer "$WARMUP" >/dev/null
  for (( r = 1; r <= RUNS; r++ )); do
    say "round $r/$RUNS: pgbench (${DUR}s each)"
    for f in "${PGB_FIGS[@]}"; do
      local tps
      tps=$(pgb "$f" "$DUR")
      rec "pgb:$f" "$tps"
      say "  pgbench $f: $tps tps"
    done
    say "round $r/$RUNS: wrk (${DUR}s each)"
    for f in "${WRK_FIGS[@]}"; do measure_wrk main "$f" "$DUR"; done
  done
}

scale_rounds() {  # N
  local n=$1 r tps
  say "scale with $n tenants: T, server GET, peer GET"
  stop_peer; start_peer   # a middleware app loads every tenant's keys at start
  pgb T "$WARMUP" >/dev/null; measure_wrk warm get "$WARMUP" >/dev/null
  for (( r = 1; r <= RUNS; r++ )); do
    tps=$(pgb T "$DUR"); rec "scale$n:T" "$tps"; say "  pgbench T: $tps tps"
    measure_wrk "scale$n" get "$DUR"
    measure_wrk "scale$n" peer "$DUR"
  done
}

migrate_test() {  # N
  local n=$1 t0 t1 failed cols
  say "auth.migrate of ALTER TABLE ... ADD COLUMN over $n tenants"
  q -c "SELECT auth.add_migration('0002_path_note', 'ALTER TABLE company_data ADD COLUMN path_note text')" >/dev/null
  t0=$(date +%s.%N)
  q -c "SET client_min_messages = warning" -c "SELECT auth.migrate()" >/dev/null
  t1=$(date +%s.%N)
  failed=$(qv -c "SELECT count(*) FROM auth.migration_failures")
  cols=$(qv -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'company_data' AND column_name = 'path_note'")
  [[ $failed == 0 && $cols == "$n" ]] || die "migrate: $failed failures, $cols of $n tenants migrated"
  rec "migrate:tenants" "$n"
  rec "migrate:s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
  say "  migrate: $(med migrate:s) s"
}

mem_test() {  # N
  local n=$1 m=$WORK/mem
  say "backend memory: one authenticator connection serving $n tenants (auth.http_request as the server calls it)"
  mkdir -p "$m"
  q -c "SET client_min_messages = warning" -c "INSERT INTO bench.tenant_tokens
          SELECT i, 'company' || i || '.localhost',
                 bench.issue(auth.create_user('company' || i, 'mem@company' || i || '.test', NULL, 'staff', '$IMPORTED_HASH')) ->> 'access_token'
            FROM generate_series(1, $n) i" >/dev/null
  local ctx="SELECT sum(total_bytes), sum(used_bytes), count(*) FROM pg_catalog.pg_backend_memory_contexts"
  # One line per tenant: the call the server makes for GET /api/company_data?limit=10.
  local gen="SELECT format('SELECT length(r.body) FROM auth.http_request(%L, %L, %L, %L, %L, %L::jsonb, NULL) r \\g /dev/null',
                    'GET', host, t, '/api/company_data', 'limit=10', :'q') FROM bench.tenant_tokens"
  {
    echo "SELECT pg_backend_pid() \\g $m/pid"
    echo "$gen WHERE n = 1;" | qv -v q="$HEADERS_JSON"
    echo "$ctx \\g $m/ctx-before"
    echo "\\! grep VmRSS /proc/\$(cat $m/pid)/status > $m/rss-before"
    echo "$gen ORDER BY n;" | qv -v q="$HEADERS_JSON"
    echo "$ctx \\g $m/ctx-after"
    echo "\\! grep VmRSS /proc/\$(cat $m/pid)/status > $m/rss-after"
  } >"$m/session.sql"
  "$TG_PG_BINDIR/psql" -X -q -tA -F ' ' -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U tenantgate_server -d "$DB" \
    -f "$m/session.sql" >/dev/null
  local rb ra cb ca
  rb=$(awk '{ print $2 }' "$m/rss-before"); ra=$(awk '{ print $2 }' "$m/rss-after")
  read -r cb _ _ <"$m/ctx-before"; read -r ca _ _ <"$m/ctx-after"
  rec "mem:tenants" "$n"
  rec "mem:rss_before_kb" "$rb"; rec "mem:rss_after_kb" "$ra"
  rec "mem:ctx_before_b" "$cb"; rec "mem:ctx_after_b" "$ca"
  say "  VmRSS $rb -> $ra kB; memory contexts $cb -> $ca bytes"
}

perf_profile() {
  command -v perf >/dev/null || { say "no perf: profile skipped"; return 0; }
  say "perf: whole machine during one ${DUR}s server GET run, one pgbench T and one E3 run"
  local what p
  for what in get T E3; do
    perf record -g -a -o "$WORK/perf-$what.data" -- sleep "$DUR" >/dev/null 2>&1 &
    p=$!
    if [[ $what == get ]]; then measure_wrk perf get "$DUR" >/dev/null; else pgb "$what" "$DUR" >/dev/null; fi
    wait "$p" || true
    (
      set +e +o pipefail  # head closes the pipes early
      echo "== CPU by command"
      perf report -i "$WORK/perf-$what.data" --no-children --sort comm --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -12
      local comm
      for comm in postgres tenantgate-serv; do
        echo "== $comm: by shared object (relative)"
        perf report -i "$WORK/perf-$what.data" --no-children --comm "$comm" --percentage relative --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -10
        echo "== $comm: top symbols (relative)"
        perf report -i "$WORK/perf-$what.data" --no-children --comm "$comm" --percentage relative --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -40
      done
    ) >"$WORK/perf-$what.txt"
  done
  say "perf reports: $WORK/perf-{get,T,E3}.txt"
}

# --- report ----------------------------------------------------------------------------------
num() { awk -v v="$1" 'BEGIN { if (v == "" || v == "nan") print "-"; else if (v + 0 >= 100) printf "%.0f", v; else printf "%.2f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || a == "" || b == "" || b + 0 == 0) print "nan"; else printf "%.3f", a / b }'; }
# verdict MEASURED OP BOUND: PASS/MISS (and by how much)
verdict() {
  awk -v m="$1" -v op="$2" -v b="$3" 'BEGIN {
    if (m == "nan" || m == "") { print "n/a (not measured)"; exit }
    ok = (op == ">=") ? (m + 0 >= b + 0) : (m + 0 <= b + 0)
    if (ok) print "PASS"; else if (op == ">=") printf "MISS (%.2fx short)\n", b / m; else printf "MISS (%.2fx over)\n", m / b }'
}

report() {
  local commit dirty=""
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$ROOT" diff --quiet HEAD -- extension server sql 2>/dev/null || dirty=" + uncommitted changes"
  local t0=${TIERS[0]} tl=${TIERS[${#TIERS[@]} - 1]}
  echo "tenantgate whole path (bench/path.sh): $(date -u '+%F %T') UTC, commit $commit$dirty, $(nproc) cores"
  echo "load average: at start $LOAD_START; at the end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "$("$TG_PG_BINDIR/postgres" --version); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); node $(node --version 2>/dev/null || echo -)"
  echo "median of $RUNS interleaved rounds, ${DUR} s per figure (after ${WARMUP} s warm-up); main figures with $t0 tenants"
  echo "pgbench -c$CLIENTS -j$PGB_JOBS; wrk -t$WRK_T -c$WRK_C --timeout 10s --latency; server: tenantgate-server $SERVER_ARGS (other flags default)"
  echo
  echo "pgbench (one tenant's company_data, 10 rows)                                tps   (runs)"
  local f desc
  for f in "${PGB_FIGS[@]}"; do
    case $f in
      E) desc="E      SELECT ... FROM company1.company_data LIMIT 10 (superuser)" ;;
      E3) desc="E3     BEGIN; set_config(search_path, company1, true); SELECT; COMMIT" ;;
      E3L) desc="E3L    E3 with set_config(...) FROM bench.tokens WHERE n = :n" ;;
      T) desc="T      authenticator: BEGIN; auth.authenticate(tok, host); SELECT; COMMIT" ;;
      Tcold) desc="T-cold T, authenticate(t, host) FROM bench.tokens WHERE n = :n (random)" ;;
      T1) desc="T1     the server's GET: http_request(...) + $T1_RESETS reset statement(s), one pipeline" ;;
      T1api) desc="T1api  http_request(...) alone, prepared (-M prepared)" ;;
    esac
    printf '%-74s %10.0f   (%s)\n' "$desc" "$(med "pgb:$f")" "$(vals "pgb:$f")"
  done
  echo "ratios: T/E3 $(ratio "$(med pgb:T)" "$(med pgb:E3)"); T-cold/E3 $(ratio "$(med pgb:Tcold)" "$(med pgb:E3)");" \
       "T-cold/E3L $(ratio "$(med pgb:Tcold)" "$(med pgb:E3L)"); T1/E $(ratio "$(med pgb:T1)" "$(med pgb:E)");" \
       "T1/T1api $(ratio "$(med pgb:T1)" "$(med pgb:T1api)")"
  echo
  echo "HTTP (wrk)                     server:  req/s   p50 ms   p99 ms  bad | peer (node + jose + pg):  req/s   p50 ms   p99 ms"
  local w
  local -A label=([get]="GET /api/company_data?limit=10" [me]="GET /auth/me" [post]="POST /api/company_data"
                  [login]="POST /auth/login" [refresh]="POST /auth/refresh")
  for w in get me post login refresh; do
    printf '%-32s %13.0f %8.2f %8.2f %4s' "${label[$w]}" "$(med "main:$w:rps")" "$(med "main:$w:p50")" "$(med "main:$w:p99")" \
      "$(awk -v k="main:$w:bad" '$1 == k { s += $2 } END { print s + 0 }' "$RAW")"
    if [[ $w == get && $PEER == 1 ]]; then
      printf ' | %30.0f %8.2f %8.2f\n' "$(med main:peer:rps)" "$(med main:peer:p50)" "$(med main:peer:p99)"
    else
      printf ' | %30s\n' "-"
    fi
  done
  if [[ ${PATH_STANDBY:-0} == 1 ]]; then
    printf '%-32s %13.0f %8.2f %8.2f %4s | %30s\n' "GET via --db-read (a standby)" "$(med main:getro:rps)" "$(med main:getro:p50)" \
      "$(med main:getro:p99)" "$(awk '$1 == "main:getro:bad" { s += $2 } END { print s + 0 }' "$RAW")" "-"
    echo "GET via --db-read / plain GET: $(ratio "$(med main:getro:rps)" "$(med main:get:rps)") (the standby runs on the same cores)"
  fi
  echo "GET runs: server $(vals main:get:rps) req/s; peer $(vals main:peer:rps) req/s"
  echo "GET: server/peer $(ratio "$(med main:get:rps)" "$(med main:peer:rps)"); server GET/E $(ratio "$(med main:get:rps)" "$(med pgb:E)");" \
       "peer/E $(ratio "$(med main:peer:rps)" "$(med pgb:E)")"
  echo "GET: mean time inside the server per request (its /metrics histogram) $(med main:get:server_ms) ms, while wrk's p50 is $(med main:get:p50) ms"
  echo "(bad = non-2xx answers + socket errors over all runs; refresh: every request presents a never-used token)"
  local bad
  bad=$(sed -n 's/^tenantgate_http_requests_total{route="\([^"]*\)",method="\([^"]*\)",status="\([^2][^"]*\)"} \(.*\)$/\2 \1 \3: \4/p' \
          "$WORK/metrics-final.txt" 2>/dev/null | grep -v -e /healthz -e /metrics | paste -sd ';' -) || true
  echo "server's non-2xx answers over the whole run (its /metrics; 503 = no pool connection within 2 s): ${bad:-none}"
  echo
  echo "scale      T tps   server GET req/s  p99 ms   peer GET req/s   create_tenant median ms (tenants created for this row)"
  local n prev=0 tT tG tP tp
  for n in "${TIERS[@]}"; do
    if [[ $n == "$t0" ]]; then
      tT=$(med pgb:T); tG=$(med main:get:rps); tp=$(med main:get:p99); tP=$(med main:peer:rps)
    else
      tT=$(med "scale$n:T"); tG=$(med "scale$n:get:rps"); tp=$(med "scale$n:get:p99"); tP=$(med "scale$n:peer:rps")
    fi
    printf '%6s %10s %18s %8.2f %16s   %.2f (%s..%s)\n' "$n" "$(num "$tT")" "$(num "$tG")" "$tp" "$(num "$tP")" \
      "$(awk -v a="$prev" -v b="$n" '$1 > a && $1 <= b { print $3 }' "$WORK/create_ms.txt" | median)" "$((prev + 1))" "$n"
    prev=$n
  done
  local cm
  cm=$(awk -v b="$tl" '$1 > b - 1000 && $1 <= b { print $3 }' "$WORK/create_ms.txt" | median)
  echo "create_tenant median of the last $(( tl < 1000 ? tl : 1000 )) created (up to $tl tenants): $(printf '%.2f' "$cm") ms"
  if [[ -n $(vals migrate:s) ]]; then
    echo "auth.migrate of one ALTER TABLE ... ADD COLUMN over $(med migrate:tenants) tenants: $(med migrate:s) s"
  else
    echo "auth.migrate: not measured (no tier reached $MIGRATE_TENANTS tenants)"
  fi
  if [[ -n $(vals mem:tenants) ]]; then
    awk -v n="$(med mem:tenants)" -v rb="$(med mem:rss_before_kb)" -v ra="$(med mem:rss_after_kb)" \
        -v cb="$(med mem:ctx_before_b)" -v ca="$(med mem:ctx_after_b)" \
        -v how="auth.http_request" 'BEGIN {
      printf "backend memory after one authenticator connection served %d tenants (%s each): VmRSS %.1f -> %.1f MB (+%.1f MB); memory contexts %.1f -> %.1f MB (+%.1f MB)\n",
        n, how, rb / 1024, ra / 1024, (ra - rb) / 1024, cb / 1048576, ca / 1048576, (ca - cb) / 1048576 }'
  else
    echo "backend memory: not measured (no tier reached $MEM_TENANTS tenants)"
  fi
  echo
  echo "targets (issue 8)                                   measured    verdict"
  local gp ge p99 tr tcr sT sG
  gp=$(ratio "$(med main:get:rps)" "$(med main:peer:rps)")
  ge=$(ratio "$(med main:get:rps)" "$(med pgb:E)")
  p99=$(med main:get:p99)
  tr=$(ratio "$(med pgb:T)" "$(med pgb:E3)")
  tcr=$(ratio "$(med pgb:Tcold)" "$(med pgb:E3)")
  if [[ $tl != "$t0" ]]; then
    sT=$(ratio "$(med pgb:T)" "$(med "scale$tl:T")"); sG=$(ratio "$(med main:get:rps)" "$(med "scale$tl:get:rps")")
  else
    sT=nan; sG=nan
  fi
  printf '%-50s %10s    %s\n' "server GET >= 2x the node peer" "${gp}x" "$(verdict "$gp" '>=' 2)"
  printf '%-50s %10s    %s\n' "server GET >= 0.35x E" "${ge}x" "$(verdict "$ge" '>=' 0.35)"
  printf '%-50s %10s    %s\n' "server GET p99 <= 10 ms at $WRK_C connections" "$p99 ms" "$(verdict "$p99" '<=' 10)"
  printf '%-50s %10s    %s\n' "T >= 0.9x E3" "${tr}x" "$(verdict "$tr" '>=' 0.9)"
  printf '%-50s %10s    %s\n' "T-cold >= 0.5x E3" "${tcr}x" "$(verdict "$tcr" '>=' 0.5)"
  printf '%-50s %10s    %s\n' "T at $t0 tenants / T at $tl <= 1.15" "${sT}x" "$(verdict "$sT" '<=' 1.15)"
  printf '%-50s %10s    %s\n' "server GET at $t0 tenants / at $tl <= 1.15" "${sG}x" "$(verdict "$sG" '<=' 1.15)"
  printf '%-50s %10s    %s\n' "create_tenant median <= 50 ms (at $tl tenants)" "$(num "$cm") ms" "$(verdict "$cm" '<=' 50)"
  printf '%-50s %10s    %s\n' "migrate of $(med migrate:tenants) tenants <= 60 s" "$(med migrate:s) s" "$(verdict "$(med migrate:s)" '<=' 60)"
}

main() {
  LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
  need_tools
  [[ ${PATH_SKIP_BUILD:-0} == 1 ]] || build
  [[ -x $BUILD_DIR/server/tenantgate-server ]] || die "no $BUILD_DIR/server/tenantgate-server: build first"
  rm -rf "$WORK"
  mkdir -p "$WORK"
  RAW=$WORK/raw.txt
  : >"$RAW"
  install_and_start
  setup_database
  create_tenants_upto "${TIERS[0]}"
  make_users_and_tokens
  write_pgbench_scripts
  start_server
  start_peer
  if [[ ${PATH_STANDBY:-0} == 1 ]]; then
    start_standby
    start_ro_server
  fi
  if [[ -n ${PATH_HOLD:-} ]]; then
    # For profiling by hand: everything is up; the bench token is in $WORK/token.
    echo "$TOKEN" >"$WORK/token"
    say "holding ${PATH_HOLD}s: server 127.0.0.1:$SERVER_PORT, peer 127.0.0.1:${PEER_PORT:-}, Host $HOST, token in $WORK/token, PG port $PGPORT"
    sleep "$PATH_HOLD"
  fi
  main_rounds
  [[ ${PATH_PERF:-0} == 1 ]] && perf_profile
  # the standby would replay the scale phase's tenants on the same cores: not beyond here
  stop_ro_server
  stop_standby

  # Scale: more tenants; the migration and memory figures at their tenant counts on the way.
  local checkpoints n
  checkpoints=$(printf '%s\n' "${TIERS[@]:1}" "$MIGRATE_TENANTS" "$MEM_TENANTS" |
                awk -v max="${TIERS[${#TIERS[@]} - 1]}" -v min="${TIERS[0]}" '$1 <= max && $1 >= min' | sort -nu)
  for n in $checkpoints; do
    create_tenants_upto "$n"
    [[ $n != "$MEM_TENANTS" ]] || mem_test "$n"
    [[ $n != "$MIGRATE_TENANTS" ]] || migrate_test "$n"
    if [[ " ${TIERS[*]:1} " == *" $n "* ]]; then scale_rounds "$n"; fi
  done
  qv -F ' ' -c "SELECT n, slug, ms FROM bench.create_ms ORDER BY n" >"$WORK/create_ms.txt"

  # The server's own count of answers by route and status over the whole run (503 = pool busy).
  curl -s -H "Host: $HOST" "http://127.0.0.1:$SERVER_PORT/metrics" | grep '^tenantgate_http_requests_total' >"$WORK/metrics-final.txt" || true
  stop_peer
  stop_server
  mkdir -p "$ROOT/bench/results"
  local out
  out=$ROOT/bench/results/path-$(date -u +%Y%m%dT%H%M%SZ).txt
  report | tee "$out"
  say "saved $out (raw figures: $RAW)"
}

main "$@"
