#!/usr/bin/env bash
# The C++ formatter, by the committed .clang-format, over every C++ file under extension/,
# server/, tests/ and bench/. clang-format-14 exactly: another major formats differently.
#
#   bash scripts/format.sh check    exits 1 and shows the first differences if a file is off
#                                   (CTest: format_check)
#   bash scripts/format.sh apply    rewrites the files in place
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$CLANG_FORMAT" >/dev/null; then
  echo "format.sh: $CLANG_FORMAT not found (scripts/deps.sh installs it)" >&2
  exit 1
fi
mapfile -d '' files < <(find extension server tests bench -type f \
  \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cc' \) -print0 | sort -z)
case $mode in
  check) exec "$CLANG_FORMAT" --style=file --dry-run --Werror "${files[@]}" ;;
  apply) exec "$CLANG_FORMAT" --style=file -i "${files[@]}" ;;
  *) echo "usage: $0 check|apply" >&2; exit 2 ;;
esac
