#!/usr/bin/env bash
# Self-test of scripts/cluster.sh, the safety net every database test relies on:
#   - a clean cluster passes check-log, and stop --check-log exits 0;
#   - a backend killed by SIGKILL is caught: check-log and stop --check-log exit 1;
#   - a data directory whose path is too long for a socket gets a short socket dir in /tmp,
#     removed again at stop;
#   - start refuses port 5432 and refuses to wipe a directory that holds no cluster;
#   - a second cluster in a build tree leaves the first one's data directory private.
#
#   selftest-cluster.sh WORKDIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cluster=$here/cluster.sh
work=${1:?usage: selftest-cluster.sh WORKDIR}
failures=0

check() {  # check "what" expected_status actual_status
  if [[ $2 == "$3" ]]; then
    echo "ok: $1"
  else
    echo "FAILED: $1 (exit $3, expected $2)"
    failures=$((failures + 1))
  fi
}

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd -P)
trap 'for d in "$work"/c "$work"/l*/c "$work"/tree/a "$work"/tree/b; do [[ -d $d ]] && bash "$cluster" stop "$d" >/dev/null 2>&1; done' EXIT

# 1. Clean run.
bash "$cluster" start "$work/c" --no-preload >/dev/null
check "start a cluster" 0 $?
set -a; . "$work/c/env"; set +a
"$TG_PG_BINDIR/psql" -X -qtA -c "SELECT 1" >/dev/null
check "connect through PGHOST/PGPORT from the env file" 0 $?
bash "$cluster" check-log "$work/c" >/dev/null 2>&1
check "check-log passes on a clean log" 0 $?

# 2. A backend killed by a signal.
"$TG_PG_BINDIR/psql" -X -qtA -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
sleeper=$!
pid=""
for _ in $(seq 50); do
  pid=$("$TG_PG_BINDIR/psql" -X -qtA -c "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'")
  [[ -n $pid ]] && break
  sleep 0.1
done
[[ -n $pid ]] && kill -KILL "$pid"
wait "$sleeper" 2>/dev/null
sleep 1
bash "$cluster" check-log "$work/c" >/dev/null 2>&1
check "check-log catches a backend killed by SIGKILL" 1 $?
bash "$cluster" stop "$work/c" --check-log >/dev/null 2>&1
check "stop --check-log fails after a crash" 1 $?
bash "$cluster" status "$work/c" >/dev/null 2>&1
check "status after stop says not running" 3 $?

# 3. A path too long for a unix socket.
long=$work/l$(printf 'x%.0s' $(seq 90))
bash "$cluster" start "$long/c" --no-preload >/dev/null
check "start under a ${#long}-byte path" 0 $?
sock=$(sed -n 's/^TG_SOCKDIR=//p' "$long/c/env")
[[ $sock == /tmp/tgpg.* && -S $sock/.s.PGSQL.$(sed -n 's/^PGPORT=//p' "$long/c/env") ]]
check "the socket is in a short /tmp directory" 0 $?
bash "$cluster" stop "$long/c" --check-log >/dev/null
check "stop --check-log after a clean run" 0 $?
[[ ! -e $sock ]]
check "the short socket directory is removed at stop" 0 $?

# 4. Refusals.
bash "$cluster" start "$work/p" --no-preload --port 5432 >/dev/null 2>&1
check "refuses port 5432" 1 $?
mkdir -p "$work/precious" && touch "$work/precious/keep"
bash "$cluster" start "$work/precious" --no-preload >/dev/null 2>&1
check "refuses to wipe a directory that is not a cluster" 1 $?
[[ -f $work/precious/keep ]]
check "the directory's files are still there" 0 $?

# 5. Two clusters in one build tree: starting the second opens the tree to the server's OS user
#    but not the first one's data directory (PostgreSQL would refuse to start on it again).
tree=$work/tree
mkdir -p "$tree" && touch "$tree/CMakeCache.txt"
bash "$cluster" start "$tree/a" --no-preload >/dev/null
check "start a cluster in a build tree" 0 $?
bash "$cluster" start "$tree/b" --no-preload >/dev/null
check "start a second cluster in the same tree" 0 $?
[[ $(stat -c %a "$tree/a/data") == 700 ]]
check "the first cluster's data directory is still 0700" 0 $?
if [[ $(id -u) == 0 ]]; then
  [[ -n $(find "$tree/CMakeCache.txt" -perm -o+r) ]]
  check "the rest of the tree is readable by others" 0 $?
  set -a; . "$tree/a/env"; set +a
  runuser -u "$(stat -c %U "$tree/a/data")" -- "$TG_PG_BINDIR/pg_ctl" -D "$tree/a/data" restart -w \
    -l "$tree/a/log" >/dev/null 2>&1
  check "the first cluster restarts" 0 $?
fi
bash "$cluster" stop "$tree/b" >/dev/null
bash "$cluster" stop "$tree/a" --check-log >/dev/null
check "stop the first cluster after the restart" 0 $?

if (( failures )); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
