#!/usr/bin/env bash
# Issue 14 — isolation on pooled and shared connections: nothing of a tenant transaction
# outlives it, nothing planted before it runs inside it. Every class runs twice:
#   [S] one session of the NOINHERIT authenticator login pis_app (the "next client" is the next
#       transaction of that session);
#   [P] through pgbouncer in transaction mode with ONE server connection (default_pool_size = 1),
#       each "next client" a new client connection that lands on the same backend (checked).
# Check IDs: ISO-A object creation in a tenant transaction, ISO-B privileges outliving it,
# ISO-C code planted before it, ISO-D row-isolation side channels, ISO-E WITH HOLD cursors,
# ISO-F shared-login channels, ISO-G sequence state, ISO-H session state, ISO-I login lockout.
# "(beyond spec)" marks variants the issue's list does not name.
set -uo pipefail
DB=tg_pooled
. "$(dirname "$0")/lib.sh"

fresh_database '^(pis_|tg_pis)' pis_app || { echo "setup failed"; exit 1; }
su_sql <<'SQL' >/dev/null || { echo "setup failed"; exit 1; }
-- privileged logins that keep their rights (ISO-F): INHERIT, or PostgreSQL itself would not
-- let them use pg_monitor / pg_signal_backend
CREATE ROLE pis_mon LOGIN INHERIT;
GRANT tenantgate_authenticator, pg_monitor TO pis_mon;
CREATE ROLE pis_sig LOGIN INHERIT;
GRANT tenantgate_authenticator, pg_signal_backend TO pis_sig;
SELECT auth.add_migration('0001', $m$
  CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text NOT NULL);
  CREATE SEQUENCE counter;
  CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM orders';
$m$);
SELECT auth.create_tenant('pis1'), auth.create_tenant('pis2'), auth.create_tenant('pisb'),
       auth.create_tenant('pis3', NULL, 'row'), auth.create_tenant('pis4', NULL, 'row');
INSERT INTO pis1.orders (tenant) VALUES ('pis1'), ('pis1');
INSERT INTO pis2.orders (tenant) VALUES ('pis2');
INSERT INTO pisb.orders (tenant) VALUES ('pisb'), ('pisb'), ('pisb');
CREATE TABLE public.shared_notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, secret text NOT NULL);
SELECT auth.enable_tenant_rls('public.shared_notes');
CREATE INDEX shared_notes_secret ON public.shared_notes (secret);
CREATE UNIQUE INDEX shared_notes_tenant_secret ON public.shared_notes (tenant_id, secret);
INSERT INTO public.shared_notes (tenant_id, secret)
  SELECT t.id, t.slug || '-note-' || g FROM auth.tenants t, generate_series(1, 50) g WHERE t.slug IN ('pis3', 'pis4');
INSERT INTO public.shared_notes (tenant_id, secret) SELECT id, 'zulu-pis4-only' FROM auth.tenants WHERE slug = 'pis4';
ANALYZE public.shared_notes;
-- ISO-D21: a shared table whose only index is on the secret column (the issue's shape)
CREATE TABLE public.shared_secrets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, secret text NOT NULL);
SELECT auth.enable_tenant_rls('public.shared_secrets');
CREATE INDEX shared_secrets_secret ON public.shared_secrets (secret);
INSERT INTO public.shared_secrets (tenant_id, secret)
  SELECT t.id, t.slug || '-secret-' || g FROM auth.tenants t, generate_series(1, 2000) g WHERE t.slug IN ('pis3', 'pis4');
INSERT INTO public.shared_secrets (tenant_id, secret) SELECT id, 'zulu-pis4-only' FROM auth.tenants WHERE slug = 'pis4';
ANALYZE public.shared_secrets;
SQL
su_sql -c "ALTER DATABASE $DB SET tenantgate.login_max_failures = 3" \
       -c "ALTER DATABASE $DB SET tenantgate.login_failure_window = '15min'" \
       -c "ALTER DATABASE $DB SET tenantgate.login_lockout = '15min'" >/dev/null || { echo "setup failed"; exit 1; }

# look_alike NAME LINES: passes when the two probe lines ("<value> <observations>") observe the
# same thing: a value of another tenant and a value nobody has cannot be told apart.
look_alike() {
  local first second
  first=$(sed -n 1p <<< "$2" | cut -d' ' -f2-) second=$(sed -n 2p <<< "$2" | cut -d' ' -f2-)
  if [[ -n $first && $first == "$second" ]]; then pass "$1"; else fail "$1" "$(tr '\n' '|' <<< "$2")"; fi
}

# new_user TENANT ROLE: a user with a known password, logged in; sets U_EMAIL U_PW U_ID U_TOK U_REF.
new_user() {
  U_EMAIL="$2-$RANDOM$RANDOM@$1.test" U_PW="pw-$RANDOM$RANDOM-long-enough"
  U_ID=$(su_sql -c "SELECT auth.create_user('$1', '$U_EMAIL', '$U_PW', '$2')") || return 1
  # Tokens live a day (the maximum): the suite must not outlast them on a loaded CI machine.
  IFS='|' read -r U_TOK U_REF <<< "$(su_sql -c "SET tenantgate.access_ttl = '86400'" -c "SELECT j ->> 'access_token', j ->> 'refresh_token'
                                                 FROM auth.login('$1', '$U_EMAIL', '$U_PW') j")"
  [[ -n $U_TOK && -n $U_REF ]]
}
new_user pis1 staff && T1=$U_TOK || { echo "no tokens"; exit 1; }
new_user pis2 staff && T2=$U_TOK || exit 1
new_user pis3 staff && T3=$U_TOK || exit 1
new_user pis4 staff && T4=$U_TOK || exit 1
new_user pis1 admin && T1A=$U_TOK || exit 1

bouncer_start 1 pis_app || { echo "pgbouncer setup failed"; exit 1; }

# ONLY=C,E runs only those classes (development); the default runs all
want() { [[ -z ${ONLY:-} || ,$ONLY, == *,$1,* ]]; }
VERB='\set VERBOSITY verbose'
PSQL="${TG_PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql"
# A superuser statement between two clients, from inside a client script (psql's \!): SU "SQL"
SU() { echo "\\! PGUSER=postgres $PSQL -X -q -At -d $DB -c \"$1\""; }
# clients MODE SCRIPT — SCRIPT as pis_app: [S] one session to the server; [P] through pgbouncer,
# a new client connection after every line "--next-client" (a comment in mode S). Each pooled
# client first prints "backend:<pid>". Errors are printed with their SQLSTATE.
pooled_client() {
  PGUSER=pis_app psql -X -q -At -h 127.0.0.1 -p "$BOUNCER_PORT" -d "$DB" 2>&1 \
    <<< "$VERB"$'\n'"SELECT 'backend:' || pg_backend_pid();"$'\n'"$1"
}
clients() {
  local mode=$1 chunk="" line out=""
  if [[ $mode == S ]]; then as_sql pis_app <<< "$VERB"$'\n'"$2"; return; fi
  while IFS= read -r line; do
    if [[ $line == --next-client ]]; then out+=$(pooled_client "$chunk")$'\n'; chunk=""
    else chunk+=$line$'\n'; fi
  done <<< "$2"
  out+=$(pooled_client "$chunk")
  printf '%s\n' "$out"
}
# seg LABEL OUTPUT: what was printed between the lines "@@LABEL" and the next "@@…" line
seg() { awk -v a="@@$1" '$0 == a {f = 1; next} /^@@/ {f = 0} f' <<< "$2"; }
# one_backend ID MODE OUTPUT: in mode P, every client of the scenario ran on the same backend
one_backend() {
  [[ $2 == P ]] || return 0
  local n; n=$(grep -o '^backend:[0-9]*' <<< "$3" | sort -u | wc -l)
  check "$1 [P] all clients on the one pooled server connection" "^1$" "$n"
}
REFUSED='42501: [^|]*is not allowed in an authenticated transaction'
NOLEAK='PLANTED|LEAK:|XX000|cache lookup failed'
LEAK=$'(^|\n)LEAK:'  # a leaked value: an output line that starts with LEAK: (error texts quote the statement)
auth_tx() { echo "BEGIN; SELECT auth.authenticate('$1') IS NULL AS anonymous;"; }
TENANT_ROLES="(SELECT m.member FROM pg_catalog.pg_auth_members m WHERE m.roleid = 'tenantgate_tenant'::pg_catalog.regrole)"
OWNED_SQL="SELECT 'owned:' || (SELECT count(*) FROM pg_catalog.pg_class WHERE relowner IN $TENANT_ROLES)
  || ':' || (SELECT count(*) FROM pg_catalog.pg_proc WHERE proowner IN $TENANT_ROLES)
  || ':' || (SELECT count(*) FROM pg_catalog.pg_type WHERE typowner IN $TENANT_ROLES)
  || ':' || (SELECT count(*) FROM pg_catalog.pg_largeobject_metadata WHERE lomowner IN $TENANT_ROLES)
  || ':' || (SELECT count(*) FROM pg_catalog.pg_operator WHERE oprowner IN $TENANT_ROLES)
  || ':' || (SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspowner IN $TENANT_ROLES)
  || ':' || (SELECT count(*) FROM pg_catalog.pg_collation WHERE collowner IN $TENANT_ROLES)
  || ':' || (SELECT count(*) FROM pg_catalog.pg_ts_config WHERE cfgowner IN $TENANT_ROLES)
  || ':' || (SELECT count(*) FROM pg_catalog.pg_default_acl WHERE defaclrole IN $TENANT_ROLES)
  || ':' || (SELECT count(*) FROM pg_catalog.pg_conversion WHERE conowner IN $TENANT_ROLES)
  || ':' || (SELECT count(*) FROM pg_catalog.pg_ts_dict WHERE dictowner IN $TENANT_ROLES)"
TEMP_SQL="SELECT 'temp:' || (SELECT count(*) FROM pg_catalog.pg_class WHERE relnamespace = pg_catalog.pg_my_temp_schema())
  || ':' || (SELECT count(*) FROM pg_catalog.pg_proc WHERE pronamespace = pg_catalog.pg_my_temp_schema())
  || ':' || (SELECT count(*) FROM pg_catalog.pg_type WHERE typnamespace = pg_catalog.pg_my_temp_schema())"

# --- ISO-A0: what create_tenant and migrations make is owned by the database's admin role, nothing by a tenant role
check "ISO-A0 baseline: tenant roles own nothing (class:proc:type:lo:operator:namespace:collation:ts_config:default_acl:conversion:ts_dict)" \
  "^owned:0:0:0:0:0:0:0:0:0:0:0$" "$(su_sql -c "$OWNED_SQL")"
check "ISO-A0 baseline: migrated objects in tenant schemas are the database's admin role's" "^tenantgate_tgpooled_admin$" \
  "$(su_sql -c "SELECT string_agg(DISTINCT o, ',') FROM (
                  SELECT relowner::regrole::text o FROM pg_class WHERE relnamespace IN ('pis1'::regnamespace, 'pis2'::regnamespace, 'pisb'::regnamespace)
                  UNION ALL SELECT proowner::regrole::text FROM pg_proc WHERE pronamespace IN ('pis1'::regnamespace, 'pis2'::regnamespace, 'pisb'::regnamespace)
                  UNION ALL SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname IN ('pis1', 'pis2', 'pisb')) s")"

want A && for M in S P; do
  echo "== mode $M ($([[ $M == S ]] && echo 'one session' || echo 'pgbouncer, one server connection'))"

  # --- ISO-A: every form of object creation inside a tenant transaction is refused; B: nothing
  # callable survives COMMIT, logout, user deletion, tenant deactivation
  attempts=(
    "A1|pg_temp, pis1|CREATE TABLE a1 (x int)"
    "A2|pg_temp, pis1|CREATE TABLE a2 AS SELECT count(*) AS n FROM pis1.orders"
    "A3|pg_temp, pis1|SELECT count(*) AS n INTO a3 FROM pis1.orders"
    "A4|pg_temp, pis1|CREATE VIEW a4 AS SELECT 'LEAK:' || count(*) AS n FROM pis1.orders"
    "A5|pg_temp, pis1|CREATE SEQUENCE a5"
    "A1b|pg_temp|CREATE TABLE a1b (x int)"
    "A4b|pg_temp|CREATE VIEW a4b AS SELECT 1 AS x"
    "A6|pis1, pg_temp|CREATE FUNCTION pg_temp.a6() RETURNS text LANGUAGE sql AS 'SELECT ''LEAK:'' || count(*) FROM pis1.orders'"
    "A7|pis1, pg_temp|CREATE TYPE pg_temp.a7 AS (x int)"
    "A8|pis1, pg_temp|CREATE DOMAIN pg_temp.a8 AS int CHECK (VALUE > 0)"
    "A9|pis1, pg_temp|CREATE OPERATOR pg_temp.=== (FUNCTION = int4eq, LEFTARG = int, RIGHTARG = int)"
    "A10|pis1, pg_temp|CREATE TEMP TABLE a10 (x int)"
    "A10b|pis1, pg_temp|CREATE TEMPORARY VIEW a10b AS SELECT 'LEAK:' || count(*) AS n FROM pis1.orders"
    "A10c|pis1, pg_temp|CREATE TEMP SEQUENCE a10c"
    "A11|pis1, pg_temp|SELECT lo_create(0)"
    "A12|pis1, pg_temp|SELECT lo_from_bytea(0, 'pis1 secret')"
    "A13|pis1, pg_temp|CREATE FUNCTION pg_temp.a13() RETURNS text SECURITY DEFINER LANGUAGE sql AS 'SELECT ''LEAK:'' || count(*) FROM pis1.orders'"
    "A13b|pg_temp, pis1|CREATE FUNCTION a13b() RETURNS text SECURITY DEFINER LANGUAGE sql AS 'SELECT ''LEAK:'' || count(*) FROM pis1.orders'"
    # beyond spec
    "A14|pis1, pg_temp|CREATE TYPE pg_temp.a14 AS ENUM ('x')"
    "A15|pis1, pg_temp|CREATE AGGREGATE pg_temp.a15 (int) (SFUNC = int4pl, STYPE = int)"
    "A16|pis1, pg_temp|CREATE PROCEDURE pg_temp.a16() LANGUAGE sql AS 'SELECT 1'"
    "A17|pis1, pg_temp|CREATE COLLATION pg_temp.a17 FROM \"C\""
    "A18|pis1, pg_temp|CREATE TEXT SEARCH CONFIGURATION pg_temp.a18 (COPY = simple)"
    "A19|pis1, pg_temp|SELECT lo_creat(-1)"
    "A20|pis1, pg_temp|SELECT lo_import('/etc/hostname')"
    "A21|pis1, pg_temp|CREATE TYPE pg_temp.a21 AS RANGE (SUBTYPE = int4)"
    "A22|pis1, pg_temp|CREATE TABLE pg_temp.a22 (LIKE pis1.orders)"
    "A23|pis1, pg_temp|CREATE TEMP TABLE a23 ON COMMIT DROP AS SELECT 1 AS x"
    "A24|pis1, pg_temp|DO \$d\$ BEGIN EXECUTE 'CREATE FUNCTION pg_temp.a24() RETURNS int LANGUAGE sql AS ''SELECT 1'''; END \$d\$"
    "A25|pis1, pg_temp|SELECT 1 AS x INTO TEMP a25"
    "A26|pis1, pg_temp|ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC"
    "A27|pis1, pg_temp|CREATE CONVERSION pg_temp.a27 FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8"
    "A28|pis1, pg_temp|CREATE TEXT SEARCH DICTIONARY pg_temp.a28 (TEMPLATE = simple)"
  )
  script=""
  for a in "${attempts[@]}"; do
    IFS='|' read -r id path stmt <<< "$a"
    script+="$(auth_tx "$T1")"$'\n'"SET LOCAL search_path = $path;"$'\n'"\\echo @@$id"$'\n'"$stmt;"$'\n'"\\echo @@"$'\n'"COMMIT;"$'\n'"--next-client"$'\n'
  done
  # the same in a row-isolation tenant, whose path has public
  script+="$(auth_tx "$T3")"$'\n'"SET LOCAL search_path = pg_temp, public;"$'\n'"\\echo @@A1r"$'\n'"CREATE TABLE a1r AS SELECT secret FROM public.shared_notes;"$'\n'"\\echo @@"$'\n'"COMMIT;"$'\n'"--next-client"$'\n'
  script+="\\echo @@A-owned"$'\n'"$OWNED_SQL;"$'\n'"\\echo @@A-temp"$'\n'"$TEMP_SQL;"$'\n'"\\echo @@"$'\n'
  # B: a next client without a token tries whatever A could have left
  script+="--next-client
\\echo @@B-commit
SELECT pg_temp.a6(); SELECT pg_temp.a13(); SELECT * FROM pg_temp.a4; SELECT * FROM pg_temp.a10b; SELECT * FROM pg_temp.a2;
SELECT * FROM a13b(); SELECT count(*) FROM pis1.orders;
\\echo @@"
  out=$(clients $M "$script")
  for a in "${attempts[@]}"; do
    IFS='|' read -r id path stmt <<< "$a"
    extra=""; [[ ${id//[^0-9]/} -ge 14 ]] && extra=" (beyond spec)"
    want=$REFUSED; [[ $id == A20 ]] && want='42501: '  # lo_import: superuser-only anyway
    check "ISO-$id [$M] refused in a tenant transaction (path $path): $stmt$extra" "$want" "$(seg "$id" "$out" | tr '\n' '|')"
  done
  check "ISO-A1r [$M] row tenant: unqualified CREATE TABLE AS with pg_temp first refused" "$REFUSED" "$(seg A1r "$out" | tr '\n' '|')"
  check "ISO-A [$M] after the transactions tenant roles own nothing (class:proc:type:lo:operator:namespace:collation:ts_config:default_acl:conversion:ts_dict)" \
    "^owned:0:0:0:0:0:0:0:0:0:0:0$" "$(seg A-owned "$out")"
  check "ISO-A [$M] no temporary object left in the backend (class:proc:type)" "^temp:0:0:0$" "$(seg A-temp "$out")"
  check "ISO-A [$M] no large object owned by a tenant role in the database" "^0$" \
    "$(su_sql -c "SELECT count(*) FROM pg_largeobject_metadata WHERE lomowner IN $TENANT_ROLES")"
  check "ISO-B [$M] after COMMIT a tokenless next client reaches nothing A tried to leave" \
    "does not exist" "$(seg B-commit "$out")"
  check_not "ISO-B [$M] after COMMIT no tenant row reached" "$LEAK" "$(seg B-commit "$out")"
  one_backend "ISO-A" $M "$out"

  # --- ISO-B: privileges planted in a tenant transaction, then logout, user deletion, tenant
  # deactivation; each time a next client tries them
  new_user pisb staff || exit 1
  TB=$U_TOK BID=$U_ID
  # ON_ERROR_ROLLBACK: what is not refused is committed even when something else was
  plant_b="\\set ON_ERROR_ROLLBACK on
$(auth_tx "$TB")
SET LOCAL search_path = pg_temp, pisb;
CREATE FUNCTION pg_temp.b_steal() RETURNS text SECURITY DEFINER LANGUAGE sql AS 'SELECT ''LEAK:'' || count(*) FROM pisb.orders';
GRANT EXECUTE ON FUNCTION pg_temp.b_steal() TO PUBLIC;
CREATE VIEW b_view AS SELECT 'LEAK:' || count(*) AS n FROM pisb.orders;
GRANT SELECT ON b_view TO PUBLIC;
CREATE FUNCTION b_write(t text) RETURNS text SECURITY DEFINER LANGUAGE sql AS 'INSERT INTO pisb.orders (tenant) VALUES (t) RETURNING ''LEAK:'' || id';
COMMIT;
\\set ON_ERROR_ROLLBACK off"
  try_b() { echo "\\echo @@$1
SELECT pg_temp.b_steal(); SELECT * FROM pg_temp.b_view; SELECT pg_temp.b_write('planted'); SELECT count(*) FROM pisb.orders;
\\echo @@"; }
  out=$(clients $M "$plant_b
--next-client
$(try_b B1)
$(SU "SELECT auth.logout('$TB')")
--next-client
$(try_b B2)
$(SU "SELECT auth.deactivate_user('$BID')")
$(SU "DELETE FROM auth.users WHERE id = '$BID'")
--next-client
$(try_b B3)
$(SU "SELECT auth.set_tenant_active('pisb', false)")
--next-client
$(try_b B4)
$(SU "SELECT auth.set_tenant_active('pisb', true)")")
  for b in "B1:COMMIT" "B2:logout" "B3:user deletion" "B4:tenant deactivation"; do
    o=$(seg "${b%%:*}" "$out")
    check "ISO-${b%%:*} [$M] after ${b#*:} the next client finds no planted object" "does not exist" "$o"
    check_not "ISO-${b%%:*} [$M] after ${b#*:} no tenant data through a planted object" "$LEAK" "$o"
    check "ISO-${b%%:*} [$M] after ${b#*:} the tenant schema stays closed" "permission denied for schema pisb" "$o"
  done
  # beyond spec: COMMIT AND CHAIN / ROLLBACK AND CHAIN, and a procedure that commits after
  # authenticate (the temporary procedure itself is dropped by authenticate while it runs)
  new_user pisb staff || exit 1
  out=$(clients $M "\\echo @@B5
$(auth_tx "$U_TOK")
COMMIT AND CHAIN;
SELECT 'chain:' || current_user || ':' || coalesce(auth.tenant(), 'none');
SELECT 'LEAK:' || count(*) FROM pisb.orders;
COMMIT;
$(auth_tx "$U_TOK")
ROLLBACK AND CHAIN;
SELECT 'chain:' || current_user || ':' || coalesce(auth.tenant(), 'none');
ROLLBACK;
\\echo @@B6
CREATE PROCEDURE pg_temp.b6() LANGUAGE plpgsql AS \$p\$
BEGIN
  PERFORM auth.authenticate('$U_TOK');
  COMMIT;
  RAISE NOTICE 'b6:%:%', current_user, coalesce(auth.tenant(), 'none');
  RAISE NOTICE 'LEAK:%', (SELECT count(*) FROM pisb.orders);
END \$p\$;
CALL pg_temp.b6();
SELECT 'alive:' || current_user;
\\echo @@")
  check "ISO-B5 [$M] after COMMIT AND CHAIN / ROLLBACK AND CHAIN the chained transaction is the authenticator's (beyond spec)" \
    "^f"$'\n'"chain:pis_app:none"$'\n'".*permission denied for schema pisb.*chain:pis_app:none$" "$(seg B5 "$out")"
  check "ISO-B6 [$M] a procedure committing after authenticate: the backend survives (beyond spec)" "alive:pis_app" "$(seg B6 "$out")"
  check_not "ISO-B5/B6 [$M] no tenant data after the commit" "$LEAK|LEAK:[0-9]|XX000|cache lookup failed" "$(seg B5 "$out")$(seg B6 "$out")"
  check "ISO-B [$M] nothing was written to pisb.orders" "^3$" "$(su_sql -c "SELECT count(*) FROM pisb.orders")"
  one_backend "ISO-B" $M "$out"
done

# --- ISO-C: code planted by a tokenless authenticator runs in no later tenant transaction.
# Failing calls of every plpgsql function of schema auth the authenticator may execute, with
# NULL arguments (strict ones get non-null dummies), so PL/pgSQL compiles them under the
# attacker's search_path with pg_temp domains shadowing text/int4/int8/jsonb/bool (and, beyond
# spec, oid/uuid/name/varchar/numeric).
warm_calls=$(su_sql <<'SQL'
SELECT string_agg(format('SELECT %I.%I(%s);', n.nspname, p.proname,
         coalesce((SELECT string_agg(CASE WHEN NOT p.proisstrict THEN 'NULL' ELSE
                                       CASE t.typname WHEN 'jsonb' THEN '''{}''' WHEN 'uuid' THEN '''00000000-0000-0000-0000-000000000000'''
                                                      WHEN 'bool' THEN 'false' WHEN 'text' THEN '''x''' ELSE '''0''' END END
                                     || '::' || quote_ident(tn.nspname) || '.' || quote_ident(t.typname), ', ' ORDER BY a.ord)
                     FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(typ, ord)
                     JOIN pg_type t ON t.oid = a.typ JOIN pg_namespace tn ON tn.oid = t.typnamespace), '')),
       E'\n' ORDER BY p.proname)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'auth' AND p.prokind = 'f'
   AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
   AND has_function_privilege('pis_app', p.oid, 'EXECUTE')
SQL
)
ncalls=$(grep -c '^SELECT' <<< "$warm_calls")
check "ISO-C the authenticator may execute the client-facing plpgsql functions (http_me, http_logout, login, refresh: $ncalls)" \
  "auth.http_logout\(.*auth.http_me\(.*auth.login\(.*auth.refresh\(" "$(tr '\n' ' ' <<< "$warm_calls")"
plant_c() {  # plant_c SEARCH_PATH
  local d script="SET search_path = $1;
CREATE FUNCTION pg_temp.planted(anyelement) RETURNS pg_catalog.bool LANGUAGE plpgsql
  AS 'BEGIN RAISE EXCEPTION ''PLANTED as %'', current_user; END';
CREATE FUNCTION pg_temp.evil() RETURNS pg_catalog.int4 LANGUAGE plpgsql
  AS 'BEGIN RAISE EXCEPTION ''PLANTED evil as %'', current_user; END';
"
  for d in text int4 int8 jsonb bool oid uuid name varchar numeric; do
    script+="CREATE DOMAIN pg_temp.$d AS pg_catalog.$d CHECK (pg_temp.planted(VALUE));"$'\n'
  done
  script+="PREPARE p AS SELECT pg_temp.evil();"$'\n'"$warm_calls"
  echo "$script"
}
want C && for M in S P; do
  for variant in "api|pg_temp, public" "rpc|pg_temp, pg_catalog" "me|pg_temp, public" "prepare|pg_temp, pg_catalog" "login|pg_temp, public"; do
    first=${variant%%|*} path=${variant#*|}
    new_user pis1 staff || exit 1
    tok=$U_TOK ref=$U_REF email=$U_EMAIL pw=$U_PW
    H="'pis1.example.test'::pg_catalog.text"
    declare -A call=(
      [api]="SELECT body FROM auth.http_request('GET', $H, '$tok', '/api/orders', 'order=id', '{}'::pg_catalog.jsonb, NULL);"
      [post]="BEGIN; SELECT body FROM auth.http_request('POST', $H, '$tok', '/api/orders', '', '{\"prefer\":\"return=representation\"}'::pg_catalog.jsonb, '{\"tenant\":\"pis1-posted\"}'); ROLLBACK;"
      [rpc]="SELECT body FROM auth.http_request('POST', $H, '$tok', '/rpc/order_count', '', '{}'::pg_catalog.jsonb, '{}');"
      [me]="SELECT auth.http_me($H, '$tok') ->> 'email';"
      [prepare]="BEGIN; SELECT auth.authenticate('$tok') IS NULL AS anonymous; EXECUTE p; ROLLBACK;"
      [login]="SELECT auth.login('pis1', '$email', '$pw') ? 'access_token' AS login_ok;"
      [refresh]="SELECT auth.refresh('$ref') ? 'access_token' AS refresh_ok;"
      [http_login]="SELECT auth.http_login($H, '$email', '$pw') ? 'access_token' AS http_login_ok;"
      [reset]="SELECT auth.http_start_password_reset($H, '$T1A', '$email') ? 'reset_token' AS reset_ok;"
      [change]="SELECT 'changed:' || auth.http_change_password($H, '$tok', '$pw', '$pw-2')::pg_catalog.text;"
      [logout]="SELECT 'logout:' || auth.http_logout($H, (auth.login('pis1', '$email', '$pw-2') ->> 'access_token'))::pg_catalog.text;"
    )
    order=("$first")
    for c in api post rpc me prepare login refresh http_login reset change logout; do [[ $c == "$first" ]] || order+=("$c"); done
    script="$(plant_c "$path")"$'\n'
    for c in "${order[@]}"; do script+="--next-client"$'\n'"\\echo @@$c"$'\n'"${call[$c]}"$'\n'"\\echo @@"$'\n'; done
    script+="--next-client"$'\n'"\\echo @@gone"$'\n'"$TEMP_SQL;"$'\n'"\\echo @@"$'\n'
    out=$(clients $M "$script")
    tag="ISO-C [$M] path '$path', first call $first:"
    all=""
    for c in "${order[@]}"; do all+=$(seg "$c" "$out")$'\n'; done
    check_not "$tag no planted code ran, no cache lookup failure (XX000) in any later call" "$NOLEAK" "$all"
    check "$tag http_request GET /api returns the tenant's rows" '"tenant" ?: ?"pis1".*"tenant" ?: ?"pis1"' "$(seg api "$out")"
    check "$tag http_request POST /api returns the new row" 'pis1-posted' "$(seg post "$out")"
    check "$tag http_request POST /rpc returns the tenant's count" '^2$' "$(seg rpc "$out")"
    check "$tag http_me returns the user" "^$email$" "$(seg me "$out")"
    check "$tag a statement prepared before authenticate does not run the planted function" \
      '42883: function pg_temp.evil\(\) does not exist' "$(seg prepare "$out")"
    for c in login refresh http_login reset; do check "$tag $c works" "^t$" "$(seg $c "$out")"; done
    check "$tag http_change_password works" "^changed:$" "$(seg change "$out")"
    check "$tag http_logout works" "^logout:$" "$(seg logout "$out")"
    check "$tag after an authenticated transaction the session's temporary objects are gone" "^temp:0:0:0$" "$(seg gone "$out")"
    one_backend "ISO-C" $M "$out"
    unset call
  done
done

# --- ISO-C (beyond spec): temporary tables planted under the names of a tenant's tables are not
# what the tenant's unqualified queries read
want C && for M in S P; do
  out=$(clients $M "CREATE TEMP TABLE orders AS SELECT 'PLANTED' AS tenant;
CREATE TEMP TABLE shared_notes AS SELECT 'PLANTED' AS secret;
GRANT SELECT ON pg_temp.orders, pg_temp.shared_notes TO PUBLIC;
--next-client
\\echo @@Ct1
$(auth_tx "$T1")
SELECT string_agg(tenant, ',' ORDER BY tenant) FROM orders;
COMMIT;
\\echo @@Ct3
$(auth_tx "$T3")
SELECT 'notes:' || count(*) FROM shared_notes WHERE secret NOT LIKE 'pis3-%';
COMMIT;
\\echo @@")
  check "ISO-Ct1 [$M] a schema tenant's unqualified table is its own, not the planted temporary one (beyond spec)" \
    "^f"$'\n'"pis1,pis1$" "$(seg Ct1 "$out")"
  check "ISO-Ct3 [$M] a row tenant's unqualified shared table is the real one (beyond spec)" "^f"$'\n'"notes:0$" "$(seg Ct3 "$out")"
  check_not "ISO-Ct [$M] no planted row read" "PLANTED" "$(seg Ct1 "$out")$(seg Ct3 "$out")"
  one_backend "ISO-Ct" $M "$out"
done

# --- ISO-D: row isolation side channels (pis3 looks for 'zulu-pis4-only', which only pis4 has)
d_items=(
  "D1|EXPLAIN SELECT * FROM public.shared_notes WHERE secret = 'zulu-pis4-only'|EXPLAIN is not allowed in an authenticated transaction"
  "D2|EXPLAIN ANALYZE SELECT * FROM public.shared_notes WHERE secret = 'zulu-pis4-only'|EXPLAIN is not allowed in an authenticated transaction"
  "D3|EXPLAIN (FORMAT JSON) SELECT * FROM public.shared_notes WHERE secret > 'zulu'|EXPLAIN is not allowed in an authenticated transaction"
  "D4|DO \$d\$ DECLARE r record; BEGIN FOR r IN EXECUTE 'EXPLAIN ANALYZE SELECT * FROM public.shared_notes WHERE secret = ''zulu-pis4-only''' LOOP RAISE NOTICE '%', r; END LOOP; END \$d\$|EXPLAIN is not allowed in an authenticated transaction"
  "D5|SELECT * FROM pg_stat_xact_user_tables WHERE relname = 'shared_notes'|is not allowed in an authenticated transaction"
  "D6|SELECT * FROM pg_stat_user_tables WHERE relname = 'shared_notes'|is not allowed in an authenticated transaction"
  "D7|SELECT * FROM pg_stat_user_indexes WHERE relname = 'shared_notes'|is not allowed in an authenticated transaction"
  "D8|SELECT * FROM pg_statio_user_tables WHERE relname = 'shared_notes'|is not allowed in an authenticated transaction"
  "D9|SELECT pg_stat_get_xact_tuples_fetched('public.shared_notes'::regclass)|is not allowed in an authenticated transaction"
  # beyond spec: the same counters by other names
  "D10|SELECT * FROM pg_stat_xact_all_tables WHERE relname = 'shared_notes'|is not allowed in an authenticated transaction"
  "D11|SELECT * FROM pg_stat_all_indexes WHERE relname = 'shared_notes'|is not allowed in an authenticated transaction"
  "D12|SELECT * FROM pg_statio_user_indexes WHERE relname = 'shared_notes'|is not allowed in an authenticated transaction"
  "D13|SELECT pg_stat_get_xact_numscans('public.shared_notes_secret'::regclass)|is not allowed in an authenticated transaction"
  "D14|SELECT pg_stat_get_tuples_fetched('public.shared_notes_secret'::regclass)|is not allowed in an authenticated transaction"
  "D15|SELECT pg_stat_get_xact_blocks_fetched('public.shared_notes_secret'::regclass)|is not allowed in an authenticated transaction"
  "D17|DO \$d\$ DECLARE r record; BEGIN FOR r IN EXECUTE concat('EXPL', 'AIN SELECT * FROM public.shared_notes WHERE secret = ''zulu-pis4-only''') LOOP END LOOP; END \$d\$|EXPLAIN is not allowed in an authenticated transaction"
  "D18|SELECT * FROM pg_stat_database WHERE datname = current_database()|is not allowed in an authenticated transaction"
)
want D && for M in S P; do
  script="$(auth_tx "$T3")"$'\n'
  for d in "${d_items[@]}"; do
    IFS='|' read -r id stmt msg <<< "$d"
    script+="SAVEPOINT s;"$'\n'"\\echo @@$id"$'\n'"$stmt;"$'\n'"\\echo @@"$'\n'"ROLLBACK TO s;"$'\n'
  done
  script+="\\echo @@D-stats"$'\n'"SELECT 'pg_stats:' || count(*) FROM pg_stats WHERE tablename = 'shared_notes';"$'\n'"\\echo @@"$'\n'"ROLLBACK;"$'\n'
  # the observable rest: a value only pis4 has vs a value nobody has
  for v in zulu-pis4-only zulu-nobody-has; do
    script+="--next-client
$(auth_tx "$T3")
\\echo @@D-$v
SELECT 'eq:' || count(*) FROM public.shared_notes WHERE secret = '$v';
SELECT 'range:' || count(*) FROM public.shared_notes WHERE secret >= 'zulu' AND secret < 'zulv';
SELECT 'like:' || count(*) FROM public.shared_notes WHERE secret LIKE 'zulu%';
SAVEPOINT s; INSERT INTO public.shared_notes (secret) VALUES ('$v') RETURNING 'inserted'; ROLLBACK TO s;
SAVEPOINT s; INSERT INTO public.shared_notes (secret) VALUES ('$v'), ('$v'); ROLLBACK TO s;
SAVEPOINT s; UPDATE public.shared_notes SET secret = '$v' WHERE secret = 'pis3-note-1' RETURNING 'updated'; ROLLBACK TO s;
SAVEPOINT s; INSERT INTO public.shared_notes (secret) VALUES ('$v') ON CONFLICT (tenant_id, secret) DO NOTHING RETURNING 'upserted'; ROLLBACK TO s;
\\echo @@
ROLLBACK;"$'\n'
  done
  out=$(clients $M "$script")
  for d in "${d_items[@]}"; do
    IFS='|' read -r id stmt msg <<< "$d"
    extra=""; [[ ${id#D} -ge 10 ]] && extra=" (beyond spec)"
    check "ISO-$id [$M] $stmt$extra" "42501: [^|]*$msg" "$(seg "$id" "$out" | tr '\n' '|')"
    check_not "ISO-$id [$M] no plan or counter printed$extra" "Rows Removed|Index|Seq Scan|\"Plan\"|idx_tup|seq_scan" "$(seg "$id" "$out")"
  done
  check "ISO-D [$M] pg_stats shows nothing of the RLS table" "^pg_stats:0$" "$(seg D-stats "$out")"
  a=$(seg D-zulu-pis4-only "$out" | sed 's/zulu-pis4-only/VALUE/g; s/\(psql:<stdin>:\)[0-9]*/\1N/; s/Key ([^)]*)/Key/')
  b=$(seg D-zulu-nobody-has "$out" | sed 's/zulu-nobody-has/VALUE/g; s/\(psql:<stdin>:\)[0-9]*/\1N/; s/Key ([^)]*)/Key/')
  if [[ -n $a && $a == "$b" ]]; then pass "ISO-D [$M] a value only another tenant has and one nobody has give identical results and errors"
  else fail "ISO-D [$M] a value only another tenant has and one nobody has give identical results and errors" \
         "$(diff <(echo "$a") <(echo "$b") | tr '\n' '|' | cut -c1-1500)"; fi
  check "ISO-D [$M] the checks ran (counts 0, inserts accepted)" "eq:0.*inserted" "$(tr '\n' ' ' <<< "$a")"
  one_backend "ISO-D" $M "$out"
  # beyond spec: the same counters read OUTSIDE the tenant transaction, after its COMMIT (the
  # authenticator may read pg_stat_user_indexes): the probe's idx_tup_fetch delta must not tell
  # a value of another tenant from a value nobody has
  d21=""
  for v in zulu-pis4-only zulu-nobody-has; do
    o=$(clients $M "SELECT pg_stat_force_next_flush();
--next-client
SELECT pg_stat_clear_snapshot();
SELECT 'before:' || idx_tup_fetch || ':' || idx_tup_read FROM pg_stat_user_indexes WHERE indexrelname = 'shared_secrets_secret';
$(auth_tx "$T3")
SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
SELECT 'found:' || count(*) FROM public.shared_secrets WHERE secret = '$v';
COMMIT;
SELECT pg_stat_force_next_flush();
--next-client
SELECT pg_sleep(0.1);
--next-client
SELECT pg_stat_clear_snapshot();
SELECT 'after:' || idx_tup_fetch || ':' || idx_tup_read FROM pg_stat_user_indexes WHERE indexrelname = 'shared_secrets_secret';")
    b=$(grep -o '^before:[0-9:]*' <<< "$o") a=$(grep -o '^after:[0-9:]*' <<< "$o")
    IFS=: read -r _ bf br <<< "$b"; IFS=: read -r _ af ar <<< "$a"
    d21+="$v fetch+$(( ${af:-0} - ${bf:-0} )) read+$(( ${ar:-0} - ${br:-0} )) $(grep -o '^found:[0-9]*' <<< "$o")"$'\n'
  done
  look_alike "ISO-D21 [$M] counters read after COMMIT outside the context: a value of another tenant and one nobody has look alike (beyond spec)" "$d21"
  # beyond spec: the same transaction's counters, read after ROLLBACK TO the savepoint that saw
  # authenticate (the context is gone, the transaction and its pending counters are not)
  d22=""
  for v in zulu-pis4-only zulu-nobody-has; do
    o=$(clients $M "BEGIN;
SELECT 'before:' || pg_stat_get_xact_tuples_fetched('public.shared_secrets_secret'::regclass);
SAVEPOINT probe;
SELECT auth.authenticate('$T3') IS NULL AS anonymous;
SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
SELECT 'found:' || count(*) FROM public.shared_secrets WHERE secret = '$v';
ROLLBACK TO probe;
SELECT 'after:' || pg_stat_get_xact_tuples_fetched('public.shared_secrets_secret'::regclass);
ROLLBACK;")
    b=$(grep -o '^before:[0-9]*' <<< "$o") a=$(grep -o '^after:[0-9]*' <<< "$o")
    b=${b#before:} a=${a#after:}  # empty when the counter is refused: then both probes print the same errors
    # a delta: pending counters of earlier transactions of the backend are included until flushed
    d22+="$v fetched+$(( ${a:-0} - ${b:-0} )) $(grep -o '^found:[0-9]*\|ERROR: .*' <<< "$o" | tr '\n' ' ')"$'\n'
  done
  look_alike "ISO-D22 [$M] xact counters after ROLLBACK TO the authenticate savepoint: another tenant's value and nobody's look alike (beyond spec)" "$d22"
done

# --- ISO-E: WITH HOLD cursors never carry tenant rows out of the transaction. A cursor's plan
# checks table privileges when it starts (as the authenticator), so the rows are read by code
# that runs later under the tenant's role: query_to_xml, or the extension's own http_request.
QX="query_to_xml('SELECT tenant FROM pis1.orders', true, false, '')::text"
QX3="query_to_xml('SELECT secret FROM public.shared_notes', true, false, '')::text"
want E && for M in S P; do
  out=$(clients $M "BEGIN;
\\echo @@E1
DECLARE c1 CURSOR WITH HOLD FOR SELECT 'LEAK:' || $QX FROM (SELECT auth.authenticate('$T1')) s;
COMMIT;
\\echo @@
--next-client
\\echo @@E1f
FETCH ALL FROM c1;
\\echo @@
--next-client
BEGIN;
\\echo @@E1b
DECLARE c1b CURSOR WITH HOLD FOR SELECT 'LEAK:' || (auth.http_request('GET', 'pis1.example.test', '$T1', '/api/orders', '', '{}'::jsonb, NULL)).body;
COMMIT;
\\echo @@
--next-client
\\echo @@E1bf
FETCH ALL FROM c1b;
\\echo @@
--next-client
BEGIN;
\\echo @@E2
DECLARE c2 CURSOR WITH HOLD FOR SELECT 1;
SELECT auth.authenticate('$T1') IS NULL AS anonymous;
COMMIT;
\\echo @@
--next-client
BEGIN;
\\echo @@E2b
DECLARE c2b CURSOR WITH HOLD FOR SELECT 'LEAK:' || $QX;
SELECT auth.authenticate('$T1') IS NULL AS anonymous;
COMMIT;
\\echo @@
--next-client
\\echo @@E2bf
FETCH ALL FROM c2b;
\\echo @@
--next-client
BEGIN;
\\echo @@E3
DECLARE c3 CURSOR WITH HOLD FOR SELECT 'LEAK:' || $QX3 FROM (SELECT auth.authenticate('$T3')) s;
FETCH 1 FROM c3;
COMMIT;
\\echo @@
--next-client
\\echo @@E3f
FETCH ALL FROM c3;
\\echo @@
--next-client
\\echo @@E4
$(auth_tx "$T1")
DECLARE c4 CURSOR WITH HOLD FOR SELECT 'LEAK:' || tenant FROM pis1.orders;
COMMIT;
\\echo @@
--next-client
\\echo @@E4f
FETCH ALL FROM c4;
\\echo @@
--next-client
\\echo @@E5
BEGIN;
DECLARE c5 CURSOR WITH HOLD FOR SELECT 'LEAK:' || $QX WHERE auth.authenticate('$T1') IS NOT NULL;
COMMIT;
FETCH ALL FROM c5;
\\echo @@
--next-client
BEGIN;
\\echo @@E6
DO \$d\$ BEGIN EXECUTE \$e\$DECLARE c6 CURSOR WITH HOLD FOR SELECT 'LEAK:' || $QX FROM (SELECT auth.authenticate('$T1')) s\$e\$; END \$d\$;
COMMIT;
\\echo @@
--next-client
\\echo @@E6f
FETCH ALL FROM c6;
\\echo @@
--next-client
\\echo @@E9
SELECT 'cursors:' || count(*) FROM pg_cursors;
\\echo @@")
  HOLD='42501: [^|]*a WITH HOLD cursor is not allowed in an authenticated transaction'
  check "ISO-E1 [$M] WITH HOLD cursor over (SELECT auth.authenticate(tok)) s: refused" "$HOLD" "$(seg E1 "$out" | tr '\n' '|')"
  check "ISO-E1b [$M] WITH HOLD cursor over auth.http_request(…, tok, …): refused" "$HOLD" "$(seg E1b "$out" | tr '\n' '|')"
  check "ISO-E2 [$M] authenticate after DECLARE … WITH HOLD FOR SELECT 1 in the same transaction: refused" "$HOLD" "$(seg E2 "$out" | tr '\n' '|')"
  check "ISO-E2b [$M] a WITH HOLD cursor declared before authenticate, materialised at COMMIT: refused (beyond spec)" "$HOLD" "$(seg E2b "$out" | tr '\n' '|')"
  check "ISO-E3 [$M] row tenant, a row fetched before COMMIT: refused" "$HOLD" "$(seg E3 "$out" | tr '\n' '|')"
  check "ISO-E4 [$M] DECLARE … WITH HOLD after authenticate: refused" "$REFUSED" "$(seg E4 "$out" | tr '\n' '|')"
  check "ISO-E5 [$M] authenticate in the cursor's WHERE (beyond spec): refused" "$HOLD" "$(seg E5 "$out" | tr '\n' '|')"
  check_not "ISO-E [$M] no tenant row fetched, in the transaction or after it" "$LEAK" "$out"
  for e in E1f E1bf E2bf E3f E4f E6f; do check "ISO-$e [$M] the next client finds no cursor" "does not exist" "$(seg $e "$out")"; done
  check "ISO-E6 [$M] the cursor declared by EXECUTE in a DO block (beyond spec): refused" "$HOLD" "$(seg E6 "$out" | tr '\n' '|')"
  check "ISO-E [$M] no cursor left in the backend" "^cursors:0$" "$(seg E9 "$out")"
  one_backend "ISO-E" $M "$out"
done

# --- ISO-G: sequence state does not survive the tenant transaction
want G && for M in S P; do
  out=$(clients $M "$(auth_tx "$T1")
SELECT 'next:' || nextval('counter'), nextval('pis1.orders_id_seq');
COMMIT;
--next-client
\\echo @@G1
SELECT 'LEAK:' || lastval();
\\echo @@G2
SELECT 'LEAK:' || currval('pis1.counter');
\\echo @@G2b
SELECT 'LEAK:' || currval('pis1.orders_id_seq');
\\echo @@G3
$(auth_tx "$T1")
SELECT 'LEAK:' || currval('counter');
ROLLBACK;
\\echo @@G3b
$(auth_tx "$T1")
SELECT 'LEAK:' || lastval();
ROLLBACK;
\\echo @@
--next-client
$(auth_tx "$T3")
SELECT 'next:' || nextval('public.shared_notes_id_seq');
COMMIT;
--next-client
\\echo @@G4
SELECT 'LEAK:' || lastval();
\\echo @@G4b
SELECT 'LEAK:' || currval('public.shared_notes_id_seq');
\\echo @@
--next-client
\\echo @@G5
$(auth_tx "$T1")
SELECT 'next:' || nextval('counter');
ROLLBACK;
SELECT 'LEAK:' || lastval();
\\echo @@G6
BEGIN;
SAVEPOINT s;
SELECT auth.authenticate('$T1') IS NULL AS anonymous;
SELECT 'next:' || nextval('counter');
ROLLBACK TO s;
SELECT 'LEAK:' || lastval();
ROLLBACK;
\\echo @@")
  check "ISO-G1 [$M] lastval() after a tenant's nextval + COMMIT" "55000: lastval is not yet defined in this session" "$(seg G1 "$out")"
  check "ISO-G2 [$M] currval of the tenant's sequence after COMMIT" "55000: [^|]*not yet defined in this session|42501: permission denied" "$(seg G2 "$out")"
  check "ISO-G2b [$M] currval of the tenant's identity sequence after COMMIT" "55000: [^|]*not yet defined in this session|42501: permission denied" "$(seg G2b "$out")"
  check "ISO-G3 [$M] currval in the next transaction of the same tenant (beyond spec)" "55000: [^|]*not yet defined in this session" "$(seg G3 "$out")"
  check "ISO-G3b [$M] lastval in the next transaction of the same tenant (beyond spec)" "55000: lastval is not yet defined in this session" "$(seg G3b "$out")"
  check "ISO-G4 [$M] lastval() after a row tenant's nextval on a shared sequence" "55000: lastval is not yet defined in this session" "$(seg G4 "$out")"
  check "ISO-G4b [$M] currval of the shared sequence after COMMIT" "55000: [^|]*not yet defined in this session|42501: permission denied" "$(seg G4b "$out")"
  check "ISO-G6 [$M] lastval() after ROLLBACK TO the savepoint that saw authenticate (beyond spec)" "55000: lastval is not yet defined in this session" "$(seg G6 "$out")"
  check "ISO-G5 [$M] lastval() after ROLLBACK of a tenant transaction (beyond spec)" "55000: lastval is not yet defined in this session" "$(seg G5 "$out")"
  check_not "ISO-G [$M] no sequence value carried over" "$LEAK" "$out"
  one_backend "ISO-G" $M "$out"
done

# --- ISO-H: session state set from inside a tenant transaction
h_items=(
  "H1|SET statement_timeout = '4321s'|42501: [^|]*SET without LOCAL is not allowed in an authenticated transaction"
  "H2|SELECT set_config('statement_timeout', '4322s', false)|42501: [^|]*set_config\(\) with is_local false is not allowed in an authenticated transaction"
  "H3|SELECT pg_advisory_lock(1)|42501: [^|]*pg_advisory_lock\(\) is not allowed in an authenticated transaction"
  "H4|SET LOCAL statement_timeout = '7s'; SHOW statement_timeout|^7s$"
  "H5|SELECT set_config('statement_timeout', '8s', true)|^8s$"
  "H6|SELECT 'xact-lock:' || pg_advisory_xact_lock(1)::text|^xact-lock:$"
  # beyond spec
  "H7|SET SESSION statement_timeout = '4323s'|42501: [^|]*SET without LOCAL is not allowed in an authenticated transaction"
  "H8|SET search_path = pg_temp, pis1|42501: [^|]*SET without LOCAL is not allowed in an authenticated transaction"
  "H9|RESET statement_timeout|42501: [^|]*is not allowed in an authenticated transaction"
  "H10|SELECT pg_try_advisory_lock(2)|42501: [^|]*is not allowed in an authenticated transaction"
  "H11|SELECT pg_advisory_lock_shared(3)|42501: [^|]*is not allowed in an authenticated transaction"
  "H12|SELECT pg_advisory_lock(4, 5)|42501: [^|]*is not allowed in an authenticated transaction"
  "H13|SELECT set_config('application_name', 'planted', false)|42501: [^|]*set_config\(\) with is_local false is not allowed in an authenticated transaction"
  "H14|SET TIME ZONE 'Pacific/Kiritimati'|42501: [^|]*SET without LOCAL is not allowed in an authenticated transaction"
  "H15|SELECT pg_try_advisory_lock_shared(6)|42501: [^|]*is not allowed in an authenticated transaction"
  "H16|SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE|42501: [^|]*is not allowed in an authenticated transaction"
  "H17|SELECT set_config('statement_timeout', '4324s', (SELECT false))|42501: [^|]*is not allowed in an authenticated transaction"
  "H18|DO \$d\$ BEGIN PERFORM set_config('statement_timeout', '4325s', false); END \$d\$|42501: [^|]*is not allowed in an authenticated transaction"
  "H19|SELECT set_config(n, '4326s', false) FROM (VALUES ('statement_timeout')) v(n)|42501: [^|]*is not allowed in an authenticated transaction"
  "H20|DO \$d\$ BEGIN EXECUTE 'SET statement_timeout = ''4327s'''; END \$d\$|42501: [^|]*is not allowed in an authenticated transaction"
)
want H && for M in S P; do
  # each statement in its own committed transaction, so whatever is not refused would stay
  script=""
  for h in "${h_items[@]}"; do
    IFS='|' read -r id stmt want <<< "$h"
    script+="$(auth_tx "$T1")"$'\n'"\\echo @@$id"$'\n'"$stmt;"$'\n'"\\echo @@"$'\n'"COMMIT;"$'\n'"--next-client"$'\n'
  done
  script+="$(auth_tx "$T1")"$'\n'"PREPARE h_q AS SELECT 'LEAK:' || count(*) FROM pis1.orders;"$'\n'"COMMIT;"$'\n'"--next-client"$'\n'
  script+="\\echo @@H-after
SHOW statement_timeout;
SHOW default_transaction_isolation;
SHOW TimeZone;
SHOW search_path;
SHOW search_path;
$(SU "SELECT 'locks:' || count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND a.usename = 'pis_app' AND a.datname = current_database()")
\\echo @@H-prep
EXECUTE h_q;
\\echo @@"
  out=$(clients $M "$script")
  for h in "${h_items[@]}"; do
    IFS='|' read -r id stmt want <<< "$h"
    extra=""; [[ ${id#H} -ge 7 ]] && extra=" (beyond spec)"
    check "ISO-$id [$M] $stmt$extra" "$want" "$(seg "$id" "$out" | tr '\n' '|' | sed 's/|$//')"
  done
  after=$(seg H-after "$out" | tr '\n' ' ')
  check_not "ISO-H [$M] the next client inherits no statement_timeout, isolation level, time zone, search_path or name" "432[0-9]s|Kiritimati|pis1|planted|serializable" "$after"
  check "ISO-H [$M] the next client holds no advisory lock" "locks:0" "$after"
  check "ISO-H-prep [$M] a statement prepared in a tenant transaction reaches nothing after it (beyond spec)" \
    "does not exist|permission denied" "$(seg H-prep "$out")"
  check_not "ISO-H-prep [$M] no tenant data through it" "$LEAK" "$(seg H-prep "$out")"
  one_backend "ISO-H" $M "$out"
  # whatever was not refused must not break the scenarios after this one on the pooled backend
  clients $M "SET search_path TO DEFAULT; RESET statement_timeout; RESET default_transaction_isolation; RESET TimeZone; RESET application_name; SELECT pg_advisory_unlock_all();" >/dev/null
done

# --- ISO-I: an attacker's failed logins (client 203.0.113.9) lock only that client
want I && for M in S P; do
  new_user pis1 staff || exit 1
  v=$U_EMAIL vpw=$U_PW
  out=$(clients $M "\\echo @@I-attack
SELECT auth.login('pis1', '$v', 'wrong-1', '203.0.113.9');
SELECT auth.login('pis1', '$v', 'wrong-2', '203.0.113.9');
SELECT auth.login('pis1', '$v', 'wrong-3', '203.0.113.9');
SELECT auth.login('pis1', '$v', 'wrong-4', '203.0.113.9');
\\echo @@I-locked
SELECT 'LOGGED-IN:' || (auth.login('pis1', '$v', '$vpw', '203.0.113.9') ? 'access_token');
\\echo @@I-other
SELECT 'other:' || (auth.login('pis1', '$v', '$vpw', '198.51.100.1') ? 'access_token');
\\echo @@")
  out2=$(as_sql pis_app -c "SELECT 'peer:' || (auth.login('pis1', '$v', '$vpw') ? 'access_token')")
  status=$(su_sql -c "SELECT auth.login_throttle_status('pis1', '$v')" 2>&1)
  su_sql -c "SELECT auth.unlock_login('pis1', '$v')" >/dev/null 2>&1
  status2=$(su_sql -c "SELECT auth.login_throttle_status('pis1', '$v')" 2>&1)
  out3=$(clients $M "SELECT 'unlocked:' || (auth.login('pis1', '$v', '$vpw', '203.0.113.9') ? 'access_token');")
  check "ISO-I1 [$M] the attacker's wrong passwords fail as invalid credentials" "28P01: invalid credentials" "$(seg I-attack "$out")"
  check "ISO-I2 [$M] the attacker's client is locked (right password refused)" "28P01: invalid credentials" "$(seg I-locked "$out")"
  check_not "ISO-I2 [$M] no token for the locked client" "LOGGED-IN:t" "$(seg I-locked "$out")"
  check "ISO-I3 [$M] the user from another client (198.51.100.1) still logs in" "^other:true$" "$(seg I-other "$out")"
  check "ISO-I4 [$M] the user without a client string (peer address) still logs in" "^peer:true$" "$out2"
  check "ISO-I5 [$M] login_throttle_status reports the attacker's locked client" '"locked_clients": 1' "$status"
  check "ISO-I6b [$M] after unlock_login no client is locked" '"locked_clients": 0' "$status2"
  check "ISO-I6 [$M] unlock_login clears the attacker's entry too" "(^|"$'\n'")unlocked:true$" "$out3"
done
# beyond spec: a caller inventing client strings gets at most 10 x login_max_failures guesses
# per (e-mail, peer) — docs/isolation.md — then even the right password with a new string fails
if want I; then
  new_user pis1 staff || exit 1
  script=""
  for i in $(seq 1 31); do script+="SELECT auth.login('pis1', '$U_EMAIL', 'wrong-$i', '203.0.113.$i');"$'\n'; done
  script+="\\echo @@I7"$'\n'"SELECT 'LOGGED-IN:' || (auth.login('pis1', '$U_EMAIL', '$U_PW', '203.0.113.200') ? 'access_token');"$'\n'"\\echo @@"
  out=$(clients S "$script")
  check "ISO-I7 31 guesses under invented client strings exhaust the (e-mail, peer) budget of 10 x 3 (beyond spec)" \
    "28P01: invalid credentials" "$(seg I7 "$out")"
  su_sql -c "SELECT auth.unlock_login('pis1', '$U_EMAIL')" >/dev/null
fi

# --- ISO-F: clients sharing one login see no other session's statement and cannot signal it.
# Session 1 (direct) runs auth.login with a literal password, held on an advisory lock;
# session 2 is another client of the same login ([S] direct, [P] through the pool).
read_sql() { echo "SELECT '$1:' || count(*) FROM pg_stat_activity WHERE query LIKE '%literal-secret%' AND pid <> pg_backend_pid();"; }
want F && for M in S P; do
  lock_hold 9401
  as_sql pis_app -c "SELECT pg_advisory_lock(9401), auth.login('pis1', 'nobody@pis1.test', 'literal-secret-pw-F9401')" > /tmp/tg_pooled_f.$$ 2>&1 &
  victim=$!
  wait_lock 9401 false
  vpid=$(su_sql -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%literal-secret-pw-F9401%' AND pid <> pg_backend_pid() LIMIT 1")
  mon=$(as_sql pis_mon -c "$(read_sql mon-visible)")
  su=$(su_sql -c "$(read_sql su-visible)")
  out=$(clients $M "\\echo @@F1
$(read_sql visible)
\\echo @@F2
SELECT 'visible:' || count(*) FROM pg_stat_get_activity(NULL) a WHERE a.query LIKE '%literal-secret%' AND a.pid <> pg_backend_pid();
\\echo @@F3
SELECT 'visible:' || count(*) FROM generate_series(1, 200) b WHERE pg_stat_get_backend_activity(b) LIKE '%literal-secret%';
\\echo @@F6
SELECT 'visible:' || count(*) FROM pg_stat_get_activity($vpid) a WHERE a.query LIKE '%literal-secret%';
\\echo @@F7
$(auth_tx "$T1")
$(read_sql visible)
ROLLBACK;
\\echo @@F4
SELECT 'cancelled:' || pg_cancel_backend($vpid);
\\echo @@F5
SELECT 'terminated:' || pg_terminate_backend($vpid);
\\echo @@")
  lock_release 9401
  wait $victim
  vout=$(cat /tmp/tg_pooled_f.$$)
  check "ISO-F1 [$M] pg_stat_activity refused to an authenticator login" "42501: permission denied for function pg_stat_get_activity" "$(seg F1 "$out")"
  check "ISO-F2 [$M] pg_stat_get_activity(NULL) refused" "42501: permission denied for function pg_stat_get_activity" "$(seg F2 "$out")"
  check "ISO-F3 [$M] pg_stat_get_backend_activity refused" "42501: permission denied for function pg_stat_get_backend_activity" "$(seg F3 "$out")"
  check "ISO-F4 [$M] pg_cancel_backend of another session of the same login refused" "42501: permission denied for function pg_cancel_backend" "$(seg F4 "$out")"
  check "ISO-F5 [$M] pg_terminate_backend of another session of the same login refused" "42501: permission denied for function pg_terminate_backend" "$(seg F5 "$out")"
  check "ISO-F6 [$M] pg_stat_get_activity(pid) refused (beyond spec)" "42501: permission denied for function pg_stat_get_activity" "$(seg F6 "$out")"
  check "ISO-F7 [$M] inside a tenant transaction nothing is readable either (beyond spec)" "42501: |visible:0" "$(seg F7 "$out")"
  check_not "ISO-F [$M] the literal password was never readable by the same login" "visible:[1-9]" "$out"
  check_not "ISO-F4/F5 [$M] the other session was neither cancelled nor terminated" "canceling statement|terminating connection" "$vout"
  check "ISO-F8 [$M] a pg_monitor member still reads the statement" "^mon-visible:1$" "$mon"
  check "ISO-F9 [$M] a superuser still reads the statement" "^su-visible:1$" "$su"
  one_backend "ISO-F" $M "$out"
done
# the privileged still signal: pg_signal_backend member, superuser
want F && for who in pis_sig postgres; do
  as_sql pis_app -c "SELECT pg_sleep(30)" > /tmp/tg_pooled_f.$$ 2>&1 &
  victim=$!
  vpid=
  for _ in $(seq 1 100); do
    vpid=$(su_sql -c "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND usename = 'pis_app' LIMIT 1")
    [[ -n $vpid ]] && break; sleep 0.05
  done
  check "ISO-F10 $who (pg_signal_backend member / superuser) still cancels an authenticator's session" "^t$" \
    "$(as_sql $who -c "SELECT pg_cancel_backend(${vpid:-0})")"
  wait $victim
  check "ISO-F10 $who: the session was cancelled" "canceling statement due to user request" "$(cat /tmp/tg_pooled_f.$$)"
done
rm -f /tmp/tg_pooled_f.$$
# beyond spec: ALTER ROLE <self> SET by a tokenless client changes every later session of the
# shared login (any later client of the pool, the HTTP shim's next connection)
if want F; then
  out=$(as_sql pis_app -v VERBOSITY=verbose -c "ALTER ROLE CURRENT_USER SET search_path = pg_temp, pg_catalog, planted_by_a_client")
  later=$(as_sql pis_app -c "SHOW search_path")
  su_sql -c "ALTER ROLE pis_app RESET ALL" >/dev/null
  check "ISO-F12 an authenticator login cannot set session defaults of the shared login (beyond spec)" "42501" "$out"
  check_not "ISO-F12 a later session of the login does not get them (beyond spec)" "planted_by_a_client" "$later"
  out=$(as_sql pis_app -v VERBOSITY=verbose -c "ALTER ROLE CURRENT_USER PASSWORD 'changed-by-a-client'")
  pw=$(su_sql -c "SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'pis_app'")
  su_sql -c "ALTER ROLE pis_app PASSWORD NULL" >/dev/null
  check "ISO-F13 a tokenless client cannot change the shared login's password (beyond spec)" "42501" "$out"
  check "ISO-F13 the shared login's password is unchanged (beyond spec)" "^f$" "$pw"
fi

# --- after everything: the pooled server connection holds nothing of any tenant
out=$(clients P "\\echo @@end
$OWNED_SQL;
$TEMP_SQL;
SELECT 'user:' || current_user || ':' || coalesce(auth.tenant(), 'none');
\\echo @@")
check "ISO-A [P] at the end the pooled backend holds no tenant-owned and no temporary object" \
  "owned:0:0:0:0:0:0:0:0:0:0:0.temp:0:0:0.user:pis_app:none" "$(seg end "$out" | tr '\n' '.')"

bouncer_stop
su_sql -c "SELECT auth.drop_tenant(slug) FROM auth.tenants" -c "DROP TABLE public.shared_notes, public.shared_secrets" >/dev/null 2>&1
PGUSER=postgres psql -X -q -d postgres -c "DROP DATABASE \"${DB}\" WITH (FORCE)" >/dev/null
PGUSER=postgres psql -X -q -d postgres -c "DROP ROLE pis_app" -c "DROP ROLE pis_mon" -c "DROP ROLE pis_sig" >/dev/null
finish
