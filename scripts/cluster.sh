#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for tests, the demo and the benchmarks.
#
#   cluster.sh start DIR [--no-preload] [--port N] [--create-extension]
#                    [--preload LIST] [--set NAME=VALUE ...]
#                                                    fresh cluster in DIR (DIR is wiped first);
#                                                    --create-extension also runs CREATE EXTENSION
#                                                    tenantgate in a database tg_fixture;
#                                                    --preload sets shared_preload_libraries (e.g.
#                                                    citus,tenantgate: Citus must come first),
#                                                    --set adds a postgresql.conf line
#   cluster.sh stop DIR [--check-log]                stop it; with --check-log fail on a crash
#   cluster.sh status DIR                            running or not, and its settings
#   cluster.sh check-log DIR                         exit 1 if the server log shows a crash
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to the OS user
# `tenantgate` (created when missing); otherwise it runs as the calling user.
# Layout: DIR/data (PGDATA), DIR/log (server log), DIR/env (KEY=value lines, one per
# line, no quotes: PGHOST PGPORT PGUSER PGDATABASE PGDATA DATABASE_URL TG_SOCKDIR
# TG_CLUSTER_DIR TG_PG_BINDIR TG_LOG — read it with `set -a; . DIR/env; set +a`).
# The server listens on 127.0.0.1 only (trust auth) and on a socket in DIR, or in a
# short mktemp directory under /tmp when DIR is too long for a socket path (107 bytes).
# Environment: PG_CONFIG (default pg_config) picks the PostgreSQL installation.
# `start` refuses to run unless tenantgate is installed (control file, and the .so when
# preloading); TG_SKIP_INSTALL_CHECK=1 skips that, for testing this script alone.
set -euo pipefail

OS_USER=tenantgate
PORT_LOCK=/tmp/tenantgate-cluster.$(id -u).lock   # serializes port choice + start (per user)

die() { echo "cluster.sh: $*" >&2; exit 1; }

pg_bindir() {
  local b=""
  if command -v "${PG_CONFIG:-pg_config}" >/dev/null 2>&1; then
    b=$("${PG_CONFIG:-pg_config}" --bindir)
  fi
  [[ -x "$b/initdb" ]] || b=/usr/lib/postgresql/15/bin
  [[ -x "$b/initdb" ]] || die "initdb not found (install postgresql-15, or set PG_CONFIG)"
  echo "$b"
}

pg_sharedir() {
  if command -v "${PG_CONFIG:-pg_config}" >/dev/null 2>&1; then
    "${PG_CONFIG:-pg_config}" --sharedir
  else
    echo /usr/share/postgresql/15
  fi
}

pg_pkglibdir() {
  if command -v "${PG_CONFIG:-pg_config}" >/dev/null 2>&1; then
    "${PG_CONFIG:-pg_config}" --pkglibdir
  else
    echo /usr/lib/postgresql/15/lib
  fi
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command as the cluster's owner, from a directory that owner can enter.
as_owner() {
  if is_root; then
    (cd / && runuser -u "$OS_USER" -- "$@" 9>&-)
  else
    (cd / && "$@" 9>&-)
  fi
}

ensure_os_user() {
  is_root || return 0
  id "$OS_USER" >/dev/null 2>&1 && return 0
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
          --shell /usr/sbin/nologin "$OS_USER" 2>/dev/null || id "$OS_USER" >/dev/null 2>&1 \
    || die "could not create the OS user $OS_USER"
}

# The data directory belongs to $OS_USER: every ancestor must be traversable by it, and
# a build tree (a directory holding CMakeCache.txt) readable, so the server can reach
# files the tests hand it.
open_path_for_owner() {
  is_root || return 0
  local dir=$1 p
  p=$(dirname "$dir")
  while [[ "$p" != "/" ]]; do
    [[ -n $(find "$p" -maxdepth 0 -perm -o+x) ]] || chmod o+x "$p"
    p=$(dirname "$p")
  done
  local parent
  parent=$(dirname "$dir")
  [[ -f "$parent/CMakeCache.txt" ]] || return 0
  # Not into the data directories of other clusters in the same tree (the demo's, a test's
  # running next to this one): their files are nobody else's business, and PostgreSQL refuses
  # to start again on a data directory others can read.
  local -a skip=()
  local d
  while IFS= read -r -d '' d; do
    skip+=(-path "$d" -o)
  done < <(find "$parent" -path '*/base' -prune -o -name PG_VERSION -type f -printf '%h\0' 2>/dev/null)
  if ((${#skip[@]} == 0)); then
    chmod -R o+rX "$parent" 2>/dev/null || true
    return 0
  fi
  unset 'skip[${#skip[@]}-1]'  # the last -o
  find "$parent" \( "${skip[@]}" \) -prune -o -exec chmod o+rX {} + 2>/dev/null || true
}

port_is_free() {
  local port=$1
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$port" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
  else
    ! ss -Htan "sport = :$port" 2>/dev/null | grep -q .
  fi
}

# A free port outside the system cluster's 5432 and the engineers' dev ranges.
pick_port() {
  local tries=0 port
  while (( tries < 200 )); do
    port=$(( 56000 + (RANDOM % 8000) ))
    if port_is_free "$port"; then echo "$port"; return 0; fi
    tries=$((tries + 1))
  done
  die "no free port found"
}

abspath() { if [[ -d $1 ]]; then (cd "$1" && pwd -P); else echo "$1"; fi; }

env_get() {  # env_get DIR KEY
  local f=$1/env
  [[ -f $f ]] || return 0
  sed -n "s/^$2=//p" "$f" | head -n1
}

is_running() {
  local dir=$1
  [[ -f "$dir/data/postmaster.pid" ]] || return 1
  as_owner "$(pg_bindir)/pg_ctl" status -D "$dir/data" >/dev/null 2>&1
}

stop_server() {
  local dir=$1 bindir
  bindir=$(pg_bindir)
  if [[ -d "$dir/data" ]] && is_running "$dir"; then
    as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >/dev/null 2>&1 \
      || as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -w -t 30 >/dev/null 2>&1 \
      || die "could not stop the cluster in $dir"
  fi
  local sock
  sock=$(env_get "$dir" TG_SOCKDIR)
  if [[ -n "$sock" && "$sock" == /tmp/tgpg.* && -d "$sock" ]]; then
    rm -rf "$sock"
  fi
  return 0
}

check_installed() {
  local preload=$1 share lib
  [[ ${TG_SKIP_INSTALL_CHECK:-0} == 1 ]] && return 0   # only for testing this script
  share=$(pg_sharedir)
  lib=$(pg_pkglibdir)
  [[ -f "$share/extension/tenantgate.control" ]] \
    || die "tenantgate is not installed ($share/extension/tenantgate.control missing): build and run 'cmake --install <build dir>' first (scripts/test.sh does)"
  if [[ $preload == 1 && ! -f "$lib/tenantgate.so" ]]; then
    die "tenantgate.so is not installed in $lib: run 'cmake --install <build dir>' first"
  fi
}

cmd_start() {
  local dir="" preload=1 port="" create_ext=0 preload_list=tenantgate
  local -a settings=()
  while (( $# )); do
    case $1 in
      --no-preload) preload=0 ;;
      --preload) preload_list=${2:?--preload needs a list}; shift ;;
      --set) [[ ${2:-} == *=* ]] || die "--set needs NAME=VALUE"; settings+=("$2"); shift ;;
      --create-extension) create_ext=1 ;;
      --port) port=${2:?--port needs a number}; shift ;;
      --port=*) port=${1#--port=} ;;
      -*) die "unknown option $1" ;;
      *) [[ -z $dir ]] || die "one DIR only"; dir=$1 ;;
    esac
    shift
  done
  [[ -n $dir ]] || die "usage: cluster.sh start DIR [--no-preload] [--port N]"
  [[ $dir != *[[:space:]]* ]] || die "DIR must not contain spaces: $dir"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  [[ $port != 5432 ]] || die "port 5432 belongs to the system cluster: pick another"
  check_installed "$preload"

  local bindir
  bindir=$(pg_bindir)
  exec 9>"$PORT_LOCK"
  flock 9
  ensure_os_user

  # A fresh cluster every time: tests must not depend on what an earlier run left.
  # Refuse to wipe a directory that is not (or was not) one of our clusters.
  if [[ -n $(ls -A "$dir") && ! -f "$dir/data/PG_VERSION" && ! -f "$dir/env" && ! -f "$dir/initdb.out" ]]; then
    die "$dir is not empty and holds no cluster: refusing to wipe it"
  fi
  stop_server "$dir"
  find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  open_path_for_owner "$dir"
  is_root && chown "$OS_USER:" "$dir"
  chmod 0755 "$dir"

  local sockdir=$dir
  if (( ${#dir} > 80 )); then
    sockdir=$(mktemp -d /tmp/tgpg.XXXXXX)
    is_root && chown "$OS_USER:" "$sockdir"
    chmod 0755 "$sockdir"
  fi

  as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C \
           --no-sync >"$dir/initdb.out" 2>&1 \
    || { cat "$dir/initdb.out" >&2; die "initdb failed"; }

  # Only the socket and 127.0.0.1 are trusted; nothing else is listened on.
  as_owner tee "$dir/data/pg_hba.conf" >/dev/null <<'EOF'
# private tenantgate cluster: local socket and loopback only
local   all          all                   trust
host    all          all   127.0.0.1/32    trust
local   replication  all                   trust
host    replication  all   127.0.0.1/32    trust
EOF

  local attempt rc=1
  for attempt in 1 2 3 4 5; do
    local p=${port:-$(pick_port)}
    {
      echo ""
      echo "# ---- tenantgate private cluster (scripts/cluster.sh) ----"
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $p"
      echo "unix_socket_directories = '$sockdir'"
      if (( preload )); then echo "shared_preload_libraries = '$preload_list'"; fi
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
      echo "max_connections = 200"
      echo "log_line_prefix = '%m [%p] %q%u@%d '"
      echo "log_timezone = 'UTC'"
      echo "timezone = 'UTC'"
      local setting
      for setting in "${settings[@]}"; do echo "${setting%%=*} = ${setting#*=}"; done
    } | as_owner tee "$dir/data/postgresql.tg.conf" >/dev/null
    as_owner sh -c "grep -q '^include = .postgresql.tg.conf.' '$dir/data/postgresql.conf' || echo \"include = 'postgresql.tg.conf'\" >> '$dir/data/postgresql.conf'"
    if as_owner "$bindir/pg_ctl" start -D "$dir/data" -l "$dir/log" -w -t 60 >/dev/null 2>&1; then
      port=$p; rc=0; break
    fi
    # Only a lost race for the port is worth another try; anything else is in the log.
    if [[ -n ${port} ]] || ! tail -n 5 "$dir/log" 2>/dev/null | grep -Eq 'Address already in use|could not create any TCP/IP sockets|could not bind'; then
      break
    fi
  done
  if (( rc != 0 )); then
    echo "---- $dir/log ----" >&2
    tail -n 30 "$dir/log" >&2 || true
    die "the server did not start"
  fi

  cat >"$dir/env" <<EOF
PGHOST=127.0.0.1
PGPORT=$port
PGUSER=postgres
PGDATABASE=postgres
PGDATA=$dir/data
DATABASE_URL=postgresql://postgres@127.0.0.1:$port/postgres
TG_SOCKDIR=$sockdir
TG_CLUSTER_DIR=$dir
TG_PG_BINDIR=$bindir
TG_LOG=$dir/log
TG_PRELOAD=$preload
EOF
  chmod 0644 "$dir/env"
  chmod 0644 "$dir/log" 2>/dev/null || true
  echo "cluster.sh: started $dir on 127.0.0.1:$port (preload=$preload, socket dir $sockdir)"
  if (( create_ext )); then create_extension "$dir" "$bindir" "$port"; fi
}

# Installs the extension once in tg_fixture: proves it loads and installs, and makes the
# cluster-wide roles it creates exist before tests run CREATE EXTENSION in many databases
# at the same time.
create_extension() {
  local dir=$1 bindir=$2 port=$3 out
  if ! out=$("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
               -c "CREATE DATABASE tg_fixture" 2>&1) ||
     ! out=$("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d tg_fixture \
               -c "CREATE EXTENSION tenantgate" 2>&1); then
    echo "$out" >&2
    echo "---- $dir/log ----" >&2
    tail -n 20 "$dir/log" >&2 || true
    die "CREATE EXTENSION tenantgate failed in the new cluster"
  fi
  echo "cluster.sh: CREATE EXTENSION tenantgate works (database tg_fixture)"
}

cmd_stop() {
  local dir="" check=0
  while (( $# )); do
    case $1 in
      --check-log) check=1 ;;
      -*) die "unknown option $1" ;;
      *) dir=$1 ;;
    esac
    shift
  done
  [[ -n $dir ]] || die "usage: cluster.sh stop DIR [--check-log]"
  [[ -d $dir ]] || { echo "cluster.sh: nothing in $dir"; return 0; }
  dir=$(abspath "$dir")
  stop_server "$dir"
  echo "cluster.sh: stopped $dir"
  if (( check )); then cmd_check_log "$dir"; fi
}

cmd_status() {
  local dir=${1:?usage: cluster.sh status DIR}
  dir=$(abspath "$dir")
  if [[ -d $dir ]] && is_running "$dir"; then
    echo "running: $dir"
    cat "$dir/env" 2>/dev/null || true
  else
    echo "not running: $dir"
    return 3
  fi
}

# A backend killed by a signal, a PANIC or a crash-restart is the worst bug we can ship.
CRASH_PATTERN='terminated by signal|server process .* was terminated|server process \(PID [0-9]+\) exited with exit code|PANIC:|all server processes terminated; reinitializing'

cmd_check_log() {
  local dir=${1:?usage: cluster.sh check-log DIR}
  local log=$dir/log
  [[ -f $log ]] || { echo "cluster.sh: no log in $dir"; return 0; }
  if grep -Eq "$CRASH_PATTERN" "$log"; then
    echo "cluster.sh: CRASH in $log:" >&2
    grep -En -B3 -A3 "$CRASH_PATTERN" "$log" | head -n 80 >&2
    return 1
  fi
  echo "cluster.sh: no crash in $log"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  check-log) shift; cmd_check_log "$@" ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
