#!/usr/bin/env bash
# clang-tidy-14 with the committed .clang-tidy over every C++ source of extension/ and server/,
# compiled as the build compiles it (BUILD_DIR/compile_commands.json). Exits non-zero on any
# finding. CTest: tidy_check. Tests, fuzzers and benches are left out: GoogleTest's macros
# trip checks the project's own code does not.
#
#   bash scripts/tidy.sh [BUILD_DIR]        (default ./build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-${BUILD_DIR:-build}}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy-14}
if ! command -v "$CLANG_TIDY" >/dev/null; then
  echo "tidy.sh: $CLANG_TIDY not found (scripts/deps.sh installs it)" >&2
  exit 1
fi
if [[ ! -f $BUILD_DIR/compile_commands.json ]]; then
  echo "tidy.sh: $BUILD_DIR/compile_commands.json missing (configure with cmake first)" >&2
  exit 1
fi
mapfile -t files < <(find extension server -type f -name '*.cpp' | sort)
jobs=$(nproc 2>/dev/null || echo 2)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
printf '%s\n' "${files[@]}" |
  xargs -P "$jobs" -n 4 "$CLANG_TIDY" -p "$BUILD_DIR" --quiet >"$log" 2>/dev/null || rc=$?
if (( rc != 0 )) || grep -q 'warning:\|error:' "$log"; then
  cat "$log"
  echo "tidy.sh: findings above (rc=$rc)" >&2
  exit 1
fi
echo "tidy.sh: ${#files[@]} files clean"
