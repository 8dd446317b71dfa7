#!/usr/bin/env python3
"""tenantgate-server black-box suite: every route and status mapping, the HTTP attacks of
security-catalogue.md section D, 1,000 interleaved requests of two tenants, pool hygiene and
graceful shutdown. Usage: test_http.py <tenantgate-server binary>; TG_CLUSTER_ENV names the
private cluster's env file (CTest fixture `cluster`)."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, Suite, check, expect, raw, read_env_file, request,  # noqa: E402
                     setup_database, status_of, cleanup_tenants)

S1, S2 = 'httpa1', 'httpa2'          # tenant slugs of this suite (roles are cluster-wide)
H1, H2 = S1 + '.localhost', S2 + '.localhost'
PW = {'alice': 'alice-password-1', 'bob': 'bob-password-1', 'carol': 'carol-password-2', 'dave': 'dave-password-2'}

# Test-only fixtures: applied to every tenant with the demo's migration.
FIXTURES = r"""
SELECT auth.add_migration('0002_http_fixtures', $sql$
  CREATE FUNCTION leak_setting() RETURNS text LANGUAGE sql AS
    $f$ SELECT set_config('app.leak', 'left-behind', false) $f$;
  CREATE FUNCTION read_setting() RETURNS text LANGUAGE sql AS
    $f$ SELECT current_setting('app.leak', true) $f$;
  CREATE FUNCTION fail_please() RETURNS int LANGUAGE sql AS $f$ SELECT 1 / 0 $f$;
  CREATE FUNCTION leak_prepared() RETURNS int LANGUAGE plpgsql AS
    $f$ BEGIN EXECUTE 'PREPARE tg_call AS SELECT 1'; RETURN 1; END $f$;
  CREATE FUNCTION count_prepared() RETURNS bigint LANGUAGE sql AS
    $f$ SELECT count(*) FROM pg_prepared_statements $f$;
  CREATE FUNCTION big(n int) RETURNS text LANGUAGE sql AS $f$ SELECT repeat('x', n) $f$;
  CREATE FUNCTION whoami() RETURNS jsonb LANGUAGE sql AS
    $f$ SELECT jsonb_build_object('user', current_user, 'tenant', auth.tenant()) $f$;
  CREATE FUNCTION slow(secs float8) RETURNS text LANGUAGE sql AS $f$ SELECT pg_sleep(secs)::text || 'done' $f$;
$sql$);
"""

suite = Suite('http')
ctx = {}
SECRETS = set(PW.values())


def port():
    return ctx['srv'].port


def login(host, user):
    email = '%s@%s.test' % (user, host.split('.')[0])
    st, h, b = request(port(), 'POST', '/auth/login', host=host, body={'email': email, 'password': PW[user]})
    check(st == 200, 'login %s: %d %s' % (user, st, b[:200]))
    pair = json.loads(b)
    SECRETS.add(pair['access_token'])
    SECRETS.add(pair['refresh_token'])
    return pair


def tok(user):
    if user not in ctx['tokens'] or ctx['tokens'][user][1] < time.time() - 200:
        host = H1 if user in ('alice', 'bob') else H2
        ctx['tokens'][user] = (login(host, user)['access_token'], time.time())
    return ctx['tokens'][user][0]


def no_leak(body):
    text = body.decode('utf-8', 'replace')
    for bad in ('SELECT', 'ERROR', 'CONTEXT', 'pg_catalog', '_pkey', 'DETAIL', 'plpgsql', 'auth.'):
        check(bad not in text, 'response leaks %r: %s' % (bad, text[:200]))


# ---- routes and statuses -----------------------------------------------------------------

@suite.test
def healthz_answers_200():
    expect(request(port(), 'GET', '/healthz'), 200)


@suite.test
def login_returns_token_pair_no_store():
    st, h, b = request(port(), 'POST', '/auth/login', host=H1,
                       body={'email': 'alice@%s.test' % S1, 'password': PW['alice']})
    check(st == 200, b)
    j = json.loads(b)
    SECRETS.update([j['access_token'], j['refresh_token']])
    check(j['token_type'] == 'Bearer' and j['expires_in'] > 0 and j['refresh_token'], j)
    check(h.get('cache-control') == 'no-store', h)


@suite.test
def login_same_401_for_wrong_password_and_unknown_user():
    a = expect(request(port(), 'POST', '/auth/login', host=H1,
                       body={'email': 'alice@%s.test' % S1, 'password': 'wrong-password'}), 401, 'invalid credentials')
    b = expect(request(port(), 'POST', '/auth/login', host=H1,
                       body={'email': 'nobody@%s.test' % S1, 'password': 'wrong-password'}), 401, 'invalid credentials')
    check(a[2] == b[2])


@suite.test
def login_with_other_tenants_credentials_is_401():
    expect(request(port(), 'POST', '/auth/login', host=H2,
                   body={'email': 'alice@%s.test' % S1, 'password': PW['alice']}), 401, 'invalid credentials')


@suite.test
def imported_passlib_user_logs_in_with_old_password():
    # server/demo/seed.sql imports flask@… with a passlib $pbkdf2-sha256$ hash of 'foo'; the
    # first login re-hashes it, the second verifies the new hash.
    for _ in range(2):
        st, h, b = expect(request(port(), 'POST', '/auth/login', host=H1,
                                  body={'email': 'flask@%s.test' % S1, 'password': 'foo'}), 200)
        j = json.loads(b)
        SECRETS.update([j['access_token'], j['refresh_token']])
    expect(request(port(), 'POST', '/auth/login', host=H1,
                   body={'email': 'flask@%s.test' % S1, 'password': 'bar'}), 401, 'invalid credentials')


@suite.test
def logout_needs_a_content_length_like_every_post():
    # RFC 9110 411: POST without Content-Length (curl -X POST without -d) is refused before routing.
    r = raw(port(), raw_req(['POST /auth/logout HTTP/1.1', 'Host: ' + H1, 'Authorization: Bearer x']))
    check(status_of(r) == 411, r[:60])


@suite.test
def http23_login_brute_force_locks_the_email_with_the_same_401():
    # tenantgate.login_max_failures (default 5) per (tenant, e-mail), in shared memory.
    email = 'victim@%s.test' % S1
    ctx['db'].psql("SELECT auth.create_user('%s', '%s', 'victim-password-1')" % (S1, email))
    bodies = set()
    for i in range(6):
        st, h, b = expect(request(port(), 'POST', '/auth/login', host=H1,
                                  body={'email': email, 'password': 'guess-%d' % i}), 401, 'invalid credentials')
        bodies.add(b)
    st, h, b = expect(request(port(), 'POST', '/auth/login', host=H1,
                              body={'email': email, 'password': 'victim-password-1'}), 401, 'invalid credentials')
    bodies.add(b)
    check(len(bodies) == 1, 'locked and wrong answers differ: %s' % bodies)
    tok('bob')  # another e-mail of the tenant is not affected
    expect(request(port(), 'POST', '/auth/login', host=H1, body={'email': 'bob@%s.test' % S1, 'password': PW['bob']}), 200)


@suite.test
def unknown_host_is_404_unknown_tenant():
    expect(request(port(), 'POST', '/auth/login', host='nosuchtenant.localhost',
                   body={'email': 'a@b.c', 'password': 'x'}), 404, 'unknown tenant')
    expect(request(port(), 'GET', '/.well-known/jwks.json', host='nosuchtenant.localhost'), 404, 'unknown tenant')


@suite.test
def me_returns_the_user():
    st, h, b = expect(request(port(), 'GET', '/auth/me', host=H1, token=tok('bob')), 200)
    j = json.loads(b)
    check(j['email'] == 'bob@%s.test' % S1 and j['role'] == 'staff' and j['tenant'] == S1 and j['id'], j)


@suite.test
def jwks_is_public_keys_only():
    st, h, b = expect(request(port(), 'GET', '/.well-known/jwks.json', host=H1), 200)
    keys = json.loads(b)['keys']
    check(len(keys) >= 1)
    for k in keys:
        for private in ('d', 'p', 'q', 'k'):
            check(private not in k, 'private member %s in jwks' % private)


@suite.test
def api_get_returns_only_own_rows():
    st, h, b = expect(request(port(), 'GET', '/api/company_data', host=H1, token=tok('bob')), 200)
    rows = json.loads(b)
    check(len(rows) >= 3 and all(r['title'].startswith(S1) for r in rows), rows)
    st, h, b = expect(request(port(), 'GET', '/api/company_data', host=H2, token=tok('dave')), 200)
    check(all(r['title'].startswith(S2) for r in json.loads(b)))


@suite.test
def api_select_order_limit_offset():
    st, h, b = expect(request(port(), 'GET', '/api/company_data?select=id,title&order=id.desc&limit=2&offset=1',
                              host=H1, token=tok('bob')), 200)
    rows = json.loads(b)
    check(len(rows) == 2 and set(rows[0]) == {'id', 'title'} and rows[0]['id'] > rows[1]['id'], rows)


@suite.test
def api_filters_postgrest_syntax():
    t = tok('bob')
    def q(qs):
        st, h, b = expect(request(port(), 'GET', '/api/company_data?select=title&order=id&' + qs, host=H1, token=t), 200)
        return [r['title'] for r in json.loads(b)]
    first, second, draft = S1 + ' first order', S1 + ' second order', S1 + ' draft'
    check(q('amount=eq.20') == [second])
    check(first in q('amount=neq.20') and second not in q('amount=neq.20'))
    check(q('amount=lt.50') == [second] and q('amount=lte.20') == [second])
    check(q('amount=gt.20') == [first] and q('amount=gte.100.5') == [first])
    check(q('amount=in.(20,100.5)') == [first, second])
    check(q('amount=is.null') == [draft])
    check(q('title=like.*draft') == [draft] and q('title=ilike.*DRAFT') == [draft])
    check(draft not in q('amount=not.is.null'))
    check(q("title=eq.1' OR '1'='1") == [], 'values are bound, not spliced')


@suite.test
def api_insert_one_and_many_then_patch_and_delete():
    t = tok('bob')
    st, h, b = expect(request(port(), 'POST', '/api/company_data', host=H1, token=t,
                              body={'title': S1 + ' ins1', 'amount': 5}), 201)
    one = json.loads(b)
    check(len(one) == 1 and one[0]['title'] == S1 + ' ins1' and one[0]['id'])
    st, h, b = expect(request(port(), 'POST', '/api/company_data', host=H1, token=t,
                              body=[{'title': S1 + ' ins2'}, {'title': S1 + ' ins3', 'tags': ['x', 'y']}]), 201)
    many = json.loads(b)
    check(len(many) == 2 and many[1]['tags'] == ['x', 'y'])
    st, h, b = expect(request(port(), 'POST', '/api/company_data', host=H1, token=t, body={'title': S1 + ' min'},
                              headers={'Prefer': 'return=minimal'}), 201)
    check(b == b'')
    st, h, b = expect(request(port(), 'PATCH', '/api/company_data?title=like.*ins*', host=H1, token=t,
                              body={'done': True}), 200)
    check(len(json.loads(b)) == 3 and all(r['done'] for r in json.loads(b)))
    st, h, b = expect(request(port(), 'DELETE', '/api/company_data?done=is.true&title=like.*ins*', host=H1, token=t), 200)
    check(len(json.loads(b)) == 3)
    expect(request(port(), 'DELETE', '/api/company_data?title=eq.' + S1 + '%20min', host=H1, token=t,
                   headers={'Prefer': 'return=minimal'}), 204)


@suite.test
def patch_and_delete_without_filter_are_400():
    t = tok('bob')
    expect(request(port(), 'DELETE', '/api/company_data', host=H1, token=t), 400, 'filter required')
    expect(request(port(), 'PATCH', '/api/company_data', host=H1, token=t, body={'done': True}), 400, 'filter required')


@suite.test
def rpc_calls_tenant_functions_only():
    t = tok('bob')
    st, h, b = expect(request(port(), 'POST', '/rpc/total_amount', host=H1, token=t, body={'min_amount': 50}), 200)
    check(json.loads(b) == 100.5, b)
    st, h, b = expect(request(port(), 'POST', '/rpc/titles_like', host=H1, token=t, body={'pattern': '%first%'}), 200)
    check([r['title'] for r in json.loads(b)] == [S1 + ' first order'])
    st, h, b = expect(request(port(), 'POST', '/rpc/whoami', host=H1, token=t), 200)
    check(json.loads(b)['tenant'] == S1)
    for fn in ('pg_sleep', 'set_config', 'pg_read_file', 'lo_export', 'dblink', 'pg_terminate_backend',
               'auth.sign', S2 + '.total_amount', 'nope'):
        st, h, b = request(port(), 'POST', '/rpc/' + fn, host=H1, token=t, body={})
        check(st == 404, '%s → %d' % (fn, st))
        no_leak(b)
    expect(request(port(), 'POST', '/rpc/total_amount', host=H1, token=t, body={'bogus': 1}), 400)
    expect(request(port(), 'POST', '/rpc/fail_please', host=H1, token=t, body={}), 400, 'invalid input')


@suite.test
def admin_only_table_403_for_staff_200_for_admin():
    expect(request(port(), 'GET', '/api/salaries', host=H1, token=tok('bob')), 403, 'permission denied')
    st, h, b = expect(request(port(), 'GET', '/api/salaries', host=H1, token=tok('alice')), 200)
    check([r['person'] for r in json.loads(b)] == ['alice'])


@suite.test
def missing_and_malformed_tokens_are_401_with_challenge():
    st, h, b = expect(request(port(), 'GET', '/api/company_data', host=H1), 401, 'missing token')
    check(h.get('www-authenticate', '').startswith('Bearer'))
    for auth in ('Basic YTpi', 'Bearer', 'Bearer  ' + tok('bob'), 'Bearer a b', tok('bob'), 'Bearer @@@'):
        st, h, b = request(port(), 'GET', '/api/company_data', host=H1, headers={'Authorization': auth})
        check(st == 401 and h.get('www-authenticate') == 'Bearer error="invalid_token"', '%r → %d %s' % (auth[:20], st, h))
    st, h, b = expect(request(port(), 'GET', '/api/company_data', host=H1, token='eyJhbGciOiJub25lIn0.eyJ9.'), 401)
    check(h.get('www-authenticate') == 'Bearer error="invalid_token"')
    request_ok = request(port(), 'GET', '/api/company_data', host=H1,
                         headers={'Authorization': 'bearer ' + tok('bob')})
    expect(request_ok, 200)


@suite.test
def token_of_one_tenant_at_the_other_is_403_on_every_route():
    t = tok('bob')
    for m, p, body in (('GET', '/auth/me', None), ('GET', '/api/company_data', None),
                       ('POST', '/rpc/total_amount', {}), ('POST', '/auth/logout', None)):
        expect(request(port(), m, p, host=H2, token=t, body=body), 403, 'tenant mismatch')


@suite.test
def sql_errors_map_to_contract_statuses_without_sql_text():
    t = tok('bob')
    for path, status in (('/api/company_data?nonexistent=eq.1', 400), ('/api/company_data?amount=eq.abc', 400),
                         ('/api/company_data?amount=xx.1', 400), ('/api/company_data?order=nope', 400),
                         ('/api/nosuchtable', 404), ('/api/company_data?select=nope', 400)):
        st, h, b = request(port(), 'GET', path, host=H1, token=t)
        check(st == status, '%s → %d %s' % (path, st, b))
        no_leak(b)
    st, h, b = request(port(), 'POST', '/api/company_data', host=H1, token=t, body={'id': 1, 'title': 'dup'})
    check(st == 409, 'duplicate id → %d' % st)
    no_leak(b)
    st, h, b = request(port(), 'POST', '/api/company_data', host=H1, token=t, body={'amount': 1})
    check(st == 400, 'not null → %d' % st)
    no_leak(b)


@suite.test
def refresh_rotates_and_reuse_is_401():
    pair = login(H1, 'bob')
    st, h, b = expect(request(port(), 'POST', '/auth/refresh', host=H1, body={'refresh_token': pair['refresh_token']}), 200)
    new = json.loads(b)
    SECRETS.update([new['access_token'], new['refresh_token']])
    check(new['refresh_token'] != pair['refresh_token'] and h.get('cache-control') == 'no-store')
    expect(request(port(), 'POST', '/auth/refresh', host=H1, body={'refresh_token': pair['refresh_token']}), 401)
    expect(request(port(), 'POST', '/auth/refresh', host=H1, body={'refresh_token': 'garbage'}), 401)


@suite.test
def refresh_token_at_other_tenant_is_403():
    pair = login(H1, 'bob')
    expect(request(port(), 'POST', '/auth/refresh', host=H2, body={'refresh_token': pair['refresh_token']}), 403)
    expect(request(port(), 'POST', '/auth/refresh', host=H1, body={'refresh_token': pair['refresh_token']}), 200)


@suite.test
def http33_parallel_refresh_of_one_token_exactly_one_wins():
    pair = login(H1, 'bob')
    barrier = threading.Barrier(2)
    answers = []

    def refresh():
        barrier.wait()
        st, h, b = request(port(), 'POST', '/auth/refresh', host=H1, body={'refresh_token': pair['refresh_token']})
        answers.append((st, b))
        if st == 200:
            SECRETS.update([json.loads(b)['access_token'], json.loads(b)['refresh_token']])
    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    check(sorted(a[0] for a in answers) == [200, 401], answers)
    winner = json.loads([a[1] for a in answers if a[0] == 200][0])
    # the reuse revoked the whole family, including the winner's new tokens (JWT-34)
    expect(request(port(), 'POST', '/auth/refresh', host=H1, body={'refresh_token': winner['refresh_token']}), 401)
    expect(request(port(), 'GET', '/auth/me', host=H1, token=winner['access_token']), 401)


@suite.test
def http31_jwks_per_tenant_and_http27_no_request_bytes_in_headers():
    k1 = {k['kid'] for k in json.loads(expect(request(port(), 'GET', '/.well-known/jwks.json', host=H1), 200)[2])['keys']}
    k2 = {k['kid'] for k in json.loads(expect(request(port(), 'GET', '/.well-known/jwks.json', host=H2), 200)[2])['keys']}
    check(k1 and k2 and not (k1 & k2), 'tenants share keys: %s %s' % (k1, k2))
    expect(request(port(), 'GET', '/.well-known/jwks.json', host='localhost'), 404, 'unknown tenant')
    r = raw(port(), raw_req(['GET /api/x%0d%0aX-Injected:%201 HTTP/1.1', 'Host: ' + H1, 'Origin: https://app.test',
                             'Authorization: Bearer ' + tok('bob'), 'Connection: close']))
    head = r.split(b'\r\n\r\n', 1)[0].lower()
    check(b'x-injected' not in head and status_of(r) in (400, 404), r[:200])


@suite.test
def logout_is_204_then_token_is_401():
    pair = login(H1, 'bob')
    expect(request(port(), 'GET', '/auth/me', host=H1, token=pair['access_token']), 200)
    st, h, b = expect(request(port(), 'POST', '/auth/logout', host=H1, token=pair['access_token']), 204)
    check(b == b'')
    expect(request(port(), 'GET', '/auth/me', host=H1, token=pair['access_token']), 401)
    expect(request(port(), 'POST', '/auth/refresh', host=H1, body={'refresh_token': pair['refresh_token']}), 401)


@suite.test
def logout_by_refresh_token_without_bearer():
    pair = login(H1, 'bob')
    other = login(H2, 'dave')
    expect(request(port(), 'POST', '/auth/logout', host=H1, body={'refresh_token': other['refresh_token']}),
           403, 'tenant mismatch')
    st, h, b = expect(request(port(), 'POST', '/auth/logout', host=H1, body={'refresh_token': pair['refresh_token']}), 204)
    check(b == b'')
    expect(request(port(), 'POST', '/auth/refresh', host=H1, body={'refresh_token': pair['refresh_token']}), 401)
    expect(request(port(), 'GET', '/auth/me', host=H1, token=pair['access_token']), 401)
    expect(request(port(), 'POST', '/auth/logout', host=H1, body={'refresh_token': 'garbage'}), 401)
    expect(request(port(), 'POST', '/auth/logout', host=H1, body={'refresh_token': pair['access_token']}), 401,
           'wrong token type')
    # dave's session at his own tenant is untouched
    expect(request(port(), 'GET', '/auth/me', host=H2, token=other['access_token']), 200)


@suite.test
def register_is_403_when_signup_disabled():
    expect(request(port(), 'POST', '/auth/register', host=H1, body={'email': 'new@x.test', 'password': 'new-password-123'}), 403)


@suite.test
def register_is_201_staff_when_signup_allowed():
    ctx['db'].psql("UPDATE auth.tenants SET allow_signup = true WHERE slug = '%s'" % S2)
    try:
        email = 'newbie@%s.test' % S2
        st, h, b = expect(request(port(), 'POST', '/auth/register', host=H2,
                                  body={'email': email, 'password': 'newbie-password-1'}), 201)
        j = json.loads(b)
        check(j['email'] == email and j['role'] == 'staff' and j['tenant'] == S2 and j['id'], j)
        expect(request(port(), 'POST', '/auth/register', host=H2,
                       body={'email': email.upper(), 'password': 'newbie-password-2'}), 409, 'user already exists')
        expect(request(port(), 'POST', '/auth/register', host=H2,
                       body={'email': 'x@%s.test' % S2, 'password': 'short'}), 400)
        expect(request(port(), 'POST', '/auth/register', host=H2,
                       body={'email': 'no-at-sign', 'password': 'long-enough-1'}), 400, 'invalid parameter value: email')
        expect(request(port(), 'POST', '/auth/register', host=H2,
                       body={'email': 'y@%s.test' % S2, 'password': 'long-enough-1', 'role': 'admin'}), 400, 'invalid body')
        st, h, b = expect(request(port(), 'POST', '/auth/login', host=H2,
                                  body={'email': email, 'password': 'newbie-password-1'}), 200)
        SECRETS.update([json.loads(b)['access_token'], json.loads(b)['refresh_token']])
        # the other tenant still refuses sign-up
        expect(request(port(), 'POST', '/auth/register', host=H1,
                       body={'email': 'newbie@%s.test' % S1, 'password': 'newbie-password-1'}), 403, 'sign-up disabled')
    finally:
        ctx['db'].psql("UPDATE auth.tenants SET allow_signup = false WHERE slug = '%s'" % S2)


@suite.test
def password_change_and_reset_pair():
    # A password change or reset revokes dave's sessions: later tests log in again.
    ctx['tokens'].pop('dave', None)
    try:
        password_change_and_reset_steps()
    finally:
        ctx['tokens'].pop('dave', None)


def password_change_and_reset_steps():
    t = login(H2, 'dave')['access_token']
    expect(request(port(), 'POST', '/auth/password', host=H2, token=t,
                   body={'current_password': 'wrong-one', 'new_password': 'dave-password-3'}), 401)
    expect(request(port(), 'POST', '/auth/password', host=H2, token=t,
                   body={'current_password': PW['dave'], 'new_password': 'dave-password-3'}), 204)
    PW['dave'] = 'dave-password-3'
    SECRETS.add(PW['dave'])
    login(H2, 'dave')
    # staff cannot start a reset; the tenant admin can, and gets the token (no mail server).
    expect(request(port(), 'POST', '/auth/password/reset-request', host=H2, token=login(H2, 'dave')['access_token'],
                   body={'email': 'dave@%s.test' % S2}), 403)
    st, h, b = expect(request(port(), 'POST', '/auth/password/reset-request', host=H2, token=login(H2, 'carol')['access_token'],
                              body={'email': 'dave@%s.test' % S2}), 200)
    reset = json.loads(b)['reset_token']
    SECRETS.add(reset)
    # a reset token of another tenant's user is refused before it is used
    expect(request(port(), 'POST', '/auth/password/reset', host=H1,
                   body={'reset_token': reset, 'new_password': 'dave-password-4'}), 403, 'tenant mismatch')
    expect(request(port(), 'POST', '/auth/password/reset', host=H2,
                   body={'reset_token': reset, 'new_password': 'short'}), 400)
    expect(request(port(), 'POST', '/auth/password/reset', host=H2,
                   body={'reset_token': reset, 'new_password': 'dave-password-4'}), 204)
    PW['dave'] = 'dave-password-4'
    SECRETS.add(PW['dave'])
    login(H2, 'dave')
    expect(request(port(), 'POST', '/auth/password/reset', host=H2,
                   body={'reset_token': reset, 'new_password': 'dave-password-5'}), 401)
    expect(request(port(), 'POST', '/auth/password/reset', host=H2,
                   body={'reset_token': 'garbage', 'new_password': 'dave-password-5'}), 401)


# ---- section D ---------------------------------------------------------------------------

def raw_req(lines, body=b''):
    return ('\r\n'.join(lines) + '\r\n\r\n').encode() + body


@suite.test
def http01_host_case_dot_port():
    t = tok('bob')
    for host in (H1.upper(), H1 + '.', H1 + ':8080', H1 + '.:443'):
        expect(request(port(), 'GET', '/auth/me', host=host, token=t), 200)
    for host in (H1 + ':', H1 + ':99999', H1 + ':abc', H1 + ':0'):
        expect(request(port(), 'GET', '/auth/me', host=host, token=t), 400)


@suite.test
def http02_suffix_and_label_confusion():
    for host in (H1 + '.evil.test', S1 + 'localhost', 'evil-localhost', 'a.' + H1, 'localhost', 'auth.localhost',
                 'public.localhost', 'pg_catalog.localhost', 'www.localhost', '-' + H1):
        st, h, b = request(port(), 'POST', '/auth/login', host=host, body={'email': 'alice@%s.test' % S1, 'password': PW['alice']})
        check(st in (400, 404), '%s → %d' % (host, st))
    for host in (S1 + '..localhost', '.' + H1):
        expect(request(port(), 'GET', '/.well-known/jwks.json', host=host), 400)


@suite.test
def http03_04_non_ascii_percent_and_controls_in_host():
    for host in ('c\xc3\xb6mpany1.localhost', S1 + '%2Elocalhost', S1 + '.localhost%00.x', S1 + '%u002elocalhost'):
        r = raw(port(), b'GET /.well-known/jwks.json HTTP/1.1\r\nHost: ' + host.encode('latin-1') + b'\r\n\r\n')
        check(status_of(r) == 400, '%r → %r' % (host, r[:40]))
    r = raw(port(), raw_req(['GET /auth/me HTTP/1.1', 'Host: ' + H1,
                             'Authorization: Bearer ' + tok('bob').replace('.', '%2E', 1)]))
    check(status_of(r) == 401 and b'invalid_token' in r, r[:200])


@suite.test
def http05_duplicate_missing_host_and_http10():
    for lines in (['GET /healthz HTTP/1.1', 'Host: ' + H1, 'Host: ' + H2],
                  ['GET /healthz HTTP/1.1', 'Host: ' + H2, 'host: ' + H1],
                  ['GET /healthz HTTP/1.1', 'Host:'], ['GET /healthz HTTP/1.1']):
        check(status_of(raw(port(), raw_req(lines))) == 400, lines)
    check(status_of(raw(port(), raw_req(['GET /healthz HTTP/1.0']))) == 200)
    r = raw(port(), raw_req(['GET /api/company_data HTTP/1.0', 'Authorization: Bearer ' + tok('bob')]))
    check(status_of(r) == 404 and b'unknown tenant' in r, r[:200])


@suite.test
def http06_absolute_form_and_connect():
    for line in ('GET http://%s/api/company_data HTTP/1.1' % H2, 'GET //%s/api/company_data HTTP/1.1' % H2):
        check(status_of(raw(port(), raw_req([line, 'Host: ' + H1, 'Authorization: Bearer ' + tok('bob')]))) == 400, line)
    check(status_of(raw(port(), raw_req(['CONNECT %s:443 HTTP/1.1' % H2, 'Host: ' + H2]))) == 405)


@suite.test
def http07_forwarded_headers_ignored():
    st, h, b = expect(request(port(), 'GET', '/api/company_data', host=H1, token=tok('bob'),
                              headers={'X-Forwarded-Host': H2, 'Forwarded': 'host=' + H2, 'X-Host': H2}), 200)
    check(all(r['title'].startswith(S1) for r in json.loads(b)))


def smuggle(headers, body=b'', method='POST', path='/auth/login'):
    """A request with the given framing headers, followed on the same connection by a second,
    valid request; returns (first status, whether the second one was answered)."""
    second = raw_req(['GET /healthz HTTP/1.1', 'Host: ' + H1])
    r = raw(port(), raw_req(['%s %s HTTP/1.1' % (method, path), 'Host: ' + H1, 'Content-Type: application/json']
                            + headers, body) + second, timeout=3)
    return status_of(r), r.count(b'HTTP/1.1 ') > 1


@suite.test
def http09_cl_te_conflicts_refused_and_connection_closed():
    cases = [(['Content-Length: 4', 'Transfer-Encoding: chunked'], b'0\r\n\r\n'),
             (['Transfer-Encoding: xchunked'], b''), (['Transfer-Encoding:  chunked ', 'Content-Length: 3'], b'abc'),
             (['Transfer-Encoding: gzip, chunked'], b''), (['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], b''),
             (['Content-Length: 4', 'Content-Length: 5'], b'abcde'), (['Content-Length: +4'], b'abcd'),
             (['Content-Length:  4, 4'], b'abcd'), (['Content-Length: -1'], b''), (['Content-Length: 0x10'], b''),
             (['Content-Length: 1e3'], b'')]
    for headers, body in cases:
        st, second = smuggle(headers, body)
        check(st == 400 and not second, '%s → %s, second answered: %s' % (headers, st, second))
    st, second = smuggle(['Transfer-Encoding: chunked'], b'5\r\nhello\r\n0\r\n\r\n')
    check(st == 411 and not second, 'chunked → %s' % st)


@suite.test
def http10_chunked_abuse_refused_before_reading():
    for size in (b'-2', b'ffffffffffffffff', b'-1'):
        t0 = time.time()
        st, second = smuggle(['Transfer-Encoding: chunked'], size + b'\r\nabc\r\n')
        check(st == 411 and not second and time.time() - t0 < 2, size)
    expect(request(port(), 'GET', '/healthz'), 200)


@suite.test
def http11_bare_lf_space_before_colon_obs_fold():
    for data in (b'GET /healthz HTTP/1.1\r\nHost: ' + H1.encode() + b'\nX: y\r\n\r\n',
                 b'GET /healthz HTTP/1.1\nHost: ' + H1.encode() + b'\n\n',
                 b'GET /healthz HTTP/1.1\r\nHost : ' + H1.encode() + b'\r\n\r\n',
                 b'GET /healthz HTTP/1.1\r\nHost: ' + H1.encode() + b'\r\n ' + H2.encode() + b'\r\n\r\n',
                 b'GET /healthz HTTP/1.1\r\nHost: ' + H1.encode() + b'\r\nno-colon-line\r\n\r\n',
                 b'GET /healthz HTTP/1.1\r\nHost: ' + H1.encode() + b'\r\nX\x00Y: 1\r\n\r\n'):
        check(status_of(raw(port(), data)) == 400, data[:60])


@suite.test
def http12_oversized_headers_uri_and_count():
    check(status_of(raw(port(), raw_req(['GET /healthz HTTP/1.1', 'Host: ' + H1, 'X-Big: ' + 'a' * 20000]))) == 431)
    check(status_of(raw(port(), raw_req(['GET /healthz HTTP/1.1', 'Host: ' + H1] + ['X-H%d: v' % i for i in range(200)]))) == 431)
    check(status_of(raw(port(), raw_req(['GET /healthz?' + 'a' * 9000 + ' HTTP/1.1', 'Host: ' + H1]))) == 414)
    r = raw(port(), raw_req(['GET /auth/me HTTP/1.1', 'Host: ' + H1, 'Authorization: Bearer ' + 'a' * 1000000]))
    check(status_of(r) in (414, 431), r[:40])
    expect(request(port(), 'GET', '/healthz'), 200)


@suite.test
def http13_oversized_bodies_and_encodings():
    t0 = time.time()
    r = raw(port(), raw_req(['POST /auth/login HTTP/1.1', 'Host: ' + H1, 'Content-Type: application/json',
                             'Content-Length: 10737418240'], b'{}'))
    check(status_of(r) == 413 and time.time() - t0 < 2, r[:40])
    r = raw(port(), raw_req(['POST /api/company_data HTTP/1.1', 'Host: ' + H1, 'Content-Type: application/json',
                             'Authorization: Bearer ' + tok('bob'), 'Content-Length: %d' % (2 << 20)], b'[1,'))
    check(status_of(r) == 413, r[:40])
    r = raw(port(), raw_req(['POST /auth/login HTTP/1.1', 'Host: ' + H1, 'Content-Type: application/json',
                             'Content-Encoding: gzip', 'Content-Length: 2'], b'{}'))
    check(status_of(r) == 415, r[:40])
    r = raw(port(), raw_req(['POST /auth/login HTTP/1.1', 'Host: ' + H1, 'Content-Type: application/json'], b'{}'))
    check(status_of(r) == 411, r[:40])


@suite.test
def http14_slow_clients_do_not_block_others_and_time_out():
    # Fewer slow clients than worker threads (--threads, 32 by default): each slow client holds
    # one worker until --request-timeout; more of them need a front proxy (README).
    socks = []
    for _ in range(24):
        s = socket.create_connection(('127.0.0.1', port()))
        s.sendall(b'GET /healthz HTTP/1.1\r\nHost: ')
        socks.append(s)
    try:
        for _ in range(2):
            time.sleep(0.8)
            for s in socks:
                s.sendall(b'x')
        t0 = time.time()
        expect(request(port(), 'GET', '/healthz', timeout=5), 200)
        check(time.time() - t0 < 2, 'healthz took %.1fs behind slow clients' % (time.time() - t0))
        # the whole request must arrive within --request-timeout (3 s here): 408 and closed
        deadline = time.time() + 8
        s = socks[0]
        s.settimeout(0.5)
        got = b''
        while time.time() < deadline:
            try:
                c = s.recv(4096)
                if not c:
                    break
                got += c
            except socket.timeout:
                continue
            except OSError:
                break
        check(status_of(got) == 408, got[:60])
    finally:
        for s in socks:
            s.close()


@suite.test
def http14_client_that_never_reads_holds_no_db_connection():
    t = tok('bob')
    body = b'{"n": 8000000}'
    s = socket.create_connection(('127.0.0.1', port()))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        s.sendall(raw_req(['POST /rpc/big HTTP/1.1', 'Host: ' + H1, 'Authorization: Bearer ' + t,
                           'Content-Type: application/json', 'Content-Length: %d' % len(body)], body))
        time.sleep(1.0)  # the 8 MB answer is built and stuck in the socket buffers
        t0 = time.time()
        for _ in range(8):  # more than --pool-size (4)
            expect(request(port(), 'GET', '/auth/me', host=H1, token=t), 200)
        check(time.time() - t0 < 5, 'requests slowed down by a client that does not read')
        text = request(port(), 'GET', '/metrics')[2].decode()
        check('tenantgate_db_pool_connections{state="in_use"} 0' in text, 'a connection is held')
    finally:
        s.close()


@suite.test
def http15_path_injection_is_404_or_400_never_500():
    t = tok('bob')
    for name in ('company_data;DROP TABLE x', '%22company_data%22', 'company_data%22%3BSELECT%201',
                 S2 + '.company_data', S2 + '%2Ecompany_data', 'pg_catalog.pg_authid', 'pg_roles', 'pg_class',
                 'pg_settings', 'pg_stat_activity', 'auth.keys', 'keys', 'tenants', 'users', '..%2Fauth',
                 'a' * 1000, 'information_schema.tables'):
        st, h, b = request(port(), 'GET', '/api/' + name, host=H1, token=t)
        check(st == 404, '%s → %d' % (name[:40], st))
        no_leak(b)
    for name in ('company_data%00', 'company_data%0a', '%ff%fe'):
        st, h, b = request(port(), 'GET', '/api/' + name, host=H1, token=t)
        check(st == 400, '%s → %d' % (name, st))


@suite.test
def http16_filter_order_paging_injection():
    t = tok('bob')
    for qs, ok in (("id=eq.1;DELETE FROM company_data", (400,)), ('%22id%22=eq.1', (400,)), ('id)=eq.1', (400,)),
                   ('id=in.(1,2);--', (400,)), ('id=xx.1', (400,)), ('order=id;select pg_sleep(5)', (400,)),
                   ('order=id.asc,(select 1)', (400,)), ('order=id.desc nulls first', (400,)),
                   ('limit=-1', (400,)), ('limit=1e9', (400,)), ('limit=1;', (400,)), ('offset=abc', (400,)),
                   ('limit=99999999999999999999', (400,)), ('id=eq.1&id=eq.2', (200,)),
                   ('&'.join('id=eq.%d' % i for i in range(500)), (400,)), ('tenant_id=eq.1', (400,))):
        st, h, b = request(port(), 'GET', '/api/company_data?' + qs, host=H1, token=t)
        check(st in ok, '%s → %d %s' % (qs[:50], st, b[:100]))
        no_leak(b)
    st, h, b = expect(request(port(), 'GET', '/api/company_data?limit=100000', host=H1, token=t), 200)
    st, h, b = expect(request(port(), 'GET', '/api/company_data', host=H1, token=t), 200)
    check(len(json.loads(b)) > 0)


@suite.test
def http17_json_bodies_columns_duplicates_nesting():
    t = tok('bob')
    for body in (b'{"id\\"; DROP TABLE x; --": 1}', b'{"title":"a","title":"b"}', b'[' * 100000 + b']' * 100000,
                 b'{"title": "x\\u0000y"}', b'not json', b'{"title": "a"} trailing', b'"str"'):
        st, h, b = request(port(), 'POST', '/api/company_data', host=H1, token=t, body=body)
        check(st == 400, '%s → %d %s' % (body[:30], st, b[:80]))
        no_leak(b)
    expect(request(port(), 'POST', '/auth/login', host=H1,
                   body=b'{"email":"a@b","email":"alice@%s.test","password":"x"}' % S1.encode()), 400)


@suite.test
def http19_cors_allow_list_only():
    st, h, b = request(port(), 'OPTIONS', '/api/company_data', host=H1,
                       headers={'Origin': 'https://app.test', 'Access-Control-Request-Method': 'PATCH',
                                'Access-Control-Request-Headers': 'authorization'})
    check(st == 204 and h.get('access-control-allow-origin') == 'https://app.test' and 'PATCH' in
          h.get('access-control-allow-methods', '') and h.get('access-control-allow-credentials') == 'true', h)
    for origin in ('https://evil.test', 'null', 'https://app.test.evil.test', 'http://app.test'):
        st, h, b = request(port(), 'OPTIONS', '/api/company_data', host=H1,
                           headers={'Origin': origin, 'Access-Control-Request-Method': 'GET'})
        check('access-control-allow-origin' not in h, '%s allowed' % origin)
    st, h, b = request(port(), 'GET', '/api/company_data', host=H1, token=tok('bob'), headers={'Origin': 'https://app.test'})
    check(h.get('access-control-allow-origin') == 'https://app.test' and 'Origin' in h.get('vary', ''), h)


@suite.test
def http20_only_json_bodies():
    for ct in ('application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x'):
        st, h, b = request(port(), 'POST', '/auth/login', host=H1, body=b'{"email":"a","password":"b"}',
                           headers={'Content-Type': ct})
        check(st in ((400, 415) if ct.startswith('multipart') else (415,)), '%s → %d' % (ct, st))


@suite.test
def http21_token_in_url_is_ignored():
    expect(request(port(), 'GET', '/api/company_data?access_token=' + tok('bob'), host=H1), 401)


@suite.test
def http22_two_authorization_headers_400():
    t = tok('bob')
    r = raw(port(), raw_req(['GET /auth/me HTTP/1.1', 'Host: ' + H1, 'Authorization: Bearer ' + t,
                             'Authorization: Bearer ' + t]))
    check(status_of(r) == 400)


@suite.test
def http28_methods():
    check(status_of(raw(port(), raw_req(['TRACE / HTTP/1.1', 'Host: ' + H1]))) == 405)
    check(status_of(raw(port(), raw_req(['FOO / HTTP/1.1', 'Host: ' + H1]))) == 501)
    check(status_of(raw(port(), b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')) in (400, 501, 505))
    st, h, b = request(port(), 'HEAD', '/api/company_data', host=H1, token=tok('bob'))
    check(st == 200 and b == b'', st)
    expect(request(port(), 'HEAD', '/api/company_data', host=H1), 401)
    expect(request(port(), 'GET', '/api/company_data', host=H1, token=tok('bob'),
                   headers={'X-HTTP-Method-Override': 'DELETE'}), 200)
    expect(request(port(), 'GET', '/auth/login', host=H1), 405)


@suite.test
def http29_keep_alive_resolves_tenant_per_request():
    import http.client
    c = http.client.HTTPConnection('127.0.0.1', port(), timeout=10)
    t1, t2 = tok('bob'), tok('dave')
    st, h, b = request(port(), 'GET', '/api/company_data', host=H1, token=t1, conn=c)
    check(st == 200 and all(r['title'].startswith(S1) for r in json.loads(b)))
    st, h, b = request(port(), 'GET', '/api/company_data', host=H2, token=t2, conn=c)
    check(st == 200 and all(r['title'].startswith(S2) for r in json.loads(b)))
    check(request(port(), 'GET', '/api/company_data', host=H2, conn=c)[0] == 401)
    check(request(port(), 'GET', '/api/company_data', host=H1, token=t2, conn=c)[0] == 403)
    c.close()
    # pipelined on one socket: answers in order, each with its own tenant
    req = lambda host, t: raw_req(['GET /api/company_data?select=title HTTP/1.1', 'Host: ' + host, 'Authorization: Bearer ' + t])
    r = raw(port(), req(H1, t1) + req(H2, t2) + req(H2, '') + raw_req(['GET /healthz HTTP/1.1', 'Host: x', 'Connection: close']))
    check(r.count(b'HTTP/1.1 200') == 3 and r.count(b'HTTP/1.1 401') == 1, r[:400])
    check(r.index(S1.encode()) < r.index(S2.encode()))


@suite.test
def http30_pool_state_reset_after_each_request():
    t = tok('bob')
    # A tenant function that leaves a session-level setting behind; the pool must not keep it.
    for _ in range(4):
        expect(request(port(), 'POST', '/rpc/leak_setting', host=H1, token=t), 200)
        expect(request(port(), 'POST', '/rpc/fail_please', host=H1, token=t), 400)
        st, h, b = expect(request(port(), 'POST', '/rpc/read_setting', host=H2, token=tok('dave')), 200)
        check(json.loads(b) in (None, ''), 'session setting leaked across requests: %s' % b)
        st, h, b = expect(request(port(), 'POST', '/rpc/whoami', host=H2, token=tok('dave')), 200)
        check(json.loads(b)['tenant'] == S2)
        # prepared statements are session state too (refused or not by the isolation layer)
        st, h, b = request(port(), 'POST', '/rpc/leak_prepared', host=H1, token=t)
        check(st in (200, 400, 403), 'leak_prepared → %d %s' % (st, b[:100]))
        st, h, b = expect(request(port(), 'POST', '/rpc/count_prepared', host=H2, token=tok('dave')), 200)
        check(json.loads(b) == 0, 'a prepared statement survived the request: %s' % b)


@suite.test
def metrics_prometheus_text():
    st, h, b = expect(request(port(), 'GET', '/metrics'), 200)
    text = b.decode()
    for needle in ('tenantgate_http_requests_total{route="/api/:table",method="GET",status="200"}',
                   'tenantgate_http_request_duration_seconds_bucket{le="+Inf"}',
                   'tenantgate_db_pool_connections{state="in_use"}', 'tenantgate_db_pool_connections{state="idle"}',
                   'tenantgate_db_errors_total{kind="connection"}'):
        check(needle in text, needle)
    check(S1 not in text, 'tenant names in metrics')


@suite.test
def interleaved_1000_requests_of_two_tenants_never_cross():
    t = {S1: tok('bob'), S2: tok('dave')}
    host = {S1: H1, S2: H2}
    errors = []

    def worker(n):
        import http.client
        c = http.client.HTTPConnection('127.0.0.1', port(), timeout=20)
        for i in range(125):
            s = S1 if (n + i) % 2 == 0 else S2
            try:
                if i % 10 == 0:
                    st, h, b = request(port(), 'POST', '/api/company_data', host=host[s], token=t[s],
                                       body={'title': '%s interleave %d-%d' % (s, n, i)}, conn=c)
                    ok = st == 201
                else:
                    st, h, b = request(port(), 'GET', '/api/company_data?select=title', host=host[s], token=t[s], conn=c)
                    ok = st == 200
                rows = json.loads(b)
                if not ok or not rows or any(not r['title'].startswith(s + ' ') for r in rows):
                    errors.append((s, st, b[:200]))
            except Exception as e:  # noqa: BLE001
                errors.append((s, 'exception', repr(e)))
                c.close()
                c = http.client.HTTPConnection('127.0.0.1', port(), timeout=20)
        c.close()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    check(not errors, '%d bad answers, first: %s' % (len(errors), errors[:3]))


@suite.test
def http26_no_secret_in_any_log():
    checked = 0
    # The PostgreSQL log from the moment the server started (the seed's own SQL is not ours).
    for p, offset in ((ctx['srv'].access_path, 0), (ctx['srv'].log_path, 0),
                      (ctx['env'].get('TG_LOG', ''), ctx.get('pglog_offset', 0))):
        if p and os.path.exists(p):
            with open(p, errors='replace') as f:
                f.seek(offset)
                text = f.read()
            checked += 1
            for s in SECRETS:
                check(s not in text, 'a secret (%d chars) appears in %s' % (len(s), p))
    check(checked >= 2, 'logs to check are missing')
    for line in open(ctx['srv'].access_path):
        j = json.loads(line)
        check(set(j) <= {'ts', 'method', 'route', 'status', 'ms', 'bytes', 'remote', 'tenant', 'name'}, j)


@suite.test
def tls_serves_https_with_hsts_and_refuses_plain_http():
    import ssl
    d = tempfile.mkdtemp(prefix='tg-tls-')
    cert, key = os.path.join(d, 'cert.pem'), os.path.join(d, 'key.pem')
    p = subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                        '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=' + H1,
                        '-addext', 'subjectAltName=DNS:%s,DNS:%s' % (H1, H2)], capture_output=True)
    check(p.returncode == 0, p.stderr[-300:])
    srv = Server(ctx['binary'], ctx['db'].conninfo(), d, ['--tls-cert', cert, '--tls-key', key, '--pool-size', '1'],
                 tls_context=ssl.create_default_context(cafile=cert))
    try:
        import http.client
        ctx_ssl = ssl.create_default_context(cafile=cert)
        c = http.client.HTTPSConnection('127.0.0.1', srv.port, timeout=10, context=ctx_ssl)
        ctx_ssl.check_hostname = False
        st, h, b = request(srv.port, 'GET', '/.well-known/jwks.json', host=H1, conn=c)
        check(st == 200 and json.loads(b)['keys'], (st, b[:100]))
        check(h.get('strict-transport-security', '').startswith('max-age='), h)
        st, h, b = request(srv.port, 'GET', '/api/company_data', host=H1, token=tok('bob'), conn=c)
        check(st == 200 and all(r['title'].startswith(S1) for r in json.loads(b)), (st, b[:100]))
        c.close()
        r = raw(srv.port, raw_req(['GET /healthz HTTP/1.1', 'Host: ' + H1]), timeout=3)
        check(status_of(r) is None, 'plain HTTP answered on the TLS port: %r' % r[:60])
    finally:
        check(srv.stop() == 0, 'TLS server exit code')


@suite.test
def graceful_shutdown_finishes_in_flight_request():
    srv = ctx['srv']
    result = {}

    def slow():
        result['r'] = request(srv.port, 'POST', '/rpc/slow', host=H1, token=tok('bob'), body={'secs': 1.5})
    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.5)
    srv.proc.send_signal(signal.SIGTERM)
    th.join(10)
    check(result.get('r') and result['r'][0] == 200 and b'done' in result['r'][2], result)
    srv.proc.wait(15)
    check(srv.proc.returncode == 0, 'exit code %s' % srv.proc.returncode)
    try:
        socket.create_connection(('127.0.0.1', srv.port), timeout=1).close()
        refused = False
    except OSError:
        refused = True
    check(refused, 'still accepting after SIGTERM')


def main():
    binary = sys.argv[1]
    env = read_env_file(os.environ['TG_CLUSTER_ENV'])
    ctx['env'] = env
    ctx['tokens'] = {}
    db = setup_database(env, 'tg_http', S1, S2, FIXTURES)
    ctx['db'] = db
    ctx['binary'] = binary
    logdir = tempfile.mkdtemp(prefix='tg-http-')
    if env.get('TG_LOG') and os.path.exists(env['TG_LOG']):
        ctx['pglog_offset'] = os.path.getsize(env['TG_LOG'])
    ctx['srv'] = Server(binary, db.conninfo(), logdir,
                        ['--pool-size', '4', '--request-timeout', '3', '--read-timeout', '2',
                         '--cors-origins', 'https://app.test', '--cors-credentials', 'true'])
    try:
        ok = suite.run()
    finally:
        if ctx['srv'].alive():
            ctx['srv'].stop()
        from harness import Db
        cleanup_tenants(Db(env, 'tg_http'), S1, S2)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
