#!/usr/bin/env bash
# Runs ONE pg_regress test file against a running private cluster (scripts/cluster.sh).
#
#   run-regress.sh --env FILE --pg-regress PATH --inputdir DIR --outputdir DIR NAME
#
# DIR/sql/NAME.sql is compared with DIR/expected/NAME.out in its own database
# tg_regress_NAME, which pg_regress drops (if left over) and creates. Unless the file
# creates the extension itself (a line `CREATE EXTENSION [IF NOT EXISTS] tenantgate`),
# pg_regress creates it first (--load-extension=tenantgate). On failure the diffs and
# the end of the server log are printed, so CTest's --output-on-failure shows them.
# Tests share helpers from DIR/helpers (\i helpers/NAME.sql).
set -euo pipefail

env_file="" pg_regress="" inputdir="" outputdir="" name=""
while (( $# )); do
  case $1 in
    --env) env_file=$2; shift ;;
    --pg-regress) pg_regress=$2; shift ;;
    --inputdir) inputdir=$2; shift ;;
    --outputdir) outputdir=$2; shift ;;
    -*) echo "run-regress.sh: unknown option $1" >&2; exit 2 ;;
    *) name=$1 ;;
  esac
  shift
done
for v in env_file pg_regress inputdir outputdir name; do
  [[ -n ${!v} ]] || { echo "run-regress.sh: --${v//_/-} missing" >&2; exit 2; }
done
[[ -f $env_file ]] || { echo "run-regress.sh: $env_file missing: is the cluster fixture running?" >&2; exit 1; }
set -a; . "$env_file"; set +a

sql=$inputdir/sql/$name.sql
[[ -f $sql ]] || { echo "run-regress.sh: $sql missing" >&2; exit 2; }

load=(--load-extension=tenantgate)
if grep -Eiq '^[[:space:]]*create[[:space:]]+extension[[:space:]]+(if[[:space:]]+not[[:space:]]+exists[[:space:]]+)?"?tenantgate"?' "$sql"; then
  load=()
fi

rm -rf "$outputdir"
mkdir -p "$outputdir"
[[ $pg_regress == /* ]] || pg_regress=$PWD/$pg_regress
inputdir=$(cd "$inputdir" && pwd -P)
outputdir=$(cd "$outputdir" && pwd -P)
rc=0
# From the input directory: psql reads the test from stdin, so a test's `\i helpers/try.sql`
# is relative to the working directory.
cd "$inputdir"
"$pg_regress" \
  --bindir="$TG_PG_BINDIR" \
  --host="$PGHOST" --port="$PGPORT" --user="$PGUSER" \
  --inputdir="$inputdir" --outputdir="$outputdir" \
  --dbname="tg_regress_$name" "${load[@]}" \
  "$name" || rc=$?

if (( rc != 0 )); then
  if [[ ! -f $inputdir/expected/$name.out && -f $outputdir/results/$name.out ]]; then
    echo "==== no $inputdir/expected/$name.out; the output was ($outputdir/results/$name.out): ===="
    cat "$outputdir/results/$name.out"
  fi
  if [[ -f $outputdir/regression.diffs ]]; then
    echo "==== $outputdir/regression.diffs ===="
    cat "$outputdir/regression.diffs"
  fi
  if [[ -r ${TG_LOG:-} ]]; then
    echo "==== last lines of $TG_LOG ===="
    tail -n 40 "$TG_LOG"
  fi
fi
exit "$rc"
