#!/usr/bin/env bash
# Debian's pgbouncer in transaction mode in front of the private cluster; 8 clients interleave
# four tenants' requests (two schema, two row isolation) over 2 server connections, then 16
# clients two tenants' writes and reads. Passes when
# every check in tenants.pgbench held for every transaction (pgbench aborts a client otherwise).
set -uo pipefail
DB=tg_pgb
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../attack/lib.sh"
PGBENCH=$(command -v pgbench || echo /usr/lib/postgresql/15/bin/pgbench)

fresh_database '^(tg_pgb|pgb_)' pgb_app || { echo "setup failed"; exit 1; }
su_sql <<'SQL' >/dev/null || { echo "setup failed"; exit 1; }
SELECT auth.add_migration('0001', 'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text NOT NULL)');
SELECT auth.create_tenant('pgb1'), auth.create_tenant('pgb2'),
       auth.create_tenant('pgb3', NULL, 'row'), auth.create_tenant('pgb4', NULL, 'row');
INSERT INTO pgb1.orders (tenant) SELECT 'pgb1' FROM generate_series(1, 3);
INSERT INTO pgb2.orders (tenant) SELECT 'pgb2' FROM generate_series(1, 5);
CREATE TABLE public.shared_orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text);
SELECT auth.enable_tenant_rls('public.shared_orders');
INSERT INTO public.shared_orders (tenant_id, tenant) SELECT id, slug FROM auth.tenants, generate_series(1, 7) WHERE slug = 'pgb3';
INSERT INTO public.shared_orders (tenant_id, tenant) SELECT id, slug FROM auth.tenants, generate_series(1, 11) WHERE slug = 'pgb4';
SQL
tok=()
for t in pgb1 pgb2 pgb3 pgb4; do tok+=("$(token_for $t)"); done

bouncer_start 2 pgb_app || { echo "pgbouncer setup failed"; exit 1; }
port=$BOUNCER_PORT

# bench TOTAL PASS_NAME FAIL_NAME PGBENCH_ARGS...: pgbench as pgb_app through the bouncer; passes
# when all TOTAL transactions were processed (a script's failed check aborts its client).
bench() {
  local total=$1 ok=$2 bad=$3 out rc
  shift 3
  out=$(PGUSER=pgb_app "$PGBENCH" -n -M simple -h 127.0.0.1 -p "$port" "$@" "$DB" 2>&1)
  rc=$?
  echo "$out" | grep -E "transactions actually processed|aborted|ERROR|failed" | head -5
  if [[ $rc -eq 0 ]] && [[ $out =~ "number of transactions actually processed: $total/$total" ]]; then
    pass "$ok"
  else
    fail "$bad" "pgbench rc=$rc"
  fi
}
bench 1200 "pgbouncer transaction mode: 1200 interleaved requests of 4 tenants, no cross-tenant row, no leftover context" \
  "pgbouncer transaction mode" -c 8 -j 2 -t 150 \
  -D "tok1='${tok[0]}'" -D "tok2='${tok[1]}'" -D "tok3='${tok[2]}'" -D "tok4='${tok[3]}'" -f "$here/tenants.pgbench"
# 16 clients over two tenants: each transaction writes and reads under its own tenant only.
bench 1600 "pgbouncer transaction mode: 16 clients, 2 tenants, 1600 write+read transactions, each saw only its own tenant (PG-27)" \
  "pgbouncer 16 clients over two tenants" -c 16 -j 2 -t 100 \
  -D "tok1='${tok[0]}'" -D "tok2='${tok[1]}'" -f "$here/two_tenants.pgbench"
check "pgbouncer: the rolled-back writes left nothing" "^3:5$" \
  "$(su_sql -c "SELECT (SELECT count(*) FROM pgb1.orders) || ':' || (SELECT count(*) FROM pgb2.orders)")"
# The same checks must be able to fail: a forged request that reads another tenant's table.
out=$(PGUSER=pgb_app psql -X -q -At -h 127.0.0.1 -p "$port" -d "$DB" -c "BEGIN" \
        -c "SELECT auth.authenticate('${tok[0]}') IS NOT NULL" -c "SELECT count(*) FROM pgb2.orders" -c "ROLLBACK" 2>&1)
check "pgbouncer: cross-schema read refused" "permission denied for schema pgb2" "$out"
# server connections used by the pool are back to the authenticator between transactions
out=$(su_sql -c "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
check "pgbouncer: pooled server connections are the authenticator's" "^pgb_app$" "$out"

bouncer_stop
su_sql -c "SELECT auth.drop_tenant(slug) FROM auth.tenants" -c "DROP TABLE public.shared_orders" >/dev/null 2>&1
PGUSER=postgres psql -X -q -d postgres -c "DROP DATABASE \"${DB}\" WITH (FORCE)" -c "DROP ROLE pgb_app" >/dev/null
finish
