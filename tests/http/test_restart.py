#!/usr/bin/env python3
"""PostgreSQL restarts (and stops) under a stream of requests: every answer is 200 or 503 (never a
hang: each client has a socket timeout), the server never crashes, and the pool reconnects by
itself. Nothing here asserts speed: deadlines only stop polling loops (hang guards).
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
import harness  # noqa: E402
from harness import Server, Suite, check, request, run_on_own_cluster, setup_database  # noqa: E402

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
    harness.pg_ctl(ctx['env'], action, *args)


class Stream:
    """Threads sending DB-backed requests (the tenant's JWKS: one database call each); statuses are
    kept in the order the answers came (a client's 10 s socket timeout shows as an exception)."""

    def __init__(self, port, threads=4):
        self.port = port
        self.results = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run) for _ in range(threads)]

    def run(self):
        while not self.stop.is_set():
            try:
                st = request(self.port, 'GET', '/.well-known/jwks.json', host=H1, timeout=10)[0]
            except Exception as e:  # noqa: BLE001
                st = 'exception %r' % e
            with self.lock:
                self.results.append(st)
            time.sleep(0.01)

    def statuses(self):
        with self.lock:
            return list(self.results)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *a):
        self.stop.set()
        for t in self.threads:
            t.join(30)


@suite.test
def restart_under_load_gives_200_or_503_then_recovers():
    srv = ctx['srv']
    recovered = False
    with Stream(srv.port) as s:
        time.sleep(1.5)
        pg_ctl('restart', '-m', 'fast')
        restarted = len(s.statuses())  # answers that came before PostgreSQL was back
        # Recovered: after the restart the stream reaches 8 answers in a row that are 200.
        deadline = time.time() + 60
        while not recovered and time.time() < deadline:
            after = s.statuses()[restarted:]
            recovered = len(after) >= 8 and all(st == 200 for st in after[-8:])
            time.sleep(0.2)
    results = s.statuses()
    print('  stream: %d answers, %d × 503' % (len(results), results.count(503)), flush=True)
    bad = [st for st in results if st not in (200, 503)]
    check(not bad, 'unexpected answers: %s' % bad[:5])
    check(recovered, 'no 8 answers in a row of 200 after the restart: %s' % results[restarted:][-20:])
    check(srv.alive(), 'server died')


@suite.test
def request_in_flight_during_restart_gets_503_and_token_survives():
    srv = ctx['srv']
    st, h, b = request(srv.port, 'POST', '/auth/login', host=H1,
                       body={'email': 'bob@%s.test' % S1, 'password': 'bob-password-1'})
    check(st == 200, 'login: %d %s' % (st, b[:100]))
    token = json.loads(b)['access_token']
    result = {}

    # The query sleeps far longer than every hang guard here: an answer at all means the restart
    # cut it, and the 503 says the server reported it as such rather than waiting.
    def slow():
        result['r'] = request(srv.port, 'POST', '/rpc/slow', host=H1, token=token, body={'secs': 300}, timeout=60)
    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.7)
    pg_ctl('restart', '-m', 'fast')
    th.join(90)
    check('r' in result, 'in-flight request never answered')
    st, h, b = result['r']
    check(st == 503 and b'database unavailable' in b, 'in-flight: %d %s' % (st, b[:100]))
    deadline = time.time() + 60  # hang guard
    while time.time() < deadline:
        st = request(srv.port, 'GET', '/api/company_data', host=H1, token=token)[0]
        if st == 200:
            break
        time.sleep(0.2)
    check(st == 200, 'token not accepted after the restart: %s' % st)


@suite.test
def database_down_gives_503_and_reconnects_after_start():
    srv = ctx['srv']
    pg_ctl('stop', '-m', 'fast')
    try:
        answers = [request(srv.port, 'GET', '/.well-known/jwks.json', host=H1, timeout=10) for _ in range(5)]
        check(all(a[0] == 503 for a in answers), 'down: %s' % [a[0] for a in answers])
        check(all(b'database unavailable' in a[2] for a in answers))
        check(request(srv.port, 'GET', '/healthz')[0] == 200, 'healthz needs no database')
    finally:
        pg_ctl('start')
    deadline = time.time() + 60  # hang guard
    st = None
    while time.time() < deadline:
        st = request(srv.port, 'GET', '/.well-known/jwks.json', host=H1)[0]
        if st == 200:
            break
        time.sleep(0.2)
    check(st == 200, 'no reconnect (last %s)' % st)
    metrics = request(srv.port, 'GET', '/metrics')[2].decode()
    line = [l for l in metrics.splitlines() if l.startswith('tenantgate_db_errors_total{kind="connection"}')]
    check(line and int(line[0].split()[-1]) > 0, 'connection errors not counted: %s' % line)


@suite.test
def server_stops_cleanly_after_the_turbulence():
    check(ctx['srv'].stop() == 0, 'exit code not 0')


def main():
    binary, cluster_sh, cluster_dir = sys.argv[1:4]

    def run(env):
        ctx['env'] = env
        db = setup_database(env, 'tg_http_restart', S1, S2, FIXTURES)
        ctx['srv'] = Server(binary, db.conninfo(), tempfile.mkdtemp(prefix='tg-http-restart-'),
                            ['--pool-size', '4', '--connect-timeout', '2', '--pool-timeout-ms', '3000',
                             # only the restart may end the in-flight query, never a timeout
                             '--statement-timeout-ms', '600000'])
        return suite.run()
    # the log check is printed, not counted (as it always was here): the database restarts under load
    run_on_own_cluster(cluster_sh, cluster_dir, run, lambda: [ctx['srv']] if 'srv' in ctx else [], crash_fails=False)


if __name__ == '__main__':
    main()
