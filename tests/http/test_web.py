#!/usr/bin/env python3
"""Issue 10, the server side of the browser app on every tenant's host: static files of
--web-root (types, caching, CSP, SPA fallback, and every path traversal form on raw sockets),
GET /auth/tenant, the cookie session (login/refresh/logout with the CSRF token, refusals,
rotation and reuse), the 401's WWW-Authenticate reason, the tenant admin's user routes, and the
/auth/refresh counter of /metrics. Usage: test_web.py <tenantgate-server>; TG_CLUSTER_ENV names
the private cluster's env file (CTest fixture `cluster`)."""
import json
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, Suite, check, cleanup_tenants, expect, raw, read_env_file, request,  # noqa: E402
                     setup_database, status_of)

S1, S2, S3 = 'weba1', 'weba2', 'weba3'  # S3: an inactive tenant
H1, H2, H3 = S1 + '.localhost', S2 + '.localhost', S3 + '.localhost'
DBNAME = 'tg_http_web'
SHORT_ROLE = 'tg_http_web_short'  # an authenticator whose sessions issue 1 s access tokens
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
INDEX = b'<!doctype html><title>tenantgate app</title>'
SECRET = b'SECRET-OUTSIDE-THE-ROOT'
ALICE = ('alice@%s.test' % S1, 'alice-password-1')  # admin of S1
BOB = ('bob@%s.test' % S1, 'bob-password-1')  # staff of S1
CAROL = ('carol@%s.test' % S2, 'carol-password-2')  # admin of S2

suite = Suite('http_web')
ctx = {}


def port():
    return ctx['srv'].port


def exchange(method, path, host=H1, headers=(), body=None, srv=None):
    """One request; (status, [(name, value)...] as sent, body bytes): repeated headers kept."""
    return request((srv or ctx['srv']).port, method, path, host=host, body=body, headers=dict(headers),
                   header_list=True)


def header(hdrs, name):
    vals = [v for k, v in hdrs if k.lower() == name.lower()]
    check(len(vals) <= 1, 'header %s repeated: %r' % (name, vals))
    return vals[0] if vals else None


def set_cookies(hdrs):
    """{cookie name: (value, {attribute lower: value or True})} of the Set-Cookie lines."""
    out = {}
    for k, v in hdrs:
        if k.lower() != 'set-cookie':
            continue
        parts = [p.strip() for p in v.split(';')]
        name, _, value = parts[0].partition('=')
        attrs = {}
        for p in parts[1:]:
            a, eq, av = p.partition('=')
            attrs[a.lower()] = av if eq else True
        check(name not in out, 'cookie %s set twice: %r' % (name, hdrs))
        out[name] = (value, attrs)
    return out


def login(user, host=H1, srv=None):
    st, _, b = exchange('POST', '/auth/login', host, body={'email': user[0], 'password': user[1]}, srv=srv)
    check(st == 200, 'login %s: %d %s' % (user[0], st, b[:200]))
    return json.loads(b)['access_token']


def cookie_login(user=ALICE, host=H1):
    """A cookie session: (access_token, csrf_token, refresh cookie value, Set-Cookie map)."""
    st, h, b = exchange('POST', '/auth/login', host, body={'email': user[0], 'password': user[1], 'session': 'cookie'})
    check(st == 200, 'cookie login: %d %s' % (st, b[:200]))
    j = json.loads(b)
    c = set_cookies(h)
    return j, c


def cookie_refresh(refresh, csrf, extra=(), body=None):
    hs = [('Cookie', 'other=1; tg_refresh=%s' % refresh)] if refresh is not None else []
    if csrf is not None:
        hs.append(('X-CSRF-Token', csrf))
    return exchange('POST', '/auth/refresh', headers=hs + list(extra), body=body)


def refresh_count():
    st, _, b = request(port(), 'GET', '/metrics', host=H1)
    check(st == 200, 'metrics %d' % st)
    m = re.search(rb'^tenantgate_http_requests_total\{route="/auth/refresh",method="POST",status="200"\} (\d+)$',
                  b, re.M)
    return int(m.group(1)) if m else 0


# ---- static files ------------------------------------------------------------------------------

def check_static_headers(where, hdrs):
    check(header(hdrs, 'Content-Security-Policy') == CSP, '%s: CSP %r' % (where, header(hdrs, 'Content-Security-Policy')))
    check(header(hdrs, 'X-Content-Type-Options') == 'nosniff', where)
    check(header(hdrs, 'Referrer-Policy') == 'no-referrer', where)
    check(header(hdrs, 'X-Frame-Options') == 'DENY', where)


@suite.test
def static_root_serves_index_html_with_strict_headers_on_every_host():
    for host in (H1, H2, 'localhost', 'unknown-tenant.localhost'):
        st, h, b = exchange('GET', '/', host)
        check(st == 200 and b == INDEX, '%s /: %d %r' % (host, st, b[:100]))
        check(header(h, 'Content-Type') == 'text/html; charset=utf-8', header(h, 'Content-Type'))
        check(header(h, 'Cache-Control') == 'no-cache', header(h, 'Cache-Control'))
        check_static_headers(host, h)
    st, h, b = exchange('HEAD', '/index.html')
    check(st == 200 and b == b'' and header(h, 'Content-Length') == str(len(INDEX)), 'HEAD: %d %r %r' % (st, h, b))


@suite.test
def static_content_types_and_caching_by_extension_and_place():
    cases = [('/assets/app-1a2b3c.js', 'text/javascript; charset=utf-8', True),
             ('/assets/app-1a2b3c.css', 'text/css; charset=utf-8', True),
             ('/assets/mod.mjs', 'text/javascript; charset=utf-8', True),
             ('/assets/font.woff2', 'font/woff2', True),
             ('/assets/app.js.map', 'application/json; charset=utf-8', True),
             ('/logo.svg', 'image/svg+xml; charset=utf-8', False),
             ('/logo.png', 'image/png', False),
             ('/favicon.ico', 'image/x-icon', False),
             ('/config.json', 'application/json; charset=utf-8', False),
             ('/app.webmanifest', 'application/manifest+json; charset=utf-8', False),
             ('/robots.txt', 'text/plain; charset=utf-8', False),
             ('/data.bin', 'application/octet-stream', False)]
    for path, ctype, immutable in cases:
        st, h, b = exchange('GET', path)
        check(st == 200 and b == path.encode(), '%s: %d %r' % (path, st, b[:80]))
        check(header(h, 'Content-Type') == ctype, '%s: %r' % (path, header(h, 'Content-Type')))
        want = 'public, max-age=31536000, immutable' if immutable else 'no-cache'
        check(header(h, 'Cache-Control') == want, '%s: %r' % (path, header(h, 'Cache-Control')))
        check_static_headers(path, h)
        check(header(h, 'Content-Range') is None, path)
    # No byte ranges: the whole file, whatever Range asks for.
    st, h, b = exchange('GET', '/robots.txt', headers=[('Range', 'bytes=0-2')])
    check(st == 200 and b == b'/robots.txt' and header(h, 'Accept-Ranges') == 'none', '%d %r %r' % (st, h, b))


@suite.test
def spa_fallback_for_app_routes_but_404_json_for_missing_files():
    for path in ('/users', '/users/3f1c', '/settings/profile/', '/assets', '/sub', '/sub/',
                 '/users?tab=all', '/authors', '/apix', '/rpcs'):
        st, h, b = exchange('GET', path)
        check(st == 200 and b == INDEX, '%s: %d %r' % (path, st, b[:80]))
        check(header(h, 'Cache-Control') == 'no-cache', path)
    for path in ('/missing.js', '/assets/app-000000.js', '/sub/nothing.png', '/users/photo.jpg'):
        st, h, b = exchange('GET', path)
        check(st == 404, '%s: %d %r' % (path, st, b[:80]))
        check(json.loads(b)['error'] == 'not found' and header(h, 'Content-Type').startswith('application/json'), b)
        check_static_headers(path, h)


@suite.test
def api_routes_are_never_static():
    # The API's prefixes answer as without --web-root.
    expect(request(port(), 'GET', '/api/company_data', host=H1), 401)
    expect(request(port(), 'GET', '/rpc/total_amount', host=H1), 401)
    expect(request(port(), 'GET', '/auth/me', host=H1), 401)
    expect(request(port(), 'GET', '/auth/nothing', host=H1), 404)
    expect(request(port(), 'GET', '/api', host=H1), 401)
    st, _, b = request(port(), 'GET', '/healthz', host=H1)
    check(st == 200 and json.loads(b) == {'status': 'ok'}, b)
    st, h, _ = request(port(), 'GET', '/.well-known/jwks.json', host=H1)
    check(st == 200 and h.get('content-security-policy') is None, st)
    st, h, b = request(port(), 'POST', '/index.html', host=H1, body={})
    check(st == 404 and b != INDEX, 'POST of a static path: %d' % st)


@suite.test
def traversal_and_hidden_files_are_refused_on_raw_sockets():
    targets = ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt',
               '/.%2e/secret.txt', '/%2e./secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt',
               '/%252e%252e/secret.txt', '/%25%32%65%25%32%65/secret.txt', '/..%2fsecret.txt',
               '/assets%2f..%2f..%2fsecret.txt', '/..%5csecret.txt', '/assets%5c..%5c..%5csecret.txt',
               '/%5c..%5csecret.txt', '/index.html%00', '/%00/../secret.txt', '/index.html%00.png',
               '/%c0%ae%c0%ae/secret.txt', '/%c0%2e%c0%2e/secret.txt', '/%e0%80%ae%e0%80%ae/secret.txt',
               '/%c1%9c..%c1%9csecret.txt', '/%ff/secret.txt', '//etc/passwd', '//secret.txt',
               '/assets//app-1a2b3c.js', '/./index.html', '/assets/./app-1a2b3c.js', '/%2fetc%2fpasswd',
               '/.env', '/%2eenv', '/.git/config', '/assets/.hidden.js', '/link-out.txt', '/link-out',
               '/link-dir/secret.txt', '/link-hidden.txt', '/.', '/..', '/%2e', '/%', '/%zz', '/%2',
               '/\\..\\secret.txt']
    for t in targets:
        ans = raw(port(), ('GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' % (t, H1)).encode('latin-1'))
        st = status_of(ans)
        check(st in (400, 404), '%s: status %r %r' % (t, st, ans[:200]))
        check(SECRET not in ans and b'root:' not in ans and b'DOTENV' not in ans and b'HIDDEN' not in ans,
              '%s leaked: %r' % (t, ans[:300]))
        check(INDEX not in ans, '%s answered the app instead of a refusal' % t)
    # An absolute-form target and a directory with a trailing slash never list anything.
    ans = raw(port(), ('GET http://%s/secret.txt HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n'
                       % (H1, H1)).encode())
    check(status_of(ans) == 400 and SECRET not in ans, ans[:200])
    ans = raw(port(), ('GET /assets/ HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' % H1).encode())
    check(b'app-1a2b3c' not in ans, 'directory listing: %r' % ans[:300])
    # A symlink that stays inside the root is a file like any other.
    st, _, b = exchange('GET', '/link-in.txt')
    check(st == 200 and b == b'/robots.txt', 'inner symlink: %d %r' % (st, b))
    # Decoded exactly once: %20 is a space of the file name, %2520 a literal "%20" (refused).
    st, _, b = exchange('GET', '/a%20b.txt')
    check(st == 200 and b == b'/a b.txt', 'encoded name: %d %r' % (st, b))
    ans = raw(port(), ('GET /a%%2520b.txt HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' % H1).encode())
    check(status_of(ans) == 400 and b'/a b.txt' not in ans, ans[:200])


# ---- /auth/tenant ------------------------------------------------------------------------------

@suite.test
def auth_tenant_names_the_active_tenant_and_nothing_else():
    st, _, b = request(port(), 'GET', '/auth/tenant', host=H1)
    check(st == 200 and json.loads(b) == {'slug': S1, 'name': 'Company One'}, '%d %s' % (st, b))
    st, _, b = request(port(), 'GET', '/auth/tenant', host=H2)
    check(st == 200 and json.loads(b) == {'slug': S2, 'name': 'Company Two'}, '%d %s' % (st, b))
    unknown = expect(request(port(), 'GET', '/auth/tenant', host='nosuch.localhost'), 404, 'unknown tenant')
    inactive = expect(request(port(), 'GET', '/auth/tenant', host=H3), 404, 'unknown tenant')
    check(json.loads(unknown[2]) == json.loads(inactive[2]), 'inactive differs from unknown: %s %s'
          % (unknown[2], inactive[2]))
    expect(request(port(), 'POST', '/auth/tenant', host=H1, body={}), 405)


# ---- the cookie session ------------------------------------------------------------------------

@suite.test
def cookie_login_sets_httponly_refresh_and_readable_csrf_cookies():
    j, c = cookie_login()
    check(set(j) == {'access_token', 'token_type', 'expires_in', 'csrf_token'}, 'body keys %r' % sorted(j))
    check(set(c) == {'tg_refresh', 'tg_csrf'}, c)
    refresh, ra = c['tg_refresh']
    csrf, ca = c['tg_csrf']
    check(refresh.startswith('tgr_'), 'refresh cookie %r' % refresh[:6])
    check(ra == {'path': '/auth', 'max-age': '604800', 'httponly': True, 'secure': True, 'samesite': 'Strict'}, ra)
    check(ca == {'path': '/', 'max-age': '604800', 'secure': True, 'samesite': 'Strict'}, ca)
    check(csrf == j['csrf_token'] and re.fullmatch(r'[A-Za-z0-9_-]{43}', csrf), csrf)
    st, _, b = request(port(), 'GET', '/auth/me', host=H1, token=j['access_token'])
    check(st == 200 and json.loads(b)['email'] == ALICE[0], b)
    # Without "session" the answer is as before (refresh token in the body, no cookie).
    st, h, b = exchange('POST', '/auth/login', body={'email': ALICE[0], 'password': ALICE[1]})
    check(st == 200 and 'refresh_token' in json.loads(b) and not set_cookies(h), b[:200])
    st, _, b = exchange('POST', '/auth/login', body={'email': ALICE[0], 'password': ALICE[1], 'session': 'jar'})
    check(st == 400, 'unknown session kind: %d' % st)
    st, h, b = exchange('POST', '/auth/login', body={'email': ALICE[0], 'password': 'wrong', 'session': 'cookie'})
    check(st == 401 and not set_cookies(h), 'failed cookie login: %d %r' % (st, h))


@suite.test
def cookie_refresh_rotates_and_needs_the_matching_csrf_header():
    j, c = cookie_login()
    refresh, csrf = c['tg_refresh'][0], c['tg_csrf'][0]
    for extra, csrf_sent, why in (((), None, 'missing csrf token'),
                                  ((), 'A' * 43, 'csrf token mismatch'),
                                  ((), csrf[:-1], 'csrf token mismatch'),
                                  ((('Origin', 'https://evil.test'),), csrf, 'cross-origin request refused'),
                                  ((('Origin', 'http://%s:%d' % (H2, port())),), csrf, 'cross-origin request refused'),
                                  ((('Origin', 'null'),), csrf, 'cross-origin request refused'),
                                  ((('Sec-Fetch-Site', 'cross-site'),), csrf, 'cross-origin request refused')):
        st, h, b = cookie_refresh(refresh, csrf_sent, extra)
        check(st == 403 and json.loads(b)['error'] == why, '%s: %d %s' % (why, st, b))
        check(not set_cookies(h), '%s: a refused request changed the cookies' % why)
        check(refresh.encode() not in b, 'the cookie in an error body')
    st, h, b = cookie_refresh(None, csrf)
    check(st == 401 and json.loads(b)['error'] == 'missing refresh cookie', b)
    # The page's own origin, a same-site browser, and the empty JSON object all pass.
    st, h, b = cookie_refresh(refresh, csrf, (('Origin', 'http://' + H1),
                                              ('Sec-Fetch-Site', 'same-origin')), body={})
    check(st == 200, 'refresh: %d %s' % (st, b))
    j2 = json.loads(b)
    c2 = set_cookies(h)
    check(set(j2) == {'access_token', 'token_type', 'expires_in', 'csrf_token'}, sorted(j2))
    check(c2['tg_refresh'][0] != refresh and c2['tg_csrf'][0] == j2['csrf_token'] != csrf, 'not rotated')
    check(c2['tg_refresh'][1].get('httponly') is True, c2)
    st, _, b = request(port(), 'GET', '/auth/me', host=H1, token=j2['access_token'])
    check(st == 200, b)
    # A cookie tossed in by a sibling subdomain beside the real one: the CSRF token picks ours.
    tossed = 'tgr_' + 'x' * 43
    st, h, b = exchange('POST', '/auth/refresh', headers=[('Cookie', 'tg_refresh=%s; tg_refresh=%s'
                                                          % (tossed, c2['tg_refresh'][0])),
                                                          ('X-CSRF-Token', c2['tg_csrf'][0])])
    check(st == 200, 'two cookies of the name: %d %s' % (st, b))


@suite.test
def replayed_cookie_after_rotation_revokes_the_family_and_clears_the_cookies():
    _, c = cookie_login()
    old, old_csrf = c['tg_refresh'][0], c['tg_csrf'][0]
    st, h, b = cookie_refresh(old, old_csrf)
    check(st == 200, b)
    new = set_cookies(h)
    st, h, b = cookie_refresh(old, old_csrf)  # the stolen old cookie, replayed
    check(st == 401, 'replay: %d %s' % (st, b))
    cleared = set_cookies(h)
    check(cleared['tg_refresh'] == ('', {'path': '/auth', 'max-age': '0', 'httponly': True, 'secure': True,
                                         'samesite': 'Strict'}), cleared)
    check(cleared['tg_csrf'][0] == '' and cleared['tg_csrf'][1]['max-age'] == '0', cleared)
    st, h, b = cookie_refresh(new['tg_refresh'][0], new['tg_csrf'][0])
    check(st == 401 and set_cookies(h)['tg_refresh'][1]['max-age'] == '0', 'the new one after reuse: %d %s' % (st, b))
    for v in (old, new['tg_refresh'][0]):
        check(v.encode() not in b, 'the cookie in an error body')


@suite.test
def json_body_refresh_keeps_working_for_api_clients():
    st, _, b = exchange('POST', '/auth/login', body={'email': BOB[0], 'password': BOB[1]})
    rt = json.loads(b)['refresh_token']
    st, h, b = exchange('POST', '/auth/refresh', body={'refresh_token': rt})
    check(st == 200 and 'refresh_token' in json.loads(b) and not set_cookies(h), '%d %s' % (st, b[:200]))


@suite.test
def logout_by_cookie_or_bearer_revokes_and_clears_both_cookies():
    j, c = cookie_login()
    refresh, csrf = c['tg_refresh'][0], c['tg_csrf'][0]
    hs = [('Cookie', 'tg_refresh=' + refresh)]
    st, h, b = exchange('POST', '/auth/logout', headers=hs)
    check(st == 403 and not set_cookies(h), 'logout without the csrf header: %d' % st)
    st, h, b = exchange('POST', '/auth/logout')  # neither cookie nor bearer: as before
    check(st == 401 and json.loads(b)['error'] == 'missing token' and header(h, 'WWW-Authenticate') == 'Bearer', b)
    st, h, b = exchange('POST', '/auth/logout', headers=hs + [('X-CSRF-Token', csrf)])
    check(st == 204, 'cookie logout: %d %s' % (st, b))
    cl = set_cookies(h)
    check(cl['tg_refresh'][1]['max-age'] == '0' and cl['tg_csrf'][1]['max-age'] == '0', cl)
    st, _, _ = cookie_refresh(refresh, csrf)
    check(st == 401, 'refresh after logout: %d' % st)
    j, c = cookie_login()
    st, h, b = exchange('POST', '/auth/logout', headers=[('Authorization', 'Bearer ' + j['access_token'])])
    check(st == 204 and set_cookies(h)['tg_refresh'][1]['max-age'] == '0', 'bearer logout: %d %r' % (st, h))
    st, _, _ = cookie_refresh(c['tg_refresh'][0], c['tg_csrf'][0])
    check(st == 401, 'refresh after bearer logout: %d' % st)


@suite.test
def refresh_counter_of_metrics_counts_each_successful_refresh_once():
    _, c = cookie_login()
    refresh, csrf = c['tg_refresh'][0], c['tg_csrf'][0]
    before = refresh_count()
    for _ in range(3):
        st, h, b = cookie_refresh(refresh, csrf)
        check(st == 200, b)
        n = set_cookies(h)
        refresh, csrf = n['tg_refresh'][0], n['tg_csrf'][0]
    st, _, _ = cookie_refresh(refresh, 'B' * 43)  # refused: not a refresh
    check(st == 403, st)
    check(refresh_count() == before + 3, 'counter %d -> %d after 3 refreshes' % (before, refresh_count()))


# ---- 401 says why --------------------------------------------------------------------------------

@suite.test
def expired_access_token_says_token_expired_in_www_authenticate():
    srv = ctx['short_srv']
    token = login(ALICE, srv=srv)
    # Poll until the 1 s token has expired; a hang guard of attempts, never a clock bound.
    for _ in range(1200):
        st, h, b = exchange('GET', '/auth/me', headers=[('Authorization', 'Bearer ' + token)], srv=srv)
        if st != 200:
            break
        time.sleep(0.05)
    check(st == 401, 'the token never expired: %d' % st)
    check(header(h, 'WWW-Authenticate') == 'Bearer error="invalid_token", error_description="token expired"',
          header(h, 'WWW-Authenticate'))
    j = json.loads(b)
    check(j['code'] == '28000' and j['error'] == 'token expired', j)
    check(token.encode() not in b and token not in header(h, 'WWW-Authenticate'), 'the token echoed')
    st, h, b = exchange('GET', '/auth/me', headers=[('Authorization', 'Bearer x.y.z')])
    check(st == 401 and header(h, 'WWW-Authenticate') ==
          'Bearer error="invalid_token", error_description="malformed token"', header(h, 'WWW-Authenticate'))
    st, h, b = exchange('GET', '/auth/me')
    check(st == 401 and header(h, 'WWW-Authenticate') == 'Bearer', header(h, 'WWW-Authenticate'))


# ---- the tenant admin's user routes ------------------------------------------------------------

def users_call(method, path, token, body=None, host=H1):
    hs = [('Authorization', 'Bearer ' + token)] if token else []
    st, _, b = exchange(method, path, host, headers=hs, body=body)
    return st, json.loads(b) if b else None


@suite.test
def admin_lists_only_its_tenants_users_and_staff_gets_403():
    admin = login(ALICE)
    st, users = users_call('GET', '/auth/users', admin)
    check(st == 200 and isinstance(users, list) and users, '%d %r' % (st, users))
    check(all(set(u) == {'id', 'email', 'role', 'active', 'created_at'} for u in users), users[0])
    emails = {u['email'] for u in users}
    check(ALICE[0] in emails and BOB[0] in emails and all(e.endswith('@%s.test' % S1) for e in emails), emails)
    st, err = users_call('GET', '/auth/users', login(BOB))
    check(st == 403 and err['code'] == '42501', 'staff: %d %r' % (st, err))
    st, err = users_call('POST', '/auth/users', login(BOB), {'email': 'x@%s.test' % S1})
    check(st == 403 and err['code'] == '42501', 'staff create: %d %r' % (st, err))
    # The other tenant's admin token on this host is refused before anything is read.
    st, err = users_call('GET', '/auth/users', login(CAROL, host=H2))
    check(st in (401, 403) and not isinstance(err, list), 'cross-tenant: %d %r' % (st, err))
    st, err = users_call('GET', '/auth/users', None)
    check(st == 401, st)


@suite.test
def admin_creates_deactivates_and_resets_users_of_its_tenant():
    admin = login(ALICE)
    email = 'new@%s.test' % S1
    st, u = users_call('POST', '/auth/users', admin, {'email': email, 'password': 'new-password-1', 'role': 'staff'})
    check(st == 201 and u['email'] == email and u['role'] == 'staff' and u['active'] is True, '%d %r' % (st, u))
    check(set(u) == {'id', 'email', 'role', 'active', 'created_at'}, u)
    login((email, 'new-password-1'))
    st, err = users_call('POST', '/auth/users', admin, {'email': email, 'password': 'new-password-1'})
    check(st == 409, 'duplicate: %d %r' % (st, err))
    st, err = users_call('POST', '/auth/users', admin, {'email': 'short@%s.test' % S1, 'password': 'short'})
    check(st == 400, 'short password: %d %r' % (st, err))
    st, err = users_call('POST', '/auth/users', admin, {'email': 'r@%s.test' % S1, 'role': 'root'})
    check(st == 400, 'bad role: %d %r' % (st, err))
    st, err = users_call('POST', '/auth/users', admin, {'email': 'extra@%s.test' % S1, 'tenant': S2})
    check(st == 400, 'unknown member: %d %r' % (st, err))
    # Without a password: a user that signs in only after a reset.
    st, np = users_call('POST', '/auth/users', admin, {'email': 'nopw@%s.test' % S1, 'role': 'admin'})
    check(st == 201 and np['role'] == 'admin', '%d %r' % (st, np))
    st, r = users_call('POST', '/auth/users/%s/password-reset' % np['id'], admin)
    check(st == 200 and set(r) == {'reset_token', 'expires_in'} and r['reset_token'].startswith('tgp_')
          and r['expires_in'] == 3600, '%d %r' % (st, r))
    st, _, b = exchange('POST', '/auth/password/reset', body={'reset_token': r['reset_token'],
                                                              'new_password': 'reset-password-1'})
    check(st == 204, 'reset: %d %s' % (st, b))
    login(('nopw@%s.test' % S1, 'reset-password-1'))
    # Deactivate and reactivate.
    st, d = users_call('PATCH', '/auth/users/%s' % u['id'], admin, {'active': False})
    check(st == 200 and d['active'] is False and d['id'] == u['id'], '%d %r' % (st, d))
    st, _, _ = exchange('POST', '/auth/login', body={'email': email, 'password': 'new-password-1'})
    check(st == 401, 'deactivated user logged in: %d' % st)
    st, d = users_call('PATCH', '/auth/users/%s' % u['id'], admin, {'active': True})
    check(st == 200 and d['active'] is True, '%d %r' % (st, d))
    for bad in ({'active': 'no'}, {'active': None}, {}, {'active': True, 'role': 'admin'}):
        st, err = users_call('PATCH', '/auth/users/%s' % u['id'], admin, bad)
        check(st == 400, '%r: %d %r' % (bad, st, err))


@suite.test
def admin_cannot_deactivate_itself_nor_touch_another_tenants_users():
    admin = login(ALICE)
    st, users = users_call('GET', '/auth/users', admin)
    me = [u for u in users if u['email'] == ALICE[0]][0]
    st, err = users_call('PATCH', '/auth/users/%s' % me['id'], admin, {'active': False})
    check(st == 400 and 'cannot deactivate itself' in err['message'], '%d %r' % (st, err))
    login(ALICE)  # still active
    carol_admin = login(CAROL, host=H2)
    st, theirs = users_call('GET', '/auth/users', carol_admin, host=H2)
    dave = [u for u in theirs if u['email'].startswith('dave@')][0]
    for method, path, body in (('PATCH', '/auth/users/%s' % dave['id'], {'active': False}),
                               ('POST', '/auth/users/%s/password-reset' % dave['id'], None)):
        st, err = users_call(method, path, admin, body)
        check(st == 404 and err['error'] == 'unknown user', '%s %s: %d %r' % (method, path, st, err))
    st, theirs_after = users_call('GET', '/auth/users', carol_admin, host=H2)
    check([u for u in theirs_after if u['id'] == dave['id']][0]['active'] is True, 'dave was deactivated')
    # The other tenant's admin token cannot reach this tenant's users through its own host either.
    st, err = users_call('PATCH', '/auth/users/%s' % me['id'], carol_admin, {'active': False}, host=H2)
    check(st == 404, '%d %r' % (st, err))
    st, err = users_call('PATCH', '/auth/users/not-a-uuid', admin, {'active': False})
    check(st == 404, '%d %r' % (st, err))
    st, err = users_call('GET', '/auth/users/%s' % me['id'], admin)
    check(st == 405, '%d %r' % (st, err))


# ---- secrets stay out of the logs ----------------------------------------------------------------

@suite.test
def refresh_cookies_never_reach_the_logs():
    _, c = cookie_login()
    st, h, _ = cookie_refresh(c['tg_refresh'][0], c['tg_csrf'][0])
    check(st == 200, st)
    for path in (ctx['srv'].access_path, ctx['srv'].log_path):
        text = open(path, encoding='utf-8', errors='replace').read()
        check('tgr_' not in text and c['tg_csrf'][0] not in text, '%s holds a session secret' % path)


def make_web_root():
    base = tempfile.mkdtemp(prefix='tg-http-web-root-')
    root = os.path.join(base, 'root')
    os.makedirs(os.path.join(root, 'assets'))
    os.makedirs(os.path.join(root, 'sub'))
    os.makedirs(os.path.join(root, '.git'))
    os.makedirs(os.path.join(base, 'outside'))
    with open(os.path.join(root, 'index.html'), 'wb') as f:
        f.write(INDEX)
    for rel in ('assets/app-1a2b3c.js', 'assets/app-1a2b3c.css', 'assets/mod.mjs', 'assets/font.woff2',
                'assets/app.js.map', 'logo.svg', 'logo.png', 'favicon.ico', 'config.json', 'app.webmanifest',
                'robots.txt', 'data.bin', 'a b.txt'):
        with open(os.path.join(root, rel), 'wb') as f:
            f.write(('/' + rel).encode())
    for rel, data in (('.env', b'DOTENV=1'), ('.git/config', b'HIDDEN'), ('assets/.hidden.js', b'HIDDEN')):
        with open(os.path.join(root, rel), 'wb') as f:
            f.write(data)
    for p in (os.path.join(base, 'secret.txt'), os.path.join(base, 'outside', 'secret.txt')):
        with open(p, 'wb') as f:
            f.write(SECRET)
    os.symlink(os.path.join(base, 'secret.txt'), os.path.join(root, 'link-out.txt'))
    os.symlink('../secret.txt', os.path.join(root, 'link-out'))
    os.symlink(os.path.join(base, 'outside'), os.path.join(root, 'link-dir'))
    os.symlink('.env', os.path.join(root, 'link-hidden.txt'))
    os.symlink('robots.txt', os.path.join(root, 'link-in.txt'))
    return base, root


def main():
    binary = sys.argv[1]
    env = read_env_file(os.environ['TG_CLUSTER_ENV'])
    extra = ("SELECT auth.create_tenant('%s', 'Company Three'); SELECT auth.set_tenant_active('%s', false);"
             % (S3, S3))
    db = setup_database(env, DBNAME, S1, S2, extra_sql=extra, extra_slugs=(S3,))
    # An authenticator whose sessions issue 1 s access tokens without clock leeway (the expiry test).
    db.psql("DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN NOINHERIT; GRANT tenantgate_authenticator TO %s;"
            "ALTER ROLE %s IN DATABASE %s SET tenantgate.access_ttl = 1;"
            "ALTER ROLE %s IN DATABASE %s SET tenantgate.leeway = 0;"
            % (SHORT_ROLE, SHORT_ROLE, SHORT_ROLE, SHORT_ROLE, DBNAME, SHORT_ROLE, DBNAME), db='postgres')
    base, root = make_web_root()
    logdir = tempfile.mkdtemp(prefix='tg-http-web-')
    ctx['srv'] = Server(binary, db.conninfo(), logdir, ['--pool-size', '2', '--web-root', root])
    ctx['short_srv'] = Server(binary, db.conninfo(user=SHORT_ROLE), logdir, ['--pool-size', '1'])
    try:
        ok = suite.run()
    finally:
        for s in (ctx['srv'], ctx['short_srv']):
            if s.alive():
                s.stop()
        cleanup_tenants(db, S1, S2, S3)
        db.psql('DROP DATABASE IF EXISTS %s' % DBNAME, db='postgres', check=False)
        db.psql('DROP ROLE IF EXISTS %s' % SHORT_ROLE, db='postgres', check=False)
        shutil.rmtree(base, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
