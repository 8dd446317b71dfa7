#!/usr/bin/env python3
"""tenantgate on a hot standby (issue #13 point 3, docs/scale-out.md "Hot standby"), with a REAL
primary + streaming standby pair on private ports: the primary made by scripts/cluster.sh, the
standby by pg_basebackup -R from it; both stopped (and their logs checked for crashes) at the end.

Extension: auth.authenticate, the readers, auth.verify, auth.tenant_for_host, auth.jwks and a
tenant's reads work on the standby; every writing function fails there with ONE error
(read_only_replica, 25006); a revocation committed on the primary (logout, refresh reuse, user
and tenant deactivation, key revocation) is refused by the very next authenticate/verify of a
standby backend that had the token (token cache) and the key (key cache) cached, once the standby
has replayed the primary's LSN.
Server (--db-read): GETs are served by the replica (pg_is_in_recovery() seen by an RPC function,
per-pool metrics), read-your-writes (a POST then an immediate GET with the same token sees the
row even while the standby's replay is paused), a replica that is down → GETs still answered.

Usage: test_standby.py <tenantgate-server> <scripts/cluster.sh> <work dir>. Nothing here asserts
speed: deadlines only stop polling loops (hang guards)."""
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'http'))
from harness import Db, Server, Suite, check, read_env_file, request, setup_database  # noqa: E402

S1, S2 = 'stby1', 'stby2'
H1 = S1 + '.localhost'
DBNAME = 'tg_standby'
suite = Suite('standby_suite')
# pg_is_in_recovery() as a tenant RPC: which server answered a request.
FIXTURES = r"""
SELECT auth.add_migration('0000_standby_fixtures', $sql$
  CREATE FUNCTION in_recovery() RETURNS boolean LANGUAGE sql STABLE AS 'SELECT pg_catalog.pg_is_in_recovery()';
$sql$);
"""
ctx = {}


def as_owner(cmd):
    """The clusters belong to the OS user tenantgate when we run as root (scripts/cluster.sh)."""
    return (['runuser', '-u', 'tenantgate', '--'] + cmd) if os.geteuid() == 0 else cmd


def run(cmd, **kw):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd='/', timeout=300, **kw)
    check(p.returncode == 0, '%s: %s %s' % (' '.join(cmd[:4]), p.stdout[-800:], p.stderr[-800:]))
    return p.stdout


def start_standby(primary_env, standby_dir):
    """pg_basebackup -R from the primary, its own port and log, started with pg_ctl."""
    bindir = primary_env['TG_PG_BINDIR']
    data = os.path.join(standby_dir, 'data')
    if os.path.exists(os.path.join(data, 'PG_VERSION')):  # an earlier run's standby: stopped, then wiped
        subprocess.run(as_owner([os.path.join(bindir, 'pg_ctl'), 'stop', '-D', data, '-m', 'immediate', '-w']),
                       capture_output=True, cwd='/')
    shutil.rmtree(standby_dir, ignore_errors=True)
    os.makedirs(standby_dir)
    if os.geteuid() == 0:
        shutil.chown(standby_dir, 'tenantgate', 'tenantgate')
    run(as_owner([os.path.join(bindir, 'pg_basebackup'), '-D', data, '-R', '-X', 'stream', '-c', 'fast',
                  '-h', '127.0.0.1', '-p', primary_env['PGPORT'], '-U', 'postgres']))
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    # Later lines win: its own port; replay applies at once (the default 30 s delay bounds only
    # how long replay may wait for conflicting standby queries).
    conf = "port = %d\nhot_standby = on\nhot_standby_feedback = on\n" % port
    p = subprocess.run(as_owner(['sh', '-c', 'cat >> "%s"' % os.path.join(data, 'postgresql.auto.conf')]),
                       input=conf, capture_output=True, text=True, cwd='/')
    check(p.returncode == 0, 'standby conf: ' + p.stderr)
    log = os.path.join(standby_dir, 'log')
    run(as_owner([os.path.join(bindir, 'pg_ctl'), 'start', '-D', data, '-l', log, '-w', '-t', '120']))
    env = dict(primary_env)
    env.update({'PGPORT': str(port), 'PGDATA': data, 'TG_LOG': log})
    return env


def pg_ctl_standby(action):
    env = ctx['standby_env']
    cmd = [os.path.join(env['TG_PG_BINDIR'], 'pg_ctl'), action, '-D', env['PGDATA'], '-w', '-t', '120']
    if action == 'start':
        cmd += ['-l', env['TG_LOG']]
    else:
        cmd += ['-m', 'fast']
    run(as_owner(cmd))


def primary_lsn():
    return ctx['primary'].psql('SELECT pg_catalog.pg_current_wal_insert_lsn()')


def wait_replayed(lsn=None):
    """Until the standby has replayed the primary's current LSN (hang guard: 120 s)."""
    lsn = lsn or primary_lsn()
    deadline = time.time() + 120
    while time.time() < deadline:
        if ctx['standby'].psql("SELECT pg_catalog.pg_last_wal_replay_lsn() >= '%s'::pg_lsn" % lsn) == 't':
            return
        time.sleep(0.05)
    raise AssertionError('standby never replayed %s' % lsn)


def sql_quote(s):
    return "'" + s.replace("'", "''") + "'"


def login(email, password, slug=S1):
    out = ctx['primary'].psql('SELECT auth.login(%s, %s, %s)' % (sql_quote(slug), sql_quote(email),
                                                                  sql_quote(password)))
    return json.loads(out)


def standby_session(script):
    """ONE psql session (one backend, so its caches persist) on the standby running `script`;
    errors do not stop it. Returns stdout + stderr (VERBOSITY verbose: every error has its
    SQLSTATE)."""
    env = ctx['standby_env']
    # Line-buffered, errors into the same pipe: the output keeps the order things happened in.
    p = subprocess.run(['stdbuf', '-oL', '-eL', 'psql', '-X', '-q', '-At', '-v', 'VERBOSITY=verbose', '-h', '127.0.0.1',
                        '-p', env['PGPORT'], '-U', 'postgres', '-d', DBNAME, '-f', '-'], input=script,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    return p.stdout


def on_primary_then_replayed(sql):
    """A psql meta-command for standby_session: runs `sql` on the primary, then waits until the
    standby has replayed it (this very script, as `wait`)."""
    return "\\! %s\n" % ' '.join(shlex.quote(a) for a in (sys.executable, os.path.abspath(__file__), 'wait-for', sql))


def authenticate_sql(token, probe='auth.tenant()'):
    return ("BEGIN;\nSELECT 'auth:' || (auth.authenticate(%s, %s) ->> 'sub') IS NOT NULL, 'probe:' || %s;\n"
            "COMMIT;\n" % (sql_quote(token), sql_quote(H1), probe))


# ---------------------------------------------------------------------------------------------
# 1. reads on the standby


@suite.test
def standby_is_in_recovery_and_has_the_seed():
    check(ctx['standby'].psql('SELECT pg_catalog.pg_is_in_recovery()') == 't', 'not a standby')
    check(ctx['standby'].psql("SELECT count(*) FROM auth.tenants WHERE slug IN ('%s', '%s')" % (S1, S2)) == '2')


@suite.test
def authenticate_readers_verify_jwks_tenant_for_host_work_on_the_standby():
    tokens = login('bob@%s.test' % S1, 'bob-password-1')
    wait_replayed()
    out = standby_session(
        "BEGIN;\n"
        "SELECT auth.authenticate(%s, %s) IS NOT NULL;\n"
        "SELECT auth.tenant(), auth.role(), auth.uid() IS NOT NULL, auth.tenant_id() > 0,"
        "       auth.claims() ->> 'tenant';\n"
        "SELECT count(*) FROM company_data;\n"
        "SELECT pg_catalog.pg_is_in_recovery();\n"
        "COMMIT;\n"
        "SELECT (auth.verify(%s) ->> 'tenant');\n"
        "SELECT auth.tenant_for_host(%s);\n"
        "SELECT pg_catalog.jsonb_array_length(auth.jwks(%s) -> 'keys') > 0;\n"
        % (sql_quote(tokens['access_token']), sql_quote(H1), sql_quote(tokens['access_token']), sql_quote(H1),
           sql_quote(S1)))
    lines = out.strip().splitlines()
    check(lines == ['t', '%s|staff|t|t|%s' % (S1, S1), '3', 't', S1, S1, 't'], 'standby reads: %r' % out)


@suite.test
def writing_functions_fail_with_one_clear_error_on_the_standby():
    tokens = login('alice@%s.test' % S1, 'alice-password-1')
    wait_replayed()
    uid = ctx['primary'].psql("SELECT id FROM auth.users WHERE email = 'bob@%s.test'" % S1)
    calls = [
        "auth.login('%s', 'bob@%s.test', 'bob-password-1')" % (S1, S1),
        "auth.login('%s', 'bob@%s.test', 'bob-password-1', 'client')" % (S1, S1),
        "auth.refresh(%s)" % sql_quote(tokens['refresh_token']),
        "auth.logout(%s)" % sql_quote(tokens['access_token']),
        "auth.logout(%s, '%s')" % (sql_quote(tokens['access_token']), H1),
        "auth.revoke_refresh_token(%s)" % sql_quote(tokens['refresh_token']),
        "auth.register('%s', 'new@%s.test', 'new-password-1')" % (S1, S1),
        "auth.create_user('%s', 'x@%s.test', 'x-password-1')" % (S1, S1),
        "auth.set_user_active('%s', false)" % uid,
        "auth.deactivate_user('%s')" % uid,
        "auth.unlock_login('%s', 'bob@%s.test')" % (S1, S1),
        "auth.create_tenant('stbynew')",
        "auth.drop_tenant('%s')" % S2,
        "auth.set_tenant_active('%s', false)" % S2,
        "auth.add_migration('9999_x', 'SELECT 1')",
        "auth.migrate()",
        "auth.generate_key('ES256', '%s')" % S1,
        "auth.revoke_key('nokid')",
        "auth.start_password_reset('%s', 'bob@%s.test')" % (S1, S1),
        "auth.reset_password('sometoken', 'new-password-1')",
        "auth.http_login('%s', 'bob@%s.test', 'bob-password-1', '127.0.0.1')" % (H1, S1),
        "auth.http_refresh('%s', %s)" % (H1, sql_quote(tokens['refresh_token'])),
        "auth.http_register('%s', 'n2@%s.test', 'new-password-1')" % (H1, S1),
        "auth.http_logout('%s', %s)" % (H1, sql_quote(tokens['access_token'])),
    ]
    bad = []
    for c in calls:
        out = standby_session('SELECT %s;\n' % c)
        if 'ERROR:  25006: this server is a read-only replica' not in out or 'send writes to the primary' not in \
                out.lower():
            bad.append((c, out.strip()[:300]))
    # change_password needs an authenticated transaction: the function is refused, not the read.
    out = standby_session("BEGIN;\nSELECT auth.authenticate(%s, %s) IS NOT NULL;\n"
                          "SELECT auth.change_password('alice-password-1', 'alice-password-2');\nROLLBACK;\n"
                          % (sql_quote(tokens['access_token']), sql_quote(H1)))
    if 'ERROR:  25006: this server is a read-only replica: auth.change_password()' not in out:
        bad.append(('change_password', out.strip()[:300]))
    check(not bad, 'not refused with read_only_replica: %s' % bad)
    # Nothing changed, and the same calls work on the primary (the refusal is the standby's).
    check(ctx['primary'].psql("SELECT auth.refresh(%s) ? 'access_token'" % sql_quote(tokens['refresh_token'])) == 't')


@suite.test
def the_error_row_is_in_the_table():
    row = ctx['standby'].psql("SELECT sqlstate, http_status, message, hint FROM auth._reasons() "
                              "WHERE id = 'read_only_replica'")
    check(row == '25006|503|this server is a read-only replica|Send writes to the primary.', row)


# ---------------------------------------------------------------------------------------------
# Revocations committed on the primary reach the standby's caches once replayed. Each test runs
# ONE standby session: authenticate twice (the second is a token-cache hit, counted), then the
# revocation on the primary and the wait for replay (\!), then the very next authenticate.


def revoked_after_replay(token, revoke_sql, expect_error):
    out = standby_session(
        authenticate_sql(token) + authenticate_sql(token) +
        "SELECT 'hits:' || (hits > 0)::text FROM auth._token_cache_status();\n" +
        on_primary_then_replayed(revoke_sql) + authenticate_sql(token))
    check(out.count('t|probe:%s' % S1) == 2, 'authenticate before the revocation: %r' % out)
    check('hits:true' in out, 'the token cache never answered: %r' % out)
    check('replayed' in out, 'no replay: %r' % out)
    check(expect_error in out.split('replayed', 1)[1], 'after replay: %r' % out)
    check(out.count('t|probe:') == 2, 'accepted after replay: %r' % out)


@suite.test
def logout_on_primary_refuses_the_token_on_the_standby():
    t = login('bob@%s.test' % S1, 'bob-password-1')
    wait_replayed()
    revoked_after_replay(t['access_token'], 'SELECT auth.logout(%s)' % sql_quote(t['access_token']),
                         '28000: token revoked')


@suite.test
def refresh_token_reuse_on_primary_refuses_the_family_on_the_standby():
    t = login('bob@%s.test' % S1, 'bob-password-1')
    ctx['primary'].psql('SELECT auth.refresh(%s)' % sql_quote(t['refresh_token']))
    wait_replayed()
    # The reuse revokes the family in an autonomous transaction and raises: psql reports it.
    revoked_after_replay(t['access_token'],
                         "SELECT auth.refresh(%s)" % sql_quote(t['refresh_token']), '28000: token revoked')


@suite.test
def user_deactivation_on_primary_refuses_the_token_on_the_standby():
    ctx['primary'].psql("SELECT auth.create_user('%s', 'eve@%s.test', 'eve-password-1')" % (S1, S1))
    t = login('eve@%s.test' % S1, 'eve-password-1')
    wait_replayed()
    revoked_after_replay(t['access_token'], "SELECT auth.set_user_active(id, false) FROM auth.users "
                         "WHERE email = 'eve@%s.test'" % S1, '28000: token revoked')


@suite.test
def tenant_deactivation_on_primary_refuses_the_token_on_the_standby():
    slug = 'stby3'
    ctx['primary'].psql("SELECT auth.drop_tenant('%s') FROM auth.tenants WHERE slug = '%s';"
                        "SELECT auth.create_tenant('%s');"
                        "SELECT auth.create_user('%s', 'gus@%s.test', 'gus-password-1')" % (slug, slug, slug, slug,
                                                                                          slug))
    t = login('gus@%s.test' % slug, 'gus-password-1', slug)
    wait_replayed()
    out = standby_session(
        ("BEGIN;\nSELECT 'ok:' || auth.tenant() FROM (SELECT auth.authenticate(%s)) a;\nCOMMIT;\n" %
         sql_quote(t['access_token'])) * 2 +
        on_primary_then_replayed("SELECT auth.set_tenant_active('%s', false)" % slug) +
        "BEGIN;\nSELECT 'ok:' || auth.tenant() FROM (SELECT auth.authenticate(%s)) a;\nCOMMIT;\n" %
        sql_quote(t['access_token']))
    check(out.count('ok:%s' % slug) == 2 and 'replayed' in out, 'before: %r' % out)
    check('42501: tenant inactive' in out.split('replayed', 1)[1], 'after replay: %r' % out)


@suite.test
def key_revocation_on_primary_refuses_the_key_on_the_standby():
    """The key cache: auth.verify twice (the second is a key-cache hit, counted), the tenant's
    signing key revoked on the primary, replayed: the next verify and authenticate refuse."""
    t = login('bob@%s.test' % S1, 'bob-password-1')
    kid = ctx['primary'].psql("SELECT kid FROM auth.keys WHERE tenant = '%s' AND is_active_signer" % S1)
    wait_replayed()
    verify = "SELECT 'verified:' || (auth.verify(%s) ->> 'tenant');\n" % sql_quote(t['access_token'])
    out = standby_session(
        verify + verify + authenticate_sql(t['access_token']) +
        "SELECT 'key_hits:' || (hits > 0)::text FROM auth._key_cache_status();\n" +
        on_primary_then_replayed("SELECT auth.generate_key('ES256', '%s'); SELECT auth.revoke_key('%s', '%s')"
                                 % (S1, kid, S1)) + verify + authenticate_sql(t['access_token']))
    before, _, after = out.partition('replayed')
    check(before.count('verified:%s' % S1) == 2 and 'key_hits:true' in before and 't|probe:%s' % S1 in before,
          'before: %r' % out)
    check(after.count('28000: unknown key') == 2 and 'verified:' not in after and 'probe:' not in after,
          'after replay: %r' % out)


# ---------------------------------------------------------------------------------------------
# 3. the server's read pool (--db-read)


def rpc_in_recovery(token):
    st, _, body = request(ctx['srv'].port, 'GET', '/rpc/in_recovery', host=H1, token=token)
    check(st == 200, 'rpc: %d %s' % (st, body[:200]))
    return json.loads(body)


def metric(name_and_labels):
    text = request(ctx['srv'].port, 'GET', '/metrics')[2].decode()
    for line in text.splitlines():
        if line.startswith(name_and_labels + ' '):
            return float(line.split()[-1])
    raise AssertionError('no metric %s in %s' % (name_and_labels, text[-1500:]))


def server_login(email, password):
    st, _, body = request(ctx['srv'].port, 'POST', '/auth/login', host=H1, body={'email': email, 'password': password})
    check(st == 200, 'login: %d %s' % (st, body[:200]))
    return json.loads(body)


def poll(fn, what):
    deadline = time.time() + 120  # hang guard
    while time.time() < deadline:
        if fn():
            return
        time.sleep(0.05)
    raise AssertionError('never: ' + what)


@suite.test
def server_sends_gets_to_the_replica_and_writes_to_the_primary():
    tok = server_login('bob@%s.test' % S1, 'bob-password-1')['access_token']
    before = metric('tenantgate_db_pool_calls_total{pool="replica"}')
    # The login wrote (its session): the token's reads go to the primary until the replica has
    # replayed it, then to the replica.
    poll(lambda: rpc_in_recovery(tok) is True, 'a GET answered by the replica')
    check(metric('tenantgate_db_pool_calls_total{pool="replica"}') > before, 'replica pool not counted')
    st, _, body = request(ctx['srv'].port, 'GET', '/.well-known/jwks.json', host=H1)
    check(st == 200 and json.loads(body)['keys'], 'jwks: %d' % st)
    st, _, body = request(ctx['srv'].port, 'GET', '/auth/me', host=H1, token=tok)
    check(st == 200 and json.loads(body)['email'] == 'bob@%s.test' % S1, 'me: %d %s' % (st, body[:200]))
    # POST /rpc runs on the primary.
    st, _, body = request(ctx['srv'].port, 'POST', '/rpc/in_recovery', host=H1, token=tok, body={})
    check(st == 200 and json.loads(body) is False, 'POST rpc: %d %s' % (st, body[:200]))


@suite.test
def read_your_writes_while_replay_is_paused():
    tok = server_login('bob@%s.test' % S1, 'bob-password-1')['access_token']
    other = server_login('bob@%s.test' % S1, 'bob-password-1')['access_token']
    poll(lambda: rpc_in_recovery(tok) is True and rpc_in_recovery(other) is True, 'both tokens on the replica')
    pinned = metric('tenantgate_db_read_pinned_total')
    ctx['standby'].psql('SELECT pg_catalog.pg_wal_replay_pause()')
    try:
        st, _, body = request(ctx['srv'].port, 'POST', '/api/company_data', host=H1, token=tok,
                              body={'title': 'written during the pause'}, headers={'Prefer': 'return=minimal'})
        check(st == 201, 'insert: %d %s' % (st, body[:200]))
        # The writer's next GET sees its row: the primary answers it (the replica has not replayed).
        st, _, body = request(ctx['srv'].port, 'GET', '/api/company_data?title=eq.written%20during%20the%20pause',
                              host=H1, token=tok)
        check(st == 200 and len(json.loads(body)) == 1, 'read-your-writes: %d %s' % (st, body[:200]))
        check(rpc_in_recovery(tok) is False, 'the writer was not sent to the primary')
        check(metric('tenantgate_db_read_pinned_total') >= pinned + 2, 'pinned reads not counted')
        # Another token still reads from the (paused, lag-tolerated) replica, without the row.
        check(rpc_in_recovery(other) is True, 'another token left the replica')
        st, _, body = request(ctx['srv'].port, 'GET', '/api/company_data?title=eq.written%20during%20the%20pause',
                              host=H1, token=other)
        check(st == 200 and json.loads(body) == [], 'the paused replica answered: %d %s' % (st, body[:200]))
    finally:
        ctx['standby'].psql('SELECT pg_catalog.pg_wal_replay_resume()')
    # Once replayed, the writer is back on the replica.
    poll(lambda: rpc_in_recovery(tok) is True, 'the writer back on the replica after replay')


def get_is_refused_as_revoked(tok):
    st, _, body = request(ctx['srv'].port, 'GET', '/api/company_data', host=H1, token=tok)
    check(st == 401 and json.loads(body)['error'] == 'token revoked', 'after logout: %d %s' % (st, body[:200]))


@suite.test
def logout_through_the_server_is_seen_by_the_next_get():
    tok = server_login('bob@%s.test' % S1, 'bob-password-1')['access_token']
    poll(lambda: rpc_in_recovery(tok) is True, 'token on the replica')
    st, _, _ = request(ctx['srv'].port, 'POST', '/auth/logout', host=H1, token=tok)
    check(st == 204, 'logout: %d' % st)
    get_is_refused_as_revoked(tok)


@suite.test
def a_session_ended_by_its_refresh_token_pins_every_read():
    """POST /auth/logout with only a refresh token names no bearer: while the standby's replay is
    paused, the session's access token is refused (the primary answers) and every other token's
    reads wait on the primary too, until the replica has replayed the logout."""
    t = server_login('bob@%s.test' % S1, 'bob-password-1')
    other = server_login('bob@%s.test' % S1, 'bob-password-1')['access_token']
    poll(lambda: rpc_in_recovery(t['access_token']) is True and rpc_in_recovery(other) is True, 'on the replica')
    ctx['standby'].psql('SELECT pg_catalog.pg_wal_replay_pause()')
    try:
        st, _, body = request(ctx['srv'].port, 'POST', '/auth/logout', host=H1,
                              body={'refresh_token': t['refresh_token']})
        check(st == 204, 'logout by refresh token: %d %s' % (st, body[:200]))
        get_is_refused_as_revoked(t['access_token'])
        check(rpc_in_recovery(other) is False, 'another token read the replica before it replayed the logout')
    finally:
        ctx['standby'].psql('SELECT pg_catalog.pg_wal_replay_resume()')
    poll(lambda: rpc_in_recovery(other) is True, 'reads back on the replica after replay')


@suite.test
def replica_down_gets_are_still_answered():
    tok = server_login('bob@%s.test' % S1, 'bob-password-1')['access_token']
    poll(lambda: rpc_in_recovery(tok) is True, 'token on the replica')
    fallbacks = metric('tenantgate_db_read_fallbacks_total')
    pg_ctl_standby('stop')
    try:
        for _ in range(5):
            st, _, body = request(ctx['srv'].port, 'GET', '/api/company_data', host=H1, token=tok)
            check(st == 200 and len(json.loads(body)) >= 3, 'replica down: %d %s' % (st, body[:200]))
        check(rpc_in_recovery(tok) is False, 'not answered by the primary')
        check(metric('tenantgate_db_read_fallbacks_total') > fallbacks, 'fallbacks not counted')
    finally:
        pg_ctl_standby('start')
    poll(lambda: rpc_in_recovery(tok) is True, 'replica used again after its restart')


@suite.test
def server_stops_cleanly():
    check(ctx['srv'].stop() == 0, 'exit code not 0')


def wait_for_main(sql):
    """`test_standby.py wait-for SQL` (from a standby session's \\!): runs SQL on the primary,
    waits for the standby to replay it, prints 'replayed'."""
    ctx['primary'] = Db(read_env_file(os.environ['TG_STANDBY_PRIMARY_ENV']), DBNAME)
    ctx['standby'] = Db(read_env_file(os.environ['TG_STANDBY_STANDBY_ENV']), DBNAME)
    p = subprocess.run(['psql', '-X', '-q', '-At', '-v', 'VERBOSITY=verbose', '-h', '127.0.0.1', '-p',
                        ctx['primary'].env['PGPORT'], '-U', 'postgres', '-d', DBNAME, '-c', sql],
                       capture_output=True, text=True)
    sys.stdout.write(p.stderr)  # a refusal the revocation itself raises (refresh reuse) is expected
    wait_replayed()
    print('replayed', flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'wait-for':
        return wait_for_main(sys.argv[2])
    binary, cluster_sh, work = sys.argv[1:4]
    primary_dir = os.path.join(work, 'primary')
    standby_dir = os.path.join(work, 'standby')
    p = subprocess.run(['bash', cluster_sh, 'start', primary_dir], capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout, p.stderr)
        sys.exit(1)
    ok = False
    standby_env = None
    try:
        env = read_env_file(os.path.join(primary_dir, 'env'))
        primary = setup_database(env, DBNAME, S1, S2, FIXTURES)
        standby_env = start_standby(env, standby_dir)
        with open(os.path.join(work, 'standby.env'), 'w') as f:
            f.write(''.join('%s=%s\n' % kv for kv in standby_env.items()))
        os.environ['TG_STANDBY_PRIMARY_ENV'] = os.path.join(primary_dir, 'env')
        os.environ['TG_STANDBY_STANDBY_ENV'] = os.path.join(work, 'standby.env')
        ctx.update(primary=primary, standby=Db(standby_env, DBNAME), standby_env=standby_env)
        wait_replayed()
        ctx['srv'] = Server(binary, primary.conninfo(), tempfile.mkdtemp(prefix='tg-standby-'),
                            ['--db-read', Db(standby_env, DBNAME).conninfo(), '--read-pool-size', '2',
                             '--pool-size', '2', '--connect-timeout', '2',
                             # the paused replica stays a read target in read_your_writes_...
                             '--read-max-lag', '3600'])
        ok = suite.run()
    finally:
        if 'srv' in ctx and ctx['srv'].alive():
            ctx['srv'].stop()
        crashed = False
        if standby_env is not None:
            subprocess.run(as_owner([os.path.join(standby_env['TG_PG_BINDIR'], 'pg_ctl'), 'stop', '-D',
                                     standby_env['PGDATA'], '-m', 'fast', '-w', '-t', '60']),
                           capture_output=True, cwd='/')
            # The same crash patterns as cluster.sh check-log, on the standby's log.
            crashed = subprocess.run(['bash', cluster_sh, 'check-log', standby_dir]).returncode != 0
        if subprocess.run(['bash', cluster_sh, 'stop', primary_dir, '--check-log']).returncode != 0:
            crashed = True
        ok = ok and not crashed
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
