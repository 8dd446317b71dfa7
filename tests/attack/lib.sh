# Shared helpers of the multi-session suites (tests/attack, tests/pgbouncer, tests/dump).
# Source it after setting DB. Connection: TG_CLUSTER_ENV (CTest's private cluster) or, for a
# developer, PGHOST/PGPORT/PGUSER from the environment (default 127.0.0.1:55450, postgres).
if [[ -n ${TG_CLUSTER_ENV:-} ]]; then set -a; . "$TG_CLUSTER_ENV"; set +a; fi
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-55450} PGUSER=${PGUSER:-postgres}
unset PGDATABASE PGOPTIONS
# The server's own psql, not Debian's perl wrapper (three times faster to start; the suites start
# hundreds of sessions).
psql() { "${TG_PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" "$@"; }
passes=0
fails=0
pass() { echo "PASS $1"; passes=$((passes + 1)); }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
finish() {
  echo "== $passes passed, $fails failed"
  [[ $fails -eq 0 ]]
}

# As the superuser, stop at the first error; prints unaligned tuples only.
su_sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "${DB}" "$@"; }
# As login $1 (rest: psql args); errors go to stdout too, so callers can match them.
as_sql() { local who=$1; shift; PGUSER=$who psql -X -q -At -d "${DB}" "$@" 2>&1; }

# check NAME EXPECTED_REGEX OUTPUT
check() {
  if [[ $3 =~ $2 ]]; then pass "$1"; else fail "$1" "expected /$2/, got: $(echo "$3" | tr '\n' '|' | cut -c1-1500)"; fi
}
# check_not NAME FORBIDDEN_REGEX OUTPUT
check_not() {
  if [[ $3 =~ $2 ]]; then fail "$1" "must not match /$2/: $(echo "$3" | tr '\n' '|' | cut -c1-300)"; else pass "$1"; fi
}

# batch MODE TOKEN STATEMENT... — runs every statement in ONE session of atk_app-like login
# $BATCH_LOGIN (default atk_app): MODE U without a token (autocommit), MODE T inside one
# transaction authenticated with TOKEN, each statement under its own savepoint. Sets BATCH_OUT[i]
# to what statement i printed (errors included).
batch() {
  local mode=$1 token=$2 script="" i=0 j out
  shift 2
  [[ $mode == T ]] && script+="BEGIN;"$'\n'"SELECT auth.authenticate('$token') IS NULL;"$'\n'
  for item in "$@"; do
    script+="\\echo @@$i"$'\n'
    if [[ $mode == T ]]; then script+="SAVEPOINT batch_s;"$'\n'"$item;"$'\n'"ROLLBACK TO batch_s;"$'\n'
    else script+="$item;"$'\n'; fi
    i=$((i + 1))
  done
  script+="\\echo @@end"$'\n'
  [[ $mode == T ]] && script+="ROLLBACK;"$'\n'
  out=$(as_sql "${BATCH_LOGIN:-atk_app}" <<< "$script")
  BATCH_OUT=()
  for ((j = 0; j < i; j++)); do
    BATCH_OUT[j]=$(awk -v a="@@$j" -v b="@@$((j + 1))" '$0 == a {f = 1; next} $0 == b || $0 == "@@end" {f = 0} f' <<< "$out")
  done
}

# Advisory-lock rendezvous between sessions: hold K in a background session, wait until another
# session waits for it, then release it by ending the holder.
lock_hold() {
  PGUSER=postgres psql -X -q -d "${DB}" -c "SELECT pg_advisory_lock($1)" -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
  wait_lock "$1" true
}
wait_lock() {  # K GRANTED(true|false): until such a lock entry exists
  for _ in $(seq 1 200); do
    [[ $(su_sql -c "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                    WHERE d.datname = current_database() AND l.locktype = 'advisory' AND l.objid = $1
                      AND l.granted = $2") -ge 1 ]] && return 0
    sleep 0.05
  done
  echo "lock $1 granted=$2 never seen" >&2
  return 1
}
lock_release() {
  su_sql -c "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
             WHERE d.datname = current_database() AND l.locktype = 'advisory' AND l.objid = $1 AND l.granted" >/dev/null
}

# fresh_database ROLES_REGEX [LOGIN...]: fresh database $DB with the extension and base domain,
# no leftover roles matching ROLES_REGEX nor roles of dropped databases (auth.cleanup_roles), and each LOGIN a new NOINHERIT login that is a member
# of tenantgate_authenticator (the contract's authenticator).
fresh_database() {
  local roles_regex=$1 login
  shift
  PGUSER=postgres psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"${DB}\" WITH (FORCE)" || return 1
  for r in $(PGUSER=postgres psql -X -At -d postgres -c "SELECT rolname FROM pg_roles WHERE rolname ~ '${roles_regex}'
                                                          ORDER BY rolname LIKE '%admin' DESC"); do
    PGUSER=postgres psql -X -q -d postgres -c "DROP ROLE \"$r\"" >/dev/null 2>&1 || {
      echo "cannot drop leftover role $r" >&2; return 1; }
  done
  PGUSER=postgres psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"${DB}\"" || return 1
  # roles left by earlier runs' dropped databases go (auth.cleanup_roles), so this database's role
  # tag is its name's (tg_atk -> tgatk) and the suites can name its roles
  su_sql -c "CREATE EXTENSION tenantgate" -c "SET client_min_messages = warning" -c "SELECT count(*) FROM auth.cleanup_roles()" >/dev/null || return 1
  su_sql -c "ALTER DATABASE \"${DB}\" SET tenantgate.base_domain = 'example.test'" || return 1
  for login in "$@"; do
    su_sql -c "CREATE ROLE \"$login\" LOGIN NOINHERIT" -c "GRANT tenantgate_authenticator TO \"$login\"" || return 1
  done
}

# An access token for (tenant, role): through auth.create_user + auth.login when the users
# module is installed, else signed as the owner with a global key (kid tg-test-global) plus a
# pass-through auth._check_session until that module exists.
token_for() {
  local tenant=$1 role=${2:-staff}
  if [[ $(su_sql -c "SELECT to_regprocedure('auth.login(text,text,text)') IS NOT NULL") == t ]]; then
    local email="${role}-$RANDOM$RANDOM@${tenant}.test"
    su_sql -c "SELECT auth.create_user('$tenant', '$email', 'pw-$email-long-enough', '$role')" >/dev/null || return 1
    su_sql -c "SELECT auth.login('$tenant', '$email', 'pw-$email-long-enough') ->> 'access_token'"
  else
    su_sql -c "DO \$\$ BEGIN
                 IF to_regprocedure('auth._check_session(jsonb)') IS NULL THEN
                   CREATE FUNCTION auth._check_session(claims jsonb) RETURNS void LANGUAGE sql STABLE AS 'SELECT';
                 END IF;
                 IF NOT EXISTS (SELECT 1 FROM auth.keys WHERE kid = 'tg-test-global') THEN
                   PERFORM auth.add_key('tg-test-global', 'HS256', 'tg-test-global-secret-0123456789abcdef');
                 END IF;
               END \$\$" >/dev/null || return 1
    su_sql -c "SELECT auth.sign(jsonb_build_object('sub', gen_random_uuid(), 'tenant', '$tenant', 'role', '$role',
                 'jti', gen_random_uuid(), 'sid', gen_random_uuid(), 'iat', floor(extract(epoch FROM clock_timestamp())),
                 'exp', floor(extract(epoch FROM clock_timestamp())) + 600), 'tg-test-global', 'at+jwt')"
  fi
}

# bouncer_start POOL_SIZE LOGIN... — Debian's pgbouncer in transaction mode in front of $DB
# (no server_reset_query: transaction pooling never resets a session), trusting LOGINs, with
# POOL_SIZE server connections per login; sets BOUNCER_PORT and BOUNCER_DIR and stops it on
# EXIT. bouncer_stop stops it earlier. pgbouncer refuses to run as root: then it runs as the
# cluster's OS user tenantgate.
bouncer_start() {
  local pool=$1 u
  shift
  command -v pgbouncer >/dev/null || { echo "pgbouncer not installed" >&2; return 1; }
  BOUNCER_DIR=$(mktemp -d /tmp/tg_pgbouncer.XXXXXX)
  BOUNCER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat > "$BOUNCER_DIR/pgbouncer.ini" <<INI
[databases]
$DB = host=$PGHOST port=$PGPORT dbname=$DB
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $BOUNCER_DIR/userlist.txt
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 50
server_reset_query =
logfile = $BOUNCER_DIR/pgbouncer.log
pidfile = $BOUNCER_DIR/pgbouncer.pid
INI
  for u in "$@"; do echo "\"$u\" \"\"" >> "$BOUNCER_DIR/userlist.txt"; done
  if [[ $(id -u) -eq 0 ]]; then
    chown -R tenantgate "$BOUNCER_DIR"
    su -s /bin/bash tenantgate -c "pgbouncer -d '$BOUNCER_DIR/pgbouncer.ini'"
  else
    pgbouncer -d "$BOUNCER_DIR/pgbouncer.ini"
  fi
  for _ in $(seq 1 100); do [[ -s $BOUNCER_DIR/pgbouncer.pid ]] && break; sleep 0.05; done
  [[ -s $BOUNCER_DIR/pgbouncer.pid ]] || { echo "pgbouncer did not start" >&2; return 1; }
  trap bouncer_stop EXIT
}
bouncer_stop() {
  [[ -n ${BOUNCER_DIR:-} ]] || return 0
  [[ -s $BOUNCER_DIR/pgbouncer.pid ]] && kill "$(cat "$BOUNCER_DIR/pgbouncer.pid")" 2>/dev/null
  sleep 0.2
  rm -rf "$BOUNCER_DIR"
  BOUNCER_DIR=
  trap - EXIT
}
