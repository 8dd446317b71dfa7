#!/usr/bin/env bash
# The soak of tenantgate-server (issue 12 point 4; what it does and checks: tests/soak/soak.py).
#
#   tests/soak/run.sh [--duration S] [--clients N] [--server BIN] [--dir DIR]
#
# Defaults: 600 s, 16 clients, build/server/tenantgate-server, a new directory under /tmp (kept:
# the server's logs, its access logs and soak-summary.json with the figures). Starts a private
# PostgreSQL cluster on a free loopback port (scripts/cluster.sh), which the run restarts twice,
# and stops it at the end (failing when its log shows a crashed backend). tenantgate must be
# installed into PostgreSQL first (cmake --install build). CTest soak_short runs it for 75 s.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=600 clients=16 server=$root/build/server/tenantgate-server dir=""
while (($#)); do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x $server ]] || { echo "run.sh: no server binary at $server (build it, or pass --server)" >&2; exit 2; }
[[ -n $dir ]] || dir=$(mktemp -d /tmp/tg-soak-XXXXXX)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -f "$dir"/server-*.log "$dir"/access-*.log "$dir"/access-*.log.1 "$dir"/soak-summary.json
cluster=$dir/cluster
trap 'bash "$root/scripts/cluster.sh" stop "$cluster" >/dev/null 2>&1 || true' EXIT
bash "$root/scripts/cluster.sh" start "$cluster"
rc=0
python3 "$here/soak.py" --server "$server" --env "$cluster/env" --dir "$dir" \
  --duration "$duration" --clients "$clients" || rc=$?
bash "$root/scripts/cluster.sh" stop "$cluster" --check-log || rc=1
echo "run.sh: logs and soak-summary.json in $dir"
exit $rc
