#!/usr/bin/env python3
"""Raw-socket checks of tenantgate-server's response heads (issue 9 items 4 and 5): every header
line exactly once on preflights and ordinary answers of every route (a browser refuses a CORS
answer with a repeated Access-Control-Allow-Origin; a dict of headers cannot see repeats), the
preflight allows what postgrest-js / supabase-js send and exposes what they read, and a
`Range: bytes=…` request never gets a cut body. Usage: test_headers.py <tenantgate-server>;
TG_CLUSTER_ENV names the private cluster's env file (CTest fixture `cluster`)."""
import json
import os
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Suite, check, cleanup_tenants, read_env_file, request, setup_database  # noqa: E402

S1, S2 = 'hdra1', 'hdra2'
H1 = S1 + '.localhost'
ORIGIN = 'https://app.test'
SUPABASE_HEADERS = ('apikey', 'x-client-info', 'accept-profile', 'content-profile', 'prefer', 'range',
                    'authorization', 'content-type')
EXPOSED = ('content-range', 'content-location', 'location', 'preference-applied')

suite = Suite('http_headers')
ctx = {}


def port():
    return ctx['srv'].port


def exchange_raw(method, path, headers=(), body=b''):
    """One request on its own connection (Connection: close); the answer's raw head lines and
    body: (status, [(name, value)...] in order, body bytes)."""
    lines = ['%s %s HTTP/1.1' % (method, path), 'Host: ' + H1, 'Connection: close']
    lines += ['%s: %s' % h for h in headers]
    if body or method in ('POST', 'PATCH'):
        lines.append('Content-Length: %d' % len(body))
    data = ('\r\n'.join(lines) + '\r\n\r\n').encode() + body
    s = socket.create_connection(('127.0.0.1', port()), timeout=15)
    chunks = []
    try:
        s.sendall(data)
        while True:
            c = s.recv(65536)
            if not c:
                break
            chunks.append(c)
    finally:
        s.close()
    raw = b''.join(chunks)
    head, sep, rest = raw.partition(b'\r\n\r\n')
    check(sep, 'no complete head: %r' % raw[:200])
    head_lines = head.decode('latin-1').split('\r\n')
    status = int(head_lines[0].split(' ')[1])
    hdrs = []
    for line in head_lines[1:]:
        name, _, value = line.partition(':')
        hdrs.append((name.strip(), value.strip()))
    return status, hdrs, rest


def header_map(hdrs):
    out = {}
    for n, v in hdrs:
        out.setdefault(n.lower(), []).append(v)
    return out


def each_once(where, hdrs):
    counts = header_map(hdrs)
    # Set-Cookie is the one header that cannot be folded (RFC 6265 §3): one line per cookie name.
    cookies = [v.split('=', 1)[0] for v in counts.pop('set-cookie', [])]
    check(len(cookies) == len(set(cookies)), '%s: a cookie set twice %r' % (where, cookies))
    repeated = {n: v for n, v in counts.items() if len(v) > 1}
    check(not repeated, '%s: repeated header lines %r' % (where, repeated))
    return {n: v[0] for n, v in counts.items()}


def body_length_matches(where, h, body):
    check(int(h.get('content-length', '-1')) == len(body), '%s: Content-Length %s, body %d bytes'
          % (where, h.get('content-length'), len(body)))


def routes():
    t = ctx['token']
    auth = [('Authorization', 'Bearer ' + t)]
    js = [('Content-Type', 'application/json')]
    return [
        ('GET', '/healthz', [], b''),
        ('GET', '/metrics', [], b''),
        ('GET', '/.well-known/jwks.json', [], b''),
        ('GET', '/auth/me', auth, b''),
        ('GET', '/auth/me', [], b''),  # 401 with a challenge
        ('HEAD', '/auth/me', auth, b''),
        ('GET', '/api/company_data?limit=10', auth, b''),
        ('HEAD', '/api/company_data?limit=10', auth, b''),
        ('GET', '/api/no_such_table', auth, b''),
        ('POST', '/api/company_data', auth + js, b'{"no_such_column": 1}'),
        ('POST', '/rpc/titles_like', auth + js, b'{"pattern": "%"}'),
        ('POST', '/auth/login', js, b'{"email": "nobody@x.test", "password": "wrong-password"}'),
        ('POST', '/auth/refresh', js, b'{"refresh_token": "tgr_nothing"}'),
        ('POST', '/auth/logout', [], b''),
        ('GET', '/auth/login', [], b''),  # 405 with Allow
        ('GET', '/nowhere', [], b''),
    ]


@suite.test
def every_header_once_on_every_route_with_and_without_origin():
    for method, path, hdrs, body in routes():
        for extra in ([], [('Origin', ORIGIN)], [('Origin', 'https://evil.test')]):
            st, h, b = exchange_raw(method, path, hdrs + extra, body)
            where = '%s %s %s → %d' % (method, path, extra, st)
            m = each_once(where, h)
            if method != 'HEAD':
                body_length_matches(where, m, b)
            if extra and extra[0][1] == ORIGIN:
                check(m.get('access-control-allow-origin') == ORIGIN, '%s: %r' % (where, m))
                exposed = [x.strip().lower() for x in m.get('access-control-expose-headers', '').split(',')]
                for e in EXPOSED + ('www-authenticate',):
                    check(e in exposed, '%s: %s not exposed (%r)' % (where, e, exposed))
                check('origin' in m.get('vary', '').lower(), where)
            elif extra:
                check('access-control-allow-origin' not in m, '%s: unlisted origin allowed' % where)


@suite.test
def preflight_allows_what_supabase_js_sends_each_header_once():
    for method, path, _, _ in routes():
        if path.startswith('/auth/me') and method == 'HEAD':
            continue
        st, h, b = exchange_raw('OPTIONS', path.split('?')[0], [
            ('Origin', ORIGIN), ('Access-Control-Request-Method', 'POST' if method == 'POST' else 'GET'),
            ('Access-Control-Request-Headers', ','.join(SUPABASE_HEADERS))])
        where = 'OPTIONS %s' % path
        m = each_once(where, h)
        check(st == 204, '%s → %d' % (where, st))
        check(m.get('access-control-allow-origin') == ORIGIN, '%s: %r' % (where, m))
        check(m.get('access-control-allow-credentials') == 'true', where)
        allowed = [x.strip().lower() for x in m.get('access-control-allow-headers', '').split(',')]
        for want in SUPABASE_HEADERS:
            check(want in allowed, '%s: %s not allowed (%r)' % (where, want, allowed))
        methods = [x.strip() for x in m.get('access-control-allow-methods', '').split(',')]
        for want in ('GET', 'POST', 'PATCH', 'DELETE'):
            check(want in methods, '%s: %s not allowed' % (where, want))
        vary = [x.strip().lower() for x in m.get('vary', '').split(',')]
        check(vary.count('origin') == 1, '%s: Vary %r' % (where, vary))
    # an unlisted origin: no CORS grant, still one line each
    st, h, b = exchange_raw('OPTIONS', '/api/company_data', [
        ('Origin', 'https://evil.test'), ('Access-Control-Request-Method', 'GET')])
    m = each_once('OPTIONS unlisted', h)
    check('access-control-allow-origin' not in m and 'access-control-allow-headers' not in m, m)


@suite.test
def byte_ranges_never_cut_a_body():
    t = ctx['token']
    auth = [('Authorization', 'Bearer ' + t)]
    for path, hdrs in (('/api/company_data?limit=10', auth), ('/auth/me', auth), ('/.well-known/jwks.json', []),
                       ('/healthz', [])):
        st0, h0, whole = exchange_raw('GET', path, hdrs)
        check(st0 == 200 and len(whole) > 12, '%s → %d' % (path, st0))
        json.loads(whole)
        for rng in ('bytes=0-10', 'bytes=5-', 'bytes=-3', 'bytes=0-1,4-6', 'bytes=100000-', 'bytes=x-y'):
            st, h, b = exchange_raw('GET', path, hdrs + [('Range', rng)])
            where = 'GET %s Range: %s → %d' % (path, rng, st)
            m = each_once(where, h)
            check(st in (200, 416), where)
            check(not m.get('content-range', '').startswith('bytes'), '%s: %r' % (where, m))
            check('multipart' not in m.get('content-type', ''), where)
            body_length_matches(where, m, b)
            if st == 200:
                check(b == whole, '%s: body %r differs from the whole %r' % (where, b[:60], whole[:60]))
                json.loads(b)
        # the JWKS stays cacheable only as a whole document
        st, h, b = exchange_raw('GET', path, hdrs + [('Range', 'bytes=0-10')])
        check(b == whole)


@suite.test
def item_ranges_reach_the_handler_not_a_416_from_the_parser():
    # PostgREST's `Range: 0-9` + `Range-Unit: items` is not a byte range: httplib 0.11.4's own
    # parser answered 416 before the handler ran. Whatever the route makes of it, it is a whole
    # JSON document.
    t = ctx['token']
    st, h, b = exchange_raw('GET', '/api/company_data', [('Authorization', 'Bearer ' + t), ('Range', '0-1'),
                                                           ('Range-Unit', 'items')])
    m = each_once('item range', h)
    check(st in (200, 206), 'item range → %d %r' % (st, b[:200]))
    body_length_matches('item range', m, b)
    json.loads(b)
    check(not m.get('content-range', '').startswith('bytes'), m)


def main():
    binary = sys.argv[1]
    env = read_env_file(os.environ['TG_CLUSTER_ENV'])
    db = setup_database(env, 'tg_http_headers', S1, S2)
    logdir = tempfile.mkdtemp(prefix='tg-http-headers-')
    ctx['srv'] = Server(binary, db.conninfo(), logdir,
                        ['--pool-size', '2', '--cors-origins', ORIGIN, '--cors-credentials', 'true'])
    try:
        st, h, b = request(port(), 'POST', '/auth/login', host=H1,
                           body={'email': 'alice@%s.test' % S1, 'password': 'alice-password-1'})
        check(st == 200, 'login: %d %s' % (st, b[:200]))
        ctx['token'] = json.loads(b)['access_token']
        ok = suite.run()
    finally:
        if ctx['srv'].alive():
            ctx['srv'].stop()
        cleanup_tenants(db, S1, S2)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
