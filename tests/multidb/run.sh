#!/usr/bin/env bash
# Several databases in one cluster (issue #12 point 1; docs/operations.md "Several databases in
# one cluster"). A private cluster of its own (never the shared fixture: auth.cleanup_roles() of
# the other suites would race with the role checks here), two databases side by side, the same
# tenant slug company1 in both:
#   - tenancy and isolation in each, tokens of one refused by the other (different keys);
#   - an admin of database A (a member of A's admin role) has no power in B: no tenant table,
#     no tenant registry row, no admin function, no key, no role of B;
#   - drop_tenant, DROP EXTENSION and DROP DATABASE leave no role that blocks a later
#     create_tenant: auth.cleanup_roles() drops what a dropped database left, and the slug is
#     usable again; a role left under the name create_tenant needs is reported clearly.
#   usage: run.sh CLUSTER_SCRIPT CLUSTER_DIR
set -uo pipefail
cluster=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
unset TG_CLUSTER_ENV
bash "$cluster" start "$dir" >/dev/null || { echo "cluster start failed"; exit 1; }
trap 'bash "$cluster" stop "$dir" --check-log >/dev/null || echo "FAIL cluster log shows a crash"' EXIT
set -a; . "$dir/env"; set +a
DB=postgres
. "$here/../attack/lib.sh"
A=tg_multi_a
B=tg_multi_b

# in DB $1 as the superuser (errors stop the script and go to stdout)
db_sql() { local db=$1; shift; PGUSER=postgres psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@" 2>&1; }
# in DB $2 as login $1 (errors go to stdout)
db_as() { local who=$1 db=$2; shift 2; PGUSER=$who psql -X -q -At -d "$db" "$@" 2>&1; }

setup_db() {
  db_sql postgres -c "CREATE DATABASE $1" >/dev/null &&
  db_sql "$1" -c "CREATE EXTENSION tenantgate" -c "ALTER DATABASE $1 SET tenantgate.base_domain = 'example.test'" \
    -c "SELECT auth.add_migration('0001', 'CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL)')" \
    -c "SELECT auth.create_tenant('company1'), auth.create_tenant('company2'), auth.create_tenant('rowco', NULL, 'row')" \
    -c "CREATE TABLE public.shared (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text)" \
    -c "SELECT auth.enable_tenant_rls('public.shared')" >/dev/null
}
setup_db $A || { echo "setup of $A failed"; exit 1; }
setup_db $B || { echo "setup of $B failed"; exit 1; }
db_sql postgres -c "CREATE ROLE md_app LOGIN NOINHERIT" -c "GRANT tenantgate_authenticator TO md_app" \
  -c "CREATE ROLE md_admin_a LOGIN" -c "CREATE ROLE md_cluster_admin LOGIN" -c "GRANT tenantgate_admin TO md_cluster_admin" >/dev/null
admin_a=$(db_sql $A -c "SELECT auth.admin_role()")
admin_b=$(db_sql $B -c "SELECT auth.admin_role()")
db_sql postgres -c "GRANT \"$admin_a\" TO md_admin_a" >/dev/null

# --- the same slug in both databases, each with its own roles ---------------------------------
check "the role tags come from the database names" "^tgmultia|tgmultib$" \
  "$(db_sql $A -c "SELECT auth._role_tag()")|$(db_sql $B -c "SELECT auth._role_tag()")"
check "company1 in both databases, with roles of its own database" \
  "^tg_tgmultia_company1_staff\|tg_tgmultia_company1_admin\|tenantgate_tgmultia_admin:tg_tgmultib_company1_staff\|tg_tgmultib_company1_admin\|tenantgate_tgmultib_admin$" \
  "$(db_sql $A -c "SELECT staff_role || '|' || admin_role || '|' || auth.admin_role() FROM auth.tenants WHERE slug = 'company1'"):$(db_sql $B -c "SELECT staff_role || '|' || admin_role || '|' || auth.admin_role() FROM auth.tenants WHERE slug = 'company1'")"
check "the tenant schemas belong to their database's admin role" "^tenantgate_tgmultia_admin:tenantgate_tgmultib_admin$" \
  "$(db_sql $A -c "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'company1'"):$(db_sql $B -c "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'company1'")"

# --- tenancy and isolation side by side ---------------------------------------------------------
for db in $A $B; do
  DB=$db
  eval "tok_${db}_1=\$(token_for company1 admin)"
  eval "tok_${db}_2=\$(token_for company2)"
  eval "tok_${db}_r=\$(token_for rowco)"
done
DB=postgres
ta1=$tok_tg_multi_a_1 ta2=$tok_tg_multi_a_2 tar=$tok_tg_multi_a_r tb1=$tok_tg_multi_b_1 tbr=$tok_tg_multi_b_r
[[ -n $ta1 && -n $ta2 && -n $tar && -n $tb1 && -n $tbr ]] || { echo "no tokens"; exit 1; }
# tx DB TOKEN SQL...: one transaction of md_app authenticated with TOKEN
tx() {
  local db=$1 tok=$2; shift 2
  local args=(-c "BEGIN" -c "SELECT auth.authenticate('$tok') IS NULL")
  for s in "$@"; do args+=(-c "$s"); done
  db_as md_app "$db" -v ON_ERROR_STOP=1 "${args[@]}" -c "COMMIT"
}
tx $A "$ta1" "INSERT INTO company1.notes (body) VALUES ('a1'), ('a2')" >/dev/null
tx $B "$tb1" "INSERT INTO company1.notes (body) VALUES ('b1')" >/dev/null
tx $A "$tar" "INSERT INTO public.shared (body) VALUES ('ra')" >/dev/null
tx $B "$tbr" "INSERT INTO public.shared (body) VALUES ('rb1'), ('rb2'), ('rb3')" >/dev/null
check "company1 of A sees A's rows only" "^f.2:a1,a2.$" "$(tx $A "$ta1" "SELECT count(*) || ':' || string_agg(body, ',' ORDER BY id) FROM company1.notes" | tr '\n' '.')"
check "company1 of B sees B's rows only" "^f.1:b1.$" "$(tx $B "$tb1" "SELECT count(*) || ':' || string_agg(body, ',' ORDER BY id) FROM company1.notes" | tr '\n' '.')"
check "row tenants: each database's rowco sees its own rows" "^f.1.:f.3.$" \
  "$(tx $A "$tar" "SELECT count(*) FROM public.shared" | tr '\n' '.'):$(tx $B "$tbr" "SELECT count(*) FROM public.shared" | tr '\n' '.')"
check "company2 of A cannot read company1 of A" "permission denied for schema company1" \
  "$(tx $A "$ta2" "SELECT count(*) FROM company1.notes")"
check "a token of A is refused by B (other keys)" "ERROR:  (unknown key|invalid signature)" \
  "$(tx $B "$ta1" "SELECT 1")"
check "a token of B is refused by A" "ERROR:  (unknown key|invalid signature)" \
  "$(tx $A "$tb1" "SELECT 1")"
check "login in A does not know B's users" "invalid credentials" \
  "$(db_as md_app $A -c "SELECT auth.login('company1', 'only-b@x.test', 'only-b-password-123')")" 
db_sql $B -c "SELECT auth.create_user('company1', 'only-b@x.test', 'only-b-password-123')" >/dev/null
check "... while B does" "access_token" \
  "$(db_as md_app $B -c "SELECT auth.login('company1', 'only-b@x.test', 'only-b-password-123')")"

# --- an admin of A is an admin in A -------------------------------------------------------------
check "A's admin manages A: create_tenant, reads the registry and the tenant tables" "^[0-9]+.4.2.$" \
  "$(db_as md_admin_a $A -v ON_ERROR_STOP=1 -c "SELECT auth.create_tenant('company3') ->> 'id'" \
       -c "SELECT count(*) FROM auth.tenants" -c "SELECT count(*) FROM company1.notes" | tr '\n' '.')"
# --- ... and powerless in B ---------------------------------------------------------------------
check "A's admin cannot read B's tenant tables" "permission denied for (schema|table)" \
  "$(db_as md_admin_a $B -c "SELECT count(*) FROM company1.notes")"
check "A's admin sees no row of B's tenant registry" "^0$" "$(db_as md_admin_a $B -c "SELECT count(*) FROM auth.tenants")"
for call in "auth.create_tenant('evil')" "auth.drop_tenant('company1')" "auth.set_tenant_active('company1', false)" \
            "auth.add_migration('0099', 'DROP TABLE notes')" "auth.migrate()" "auth.generate_key('ES256', 'company1')" \
            "auth.revoke_key('x', 'company1')" "auth.admin_role()" \
            "auth.sign('{\"sub\":\"x\",\"tenant\":\"company1\",\"role\":\"admin\"}')" \
            "auth.add_key('k', 'HS256', 'secret-0123456789abcdef0123456789')" \
            "auth.create_user('company1', 'evil@x.test', 'evil-password-123', 'admin')" \
            "auth.set_user_active((SELECT gen_random_uuid()), false)" "auth.unlock_login('company1', 'only-b@x.test')"; do
  fn=${call%%(*}
  check "A's admin cannot call $fn in B" "ERROR:  permission denied" "$(db_as md_admin_a $B -c "SELECT $call")"
done
check "A's admin cannot grant itself B's admin role" "ERROR:  (role \"$admin_b\" is managed by tenantgate|permission denied)" \
  "$(db_as md_admin_a $B -c "GRANT \"$admin_b\" TO md_admin_a")"
check "nothing changed in B" "^3:true:0$" \
  "$(db_sql $B -c "SELECT count(*) || ':' || bool_and(active) || ':' || (SELECT count(*) FROM auth.users WHERE email = 'evil@x.test') FROM auth.tenants")"
check "the cluster-wide tenantgate_admin alone is an admin nowhere" "ERROR:  permission denied for function create_tenant" \
  "$(db_as md_cluster_admin $A -c "SELECT auth.create_tenant('evil')")"

# --- leftovers ----------------------------------------------------------------------------------
check "a role left under a needed name is reported clearly" "ERROR:  role \"tg_tgmultia_blocked_staff\" already exists.*HINT:.*auth.cleanup_roles" \
  "$(db_sql postgres -c "CREATE ROLE tg_tgmultia_blocked_staff"; db_as postgres $A -c "SELECT auth.create_tenant('blocked')")"
check "nothing of the refused tenant was made" "^0:0$" \
  "$(db_sql $A -c "SELECT (SELECT count(*) FROM auth.tenants WHERE slug = 'blocked') || ':' || (SELECT count(*) FROM pg_namespace WHERE nspname = 'blocked')")"
db_sql postgres -c "DROP ROLE tg_tgmultia_blocked_staff" >/dev/null
check "drop_tenant drops the tenant's roles" "^.?0$" \
  "$(db_sql $A -c "SET client_min_messages = warning" -c "SELECT auth.drop_tenant('company3')" -c "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tg\_tgmultia\_company3\_%'")"
check "cleanup_roles finds nothing while both databases live" "^0$" "$(db_sql $A -c "SELECT count(*) FROM auth.cleanup_roles()")"
db_sql postgres -c "DROP DATABASE $B WITH (FORCE)" >/dev/null
check "DROP DATABASE leaves B's roles behind" "^7$" "$(db_sql $A -c "SELECT count(*) FROM pg_roles WHERE rolname ~ '^(tg_tgmultib_|tenantgate_tgmultib_)'")"
check "cleanup_roles drops B's roles, and only them" \
  "^tg_tgmultib_company1_admin\|tgmultib.tg_tgmultib_company2_admin\|tgmultib.tg_tgmultib_rowco_admin\|tgmultib.tg_tgmultib_company1_staff\|tgmultib.tg_tgmultib_company2_staff\|tgmultib.tg_tgmultib_rowco_staff\|tgmultib.tenantgate_tgmultib_admin\|tgmultib.$" \
  "$(db_sql $A -c "SELECT * FROM auth.cleanup_roles()" | tr '\n' '.')"
check "A's roles and A's admin are untouched" "^7:true$" \
  "$(db_sql $A -c "SELECT count(*) || ':' || pg_has_role('md_admin_a', '$admin_a', 'MEMBER') FROM pg_roles WHERE rolname ~ '^(tg_tgmultia_|tenantgate_tgmultia_)'")"
setup_db $B || { echo "recreating $B failed"; exit 1; }
check "a new database of the same name gets company1 again, with the same role names" "^tg_tgmultib_company1_staff$" \
  "$(db_sql $B -c "SELECT staff_role FROM auth.tenants WHERE slug = 'company1'")"
tb1=$(DB=$B token_for company1)
check "and works" "^f.0.$" "$(tx $B "$tb1" "SELECT count(*) FROM company1.notes" | tr '\n' '.')"

# --- DROP EXTENSION -----------------------------------------------------------------------------
out=$(db_sql $B -c "DROP TABLE public.shared" -c "DROP EXTENSION tenantgate" \
        -c "SELECT count(*) || ':' || (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'company1') FROM pg_roles WHERE rolname ~ '^(tg_tgmultib_|tenantgate_tgmultib_)'")
check "DROP EXTENSION drops the database's roles and keeps the tenant schemas (owned by the database owner)" "^0:postgres$" "$out"
check "the slug is free again after DROP EXTENSION" "tg_tgmultib_company1_staff" \
  "$(db_sql $B -c "SET client_min_messages = warning" -c "DROP SCHEMA company1, company2 CASCADE" -c "CREATE EXTENSION tenantgate" -c "SELECT auth.create_tenant('company1') ->> 'staff_role'")"

db_sql postgres -c "DROP DATABASE $A WITH (FORCE)" -c "DROP DATABASE $B WITH (FORCE)" >/dev/null
db_sql postgres -c "CREATE DATABASE tg_multi_c" -c "DROP ROLE md_app, md_admin_a, md_cluster_admin" >/dev/null
check "after both databases are gone, cleanup_roles leaves no tenantgate role but the cluster's three" \
  "^tenantgate_admin,tenantgate_authenticator,tenantgate_tenant$" \
  "$(db_sql tg_multi_c -c "CREATE EXTENSION tenantgate" -c "SELECT count(*) FROM auth.cleanup_roles()" >/dev/null;
     db_sql tg_multi_c -c "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname ~ '^(tg_|tenantgate_)'")"
finish
