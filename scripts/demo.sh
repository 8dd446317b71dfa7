#!/usr/bin/env bash
# The README's demo command.
#
#   bash scripts/demo.sh          install what is missing, build, install the extension, start a
#                                 private PostgreSQL 15 cluster under build/demo-cluster, create
#                                 the demo database (tenants company1 and company2, their users
#                                 and a company_data table made by a tenant migration), build the
#                                 browser app (web/, scripts/web-build.sh), start tenantgate-server
#                                 on 127.0.0.1 serving it (--web-root), and print each tenant's
#                                 URL and curl lines to try it
#   bash scripts/demo.sh start --prebuilt
#                                 the same without the packages, the build and the install: the
#                                 extension is installed and the server built already (the docs
#                                 test, tests/docs, starts its demos so); the browser app is
#                                 served when $BUILD_DIR/web/dist is there
#   bash scripts/demo.sh env      export lines for a shell: PGHOST, PGPORT, PGUSER, PGDATABASE
#                                 (psql reaches the demo database as its superuser) and DEMO_URL
#                                 (the server); use: eval "$(bash scripts/demo.sh env)"
#   bash scripts/demo.sh stop     stop the server and the cluster
#
# Each step is one function, run in the order of DEMO_STEPS; what `stop` undoes is in
# DEMO_STOP_STEPS. Steps share state through the variables below and the cluster's env file
# ($CLUSTER_DIR/env). Knobs: BUILD_DIR (default ./build), DEMO_DIR (where the cluster, logs and
# the env file live; default BUILD_DIR), DEMO_PORT (PostgreSQL), DEMO_HTTP_PORT (the server;
# default 8080, or the next free port up to 8099).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)

BUILD_DIR=${BUILD_DIR:-$ROOT/build}
DEMO_DIR=${DEMO_DIR:-$BUILD_DIR}
CLUSTER_DIR=$DEMO_DIR/demo-cluster
SERVER_PID=$DEMO_DIR/demo-server.pid
SERVER_LOG=$DEMO_DIR/demo-server.log      # the server's messages
ACCESS_LOG=$DEMO_DIR/demo-access.log      # its JSON access log
DEMO_ENV=$DEMO_DIR/demo.env               # KEY=value lines, printed as exports by `demo.sh env`
DEMO_DB=tenantgate_demo

DEMO_STEPS=(step_deps step_build step_web step_install step_leftovers step_cluster step_database step_seed
            step_server step_env step_check step_try)
# `start --prebuilt`: what is built and installed already is used as it is.
DEMO_PREBUILT_SKIPS=" step_deps step_build step_web step_install "
DEMO_STOP_STEPS=(stop_server stop_cluster)

say() { echo "==== demo: $*"; }

# psql against the demo cluster, as its superuser; extra arguments are psql's.
demo_psql() {
  "$TG_PG_BINDIR/psql" -X -v ON_ERROR_STOP=1 -q "$@"
}

load_cluster_env() {
  [[ -f $CLUSTER_DIR/env ]] || { echo "demo: no cluster in $CLUSTER_DIR" >&2; exit 1; }
  set -a; . "$CLUSTER_DIR/env"; set +a
}

# Runs a command with its output in $BUILD_DIR/demo-build.log, shown only when it fails.
quietly() {
  mkdir -p "$BUILD_DIR"
  if ! "$@" >>"$BUILD_DIR/demo-build.log" 2>&1; then
    tail -n 40 "$BUILD_DIR/demo-build.log" >&2
    echo "demo: '$*' failed (full log: $BUILD_DIR/demo-build.log)" >&2
    exit 1
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

step_deps() {
  say "Debian packages"
  bash "$ROOT/scripts/deps.sh"
}

step_build() {
  say "build ($BUILD_DIR, log in $BUILD_DIR/demo-build.log)"
  mkdir -p "$BUILD_DIR"
  : >"$BUILD_DIR/demo-build.log"
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  quietly cmake -S "$ROOT" -B "$BUILD_DIR"
  quietly cmake --build "$BUILD_DIR" -j "$jobs" --target tenantgate tenantgate_sql tenantgate-server
}

step_web() {
  say "browser app (web/ -> $BUILD_DIR/web/dist)"
  quietly bash "$ROOT/scripts/web-build.sh" "$BUILD_DIR"
}

step_install() {
  say "install the extension into PostgreSQL 15"
  quietly cmake --install "$BUILD_DIR"
}

# A second `demo.sh` without `stop` in between: stop what the first one left running.
step_leftovers() {
  stop_server quiet
  if [[ -f $CLUSTER_DIR/env ]] && bash "$ROOT/scripts/cluster.sh" status "$CLUSTER_DIR" 2>/dev/null | grep -q '^running:'; then
    bash "$ROOT/scripts/cluster.sh" stop "$CLUSTER_DIR" >/dev/null
  fi
}

step_cluster() {
  say "private cluster in $CLUSTER_DIR"
  local port_args=()
  [[ -z ${DEMO_PORT:-} ]] || port_args=(--port "$DEMO_PORT")
  bash "$ROOT/scripts/cluster.sh" start "$CLUSTER_DIR" "${port_args[@]}"
  load_cluster_env
}

step_database() {
  say "database $DEMO_DB with the extension (tenantgate.base_domain = localhost)"
  demo_psql -d postgres -c "CREATE DATABASE $DEMO_DB"
  demo_psql -d "$DEMO_DB" -c "CREATE EXTENSION tenantgate"
  # Host: company1.localhost names the tenant company1. A superuser-only setting.
  demo_psql -d "$DEMO_DB" -c "ALTER DATABASE $DEMO_DB SET tenantgate.base_domain = 'localhost'"
}

step_seed() {
  say "tenants company1 and company2, their users, the company_data migration (server/demo/seed.sql)"
  demo_psql -d "$DEMO_DB" -f "$ROOT/server/demo/seed.sql" >/dev/null
  demo_psql -d "$DEMO_DB" -c "SELECT t.slug AS tenant, u.email, u.role FROM auth.users u JOIN auth.tenants t ON t.id = u.tenant_id ORDER BY 1, 2"
}

step_server() {
  HTTP_PORT=${DEMO_HTTP_PORT:-}
  if [[ -z $HTTP_PORT ]]; then
    for p in $(seq 8080 8099); do
      port_in_use "$p" || { HTTP_PORT=$p; break; }
    done
    [[ -n $HTTP_PORT ]] || { echo "demo: ports 8080-8099 are all in use; set DEMO_HTTP_PORT" >&2; exit 1; }
  fi
  say "tenantgate-server on 127.0.0.1:$HTTP_PORT (log $SERVER_LOG, access log $ACCESS_LOG)"
  WEB_ARGS=()
  [[ ! -f $BUILD_DIR/web/dist/index.html ]] || WEB_ARGS=(--web-root "$BUILD_DIR/web/dist")
  # The server connects as tenantgate_server (an authenticator, made by the seed; trust auth on
  # 127.0.0.1 in this private cluster). It holds no key: the database signs and verifies.
  nohup "$BUILD_DIR/server/tenantgate-server" \
    --db "host=127.0.0.1 port=$PGPORT dbname=$DEMO_DB user=tenantgate_server" \
    --listen "127.0.0.1:$HTTP_PORT" --pool-size 4 --access-log "$ACCESS_LOG" "${WEB_ARGS[@]}" \
    >"$SERVER_LOG" 2>&1 </dev/null &
  echo $! >"$SERVER_PID"
  for _ in $(seq 1 50); do
    curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz" && return 0
    kill -0 "$(cat "$SERVER_PID")" 2>/dev/null || break
    sleep 0.1
  done
  cat "$SERVER_LOG" >&2
  echo "demo: tenantgate-server did not start" >&2
  exit 1
}

# What `demo.sh env` prints: psql (PG* variables) and curl ($DEMO_URL) reach this demo. The
# README's and docs' blocks run in a shell that has evaluated it (tests/docs runs them so).
step_env() {
  cat >"$DEMO_ENV" <<EOF
PGHOST=127.0.0.1
PGPORT=$PGPORT
PGUSER=postgres
PGDATABASE=$DEMO_DB
DEMO_URL=http://127.0.0.1:$HTTP_PORT
EOF
}

# One login through the server, so that what is printed next is known to work.
step_check() {
  say "check: log in as bob@company1.test through the server"
  local answer
  answer=$(curl -s -w ' %{http_code}' -H 'Host: company1.localhost' -H 'Content-Type: application/json' \
    -d '{"email":"bob@company1.test","password":"bob-password-1"}' "http://127.0.0.1:$HTTP_PORT/auth/login")
  [[ $answer == *'"access_token"'*' 200' ]] || { echo "demo: login failed: $answer" >&2; exit 1; }
  echo "ok"
}

step_try() {
  local url="http://127.0.0.1:$HTTP_PORT"
  local h="-H 'Host: company1.localhost'"
  local json="-H 'Content-Type: application/json'"
  cat <<EOF

tenantgate demo is running: tenantgate-server on $url, PostgreSQL 15 on 127.0.0.1:$PGPORT
(database $DEMO_DB). Users: alice@company1.test (admin, alice-password-1), bob@company1.test
(staff, bob-password-1), flask@company1.test (imported passlib hash, password foo),
carol@company2.test (admin, carol-password-2), dave@company2.test (staff, dave-password-2).
EOF
  if (( ${#WEB_ARGS[@]} )); then
    cat <<EOF

The browser app (docs/web.md), one address per company (Chromium or Chrome: they resolve
*.localhost to this machine and treat it as a secure context):
  company1: http://company1.localhost:$HTTP_PORT/   (alice: admin, bob: staff)
  company2: http://company2.localhost:$HTTP_PORT/   (carol: admin, dave: staff)
EOF
  fi
  cat <<EOF

Try it (copy-paste into bash; the tenant comes from the Host header). In another shell,
eval "\$(bash scripts/demo.sh env)" points psql at the demo database and sets DEMO_URL; then the
SQL and shell blocks of README.md and docs/*.md run as written.

# log in as bob of company1, keep the two tokens in shell variables
PAIR=\$(curl -s $h $json -d '{"email":"bob@company1.test","password":"bob-password-1"}' $url/auth/login); echo "\$PAIR"
ACCESS=\$(printf '%s' "\$PAIR" | sed -E 's/.*"access_token": *"([^"]*)".*/\\1/'); REFRESH=\$(printf '%s' "\$PAIR" | sed -E 's/.*"refresh_token": *"([^"]*)".*/\\1/')

# who am I, and company1's rows (PostgREST-style filters, ordering, paging)
curl -s $h -H "Authorization: Bearer \$ACCESS" $url/auth/me; echo
curl -s $h -H "Authorization: Bearer \$ACCESS" $url/api/company_data; echo
curl -s $h -H "Authorization: Bearer \$ACCESS" '$url/api/company_data?select=id,title,amount&amount=gte.20&order=amount.desc&limit=2'; echo

# add a row, call a tenant function
curl -s $h $json -H "Authorization: Bearer \$ACCESS" -d '{"title":"made with curl","amount":3}' $url/api/company_data; echo
curl -s $h $json -H "Authorization: Bearer \$ACCESS" -d '{"min_amount":10}' $url/rpc/total_amount; echo

# the same token at company2 is refused (403), and staff cannot read salaries (403)
curl -s -H 'Host: company2.localhost' -H "Authorization: Bearer \$ACCESS" $url/api/company_data; echo
curl -s $h -H "Authorization: Bearer \$ACCESS" $url/api/salaries; echo

# refresh: a new pair; the old refresh token is spent
PAIR=\$(curl -s $h $json -d "{\\"refresh_token\\":\\"\$REFRESH\\"}" $url/auth/refresh); echo "\$PAIR"
ACCESS=\$(printf '%s' "\$PAIR" | sed -E 's/.*"access_token": *"([^"]*)".*/\\1/')

# log out (204), then the token is refused (401); a POST needs a Content-Length (-d '')
curl -s -o /dev/null -w '%{http_code}\\n' -d '' $h -H "Authorization: Bearer \$ACCESS" $url/auth/logout
curl -s $h -H "Authorization: Bearer \$ACCESS" $url/api/company_data; echo

# the user imported from the Flask app logs in with its old password
curl -s $h $json -d '{"email":"flask@company1.test","password":"foo"}' $url/auth/login; echo

# in SQL (psql as the cluster's superuser): sign a token with company1's key and verify it,
# and the Flask user's login as any SQL client (an authenticator) would do it
psql 'postgresql://postgres@127.0.0.1:$PGPORT/$DEMO_DB' -c "SELECT auth.verify(auth.sign('{\"sub\":\"demo\",\"tenant\":\"company1\",\"exp\":4102444800}'))"
psql 'postgresql://postgres@127.0.0.1:$PGPORT/$DEMO_DB' -c "SELECT auth.login('company1', 'flask@company1.test', 'foo')"

# the tenant's public keys, health and metrics
curl -s $h $url/.well-known/jwks.json; echo
curl -s $url/metrics | head -n 20

Logs: $SERVER_LOG (server), $ACCESS_LOG (one JSON line per request), $TG_LOG (PostgreSQL).
Stop it:
  bash scripts/demo.sh stop
EOF
}

stop_server() {
  [[ -f $SERVER_PID ]] || return 0
  local pid
  pid=$(cat "$SERVER_PID")
  if kill -0 "$pid" 2>/dev/null; then
    [[ ${1:-} == quiet ]] || say "stop tenantgate-server (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$SERVER_PID"
}

stop_cluster() {
  say "stop the private cluster"
  rm -f "$DEMO_ENV"
  bash "$ROOT/scripts/cluster.sh" stop "$CLUSTER_DIR"
}

print_env() {
  [[ -f $DEMO_ENV ]] || { echo "demo: not running (no $DEMO_ENV): bash scripts/demo.sh" >&2; exit 1; }
  sed -n 's/^\([A-Z_]*=[^ ]*\)$/export \1/p' "$DEMO_ENV"
}

case ${1:-start} in
  start)
    case ${2:-} in
      "") for step in "${DEMO_STEPS[@]}"; do "$step"; done ;;
      --prebuilt)
        for step in "${DEMO_STEPS[@]}"; do
          [[ $DEMO_PREBUILT_SKIPS == *" $step "* ]] || "$step"
        done ;;
      *) echo "usage: bash scripts/demo.sh start [--prebuilt]" >&2; exit 2 ;;
    esac ;;
  env) print_env ;;
  stop) for step in "${DEMO_STOP_STEPS[@]}"; do "$step"; done ;;
  *) echo "usage: bash scripts/demo.sh [start [--prebuilt]|env|stop]" >&2; exit 2 ;;
esac
