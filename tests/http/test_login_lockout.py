#!/usr/bin/env python3
"""Issue 14, ISO-I over HTTP: the login throttle is keyed by (tenant, e-mail, client) and
tenantgate-server passes the TCP peer address as the client. An attacker whose connections come
from 127.0.0.2 locks only itself out; the user connecting from 127.0.0.1 still logs in.
Usage: test_login_lockout.py <tenantgate-server binary>; TG_CLUSTER_ENV names the cluster."""
import http.client
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Db, Server, Suite, check, cleanup_tenants, read_env_file, setup_database  # noqa: E402

S1, S2 = 'httplk1', 'httplk2'
H1 = S1 + '.localhost'
DBNAME = 'tg_http_lockout'
VICTIM, VICTIM_PW = 'victim@%s.test' % S1, 'victim-password-1'
ATTACKER_ADDR, USER_ADDR = '127.0.0.2', '127.0.0.1'

suite = Suite('http_login_lockout')
ctx = {}


def login_from(source, email, password, headers=None):
    """POST /auth/login over a connection bound to the source address `source`."""
    conn = http.client.HTTPConnection('127.0.0.1', ctx['srv'].port, timeout=15, source_address=(source, 0))
    body = json.dumps({'email': email, 'password': password}).encode()
    h = {'Host': H1, 'Content-Type': 'application/json', 'Content-Length': str(len(body))}
    h.update(headers or {})
    conn.request('POST', '/auth/login', body=body, headers=h)
    r = conn.getresponse()
    out = r.read()
    conn.close()
    return r.status, out


@suite.test
def iso_i_http_attacker_address_locks_only_itself():
    db = ctx['db']
    db.psql("SELECT auth.create_user('%s', '%s', '%s')" % (S1, VICTIM, VICTIM_PW))
    for i in range(6):
        st, b = login_from(ATTACKER_ADDR, VICTIM, 'guess-%d' % i)
        check(st == 401, 'ISO-I7 attacker guess %d: %d %s' % (i, st, b[:200]))
    st, b = login_from(ATTACKER_ADDR, VICTIM, VICTIM_PW)
    check(st == 401, 'ISO-I7 the attacker address is locked (right password refused): %d %s' % (st, b[:200]))
    st, b = login_from(USER_ADDR, VICTIM, VICTIM_PW)
    check(st == 200 and 'access_token' in json.loads(b),
          'ISO-I8 the user from %s still logs in: %d %s' % (USER_ADDR, st, b[:200]))
    status = db.psql("SELECT auth.login_throttle_status('%s', '%s')" % (S1, VICTIM))
    check(json.loads(status).get('locked_clients') == 1,
          'ISO-I9 login_throttle_status reports the locked attacker client: %s' % status)


@suite.test
def iso_i_http_forwarded_headers_do_not_choose_the_client():
    # beyond spec: the peer address is what counts; a client-supplied header neither unlocks the
    # attacker nor lets it lock out another address
    db = ctx['db']
    email = 'victim2@%s.test' % S1
    db.psql("SELECT auth.create_user('%s', '%s', '%s')" % (S1, email, VICTIM_PW))
    spoof = {'X-Forwarded-For': USER_ADDR, 'X-Real-IP': USER_ADDR, 'Forwarded': 'for=%s' % USER_ADDR}
    for i in range(6):
        st, b = login_from(ATTACKER_ADDR, email, 'guess-%d' % i, spoof)
        check(st == 401, 'ISO-I10 attacker guess %d: %d %s' % (i, st, b[:200]))
    st, b = login_from(USER_ADDR, email, VICTIM_PW)
    check(st == 200, 'ISO-I10 spoofed forwarding headers locked out the user at %s: %d %s' % (USER_ADDR, st, b[:200]))
    st, b = login_from(ATTACKER_ADDR, email, VICTIM_PW, {'X-Forwarded-For': '198.51.100.7'})
    check(st == 401, 'ISO-I11 a forwarding header moved the locked attacker to a fresh client: %d %s' % (st, b[:200]))


def main():
    binary = sys.argv[1]
    env = read_env_file(os.environ['TG_CLUSTER_ENV'])
    db = setup_database(env, DBNAME, S1, S2)
    db.psql("ALTER DATABASE %s SET tenantgate.login_max_failures = 3;"
            "ALTER DATABASE %s SET tenantgate.login_lockout = '15min'" % (DBNAME, DBNAME))
    ctx['db'] = db
    ctx['srv'] = Server(binary, db.conninfo(), tempfile.mkdtemp(prefix='tg-http-lockout-'), ['--pool-size', '2'])
    try:
        ok = suite.run()
    finally:
        if ctx['srv'].alive():
            ctx['srv'].stop()
        cleanup_tenants(Db(env, DBNAME), S1, S2)
        db.psql('DROP DATABASE IF EXISTS %s WITH (FORCE)' % DBNAME, db='postgres', check=False)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
