#!/usr/bin/env python3
"""Soak of tenantgate-server (issue 12 point 4): many clients log in, read, write, refresh and log
out for --duration seconds while PostgreSQL restarts twice (fast, then immediate: a crash-restart)
and the server is sent SIGHUP twice (access log rotated, login role switched) and SIGTERM (then
started again on the same port, as a supervisor would). Loopback only, on the cluster the env file
describes (tests/soak/run.sh makes a private one).

Verdicts (no speed is asserted; every time bound is a hang guard):
  * nothing committed is lost: every POST answered 201 is in the table at the end;
  * every refresh that returned a new pair left the old refresh token unusable (401), every
    logout left its access token unusable;
  * no request hangs: a client socket timeout is a failure;
  * every answer is a success, or a 503 of the contract's (`database unavailable`, `query
    timeout`, `server busy`), or a connection refused/reset while the server is being restarted;
    a 401 only after an answer was lost (a refresh or logout whose outcome the client cannot know);
  * after each disruption the pool recovers by itself: a database call succeeds again before the
    hang guard ends, with no action but waiting;
  * SIGTERM lets a request in flight finish (200) and exits 0; SIGHUP drops no request, reopens
    the access log and replaces every pool connection with the new login;
  * memory flat: per server process, VmRSS growth from the first quarter of its life to its end
    stays under --rss-bound-mb (bytes, not time).
Figures (counts, RSS samples) go to stdout and DIR/soak-summary.json.
Usage: soak.py --server BIN --env CLUSTER_ENV --dir DIR [--duration S] [--clients N]"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'http'))
import harness  # noqa: E402
from harness import Server, check, read_env_file, request, setup_database  # noqa: E402

S1, S2 = 'soak1', 'soak2'
H1 = S1 + '.localhost'
# One user per client (and one for the disruptions): the login throttle charges an attempt before
# the password is checked and forgets it after a success (pg/login_throttle.cpp), so many clients
# signing in as one e-mail from one address at once would lock that e-mail out, by design.
def user(n):
    return 'soak%s@%s.test' % (n, S1), 'soak-password-%s' % n
LOGINS = ('tenantgate_server', 'tenantgate_soak_b')  # the second: what SIGHUP switches the pool to
FIXTURES = r"""
SELECT auth.add_migration('0002_soak_fixtures', $sql$
  CREATE TABLE soak_items (id uuid PRIMARY KEY, worker integer NOT NULL);
  CREATE FUNCTION soak_slow(secs float8) RETURNS text LANGUAGE sql AS $f$ SELECT pg_sleep(secs)::text || 'done' $f$;
$sql$);
"""
SECOND_LOGIN = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'tenantgate_soak_b') THEN
    CREATE ROLE tenantgate_soak_b LOGIN NOINHERIT;
  END IF;
END $$;
GRANT tenantgate_authenticator TO tenantgate_soak_b;
"""
CLIENT_TIMEOUT = 30      # s per request; the server answers within pool wait + connect + statement
HANG_GUARD = 60          # s a recovery or a stop may take before it counts as a hang
OK_503 = ('database unavailable', 'query timeout', 'server busy')
DB_PROBE = '/.well-known/jwks.json'  # one database call, no token


class Soak:
    def __init__(self, args):
        self.args = args
        self.env = read_env_file(args.env)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.counts = {}          # (op, outcome) → n
        self.failures = {}        # text → how often
        self.acked = set()        # ids of POSTs answered 201
        self.unknown = set()      # ids of POSTs whose answer was lost (503, reset)
        self.rotated = []         # refresh tokens replaced by a 200 refresh
        self.logged_out = []      # access tokens ended by a 204 logout
        self.server_down = threading.Event()  # set while the planned SIGTERM + start runs
        self.rss = []             # (pid, phase fraction, kB)
        self.events = []          # (name, detail) in order
        self.t_start = 0.0
        self.config_path = os.path.join(args.dir, 'server.env')

    # ---- bookkeeping ------------------------------------------------------------------------

    def count(self, op, outcome):
        with self.lock:
            self.counts[(op, outcome)] = self.counts.get((op, outcome), 0) + 1

    def fail(self, text):
        with self.lock:
            if text in self.failures or len(self.failures) < 200:
                self.failures[text] = self.failures.get(text, 0) + 1

    def phase(self):
        return (time.time() - self.t_start) / self.args.duration

    def write_config(self, login):
        conninfo = 'host=%s port=%s dbname=tg_soak user=%s' % (
            self.env.get('PGHOST', '127.0.0.1'), self.env['PGPORT'], login)
        with open(self.config_path + '.tmp', 'w') as f:
            f.write('# tenantgate-server --config file of the soak (rewritten before each SIGHUP)\n')
            f.write('DATABASE_URL=%s\n' % conninfo)
        os.replace(self.config_path + '.tmp', self.config_path)

    def start_server(self, port=None):
        self.srv = Server(self.args.server, None, self.args.dir,
                          ['--config', self.config_path, '--pool-size', '6', '--pool-timeout-ms', '2000',
                           '--connect-timeout', '2', '--statement-timeout-ms', '5000'], port=port)

    # ---- one request ------------------------------------------------------------------------

    def call(self, op, method, path, token=None, body=None, headers=None):
        """(status or outcome word, body). Outcome words: timeout, refused, reset."""
        try:
            st, _, b = request(self.srv.port, method, path, host=H1, token=token, body=body, headers=headers,
                               timeout=CLIENT_TIMEOUT)
        except socket.timeout:
            self.count(op, 'timeout')
            self.fail('%s %s: no answer within the client timeout (a hang)' % (method, path))
            return 'timeout', b''
        except ConnectionRefusedError:
            return self.lost(op, method, path, 'refused')
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
            return self.lost(op, method, path, 'reset')
        if st == 503:
            try:
                reason = json.loads(b).get('error')
            except ValueError:
                reason = None
            self.count(op, '503 %s' % reason)
            if reason not in OK_503:
                self.fail('%s %s: 503 outside the contract: %r' % (method, path, b[:200]))
        else:
            self.count(op, st)
        if st >= 500 and st != 503:
            self.fail('%s %s: %d %r' % (method, path, st, b[:200]))
        return st, b

    def lost(self, op, method, path, word):
        self.count(op, word)
        if not self.server_down.is_set():
            self.fail('%s %s: connection %s while the server was not being restarted' % (method, path, word))
        return word, b''

    # ---- the clients ------------------------------------------------------------------------

    def client(self, n):
        rng = random.Random(n)
        email, password = user(n)
        access = refresh = None
        uncertain = False  # an answer was lost: the session may have been rotated or ended meanwhile
        step = 0
        while not self.stop.is_set():
            if access is None:
                st, b = self.call('login', 'POST', '/auth/login', body={'email': email, 'password': password})
                if st == 200:
                    j = json.loads(b)
                    access, refresh, uncertain = j['access_token'], j['refresh_token'], False
                elif st not in (503, 'refused', 'reset', 'timeout'):
                    self.fail('login: %s %r' % (st, b[:200]))
                    time.sleep(1)
                else:
                    time.sleep(0.2)
                continue
            step += 1
            if step % 150 == 0:
                op = 'logout'
                st, b = self.call(op, 'POST', '/auth/logout', token=access)
                if st == 204:
                    with self.lock:
                        self.logged_out.append(access)
                access = None  # whatever the answer: a new session next
            elif step % 10 == 0:
                op = 'refresh'
                st, b = self.call(op, 'POST', '/auth/refresh', body={'refresh_token': refresh})
                if st == 200:
                    j = json.loads(b)
                    with self.lock:
                        self.rotated.append(refresh)
                    access, refresh, uncertain = j['access_token'], j['refresh_token'], False
                elif st != 401:
                    uncertain = True
            elif rng.random() < 0.5:
                op = 'write'
                item = str(uuid.uuid4())
                st, b = self.call(op, 'POST', '/api/soak_items', token=access, body={'id': item, 'worker': n},
                                  headers={'Prefer': 'return=minimal'})
                with self.lock:
                    (self.acked if st == 201 else self.unknown).add(item)
            else:
                op = 'read'
                st, b = self.call(op, 'GET', '/api/soak_items?worker=eq.%d&limit=5' % n, token=access)
            if st == 401:
                if not uncertain:
                    self.fail('%s: 401 without a lost answer before it: %r' % (op, b[:200]))
                access = None
            elif st in (200, 201, 204, 503, 'refused', 'reset', 'timeout'):
                if st in (503, 'refused', 'reset', 'timeout'):
                    time.sleep(0.2)
            else:
                self.fail('%s: unexpected %s %r' % (op, st, b[:200]))

    def sample_rss(self):
        while not self.stop.is_set():
            pid = self.srv.proc.pid
            try:
                with open('/proc/%d/status' % pid) as f:
                    kb = next(int(l.split()[1]) for l in f if l.startswith('VmRSS:'))
                with self.lock:
                    self.rss.append((pid, self.phase(), kb))
            except (OSError, StopIteration, ValueError):
                pass
            self.stop.wait(1.0)

    # ---- disruptions ------------------------------------------------------------------------

    def recovered(self, what):
        """Waits (hang guard) until a database call succeeds again; records the verdict."""
        deadline = time.time() + HANG_GUARD
        probes = 0
        ok = False
        while not ok and time.time() < deadline:
            probes += 1
            try:
                ok = request(self.srv.port, 'GET', DB_PROBE, host=H1, timeout=CLIENT_TIMEOUT)[0] == 200
            except OSError:
                ok = False
            if not ok:
                time.sleep(0.2)
        self.events.append((what, 'recovered after %d probe(s)' % probes if ok else 'NOT recovered'))
        if not ok:
            self.fail('%s: the pool did not recover before the hang guard' % what)

    def pool_logins(self):
        rows = self.db.psql("SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'tg_soak' "
                            "AND application_name = 'tenantgate-server' AND pid <> pg_backend_pid()")
        return set(rows.split()) if rows else set()

    def reloads(self):
        metrics = request(self.srv.port, 'GET', '/metrics', timeout=CLIENT_TIMEOUT)[2].decode()
        return [l for l in metrics.splitlines() if l.startswith('tenantgate_reloads_total ')]

    def sighup(self, login, rotate, broken_first=False):
        rotated_path = self.srv.access_path + '.1'
        if broken_first:
            # A file that does not parse is refused: the server goes on as it was.
            before = self.reloads()
            with open(self.config_path, 'w') as f:
                f.write("DATABASE_URL='no closing quote\n")
            self.srv.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + HANG_GUARD
            while 'reload refused' not in open(self.srv.log_path).read() and time.time() < deadline:
                time.sleep(0.2)
            refused = 'reload refused' in open(self.srv.log_path).read()
            self.events.append(('sighup', 'broken --config file refused' if refused else 'broken file NOT refused'))
            if not refused or self.reloads() != before or not self.srv.alive():
                self.fail('SIGHUP with a broken --config file: refused=%s, reloads %s → %s, alive=%s' % (
                    refused, before, self.reloads(), self.srv.alive()))
        if rotate:
            os.replace(self.srv.access_path, rotated_path)
        self.write_config(login)
        self.srv.proc.send_signal(signal.SIGHUP)
        # Connections of the old login go as their requests end; the stream of clients makes
        # every one of them come back to the pool soon (hang guard, never a speed verdict).
        deadline = time.time() + HANG_GUARD
        logins = self.pool_logins()
        while logins != {login} and time.time() < deadline:
            time.sleep(0.2)
            logins = self.pool_logins()
        self.events.append(('sighup', 'pool logins now %s' % sorted(logins)))
        if logins != {login}:
            self.fail('SIGHUP: pool connections not replaced by %s: %s' % (login, sorted(logins)))
        if rotate:
            deadline = time.time() + HANG_GUARD
            while not (os.path.exists(self.srv.access_path) and os.path.getsize(self.srv.access_path) > 0) \
                    and time.time() < deadline:
                time.sleep(0.2)
            reopened = os.path.exists(self.srv.access_path) and os.path.getsize(self.srv.access_path) > 0
            self.events.append(('sighup', 'access log reopened' if reopened else 'access log NOT reopened'))
            if not reopened:
                self.fail('SIGHUP: the access log was not reopened at its path')
        if not self.srv.alive():
            self.fail('SIGHUP: the server exited')

    def restart_server(self):
        """SIGTERM with a request in flight, then a new server on the same port (the supervisor)."""
        access = None
        email, password = user('ops')
        deadline = time.time() + HANG_GUARD
        while access is None and time.time() < deadline:
            st, _, b = request(self.srv.port, 'POST', '/auth/login', host=H1,
                               body={'email': email, 'password': password}, timeout=CLIENT_TIMEOUT)
            if st == 200:
                access = json.loads(b)['access_token']
            else:
                time.sleep(0.2)
        check(access is not None, 'no login before the SIGTERM')
        in_flight = {}

        def slow():
            try:
                in_flight['r'] = request(self.srv.port, 'POST', '/rpc/soak_slow', host=H1, token=access,
                                         body={'secs': 1.5}, timeout=CLIENT_TIMEOUT)
            except OSError as e:
                in_flight['r'] = (repr(e), {}, b'')
        th = threading.Thread(target=slow)
        th.start()
        time.sleep(0.5)  # the slow call is running in the database
        self.server_down.set()
        port = self.srv.port
        self.srv.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.srv.proc.wait(HANG_GUARD)
        except Exception:  # noqa: BLE001 — a server that does not stop is the verdict
            rc = 'did not stop'
            self.srv.proc.kill()
            self.srv.proc.wait()
        self.srv.log.close()
        th.join(HANG_GUARD)
        st = in_flight.get('r', ('never answered',))[0]
        self.events.append(('sigterm', 'exit %s, in-flight request %s' % (rc, st)))
        if rc != 0:
            self.fail('SIGTERM: exit %s' % rc)
        if st != 200:
            self.fail('SIGTERM: the request in flight got %s' % st)
        self.start_server(port)
        self.server_down.clear()
        self.recovered('server restart')

    def disrupt(self):
        plan = [(0.20, 'restart PostgreSQL -m fast', lambda: self.db_restart('fast')),
                (0.35, 'SIGHUP: rotate the access log, switch to %s' % LOGINS[1], lambda: self.sighup(LOGINS[1], True)),
                (0.50, 'restart PostgreSQL -m immediate', lambda: self.db_restart('immediate')),
                (0.65, 'SIGTERM and start again', self.restart_server),
                (0.80, 'SIGHUP: a broken --config file, then back to %s' % LOGINS[0],
                 lambda: self.sighup(LOGINS[0], False, broken_first=True))]
        for at, name, action in plan:
            while self.phase() < at and not self.stop.is_set():
                time.sleep(0.2)
            print('  [%5.1f s] %s' % (time.time() - self.t_start, name), flush=True)
            self.events.append((name, 'at %.1f s' % (time.time() - self.t_start)))
            try:
                action()
            except Exception as e:  # noqa: BLE001 — one verdict per disruption, the run goes on
                self.fail('%s: %r' % (name, e))
            if not self.srv.alive():
                self.fail('%s: the server exited' % name)

    def db_restart(self, mode):
        harness.pg_ctl(self.env, 'restart', '-m', mode)
        self.recovered('restart -m %s' % mode)

    # ---- the run ----------------------------------------------------------------------------

    def run(self):
        self.db = setup_database(self.env, 'tg_soak', S1, S2, FIXTURES)
        self.db.psql(SECOND_LOGIN)
        self.db.psql(''.join("SELECT auth.create_user('%s', '%s', '%s', 'staff');\n" % ((S1,) + user(n))
                             for n in list(range(self.args.clients)) + ['ops']))
        # The test clusters trade durability for speed (scripts/cluster.sh: synchronous_commit
        # off), so a crash-restart forgets the last commits — exactly what this run must not
        # see. A crash here is the server processes', the OS page cache survives: synchronous
        # commit is what makes an answered commit durable across it (fsync only matters for
        # the OS crashing).
        self.db.psql('ALTER SYSTEM SET synchronous_commit = on', db='postgres')
        self.db.psql('SELECT pg_catalog.pg_reload_conf()', db='postgres')
        self.write_config(LOGINS[0])
        self.start_server()
        clients = [threading.Thread(target=self.client, args=(n,)) for n in range(self.args.clients)]
        sampler = threading.Thread(target=self.sample_rss)
        self.t_start = time.time()
        for t in clients + [sampler]:
            t.start()
        self.disrupt()
        while self.phase() < 1 and not self.stop.is_set():
            time.sleep(0.2)
        self.stop.set()
        for t in clients + [sampler]:
            t.join(HANG_GUARD + CLIENT_TIMEOUT)
            if t.is_alive():
                self.fail('a client thread did not end (a hang)')
        self.verify()
        rc = self.srv.stop()
        if rc != 0:
            self.fail('final SIGTERM: exit %s' % rc)
        return self.report()

    def verify(self):
        present = set(self.db.psql('SELECT id FROM %s.soak_items' % S1).split())
        missing = self.acked - present
        self.unknown_committed = len(self.unknown & present)
        if missing:
            self.fail('%d rows answered 201 are not in the table: %s' % (len(missing), sorted(missing)[:5]))
        if not self.acked:
            self.fail('no write was answered 201 at all')
        sample = random.Random(0).sample(self.rotated, min(len(self.rotated), 300))
        for old in sample:
            st, _, b = request(self.srv.port, 'POST', '/auth/refresh', host=H1, body={'refresh_token': old},
                               timeout=CLIENT_TIMEOUT)
            if st != 401:
                self.fail('a refresh token replaced by a refresh still answers %d' % st)
                break
        for token in self.logged_out[:300]:
            st = request(self.srv.port, 'GET', '/auth/me', host=H1, token=token, timeout=CLIENT_TIMEOUT)[0]
            if st != 401:
                self.fail('an access token after its logout answers %d' % st)
                break
        self.checked = {'rotated_refresh_tokens_checked': len(sample),
                        'logged_out_tokens_checked': min(len(self.logged_out), 300)}
        self.rss_growth = {}
        for pid in sorted({p for p, _, _ in self.rss}):
            mine = [(ph, kb) for p, ph, kb in self.rss if p == pid]
            first, last = mine[0][0], mine[-1][0]
            quarter = [kb for ph, kb in mine if ph >= first + (last - first) / 4]
            if len(quarter) < 2:
                continue
            growth_kb = quarter[-1] - quarter[0]
            self.rss_growth[pid] = {'samples': len(mine), 'kB_at_quarter': quarter[0], 'kB_at_end': quarter[-1],
                                    'max_kB': max(kb for _, kb in mine), 'growth_kB': growth_kb}
            if growth_kb > self.args.rss_bound_mb * 1024:
                self.fail('server %d: RSS grew %d kB from the first quarter of its life to its end' % (pid, growth_kb))
        if not self.rss_growth:
            self.fail('no RSS samples')

    def report(self):
        by_op = {}
        for (op, outcome), n in sorted(self.counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            by_op.setdefault(op, {})[str(outcome)] = n
        summary = {'duration_s': self.args.duration, 'clients': self.args.clients,
                   'requests': sum(self.counts.values()), 'by_op': by_op,
                   'posts_acked': len(self.acked), 'posts_unknown': len(self.unknown),
                   'posts_unknown_but_committed': self.unknown_committed,
                   'refreshes_rotated': len(self.rotated), 'logouts': len(self.logged_out),
                   **self.checked, 'rss': self.rss_growth, 'events': self.events,
                   'failures': ['%d × %s' % (n, text) for text, n in self.failures.items()]}
        text = json.dumps(summary, indent=2)
        with open(os.path.join(self.args.dir, 'soak-summary.json'), 'w') as f:
            f.write(text + '\n')
        print(text, flush=True)
        print('soak: %s' % ('FAILED: %d kind(s) of failure' % len(self.failures) if self.failures else 'ok'), flush=True)
        return not self.failures


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--server', required=True)
    p.add_argument('--env', required=True, help='env file of the cluster (scripts/cluster.sh)')
    p.add_argument('--dir', required=True, help='directory for logs and the summary')
    p.add_argument('--duration', type=float, default=600)
    p.add_argument('--clients', type=int, default=16)
    p.add_argument('--rss-bound-mb', type=float, default=20)
    args = p.parse_args()
    soak = Soak(args)
    ok = False
    try:
        ok = soak.run()
    finally:
        soak.stop.set()
        if getattr(soak, 'srv', None) is not None and soak.srv.alive():
            soak.srv.stop()
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
