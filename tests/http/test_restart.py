#!/usr/bin/env python3
"""PostgreSQL restarts (and stops) under a stream of requests: every answer is 200 or a quick
503, the server never hangs or crashes, and the pool reconnects by itself.
Usage: test_restart.py <tenantgate-server> <scripts/cluster.sh> <cluster dir>. Uses its own
cluster (it restarts it), so other suites on the shared fixture are not disturbed."""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Suite, check, read_env_file, request, setup_database  # noqa: E402

S1, S2 = 'httpr1', 'httpr2'
H1 = S1 + '.localhost'
suite = Suite('http_db_restart')
FIXTURES = r"""
SELECT auth.add_migration('0002_restart_fixtures', $sql$
  CREATE FUNCTION slow(secs float8) RETURNS text LANGUAGE sql AS $f$ SELECT pg_sleep(secs)::text || 'done' $f$;
$sql$);
"""
ctx = {}


def pg_ctl(action, *args):
    """pg_ctl start/stop/restart of the suite's cluster. A (re)started postmaster logs to TG_LOG:
    without -l it would inherit our stdout pipe and subprocess.run would wait for it forever."""
    env = ctx['env']
    cmd = [os.path.join(env['TG_PG_BINDIR'], 'pg_ctl'), action, '-D', env['PGDATA'], '-w', '-t', '60'] + list(args)
    if action in ('start', 'restart'):
        cmd += ['-l', env['TG_LOG']]
    if os.geteuid() == 0:
        cmd = ['runuser', '-u', 'tenantgate', '--'] + cmd
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, cwd='/', timeout=90)
    check(p.returncode == 0, 'pg_ctl %s: %s' % (action, p.stderr[-500:]))


class Stream:
    """Threads sending DB-backed requests (the tenant's JWKS: one database call each)."""

    def __init__(self, port, threads=4):
        self.port = port
        self.results = []  # (start, seconds, status)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run) for _ in range(threads)]

    def run(self):
        while not self.stop.is_set():
            t0 = time.time()
            try:
                st = request(self.port, 'GET', '/.well-known/jwks.json', host=H1, timeout=10)[0]
            except Exception as e:  # noqa: BLE001
                st = 'exception %r' % e
            with self.lock:
                self.results.append((t0, time.time() - t0, st))
            time.sleep(0.01)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *a):
        self.stop.set()
        for t in self.threads:
            t.join(30)


def since(results, t):
    return [r for r in results if r[0] >= t]


@suite.test
def restart_under_load_gives_200_or_quick_503_then_recovers():
    srv = ctx['srv']
    with Stream(srv.port) as s:
        time.sleep(1.5)
        pg_ctl('restart', '-m', 'fast')
        restarted = time.time()
        time.sleep(4)
    print('  stream: %d answers, %d × 503, slowest %.2f s' % (
        len(s.results), sum(1 for r in s.results if r[2] == 503), max(r[1] for r in s.results)), flush=True)
    bad = [r for r in s.results if r[2] not in (200, 503)]
    check(not bad, 'unexpected answers: %s' % bad[:5])
    slow = [r for r in s.results if r[1] > 5]
    check(not slow, 'answers slower than 5 s: %s' % slow[:5])
    after = since(s.results, restarted + 2)
    check(after and all(r[2] == 200 for r in after), 'not recovered 2 s after the restart: %s' %
          [r[2] for r in after][:20])
    check(srv.alive(), 'server died')


@suite.test
def request_in_flight_during_restart_gets_503_quickly_and_token_survives():
    srv = ctx['srv']
    st, h, b = request(srv.port, 'POST', '/auth/login', host=H1,
                       body={'email': 'bob@%s.test' % S1, 'password': 'bob-password-1'})
    check(st == 200, 'login: %d %s' % (st, b[:100]))
    token = json.loads(b)['access_token']
    result = {}

    def slow():
        t0 = time.time()
        result['r'] = request(srv.port, 'POST', '/rpc/slow', host=H1, token=token, body={'secs': 20}, timeout=30)
        result['done'] = time.time()
        result['took'] = time.time() - t0
    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.7)
    t_restart = time.time()
    pg_ctl('restart', '-m', 'fast')
    th.join(30)
    check('r' in result, 'in-flight request never answered')
    st, h, b = result['r']
    print('  in-flight request: %d after %.2f s (restart took %.2f s)' % (
        st, result['done'] - t_restart, time.time() - t_restart), flush=True)
    check(st == 503 and b'database unavailable' in b, 'in-flight: %d %s' % (st, b[:100]))
    check(result['done'] - t_restart < 3, 'in-flight request answered %.1f s after the restart' % (result['done'] - t_restart))
    deadline = time.time() + 10
    while time.time() < deadline:
        st = request(srv.port, 'GET', '/api/company_data', host=H1, token=token)[0]
        if st == 200:
            break
        time.sleep(0.2)
    check(st == 200, 'token not accepted after the restart: %s' % st)


@suite.test
def database_down_gives_fast_503_and_reconnects_after_start():
    srv = ctx['srv']
    pg_ctl('stop', '-m', 'fast')
    try:
        t0 = time.time()
        answers = []
        while time.time() - t0 < 2:
            t1 = time.time()
            st, h, b = request(srv.port, 'GET', '/.well-known/jwks.json', host=H1, timeout=10)
            answers.append((st, time.time() - t1, b))
        check(all(a[0] == 503 and a[1] < 3 for a in answers), 'down: %s' % answers[:5])
        check(all(b'database unavailable' in a[2] for a in answers))
        check(request(srv.port, 'GET', '/healthz')[0] == 200, 'healthz needs no database')
    finally:
        pg_ctl('start')
    deadline = time.time() + 10
    st = None
    while time.time() < deadline:
        st = request(srv.port, 'GET', '/.well-known/jwks.json', host=H1)[0]
        if st == 200:
            break
        time.sleep(0.2)
    check(st == 200, 'no reconnect within 10 s (last %s)' % st)
    metrics = request(srv.port, 'GET', '/metrics')[2].decode()
    line = [l for l in metrics.splitlines() if l.startswith('tenantgate_db_errors_total{kind="connection"}')]
    check(line and int(line[0].split()[-1]) > 0, 'connection errors not counted: %s' % line)


@suite.test
def server_stops_cleanly_after_the_turbulence():
    check(ctx['srv'].stop() == 0, 'exit code not 0')


def main():
    binary, cluster_sh, cluster_dir = sys.argv[1:4]
    p = subprocess.run(['bash', cluster_sh, 'start', cluster_dir], capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout, p.stderr)
        sys.exit(1)
    ok = False
    try:
        env = read_env_file(os.path.join(cluster_dir, 'env'))
        ctx['env'] = env
        db = setup_database(env, 'tg_http_restart', S1, S2, FIXTURES)
        ctx['srv'] = Server(binary, db.conninfo(), tempfile.mkdtemp(prefix='tg-http-restart-'),
                            ['--pool-size', '4', '--connect-timeout', '2', '--pool-timeout-ms', '3000'])
        ok = suite.run()
    finally:
        if 'srv' in ctx and ctx['srv'].alive():
            ctx['srv'].stop()
        subprocess.run(['bash', cluster_sh, 'stop', cluster_dir, '--check-log'])
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
