#!/usr/bin/env bash
# The README's demo command.
#
#   bash scripts/demo.sh          install what is missing, build, install the extension,
#                                 start a private PostgreSQL 15 cluster under build/demo-cluster,
#                                 set up the demo database and print how to try it
#   bash scripts/demo.sh stop     stop everything the demo started
#
# Each step is one function, run in the order of DEMO_STEPS; what `stop` undoes is in
# DEMO_STOP_STEPS (reverse order). Steps share state through the variables below and the
# cluster's env file ($CLUSTER_DIR/env). Knobs: BUILD_DIR (default ./build), DEMO_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)

BUILD_DIR=${BUILD_DIR:-$ROOT/build}
CLUSTER_DIR=$BUILD_DIR/demo-cluster
DEMO_DB=tenantgate_demo

DEMO_STEPS=(step_deps step_build step_install step_cluster step_database step_keys step_try)
DEMO_STOP_STEPS=(stop_cluster)

say() { echo "==== demo: $*"; }

# psql against the demo cluster, as its superuser; extra arguments are psql's.
demo_psql() {
  "$TG_PG_BINDIR/psql" -X -v ON_ERROR_STOP=1 -q "$@"
}

load_cluster_env() {
  [[ -f $CLUSTER_DIR/env ]] || { echo "demo: no cluster in $CLUSTER_DIR" >&2; exit 1; }
  set -a; . "$CLUSTER_DIR/env"; set +a
}

step_deps() {
  say "Debian packages"
  bash "$ROOT/scripts/deps.sh"
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

step_build() {
  say "build ($BUILD_DIR, log in $BUILD_DIR/demo-build.log)"
  : >"$BUILD_DIR/demo-build.log" 2>/dev/null || true
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  quietly cmake -S "$ROOT" -B "$BUILD_DIR"
  quietly cmake --build "$BUILD_DIR" -j "$jobs" --target tenantgate tenantgate_sql
  if cmake --build "$BUILD_DIR" --target help 2>/dev/null | grep -q 'tenantgate-server'; then
    quietly cmake --build "$BUILD_DIR" -j "$jobs" --target tenantgate-server
  fi
}

step_install() {
  say "install the extension into PostgreSQL 15"
  quietly cmake --install "$BUILD_DIR"
}

step_cluster() {
  say "private cluster in $CLUSTER_DIR"
  local port_args=()
  [[ -z ${DEMO_PORT:-} ]] || port_args=(--port "$DEMO_PORT")
  bash "$ROOT/scripts/cluster.sh" start "$CLUSTER_DIR" "${port_args[@]}"
  load_cluster_env
}

step_database() {
  say "database $DEMO_DB with the extension"
  demo_psql -d postgres -c "CREATE DATABASE $DEMO_DB"
  demo_psql -d "$DEMO_DB" -c "CREATE EXTENSION tenantgate"
  export PGDATABASE=$DEMO_DB
}

step_keys() {
  say "a signing key (ES256, made inside the database)"
  DEMO_KID=$(demo_psql -d "$DEMO_DB" -tA -c "SELECT auth.generate_key('ES256')")
  echo "kid: $DEMO_KID"
}

step_try() {
  local url="postgresql://postgres@127.0.0.1:$PGPORT/$DEMO_DB"
  local sql="SELECT auth.verify(auth.sign(jsonb_build_object('sub','demo','exp',extract(epoch FROM now())::bigint + 300)))"
  say "sign and verify a token"
  demo_psql -d "$DEMO_DB" -c "$sql"
  cat <<EOF

tenantgate demo is running (PostgreSQL 15 on 127.0.0.1:$PGPORT, database $DEMO_DB).
Try it:
  psql '$url' -c "$sql"
  psql '$url' -c "SELECT auth.jwks()"
Stop it:
  bash scripts/demo.sh stop
EOF
}

stop_cluster() {
  say "stop the private cluster"
  bash "$ROOT/scripts/cluster.sh" stop "$CLUSTER_DIR"
}

case ${1:-start} in
  start) for step in "${DEMO_STEPS[@]}"; do "$step"; done ;;
  stop) for step in "${DEMO_STOP_STEPS[@]}"; do "$step"; done ;;
  *) echo "usage: bash scripts/demo.sh [start|stop]" >&2; exit 2 ;;
esac
