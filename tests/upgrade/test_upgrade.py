#!/usr/bin/env python3
"""The 1.0 -> 1.1 upgrade, and the 1.1 library refusing 1.0's SQL (issue 12, point 2).

On its own cluster (scripts/cluster.sh; it changes pg_extension, which no other suite should see):
  1. what is installed is what this tree built: the frozen 1.0 script (sql/released), the 1.1
     script, the upgrade script and the library (run `cmake --install` first, under the lock);
  2. CREATE EXTENSION tenantgate VERSION '1.0' with the 1.1 library works (every C symbol the 1.0
     script declares is still exported), and then every C entry point refuses with
     extension_version_mismatch (55000), as auth.login and the triggers do;
  3. the 1.0 database is filled (tenants of both isolations, a migration, users with five hash
     formats, logins -> sessions and refresh tokens, a rotated and a revoked key, a global key).
     The 1.0 library is not built here, so the 1.1 library fills it through the 1.0 SQL while
     pg_extension is labelled 1.1 (the 1.0 SQL's tables and functions are what runs), and the label
     goes back to 1.0 before the update. tenantgate-server then answers 503 with the reason on the
     same pooled connections that served the fill;
  4. ALTER EXTENSION tenantgate UPDATE, and the result equals a fresh 1.1 install: the extension's
     members (pg_describe_object), their initial privileges (pg_init_privs), the config tables, and
     pg_dump --schema-only -n auth of a copy of each database in which the members are ordinary
     objects (otherwise pg_dump leaves members out). Normalised: pg_dump's version comments and its
     random \\restrict key, and the order of the privileges of one object (GRANT/REVOKE lines,
     aclitems: an ACL is a set, its order is the order the grants were made in);
  5. after the update: the tokens issued before verify, the refresh token rotates, logins (every
     hash format), logout and revocations work, the data is intact, and the server answers 200 on
     its old connections.
Usage: test_upgrade.py <tenantgate-server> <scripts/cluster.sh> <cluster dir> <build dir>"""
import difflib
import hashlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'http'))
from harness import ROOT, Db, Server, Suite, check, request, run_on_own_cluster  # noqa: E402

OLD, NEW = '1.0', '1.1'
# sha256 of sql/released/tenantgate--1.0.sql: the released script is never edited.
RELEASED_SHA256 = '92a31d7dde41c1bd8e6a561585c13fa986731d555eaa831cde5025c8da5582eb'
T1, T2, T3 = 'upg1', 'upg2', 'upg3'
PW = 'upgrade-password-1'
MISMATCH = 'tenantgate library %s is loaded but the database has the %s SQL' % (NEW, OLD)
suite = Suite('upgrade_suite')
ctx = {}

# Every C function of the extension called with values of its argument types (never NULL: a
# STRICT function is not even called with one), as the superuser; one line per function:
# name|SQLSTATE|reason tag|message|hint. Trigger functions are reached through their tables.
CALL_EVERY_C_FUNCTION = r"""
DO $$
DECLARE
  f record;
  args text;
  st text; tag text; msg text; hint text;
BEGIN
  FOR f IN
    SELECT p.oid, p.proname, p.proargtypes FROM pg_proc p
      JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'tenantgate'
     WHERE p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
       AND p.prorettype <> 'trigger'::regtype
     ORDER BY p.proname, p.oid
  LOOP
    SELECT coalesce(string_agg(CASE format_type(t, NULL)
             WHEN 'text' THEN quote_literal('x') WHEN 'jsonb' THEN '''{}''::jsonb'
             WHEN 'bigint' THEN '0::bigint' WHEN 'integer' THEN '0' WHEN 'boolean' THEN 'false'
             WHEN 'regclass' THEN '''auth.tenants''::regclass' WHEN 'bytea' THEN '''\x00''::bytea'
             WHEN 'uuid' THEN 'gen_random_uuid()' WHEN 'timestamp with time zone' THEN 'now()'
             WHEN 'text[]' THEN '''{}''::text[]' WHEN 'inet' THEN '''127.0.0.1''::inet'
             ELSE 'no dummy for ' || format_type(t, NULL) END, ', ' ORDER BY n), '')
      INTO args FROM unnest(f.proargtypes::oid[]) WITH ORDINALITY AS a(t, n);
    st := 'none'; tag := ''; msg := 'returned'; hint := '';
    BEGIN
      EXECUTE format('SELECT auth.%I(%s)', f.proname, args);  -- in the target list: always called
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, tag = CONSTRAINT_NAME, msg = MESSAGE_TEXT,
                              hint = PG_EXCEPTION_HINT;
    END;
    RAISE NOTICE 'call|%|%|%|%|%', f.proname, st, tag, msg, hint;
  END LOOP;
END
$$;
"""

# The 1.0 database's data, through the 1.0 SQL: two schema tenants with the demo's table, users
# and passlib import (server/demo/seed.sql), a row tenant, and more hash formats.
FILL = r"""
SELECT auth.create_tenant('upg3', 'Row Tenant', 'row');
CREATE TABLE public.shared_notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
SELECT auth.enable_tenant_rls('public.shared_notes');
INSERT INTO public.shared_notes (tenant_id, note) SELECT id, 'row tenant note' FROM auth.tenants WHERE slug = 'upg3';
SELECT auth.create_user('upg1', 'django@upg1.test', NULL, 'staff',
  'pbkdf2_sha256$1000$Xv9sN2qLwP4kR7tY1zA3bC$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72NM=');
SELECT auth.create_user('upg1', 'werkzeug@upg1.test', NULL, 'staff',
  'pbkdf2:sha256:1000$nFFWvk5ZEVlodDLZ$a33c567e17672889ed5356df461e789411a8972c9c8365d046c6f469f9fe330b');
SELECT auth.create_user('upg1', 'wscrypt@upg1.test', NULL, 'staff',
  'scrypt:16384:8:1$C87DFgvUUZ1UxQlD$c10e94973b5fb08adb2009be3b029103459e88911149855d4cce2bdaff4807584bc04dda5155a5ac4db00c83a58e5aa6ab6a77824c67ea02641cbb3dbcc6c823');
SELECT auth.create_user('upg3', 'rowuser@upg3.test', 'upgrade-password-1', 'staff');
SELECT auth.add_key('upg-global', 'HS256', 'upgrade-global-secret-0123456789abcdef');
SELECT auth.add_key('upg-revoked', 'HS256', 'upgrade-revoked-secret-0123456789abcdef');
"""

# (tenant, e-mail, password, hash format before the first login)
USERS = [
    (T1, 'alice@%s.test' % T1, 'alice-password-1', 'scrypt'),
    (T1, 'flask@%s.test' % T1, 'foo', 'passlib'),
    (T1, 'django@%s.test' % T1, 'correct horse', 'django'),
    (T1, 'werkzeug@%s.test' % T1, 'correct horse', 'werkzeug'),
    (T1, 'wscrypt@%s.test' % T1, 'correct horse', 'werkzeug scrypt'),
    (T3, 'rowuser@%s.test' % T3, PW, 'scrypt'),
]


def db(name):
    return Db(ctx['env'], name)


def sql(name, text, check_rc=True):
    return db(name).psql(text, check=check_rc)


def psql_all(name, text, user='postgres'):
    """stdout and stderr of one psql session that goes on after errors (errors are results)."""
    env = ctx['env']
    p = subprocess.run(['psql', '-X', '-q', '-At', '-h', env['PGHOST'], '-p', env['PGPORT'], '-U', user,
                        '-d', name, '-f', '-'], input=text, capture_output=True, text=True)
    return p.stdout + p.stderr


def set_label(version):
    """The fill's stand-in for the 1.0 library: see the module's docstring."""
    sql('tg_upg', "UPDATE pg_extension SET extversion = '%s' WHERE extname = 'tenantgate'" % version)


def login(tenant, email, password):
    out = sql('tg_upg', "SELECT auth.login('%s', '%s', '%s')" % (tenant, email, password))
    return json.loads(out)


def authenticated_tenant(token, dbname='tg_upg'):
    out = psql_all(dbname, "BEGIN;\nSELECT auth.authenticate('%s') ->> 'tenant';\nCOMMIT;" % token,
                   user='upg_app')
    return out.strip()


def members(name):
    return sql(name, """
      SELECT pg_describe_object(d.classid, d.objid, d.objsubid) FROM pg_depend d
        JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
       WHERE e.extname = 'tenantgate' AND d.deptype = 'e' ORDER BY 1""").splitlines()


def init_privs(name):
    return sql(name, """
      SELECT pg_describe_object(i.classoid, i.objoid, i.objsubid) || ' ' || i.privtype::text || ' '
             || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(i.initprivs) a), '')
        FROM pg_init_privs i
        JOIN pg_depend d ON d.classid = i.classoid AND d.objid = i.objoid AND d.deptype = 'e'
        JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
       WHERE e.extname = 'tenantgate' ORDER BY 1""").splitlines()


def config_tables(name):
    return sql(name, """
      SELECT c::regclass::text || ' ' || coalesce(w, '') FROM pg_extension e,
             unnest(e.extconfig, e.extcondition) AS x(c, w)
       WHERE e.extname = 'tenantgate' ORDER BY 1""").splitlines()


def normalised(dump):
    """Drops pg_dump's version lines and its \\restrict key (random per dump); sorts each run of
    GRANT/REVOKE lines (one object's ACL)."""
    out, run = [], []
    for line in dump.splitlines():
        if line.startswith(('-- Dumped from', '-- Dumped by', '\\restrict ', '\\unrestrict ')):
            continue
        if line.startswith('GRANT ') or line.startswith('REVOKE '):
            run.append(line)
            continue
        out.extend(sorted(run))
        run = []
        out.append(line)
    out.extend(sorted(run))
    return out


def schema_dump(name, as_plain_objects):
    """pg_dump --schema-only -n auth; as_plain_objects: of a copy whose extension members are
    ordinary objects with no initial privileges, so that every definition, grant and comment shows."""
    target = name
    if as_plain_objects:
        target = name + '_plain'
        sql('postgres', 'DROP DATABASE IF EXISTS %s' % target)
        sql('postgres', 'CREATE DATABASE %s TEMPLATE %s' % (target, name))
        sql(target, """
          DELETE FROM pg_init_privs i USING pg_depend d, pg_extension e
           WHERE d.classid = i.classoid AND d.objid = i.objoid AND d.deptype = 'e'
             AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid AND e.extname = 'tenantgate';
          DELETE FROM pg_depend d USING pg_extension e
           WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e'
             AND e.extname = 'tenantgate';""")
    env = ctx['env']
    p = subprocess.run([os.path.join(env['TG_PG_BINDIR'], 'pg_dump'), '--schema-only', '-n', 'auth',
                        '-h', env['PGHOST'], '-p', env['PGPORT'], '-U', 'postgres', '-d', target],
                       capture_output=True, text=True)
    check(p.returncode == 0, 'pg_dump %s: %s' % (target, p.stderr[-500:]))
    if as_plain_objects:
        sql('postgres', 'DROP DATABASE %s' % target)
    return normalised(p.stdout)


def same(what, a, b):
    if a == b:
        return
    diff = '\n'.join(list(difflib.unified_diff(a, b, 'updated', 'fresh', lineterm='', n=1))[:80])
    raise AssertionError('%s differ after the update:\n%s' % (what, diff))


@suite.test
def installed_files_are_this_trees():
    with open(os.path.join(ROOT, 'sql', 'released', 'tenantgate--1.0.sql'), 'rb') as f:
        released = f.read()
    check(hashlib.sha256(released).hexdigest() == RELEASED_SHA256,
          'sql/released/tenantgate--1.0.sql was edited: a released script never changes')
    pg_config = os.environ.get('PG_CONFIG', 'pg_config')
    share = subprocess.run([pg_config, '--sharedir'], capture_output=True, text=True).stdout.strip()
    lib = subprocess.run([pg_config, '--pkglibdir'], capture_output=True, text=True).stdout.strip()
    build = ctx['build']
    pairs = [(os.path.join(ROOT, 'sql', 'released', 'tenantgate--1.0.sql'), 'tenantgate--1.0.sql'),
             (os.path.join(build, 'tenantgate--%s.sql' % NEW), 'tenantgate--%s.sql' % NEW),
             (os.path.join(build, 'tenantgate--%s--%s.sql' % (OLD, NEW)), 'tenantgate--%s--%s.sql' % (OLD, NEW)),
             (os.path.join(ROOT, 'tenantgate.control'), 'tenantgate.control')]
    for mine, name in pairs:
        installed = os.path.join(share, 'extension', name)
        check(os.path.exists(installed) and open(mine, 'rb').read() == open(installed, 'rb').read(),
              '%s is not this tree\'s: run cmake --install (under the lock) first' % installed)
    check(open(ctx['library'], 'rb').read() == open(os.path.join(lib, 'tenantgate.so'), 'rb').read(),
          'the installed tenantgate.so is not this tree\'s: run cmake --install (under the lock) first')


@suite.test
def fresh_install_is_1_1():
    sql('postgres', 'CREATE DATABASE tg_upg_fresh')
    sql('tg_upg_fresh', 'CREATE EXTENSION tenantgate')
    check(sql('tg_upg_fresh', 'SELECT library, sql FROM auth.version()') == '%s|%s' % (NEW, NEW))


@suite.test
def released_1_0_installs_with_the_new_library():
    sql('postgres', 'CREATE DATABASE tg_upg')
    sql('tg_upg', "CREATE EXTENSION tenantgate VERSION '1.0';"
                  "ALTER DATABASE tg_upg SET tenantgate.base_domain = 'localhost';")
    check(sql('tg_upg', "SELECT extversion FROM pg_extension WHERE extname = 'tenantgate'") == OLD)
    check(sql('tg_upg', "SELECT to_regprocedure('auth.version()') IS NULL") == 't', '1.0 has no auth.version()')
    sql('tg_upg', "CREATE ROLE upg_app LOGIN NOINHERIT; GRANT tenantgate_authenticator TO upg_app;")


@suite.test
def every_c_entry_point_refuses_the_old_sql():
    out = psql_all('tg_upg', CALL_EVERY_C_FUNCTION)
    calls = [l.split('|', 1)[1] for l in out.splitlines() if '|' in l and l.split('|', 1)[0].endswith('call')]
    check(len(calls) >= 35, 'only %d C functions found: %s' % (len(calls), out[-1500:]))
    expected = '55000|tenantgate:extension_version_mismatch|%s|Run ALTER EXTENSION tenantgate UPDATE in this database.' % MISMATCH
    wrong = [c for c in calls if c.split('|', 1)[1] != expected]
    check(not wrong, '%d of %d C functions did not refuse: %s' % (len(wrong), len(calls), wrong[:5]))
    # Through the 1.0 SQL: a plpgsql function calling C, a trigger function, a login.
    out = psql_all('tg_upg', "SELECT auth.create_tenant('upgx');\nUPDATE auth.keys SET alg = alg;\n")
    check(out.count(MISMATCH) == 2 and 'upgx' not in sql('tg_upg', 'SELECT string_agg(slug, \',\') FROM auth.tenants'),
          'create_tenant and the keys trigger: %s' % out)
    out = psql_all('tg_upg', "SELECT auth.login('upg1', 'a@upg1.test', 'whatever-password');", user='upg_app')
    check(MISMATCH in out, 'auth.login as the authenticator: %s' % out)


@suite.test
def fill_the_1_0_database():
    set_label(NEW)
    with open(os.path.join(ROOT, 'server', 'demo', 'seed.sql')) as f:
        seed = f.read().replace('company1', T1).replace('company2', T2)
    sql('tg_upg', seed)
    sql('tg_upg', FILL)
    # keys: upg1's creation key signs the first tokens, then a rotation (a new signing key; the
    # old one still verifies), and a revoked global key
    ctx['before_rotation'] = login(T1, 'bob@%s.test' % T1, 'bob-password-1')
    ctx['rotated_kid'] = sql('tg_upg', "SELECT auth.generate_key('ES256', '%s')" % T1)
    ctx['revoked_token'] = sql('tg_upg', "SELECT auth.sign('{\"sub\":\"x\",\"exp\":4102444800}', 'upg-revoked')")
    sql('tg_upg', "SELECT auth.revoke_key('upg-revoked')")
    ctx['global_token'] = sql('tg_upg', "SELECT auth.sign('{\"sub\":\"g\",\"exp\":4102444800}', 'upg-global')")
    # the users with tenantgate's own hash log in before the update; the imported hashes stay as
    # they were imported until their first login, after it
    ctx['pairs'] = {email: login(t, email, pw) for t, email, pw, fmt in USERS if fmt == 'scrypt'}
    ctx['logged_out'] = login(T1, 'bob@%s.test' % T1, 'bob-password-1')
    sql('tg_upg', "SELECT auth.logout('%s')" % ctx['logged_out']['access_token'])
    ctx['data'] = data_snapshot()
    for fmt in ('pbkdf2-sha256', 'pbkdf2_sha256', 'pbkdf2:sha256:1000', 'scrypt:16384:8:1', ':scrypt,'):
        check(fmt in ctx['data'], 'hash format %s missing before the update: %s' % (fmt, ctx['data']))
    ctx['srv'] = Server(ctx['binary'], db('tg_upg').conninfo('upg_app'), tempfile.mkdtemp(prefix='tg-upgrade-'),
                        # a login is scrypt work: on a loaded machine more than the default 5 s
                        # statement timeout (a hang guard here, never a bound on speed)
                        ['--pool-size', '2', '--statement-timeout-ms', '120000', '--pool-timeout-ms', '120000'])
    r = request(ctx['srv'].port, 'POST', '/auth/login', host=T1 + '.localhost',
                body={'email': 'bob@%s.test' % T1, 'password': 'bob-password-1'})
    check(r[0] == 200, 'login over HTTP while labelled 1.1: %r' % (r,))


def data_snapshot():
    return sql('tg_upg', """
      SELECT string_agg(slug || ':' || isolation || ':' || active, ',' ORDER BY slug) FROM auth.tenants;
      SELECT string_agg(u.email || ':' || split_part(ltrim(u.password_hash, '$'), '$', 1), ',' ORDER BY u.email)
        FROM auth.users u;
      SELECT count(*) || ' keys, ' || count(*) FILTER (WHERE revoked_at IS NOT NULL) || ' revoked' FROM auth.keys;
      SELECT count(*) FROM auth.tenant_migrations;
      SELECT string_agg(title || '/' || coalesce(amount::text, '-'), ',' ORDER BY id) FROM upg1.company_data;
      SELECT string_agg(note, ',') FROM public.shared_notes;
      SELECT count(*) > 0 FROM auth.refresh_families;""")


@suite.test
def server_answers_503_with_the_reason_under_the_old_sql():
    set_label(OLD)
    port = ctx['srv'].port
    for _ in range(3):  # more than the pool's connections: each one saw the label change
        st, _, body = request(port, 'POST', '/auth/login', host=T1 + '.localhost',
                              body={'email': 'bob@%s.test' % T1, 'password': 'bob-password-1'})
        check(st == 503, 'login: %d %s' % (st, body[:300]))
        j = json.loads(body)
        check(j.get('code') == '55000' and j.get('message') == MISMATCH and 'ALTER EXTENSION' in (j.get('hint') or ''),
              'body: %s' % body[:500])
    st, _, body = request(port, 'GET', '/.well-known/jwks.json', host=T1 + '.localhost')
    check(st == 503, 'jwks: %d %s' % (st, body[:300]))
    out = psql_all('tg_upg', "SELECT auth.verify('%s')" % ctx['global_token'])
    check(MISMATCH in out, out)


@suite.test
def alter_extension_update():
    out = psql_all('tg_upg', 'ALTER EXTENSION tenantgate UPDATE;\nSELECT library, sql FROM auth.version();')
    check(out.strip() == '%s|%s' % (NEW, NEW), out)


@suite.test
def server_answers_again_on_its_old_connections():
    port = ctx['srv'].port
    for _ in range(3):
        st, _, body = request(port, 'POST', '/auth/login', host=T1 + '.localhost',
                              body={'email': 'bob@%s.test' % T1, 'password': 'bob-password-1'})
        check(st == 200, 'login after the update: %d %s' % (st, body[:300]))
    # stopped here: copying the database (CREATE DATABASE ... TEMPLATE) needs it unused
    check(ctx['srv'].stop() == 0, 'server exit code')


@suite.test
def updated_schema_equals_a_fresh_install():
    same('extension members', members('tg_upg'), members('tg_upg_fresh'))
    same('initial privileges', init_privs('tg_upg'), init_privs('tg_upg_fresh'))
    same('config tables', config_tables('tg_upg'), config_tables('tg_upg_fresh'))
    same('pg_dump --schema-only -n auth', schema_dump('tg_upg', False), schema_dump('tg_upg_fresh', False))
    same('pg_dump --schema-only -n auth (members as plain objects)', schema_dump('tg_upg', True),
         schema_dump('tg_upg_fresh', True))


@suite.test
def data_and_tokens_from_before_work_after_the_update():
    check(data_snapshot() == ctx['data'], 'data changed:\n%s\n---\n%s' % (data_snapshot(), ctx['data']))
    old = ctx['before_rotation']['access_token']
    check(authenticated_tenant(old) == T1, 'token of the rotated key: %s' % authenticated_tenant(old))
    for email, pair in ctx['pairs'].items():
        got = authenticated_tenant(pair['access_token'])
        check(got == email.split('@')[1][:-len('.test')], '%s access token: %s' % (email, got))
    check(sql('tg_upg', "SELECT auth.verify('%s') ->> 'sub'" % ctx['global_token']) == 'g')
    out = psql_all('tg_upg', "SELECT auth.verify('%s')" % ctx['revoked_token'])
    check('unknown key' in out or 'token revoked' in out, 'revoked key: %s' % out)
    out = authenticated_tenant(ctx['logged_out']['access_token'])
    check('token revoked' in out, 'logged-out session: %s' % out)
    out = psql_all('tg_upg', "SELECT auth.refresh('%s')" % ctx['logged_out']['refresh_token'], user='upg_app')
    check('token revoked' in out, 'refresh token of the logged-out session: %s' % out)


@suite.test
def refresh_login_logout_after_the_update():
    for email, old in ctx['pairs'].items():
        pair = json.loads(sql('tg_upg', "SELECT auth.refresh('%s')" % old['refresh_token']))
        check(authenticated_tenant(pair['access_token']) == email.split('@')[1][:-len('.test')], 'refreshed %s' % email)
    for t, email, pw, _ in USERS:
        fresh = login(t, email, pw)
        check(authenticated_tenant(fresh['access_token']) == t, 'login %s' % email)
        sql('tg_upg', "SELECT auth.logout('%s')" % fresh['access_token'])
        check('token revoked' in authenticated_tenant(fresh['access_token']), 'logout %s' % email)
    hashes = sql('tg_upg', "SELECT string_agg(DISTINCT split_part(password_hash, '$', 2), ',') FROM auth.users"
                           " WHERE email IN (%s)" % ','.join("'%s'" % u[1] for u in USERS))
    check(hashes == 'scrypt', 'every imported hash re-hashed at its login: %s' % hashes)
    # the rotated-in key signs new tokens
    new = login(T1, 'bob@%s.test' % T1, 'bob-password-1')['access_token']
    kid = sql('tg_upg', "SELECT auth.decode('%s') -> 'header' ->> 'kid'" % new)
    check(kid == ctx['rotated_kid'], 'new tokens signed by %s, not the rotated-in %s' % (kid, ctx['rotated_kid']))
    out = psql_all('tg_upg', "BEGIN;\nSELECT auth.authenticate('%s') IS NULL;\n"
                             "SELECT string_agg(title, ',' ORDER BY id) FROM company_data;\nCOMMIT;" % new, user='upg_app')
    check('upg1 first order' in out and 'upg2' not in out, out)


def main():
    ctx['binary'], cluster_sh, cluster_dir, ctx['build'], ctx['library'] = sys.argv[1:6]

    def run(env):
        ctx['env'] = env
        os.environ['PATH'] = env['TG_PG_BINDIR'] + os.pathsep + os.environ.get('PATH', '')
        return suite.run()
    run_on_own_cluster(cluster_sh, cluster_dir, run, lambda: [ctx['srv']] if 'srv' in ctx else [])


if __name__ == '__main__':
    main()
