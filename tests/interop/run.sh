#!/usr/bin/env bash
# Interop suite: independent JOSE libraries from the npm registry (jose, jsonwebtoken; pg as
# the client) against tenantgate in a database of its own on the running test cluster.
#   run.sh WORK_DIR        (TG_CLUSTER_ENV names the cluster's env file; set by CTest)
# The packages are installed from package-lock.json into WORK_DIR (npm ci), never into the
# source tree.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
work=${1:?usage: run.sh WORK_DIR}
set -a; . "${TG_CLUSTER_ENV:?}"; set +a

mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/interop.mjs" "$work/"
if ! cmp -s "$here/package-lock.json" "$work/node_modules/.tg-lock" 2>/dev/null; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error) || { echo "interop: npm ci failed (the npm registry must be reachable)"; exit 1; }
  cp "$here/package-lock.json" "$work/node_modules/.tg-lock"
fi

db=tg_interop
psql() { "$TG_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d "$1" "${@:2}"; }
psql postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql "$db" -c "CREATE EXTENSION tenantgate"
cd "$work"
DATABASE_URL="postgresql://${PGUSER}@${PGHOST}:${PGPORT}/${db}" node interop.mjs
status=$?
# tenant roles are cluster-wide: drop the tenant before the database
psql "$db" -c "SELECT auth.drop_tenant('interop-co')" >/dev/null 2>&1 || true
psql postgres -c "DROP DATABASE IF EXISTS $db"
exit $status
