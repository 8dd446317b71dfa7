#!/usr/bin/env bash
# JWT-37 timing side channels of the HS256 signature check, two ways (not part of ctest):
#  1. wall clock: tg_timing_mac interleaves the cases over many rounds and prints medians and
#     ratios (noisy on a shared machine; ratios near 1.00 expected);
#  2. instruction counts under valgrind (callgrind): the same case with 0, 16, 31 and 32 right
#     leading bytes must execute the same number of instructions per call in tg::core; a naive
#     early-exit loop, the control, shows that the method sees a data-dependent compare.
#     Per call = (count with N calls - count with 0 calls) / N, so set-up work cancels out.
#   bash bench/timing.sh [BUILD_DIR]      (default ./build; builds tg_timing_mac)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
[[ -n ${TG_TIMING_BIN:-} ]] || cmake --build "$BUILD_DIR" --target tg_timing_mac >/dev/null
bin=${TG_TIMING_BIN:-$BUILD_DIR/bench/tg_timing_mac}
"$bin" 41
echo
echo "Instructions per call under valgrind --tool=callgrind (same binary and inputs; deterministic):"
count() {  # kind prefix iterations -> instructions of the whole run
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" one "$1" "$2" "$3" 2>&1 >/dev/null |
    grep -oE 'Collected : [0-9]+' | grep -oE '[0-9]+$'
}
printf '%-8s %14s %18s\n' kind "right bytes" "instructions/call"
for kind in ct naive verify; do
  n=20000; [[ $kind == verify ]] && n=2000
  for prefix in 0 16 31 32; do
    per_call=$(awk -v a="$(count "$kind" "$prefix" "$n")" -v b="$(count "$kind" "$prefix" 0)" -v n="$n" \
               'BEGIN { printf "%.2f", (a - b) / n }')
    printf '%-8s %14s %18s\n' "$kind" "$prefix" "$per_call"
  done
done
