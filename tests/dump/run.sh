#!/usr/bin/env bash
# pg_dump -Fc of a database with tenants, migrations, keys (and users when that module exists)
# -> pg_restore into a new database of the same cluster -> tokens, logins and isolation still
# work. Roles are cluster-wide and not in a database dump: across clusters, restore
# `pg_dumpall --roles-only` first (docs/tenants.md).
set -uo pipefail
DB=tg_dump
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../attack/lib.sh"
RESTORED=tg_dump_restored
bindir=${TG_PG_BINDIR:-/usr/lib/postgresql/15/bin}

PGUSER=postgres psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $RESTORED WITH (FORCE)" >/dev/null 2>&1
fresh_database '^(tg_dmp|dmp_)' dmp_app || { echo "setup failed"; exit 1; }
su_sql <<'SQL' >/dev/null || { echo "setup failed"; exit 1; }
SELECT auth.add_migration('0001', 'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text NOT NULL)');
SELECT auth.create_tenant('dmp1', 'Dump One'), auth.create_tenant('dmp2'), auth.create_tenant('dmp3', NULL, 'row');
SELECT auth.add_migration('0002', 'ALTER TABLE orders ADD COLUMN note text');
SELECT auth.migrate();
INSERT INTO dmp1.orders (tenant, note) VALUES ('dmp1', 'kept');
CREATE TABLE public.shared_orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text);
SELECT auth.enable_tenant_rls('public.shared_orders');
INSERT INTO public.shared_orders (tenant_id, tenant) SELECT id, slug FROM auth.tenants WHERE slug = 'dmp3';
SQL
T1=$(token_for dmp1) T3=$(token_for dmp3) T2=$(token_for dmp2)
[[ -n $T1 && -n $T2 && -n $T3 ]] || { echo "no tokens"; exit 1; }
su_sql -c "SELECT auth.set_tenant_active('dmp2', false)" >/dev/null
# a user with a known password and a refresh token issued before the dump
su_sql -c "SELECT auth.create_user('dmp1', 'keep@dmp1.test', 'keep-pw-0123456789', 'admin')" >/dev/null
R1=$(su_sql -c "SELECT auth.login('dmp1', 'keep@dmp1.test', 'keep-pw-0123456789') ->> 'refresh_token'")
before_users=$(su_sql -c "SELECT string_agg(email || ':' || role || ':' || active, ',' ORDER BY email) FROM auth.users")
su_sql -c "SELECT auth.generate_key('ES256', 'dmp1')" >/dev/null
TK=$(su_sql -c "SELECT auth.sign(auth.decode('$T1') -> 'payload', NULL, 'at+jwt')")
before=$(su_sql -c "SELECT string_agg(slug || ':' || active || ':' || isolation, ',' ORDER BY id) FROM auth.tenants")
before_keys=$(su_sql -c "SELECT count(*) FROM auth.keys")
before_applied=$(su_sql -c "SELECT count(*) FROM auth.tenant_migrations")

file=$(mktemp /tmp/tg_dump.XXXXXX)
"$bindir/pg_dump" -Fc -d "$DB" -f "$file" || { fail "pg_dump" "failed"; finish; exit 1; }
PGUSER=postgres psql -X -q -d postgres -c "CREATE DATABASE $RESTORED" >/dev/null
"$bindir/pg_restore" --exit-on-error -d "$RESTORED" "$file" 2>&1 | tail -5
rc=${PIPESTATUS[0]}
rm -f "$file"
[[ $rc -eq 0 ]] && pass "pg_restore without errors" || fail "pg_restore" "rc=$rc"
PGUSER=postgres psql -X -q -d postgres -c "ALTER DATABASE $RESTORED SET tenantgate.base_domain = 'example.test'" >/dev/null

DB=$RESTORED
check "tenants restored" "^${before}$" "$(su_sql -c "SELECT string_agg(slug || ':' || active || ':' || isolation, ',' ORDER BY id) FROM auth.tenants")"
check "keys restored" "^${before_keys}$" "$(su_sql -c "SELECT count(*) FROM auth.keys")"
check "applied migrations restored" "^${before_applied}$" "$(su_sql -c "SELECT count(*) FROM auth.tenant_migrations")"
out=$(as_sql dmp_app <<SQL
BEGIN; SELECT 'auth:' || (auth.authenticate('$T1', 'dmp1.example.test') ->> 'tenant');
SELECT 'rows:' || string_agg(tenant || '/' || note, ','), current_user FROM orders; COMMIT;
BEGIN; SELECT 'key:' || (auth.authenticate('$TK') ->> 'tenant'); COMMIT;
BEGIN; SELECT auth.authenticate('$T3') IS NULL; SELECT 'shared:' || count(*) FROM public.shared_orders; COMMIT;
BEGIN; SELECT auth.authenticate('$T1') IS NULL; SELECT count(*) FROM dmp2.orders; ROLLBACK;
SQL
)
check "token signed before the dump authenticates after restore" "auth:dmp1" "$out"
check "tenant data restored and reachable" "rows:dmp1/kept\|tg_tgdump_dmp1_staff" "$out"
check "generated tenant key survives the dump" "key:dmp1" "$out"
check "row isolation policy restored" "shared:1" "$out"
check "schema privileges restored (no cross-tenant access)" "permission denied for schema dmp2" "$out"
check "inactive flag restored (token of the inactive tenant refused)" "tenant inactive" "$(as_sql dmp_app -c "SELECT auth.authenticate('$T2')")"
check "inactive flag restored (login refused)" "tenant inactive" \
  "$(as_sql dmp_app -c "SELECT auth.login('dmp2', 'x@dmp2.test', 'whatever-password')")"
check "users restored" "^${before_users}$" "$(su_sql -c "SELECT string_agg(email || ':' || role || ':' || active, ',' ORDER BY email) FROM auth.users")"
out=$(as_sql dmp_app <<SQL
SELECT 'login:' || (auth.login('dmp1', 'keep@dmp1.test', 'keep-pw-0123456789') ->> 'token_type');
SELECT 'badpw:' || (auth.login('dmp1', 'keep@dmp1.test', 'wrong-pw-0123456789') ->> 'token_type');
SQL
)
check "login with the pre-dump password after restore" "login:Bearer" "$out"
check "wrong password still refused after restore" "invalid credentials" "$out"
pair=$(as_sql dmp_app -c "SELECT auth.refresh('$R1')")
check "refresh token issued before the dump rotates after restore" '"refresh_token"' "$pair"
A2=$(echo "$pair" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["access_token"])' 2>/dev/null)
out=$(as_sql dmp_app -c "BEGIN" -c "SELECT auth.authenticate('$A2') IS NOT NULL" -c "SELECT 'role:' || auth.role()" \
        -c "SELECT 'rows:' || count(*) FROM orders" -c "COMMIT")
check "access token from the restored refresh family authenticates" "role:admin" "$out"
check "login after restore (new user)" "^eyJ" "$(token_for dmp1)"
out=$(as_sql dmp_app -c "SELECT auth.refresh('$R1')")
check "reuse of the pre-dump refresh token is still detected after restore" "token revoked" "$out"
# identity continues after the restored sequence: a new tenant gets a new id
check "tenant ids continue" "^t$" "$(su_sql -c "SELECT (auth.create_tenant('dmp4') ->> 'id')::bigint > (SELECT max(id) FROM auth.tenants WHERE slug <> 'dmp4')")"
# migrations added after the restore reach the restored tenants
check "migrate works after restore (dmp1, dmp2, dmp4)" "(^|[[:space:]])3$" "$(su_sql -c "SELECT auth.add_migration('0003', 'ALTER TABLE orders ADD COLUMN x int')" -c "SET client_min_messages = warning" -c "SELECT auth.migrate()")"

su_sql -c "SELECT count(auth.drop_tenant('dmp4'))" >/dev/null
PGUSER=postgres psql -X -q -d postgres -c "DROP DATABASE $RESTORED WITH (FORCE)" >/dev/null
DB=tg_dump
su_sql -c "SELECT auth.drop_tenant(slug) FROM auth.tenants" -c "DROP TABLE public.shared_orders" >/dev/null 2>&1
PGUSER=postgres psql -X -q -d postgres -c "DROP DATABASE tg_dump WITH (FORCE)" -c "DROP ROLE dmp_app" >/dev/null
finish
