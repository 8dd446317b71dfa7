#!/usr/bin/env bash
# The README's test command: every test of the project, from a fresh machine.
#
#   bash scripts/test.sh [BUILD_DIR]        (default ./build; also $BUILD_DIR)
#
# deps.sh (missing Debian packages) → cmake configure → build → cmake --install (the
# extension into this machine's PostgreSQL 15) → ctest, which starts and stops its own
# private clusters. Exits with ctest's status. Knobs: TG_CTEST_JOBS (parallel tests),
# TG_TEST_TIMEOUT (seconds for a test that sets no TIMEOUT itself), TG_CMAKE_ARGS
# (extra configure arguments), and any ctest arguments after `--` (e.g. -- -R regress_).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)

BUILD_DIR=${BUILD_DIR:-build}
ctest_extra=()
while (( $# )); do
  case $1 in
    --) shift; ctest_extra=("$@"); break ;;
    *) BUILD_DIR=$1 ;;
  esac
  shift
done
mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd -P)

cores=$(nproc 2>/dev/null || echo 2)
JOBS=${TG_CTEST_JOBS:-$(( cores * 2 ))}
TIMEOUT=${TG_TEST_TIMEOUT:-900}
t0=$(date +%s)
phase() { echo; echo "==== test.sh: $* ($(( $(date +%s) - t0 )) s) ===="; }

# Whatever ctest leaves running if it is interrupted is stopped here.
cleanup() {
  for c in cluster cluster_nopreload; do
    [[ -d $BUILD_DIR/$c ]] && bash "$ROOT/scripts/cluster.sh" stop "$BUILD_DIR/$c" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

phase "dependencies"
bash "$ROOT/scripts/deps.sh"

phase "configure $BUILD_DIR"
# shellcheck disable=SC2086
# The tests' build compares every jsonb the extension writes itself with jsonb_in's bytes.
cmake -S "$ROOT" -B "$BUILD_DIR" -DTG_JSONB_CROSSCHECK=ON ${TG_CMAKE_ARGS:-}

phase "build"
cmake --build "$BUILD_DIR" -j "$cores"
t_build=$(( $(date +%s) - t0 ))

phase "install the extension"
cmake --install "$BUILD_DIR"

phase "ctest -j $JOBS"
log=$BUILD_DIR/ctest.log
rc=0
ctest --test-dir "$BUILD_DIR" --output-on-failure --no-tests=error \
      -j "$JOBS" --timeout "$TIMEOUT" "${ctest_extra[@]}" 2>&1 | tee "$log" || rc=$?
(( rc == 0 )) || rc=1
t_all=$(( $(date +%s) - t0 ))

echo
echo "==== test.sh summary: build ready after ${t_build} s, finished after ${t_all} s; log $log ===="
# The closing lines stay ctest's own, for whoever reads only the end.
grep -E '^[0-9]+% tests passed' "$log" | tail -n1 || echo "ctest did not report a result"
exit "$rc"
