#!/usr/bin/env bash
# CTest citus_build: Citus from the vendored sources when it is missing (see CMakeLists.txt).
#   build_citus.sh SHARED_DIR        exit 0 installed (or already there), 77 skipped, else failed
set -euo pipefail
shared=${1:?usage: build_citus.sh SHARED_DIR}
pg_config=${PG_CONFIG:-pg_config}
if [[ -f "$($pg_config --pkglibdir)/citus.so" && -f "$($pg_config --sharedir)/extension/citus.control" ]]; then
  echo "citus_build: Citus is installed in $($pg_config --pkglibdir)"
  exit 0
fi
skip() { echo "citus_build: SKIP — $* (citus_suite will skip too)"; exit 77; }
[[ ${TG_SKIP_CITUS_BUILD:-0} != 1 ]] || skip "TG_SKIP_CITUS_BUILD=1"
[[ -f $shared/tools/build-citus.sh ]] || skip "no $shared/tools/build-citus.sh"
compgen -G "$shared/vendor/citus-*.tar.gz" >/dev/null || skip "no Citus sources in $shared/vendor"
[[ $(id -u) -eq 0 ]] || skip "installing Citus into the system PostgreSQL needs root"
# Below the other tests in priority: the build takes both cores for minutes.
exec nice -n 10 bash "$shared/tools/build-citus.sh"
