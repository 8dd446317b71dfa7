#!/usr/bin/env python3
"""tenantgate on Citus (issue #13 points 1 and 2, docs/scale-out.md "Citus"): a coordinator and two
workers on private ports (scripts/cluster.sh --preload citus,tenantgate — Citus must be the first
preloaded library), CREATE EXTENSION citus on each node, citus_add_node, CREATE EXTENSION
tenantgate on the coordinator (Citus propagates it to the workers), and
citus.enable_schema_based_sharding on, so every tenant schema is a distributed schema.

Checked here:
- tables made by auth.create_tenant's and auth.migrate()'s migrations are Citus tenant tables of
  their schema (pg_dist_partition, colocated with pg_dist_schema's group, shards on a worker),
  for a tenant's first tables and for tables added later; a table Citus cannot make a tenant table
  fails that tenant's migration naming it (local_table_in_distributed_schema), the other tenants
  and the earlier migrations untouched — never a local table left silently;
- Citus's side doors (run_command_on_*, master_run_on_worker, citus_run_local_command, the
  citus_shards / citus_tables / citus_stat_activity views, citus_version …) are refused with
  42501 inside a transaction auth.authenticate switched to a tenant and in an authenticator
  session, on the coordinator and on a worker; the superuser still has them;
- an authenticated read of a distributed tenant table on the coordinator fails closed (Citus
  opens its worker connection as the NOLOGIN tenant role): no row of any tenant comes back;
- the premise of the chosen design: on the worker holding a tenant's shards its NOLOGIN role
  reads them in the session itself (local execution), on the other worker it fails closed.

Usage: test_citus.py <scripts/cluster.sh> <work dir>. Exits 77 (CTest: skipped) with a message
when Citus is not installed in this PostgreSQL. Nothing here asserts speed."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'http'))
from harness import Db, Suite, check, read_env_file  # noqa: E402

SKIP = 77
DBNAME = 'tg_citus'
T1, T2, T3 = 'ctz1', 'ctz2', 'ctz3'
suite = Suite('citus_suite')
ctx = {}

# Citus needs prepared transactions for writes that span nodes (two-phase commit) and logical
# decoding for non-blocking shard moves.
NODE_SETTINGS = ['max_prepared_transactions=100', 'wal_level=logical']


def pg_config(flag):
    return subprocess.run([os.environ.get('PG_CONFIG', 'pg_config'), flag], capture_output=True, text=True,
                          check=True).stdout.strip()


def citus_missing():
    """Why Citus cannot be used here, or None."""
    control = os.path.join(pg_config('--sharedir'), 'extension', 'citus.control')
    library = os.path.join(pg_config('--pkglibdir'), 'citus.so')
    for path in (control, library):
        if not os.path.exists(path):
            return '%s is missing' % path
    return None


def run(cmd):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd='/', timeout=300)
    check(p.returncode == 0, '%s: %s %s' % (' '.join(cmd[:4]), p.stdout[-800:], p.stderr[-800:]))
    return p.stdout


def session(node, user, script):
    """ONE psql session on `node` as `user` running `script`; errors do not stop it. Returns stdout +
    stderr in order, every error with its SQLSTATE (VERBOSITY verbose)."""
    env = ctx['env'][node]
    p = subprocess.run(['stdbuf', '-oL', '-eL', 'psql', '-X', '-q', '-At', '-v', 'VERBOSITY=verbose', '-h', '127.0.0.1',
                        '-p', env['PGPORT'], '-U', user, '-d', DBNAME, '-f', '-'], input=script,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    return p.stdout


def sql_quote(s):
    return "'" + s.replace("'", "''") + "'"


def coordinator():
    return ctx['db']['coordinator']


def start_nodes(cluster_sh, work):
    for node in ('coordinator', 'worker1', 'worker2'):
        args = ['bash', cluster_sh, 'start', os.path.join(work, node), '--preload', 'citus,tenantgate']
        for setting in NODE_SETTINGS:
            args += ['--set', setting]
        ctx['started'].append(os.path.join(work, node))
        run(args)
        env = read_env_file(os.path.join(work, node, 'env'))
        ctx['env'][node] = env
        db = Db(env, DBNAME)
        db.psql('CREATE DATABASE %s' % DBNAME, db='postgres')
        db.psql('CREATE EXTENSION citus')
        ctx['db'][node] = db
    c = coordinator()
    # Every schema auth.create_tenant makes is a distributed (tenant) schema.
    c.psql('ALTER DATABASE %s SET citus.enable_schema_based_sharding = on' % DBNAME)
    c.psql("SELECT citus_set_coordinator_host('127.0.0.1', %s)" % ctx['env']['coordinator']['PGPORT'])
    for worker in ('worker1', 'worker2'):
        c.psql("SELECT citus_add_node('127.0.0.1', %s)" % ctx['env'][worker]['PGPORT'])
    c.psql("CREATE EXTENSION tenantgate; ALTER DATABASE %s SET tenantgate.base_domain = 'localhost';" % DBNAME)
    # The shim's login (CREATE ROLE and GRANT are propagated to the workers by Citus).
    c.psql("CREATE ROLE tenantgate_server LOGIN NOINHERIT; GRANT tenantgate_authenticator TO tenantgate_server;")


def distributed_tables(schema):
    """{table: colocated with the schema's group} of the Citus tables in `schema`."""
    out = coordinator().psql(
        "SELECT p.logicalrelid::text || '|' || (p.colocationid = s.colocationid)::text FROM pg_dist_partition p "
        "JOIN pg_class c ON c.oid = p.logicalrelid JOIN pg_dist_schema s ON s.schemaid = c.relnamespace "
        "WHERE c.relnamespace = '%s'::regnamespace ORDER BY 1" % schema)
    return dict(line.split('|') for line in out.splitlines() if line)


def local_tables(schema):
    return coordinator().psql(
        "SELECT string_agg(c.oid::regclass::text, ',' ORDER BY c.oid) FROM pg_class c WHERE c.relnamespace = "
        "'%s'::regnamespace AND c.relkind IN ('r', 'p') AND NOT EXISTS "
        "(SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)" % schema)


def login(slug, email, password):
    out = coordinator().psql('SELECT auth.login(%s, %s, %s)' % (sql_quote(slug), sql_quote(email), sql_quote(password)))
    return json.loads(out)['access_token']


# ---------------------------------------------------------------------------------------------
# 1. the fixture


@suite.test
def coordinator_and_two_workers_run_both_extensions():
    check(coordinator().psql('SELECT count(*) FROM citus_get_active_worker_nodes()') == '2', 'two workers')
    for node in ('coordinator', 'worker1', 'worker2'):
        out = ctx['db'][node].psql("SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension "
                                   "WHERE extname IN ('citus', 'tenantgate')")
        check(out == 'citus,tenantgate', '%s: %r' % (node, out))
        check(ctx['db'][node].psql('SHOW shared_preload_libraries') == 'citus,tenantgate', node)


# ---------------------------------------------------------------------------------------------
# 2. migrations make tenant tables


@suite.test
def a_new_tenants_schema_is_distributed_with_its_migration_tables():
    c = coordinator()
    c.psql("SELECT auth.create_tenant('%s')" % T1)  # no migration yet: an empty distributed schema
    check(c.psql("SELECT count(*) FROM pg_dist_schema WHERE schemaid = '%s'::regnamespace" % T1) == '1',
          'create_tenant made no distributed schema')
    c.psql(r"""
SELECT auth.add_migration('0001_notes', $sql$
  CREATE TABLE notes (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, body text NOT NULL);
  CREATE TABLE note_tags (note_id bigint NOT NULL REFERENCES notes (id), tag text NOT NULL);
  INSERT INTO notes (body) VALUES ('seeded by the migration');
$sql$);
SELECT auth.migrate();
""")
    c.psql("SELECT auth.create_tenant('%s')" % T2)  # the migration runs inside create_tenant
    for slug in (T1, T2):
        check(distributed_tables(slug) == {'%s.note_tags' % slug: 'true', '%s.notes' % slug: 'true'},
              '%s: %r' % (slug, distributed_tables(slug)))
        check(local_tables(slug) == '', '%s: local tables %s' % (slug, local_tables(slug)))
        # The shards live on a worker, with the row the migration inserted.
        ports = c.psql("SELECT string_agg(DISTINCT nodeport::text, ',') FROM citus_shards "
                       "WHERE table_name::text LIKE '%s.%%'" % slug)
        check(ports in (ctx['env']['worker1']['PGPORT'], ctx['env']['worker2']['PGPORT']),
              '%s: shards on %r' % (slug, ports))
        check(c.psql('SELECT body FROM %s.notes' % slug) == 'seeded by the migration', slug)


@suite.test
def a_later_migration_adds_tenant_tables_to_every_distributed_schema():
    c = coordinator()
    applied = c.psql(r"""
SELECT auth.add_migration('0002_items', $sql$
  CREATE TABLE items (id bigint PRIMARY KEY, note_id bigint REFERENCES notes (id), qty integer);
$sql$);
SELECT auth.migrate();
""")
    check(applied.splitlines()[-1] == '2', 'applied: %r' % applied)
    for slug in (T1, T2):
        tables = distributed_tables(slug)
        check(tables.get('%s.items' % slug) == 'true', '%s: %r' % (slug, tables))
        check(local_tables(slug) == '', '%s: local tables %s' % (slug, local_tables(slug)))


@suite.test
def a_table_citus_cannot_take_fails_the_tenants_migration_naming_it():
    c = coordinator()
    # A foreign key from a tenant table to a local table outside the schema: PostgreSQL and
    # Citus accept the CREATE TABLE inside the migration, Citus refuses to make it a tenant table.
    c.psql("CREATE TABLE public.countries (code text PRIMARY KEY); "
           "GRANT REFERENCES ON public.countries TO tenantgate_admin;")
    out = c.psql(r"""
SELECT auth.add_migration('0003_addresses', $sql$
  CREATE TABLE addresses (id bigint PRIMARY KEY, country text REFERENCES public.countries (code));
$sql$);
SELECT auth.migrate();
""")
    check(out.splitlines()[-1] == '0', 'applied: %r' % out)
    failures = c.psql("SELECT t.slug || '|' || f.version || '|' || f.sqlstate || '|' || f.message "
                      "FROM auth.migration_failures f JOIN auth.tenants t ON t.id = f.tenant_id ORDER BY t.slug")
    lines = failures.splitlines()
    check(len(lines) == 2, 'failures: %r' % failures)
    for slug, line in zip((T1, T2), lines):
        check(line.startswith('%s|0003_addresses|55000|a table in a distributed schema is not distributed: %s.addresses: '
                              % (slug, slug)), 'failure: %r' % line)
    for slug in (T1, T2):  # rolled back: no table of 0003, 0001 and 0002 still applied
        check(c.psql("SELECT count(*) FROM pg_class WHERE relnamespace = '%s'::regnamespace "
                     "AND relname = 'addresses'" % slug) == '0', slug)
        check(local_tables(slug) == '', slug)
        check(c.psql("SELECT string_agg(version, ',' ORDER BY version) FROM auth.tenant_migrations m "
                     "JOIN auth.tenants t ON t.id = m.tenant_id WHERE t.slug = '%s'" % slug) == '0001_notes,0002_items')
    # A new tenant cannot be created past it either: the same error, nothing left behind.
    out = session('coordinator', 'postgres', "SELECT auth.create_tenant('%s');" % T3)
    check('55000' in out and 'not distributed: %s.addresses' % T3 in out, 'create_tenant: %r' % out)
    check(c.psql("SELECT count(*) FROM pg_namespace WHERE nspname = '%s'" % T3) == '0', 'schema left behind')
    c.psql("DELETE FROM auth.migrations WHERE version = '0003_addresses'; DELETE FROM auth.migration_failures;")


# ---------------------------------------------------------------------------------------------
# 3. Citus's side doors

# Each call as a tenant (or an authenticator session) must fail with 42501 before it runs; `table`
# and `other` are distributed tables the caller may name (the table functions resolve the name
# before any function runs).
def side_door_calls(table, other):
    w1 = ctx['env']['worker1']['PGPORT']
    return [
        "SELECT run_command_on_workers('SELECT current_user')",
        "SELECT run_command_on_all_nodes('SELECT current_user')",
        "SELECT run_command_on_coordinator('SELECT current_user')",
        "SELECT run_command_on_placements('%s', 'SELECT count(*) FROM %%s')" % table,
        "SELECT run_command_on_shards('%s', 'SELECT count(*) FROM %%s')" % table,
        "SELECT run_command_on_colocated_placements('%s', '%s', 'SELECT 1')" % (table, other),
        "SELECT master_run_on_worker(ARRAY['127.0.0.1'], ARRAY[%s], ARRAY['SELECT current_user'], false)" % w1,
        "SELECT citus_run_local_command('SELECT 1')",
        "SELECT * FROM citus_shards",
        "SELECT * FROM public.citus_tables",
        "SELECT * FROM citus_stat_activity",
        "SELECT citus_version()",
    ]


def batch(node, user, calls, token=None):
    """Each call under its own savepoint in ONE transaction (authenticated with `token` when given);
    returns what each printed."""
    script = 'BEGIN;\n'
    if token is not None:
        script += "SELECT auth.authenticate(%s, '%s.localhost') IS NOT NULL;\n" % (sql_quote(token), T1)
    for i, call in enumerate(calls):
        script += '\\echo @@%d\nSAVEPOINT s;\n%s;\nROLLBACK TO s;\n' % (i, call)
    script += '\\echo @@end\nROLLBACK;\n'
    out = session(node, user, script)
    parts = out.split('@@')
    got = {}
    for part in parts[1:]:
        head, _, body = part.partition('\n')
        if head != 'end':
            got[int(head)] = body
    check(len(got) == len(calls), 'batch output: %r' % out[-2000:])
    return [got[i] for i in range(len(calls))]


@suite.test
def side_doors_are_refused_in_a_tenant_transaction():
    c = coordinator()
    c.psql("SELECT auth.create_user('%s', 'bob@%s.test', 'bob-password-1', 'staff')" % (T1, T1))
    token = login(T1, 'bob@%s.test' % T1, 'bob-password-1')
    calls = side_door_calls('%s.notes' % T1, '%s.items' % T1)
    for node in ('coordinator',):
        for call, out in zip(calls, batch(node, 'tenantgate_server', calls, token)):
            check('ERROR:  42501' in out and 'is not allowed in an authenticated transaction' in out,
                  '%s, tenant: %r' % (call, out))


@suite.test
def side_doors_are_refused_to_authenticator_sessions():
    # A reference table everybody may read (on every node: Citus syncs it and its grant).
    coordinator().psql("CREATE TABLE public.shared_ref (id int PRIMARY KEY); SELECT create_reference_table('public.shared_ref');"
                       "GRANT SELECT ON public.shared_ref TO PUBLIC;")
    calls = side_door_calls('public.shared_ref', 'public.shared_ref')
    for node in ('coordinator', 'worker1', 'worker2'):
        for call, out in zip(calls, batch(node, 'tenantgate_server', calls)):
            check('ERROR:  42501' in out and 'permission denied for function' in out,
                  '%s on %s, authenticator: %r' % (call, node, out))


@suite.test
def the_superuser_keeps_citus_functions():
    out = coordinator().psql("SELECT count(*) FROM run_command_on_workers('SELECT current_user') WHERE success")
    check(out == '2', 'run_command_on_workers as the superuser: %r' % out)


# ---------------------------------------------------------------------------------------------
# 4. what the coordinator does with an authenticated read today


@suite.test
def an_authenticated_read_on_the_coordinator_fails_closed():
    token = login(T1, 'bob@%s.test' % T1, 'bob-password-1')
    out = session('coordinator', 'tenantgate_server',
                  "BEGIN;\nSELECT auth.authenticate(%s, '%s.localhost') IS NOT NULL;\n"
                  "SELECT 'row:' || body FROM notes;\nROLLBACK;\n" % (sql_quote(token), T1))
    check('row:' not in out, 'a row came back: %r' % out)
    check('is not permitted to log in' in out, 'not the NOLOGIN refusal: %r' % out)


@suite.test
def on_the_worker_holding_the_schema_the_nologin_role_reads_locally():
    """The premise of the chosen design (docs/scale-out.md "Citus", (a)): on the worker that holds
    a tenant's shards, Citus runs the tenant's query in the session itself (local execution), so
    the NOLOGIN tenant role needs no credential; on any other node the same query has to connect
    as that role and fails closed."""
    port = coordinator().psql("SELECT DISTINCT nodeport FROM citus_shards WHERE table_name = '%s.notes'::regclass" % T1)
    holder = [n for n in ('worker1', 'worker2') if ctx['env'][n]['PGPORT'] == port]
    check(len(holder) == 1, 'shard of %s.notes on %r' % (T1, port))
    other = 'worker2' if holder[0] == 'worker1' else 'worker1'
    staff = coordinator().psql("SELECT staff_role FROM auth.tenants WHERE slug = '%s'" % T1)
    read = "BEGIN;\nSET LOCAL ROLE %s;\nSELECT 'row:' || body FROM %s.notes;\nROLLBACK;\n" % (staff, T1)
    out = session(holder[0], 'postgres', read)
    check(out.strip() == 'row:seeded by the migration', 'on %s: %r' % (holder[0], out))
    out = session(other, 'postgres', read)
    check('row:' not in out and 'is not permitted to log in' in out, 'on %s: %r' % (other, out))


def stop_nodes(cluster_sh):
    """Stops every node started; False when one's server log shows a crash (cluster.sh check-log)."""
    codes = [subprocess.run(['bash', cluster_sh, 'stop', d, '--check-log']).returncode for d in ctx['started']]
    return not any(codes)


def main():
    cluster_sh, work = (os.path.abspath(a) for a in sys.argv[1:3])
    missing = citus_missing()
    if missing:
        print('SKIP citus_suite: Citus is not installed in this PostgreSQL (%s). Build it with '
              'bash ../shared/tools/build-citus.sh (CTest citus_build does when ../shared/vendor is '
              'there and it runs as root).' % missing, flush=True)
        sys.exit(SKIP)
    os.makedirs(work, exist_ok=True)
    ctx.update(env={}, db={}, started=[])
    ok = False
    try:
        start_nodes(cluster_sh, work)
        ok = suite.run()
    finally:
        ok = stop_nodes(cluster_sh) and ok
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
