#!/usr/bin/env bash
# µs per auth.verify for the 13 JWS algorithms, beside raw OpenSSL on the same tokens and keys
# and, for HS256, beside a plpgsql + pgcrypto verifier (bench/plpgsql_hs256.sql).
#
#   bash bench/run.sh            (BUILD_DIR=./build, BENCH_TOKENS=20000, BENCH_REPS=5, BENCH_TRIO_REPS=9)
#
# Builds and installs the extension, starts its own private cluster in $BUILD_DIR/bench-cluster
# (stopped at the end), lets the database sign BENCH_TOKENS distinct tokens per algorithm with
# keys made by tg_openssl_verify (auth.add_key), then times ONE statement per run,
# `SELECT count(auth.verify(t)) FROM toks_<alg>`, between two clock_timestamp() readings, and
# reports the median of BENCH_REPS runs. tg_openssl_verify times the same tokens with the same
# keys through EVP alone, one run after each timed SQL statement (interleaved: same load). The table goes to stdout and to bench/results/<UTC time>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)

BUILD_DIR=${BUILD_DIR:-$ROOT/build}
N=${BENCH_TOKENS:-20000}
REPS=${BENCH_REPS:-5}
TRIO_REPS=${BENCH_TRIO_REPS:-9}  # rounds of the HS256 auth.verify / plpgsql comparison
ALGS=(HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA)
CLUSTER=$BUILD_DIR/bench-cluster
WORK=$BUILD_DIR/bench-work
DB=tg_bench

say() { echo "== bench: $*" >&2; }

build() {
  say "build and install ($BUILD_DIR)"
  # Measured without the tests' jsonb cross-check (scripts/test.sh turns it on in the same tree).
  cmake -S "$ROOT" -B "$BUILD_DIR" -DTG_JSONB_CROSSCHECK=OFF >/dev/null
  cmake --build "$BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)" \
        --target tenantgate tenantgate_sql tg_openssl_verify >/dev/null
  cmake --install "$BUILD_DIR" >/dev/null
}

start_cluster() {
  bash "$ROOT/scripts/cluster.sh" start "$CLUSTER" >&2
  trap 'bash "$ROOT/scripts/cluster.sh" stop "$CLUSTER" --check-log >&2' EXIT
  set -a; . "$CLUSTER/env"; set +a
}

q() { "$TG_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

setup_database() {
  say "database $DB: tenantgate, pgcrypto, the plpgsql baseline"
  "$TG_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB"
  q -c "CREATE EXTENSION tenantgate" -c "CREATE EXTENSION pgcrypto"
  q -f "$ROOT/bench/plpgsql_hs256.sql"
}

make_keys_and_tokens() {
  rm -rf "$WORK"
  mkdir -p "$WORK"
  "$BUILD_DIR/bench/tg_openssl_verify" keygen "$WORK"
  local alg
  for alg in "${ALGS[@]}"; do
    # psql interpolates :'var' (quoted safely) only in what it reads, not in -c.
    echo "SELECT auth.add_key(:'kid', :'alg', :'key')" |
      q -v kid="bench-$alg" -v alg="$alg" -v key="$(cat "$WORK/$alg.key")" >/dev/null
  done
  say "signing $N tokens per algorithm in the database"
  # Two signing sessions at a time: RSA signing dominates the setup.
  local pids=() group
  for group in "HS256 HS384 HS512 RS256 RS384 RS512 ES256" "PS256 PS384 PS512 ES384 ES512 EdDSA"; do
    (
      for alg in $group; do
        local table="toks_${alg,,}"
        q -c "CREATE TABLE $table AS
                SELECT auth.sign(pg_catalog.jsonb_build_object(
                         'sub', 'user-' || i, 'n', i,
                         'iat', extract(epoch FROM now())::bigint,
                         'exp', extract(epoch FROM now())::bigint + 86400), 'bench-$alg') AS t
                FROM pg_catalog.generate_series(1, $N) AS i" \
          -c "ANALYZE $table" \
          -c "\\copy $table TO '$WORK/$alg.tokens'"
      done
    ) &
    pids+=($!)
  done
  local pid
  for pid in "${pids[@]}"; do wait "$pid"; done
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# time_sql SQL: median over REPS runs of bench.us_per_row(SQL), all in ONE session after an
# untimed warm-up run: a new backend loads and parses every key once (13 keys: ~0.1 s), which
# is a per-connection cost, not a per-verify one.
time_sql() {
  local sql=$1 r
  {
    echo "SELECT bench.us_per_row(:'s') \\g /dev/null"
    for (( r = 0; r < REPS; r++ )); do echo "SELECT bench.us_per_row(:'s');"; done
  } | q -tA -v s="$sql" | median
}

# time_alg ALG: SQL and raw OpenSSL figures for one algorithm, INTERLEAVED — in one session, each
# of the REPS timed statements is followed by one tg_openssl_verify run (psql's \!), so both
# sides of the ratio see the same load on a shared machine. Prints "<sql median> <openssl median>".
time_alg() {
  local alg=$1 raw=$WORK/$1.raw r sql
  : >"$raw"
  sql=$({
    echo "SELECT bench.us_per_row(:'s') \\g /dev/null"
    for (( r = 0; r < REPS; r++ )); do
      echo "SELECT bench.us_per_row(:'s');"
      echo "\\! '$BUILD_DIR/bench/tg_openssl_verify' verify '$WORK' 1 $alg >>'$raw'"
    done
  } | q -tA -v s="SELECT count(auth.verify(t)) FROM toks_${alg,,}" | median)
  echo "$sql $(awk '{ print $2 }' "$raw" | median)"
}

main() {
  [[ ${BENCH_SKIP_BUILD:-0} == 1 ]] || build
  start_cluster
  setup_database
  make_keys_and_tokens

  say "timing auth.verify and raw OpenSSL, interleaved ($REPS runs of $N tokens each)"
  declare -A sql_us raw_us
  local alg
  for alg in "${ALGS[@]}"; do
    read -r sql_us[$alg] raw_us[$alg] < <(time_alg "$alg")
    say "$alg: auth.verify ${sql_us[$alg]} µs, OpenSSL ${raw_us[$alg]} µs"
  done
  local secret scan plpg lean hs_again ratio_p ratio_l trio=$WORK/hs256.trio r
  secret=$(cat "$WORK/HS256.key")
  say "timing the plpgsql + pgcrypto HS256 verifiers, interleaved with auth.verify"
  # One session: after a warm-up of each, every round times auth.verify, the pgjwt-steps
  # baseline and the lean one, one after the other, so the HS256 ratios compare like with like.
  {
    for v in a p l; do echo "SELECT bench.us_per_row(:'$v') \\g /dev/null"; done
    for (( r = 0; r < TRIO_REPS; r++ )); do
      for v in a p l; do echo "SELECT '$v', bench.us_per_row(:'$v');"; done
    done
  } | q -tA -F ' ' -v a="SELECT count(auth.verify(t)) FROM toks_hs256" \
      -v p="SELECT count(bench.plpgsql_verify_hs256(t, convert_to('$secret', 'UTF8'))) FROM toks_hs256" \
      -v l="SELECT count(bench.plpgsql_verify_hs256_lean(t, convert_to('$secret', 'UTF8'))) FROM toks_hs256" >"$trio"
  hs_again=$(awk '$1 == "a" { print $2 }' "$trio" | median)
  plpg=$(awk '$1 == "p" { print $2 }' "$trio" | median)
  lean=$(awk '$1 == "l" { print $2 }' "$trio" | median)
  # Paired: each round's baseline over the auth.verify timed just before it, then the median of
  # those ratios — a load change between rounds moves both figures of a round alike.
  ratio_p=$(awk '$1 == "a" { a = $2 } $1 == "p" { print $2 / a }' "$trio" | median)
  ratio_l=$(awk '$1 == "a" { a = $2 } $1 == "l" { print $2 / a }' "$trio" | median)
  # count(t) reads no byte of the token: the scan and the aggregate alone. (length(t) would
  # count UTF-8 characters, ~0.4 µs per token, more than a third of auth.verify itself.)
  scan=$(time_sql "SELECT count(t) FROM toks_hs256")

  mkdir -p "$ROOT/bench/results"
  local out commit
  out=$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ).txt
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$ROOT" diff --quiet HEAD -- extension 2>/dev/null || commit="$commit+uncommitted changes in extension/"
  {
    echo "tenantgate bench: $N tokens per algorithm, median of $REPS runs, $(nproc) cores, $(date -u '+%F %T') UTC"
    echo "PostgreSQL: $("$TG_PG_BINDIR/postgres" --version); $(openssl version 2>/dev/null || echo OpenSSL 3)"
    echo "extension built from commit $commit; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    printf '%-6s %14s %14s %8s\n' alg "SQL µs/verify" "OpenSSL µs" "ratio"
    for alg in "${ALGS[@]}"; do
      awk -v a="$alg" -v s="${sql_us[$alg]}" -v r="${raw_us[$alg]:-nan}" \
        'BEGIN { printf "%-6s %14.2f %14.2f %8.2f\n", a, s, r, (r > 0 ? s / r : 0) }'
    done
    echo
    awk -v p="$plpg" -v l="$lean" -v s="$hs_again" -v c="$scan" -v rp="$ratio_p" -v rl="$ratio_l" -v n="$TRIO_REPS" 'BEGIN {
      printf "HS256, interleaved with the plpgsql verifiers (%d rounds): auth.verify %.2f µs/verify\n", n, s
      printf "  plpgsql+pgcrypto, pgjwt steps (bench.plpgsql_verify_hs256): %.2f µs/verify; auth.verify is %.1fx faster (median of per-round ratios: %.1fx)\n", p, p / s, rp
      printf "  plpgsql+pgcrypto, lean variant (bench.plpgsql_verify_hs256_lean): %.2f µs/verify; auth.verify is %.1fx faster (median of per-round ratios: %.1fx)\n", l, l / s, rl
      printf "(every SQL figure includes the scan and count(): %.2f µs/row for count(t))\n", c }'
  } | tee "$out"
  say "saved $out"
}

main "$@"
