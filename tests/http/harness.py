"""Black-box harness for tenantgate-server: a private database in the test cluster, the demo
seed under unique tenant slugs, the real server binary on a free port, and small HTTP clients
(http.client for ordinary requests, raw sockets for framing attacks). Standard library only."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_env_file(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#') and '=' in line:
                k, v = line.split('=', 1)
                env[k] = v
    return env


class Db:
    """psql against one database of the cluster described by an env file."""

    def __init__(self, env, dbname):
        self.env = env
        self.dbname = dbname

    def psql(self, sql, db=None, check=True):
        args = ['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
                '-h', self.env.get('PGHOST', '127.0.0.1'), '-p', self.env['PGPORT'],
                '-U', self.env.get('PGUSER', 'postgres'), '-d', db or self.dbname, '-f', '-']
        p = subprocess.run(args, input=sql, capture_output=True, text=True)
        if check and p.returncode != 0:
            raise RuntimeError('psql failed: ' + p.stderr.strip()[:2000])
        return p.stdout.strip()

    def conninfo(self, user='tenantgate_server'):
        return 'host=%s port=%s dbname=%s user=%s' % (
            self.env.get('PGHOST', '127.0.0.1'), self.env['PGPORT'], self.dbname, user)


def setup_database(env, dbname, slug1, slug2, extra_sql='', with_users=True, extra_slugs=()):
    """Fresh database with the extension, base domain 'localhost', the test fixtures (extra_sql,
    run before the seed so its migrations reach the tenants) and server/demo/seed.sql with the
    slugs company1/company2 renamed (tenant roles are cluster-wide; suites run in parallel)."""
    db = Db(env, dbname)
    cleanup_tenants(db, slug1, slug2, *extra_slugs)
    db.psql('DROP DATABASE IF EXISTS %s' % dbname, db='postgres')
    db.psql('CREATE DATABASE %s' % dbname, db='postgres')
    db.psql("CREATE EXTENSION tenantgate; ALTER DATABASE %s SET tenantgate.base_domain = 'localhost';" % dbname)
    with open(os.path.join(ROOT, 'server', 'demo', 'seed.sql')) as f:
        seed = f.read()
    if not with_users:  # suites that never log in need nothing of auth.create_user
        seed = '\n'.join(l for l in seed.splitlines() if 'auth.create_user' not in l)
    seed = seed.replace('company1', slug1).replace('company2', slug2)
    db.psql(extra_sql.replace('company1', slug1).replace('company2', slug2) + '\n' + seed)
    return db


def cleanup_tenants(db, *slugs):
    exists = db.psql("SELECT 1 FROM pg_database WHERE datname = '%s'" % db.dbname, db='postgres')
    if exists == '1':
        for s in slugs:
            db.psql("SELECT auth.drop_tenant('%s') FROM auth.tenants WHERE slug = '%s'" % (s, s), check=False)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pg_ctl(env, action, *args):
    """pg_ctl start/stop/restart of the cluster an env file describes (as its owner when root). A
    (re)started postmaster logs to TG_LOG: without -l it would inherit our stdout pipe and
    subprocess.run would wait for it forever."""
    cmd = [os.path.join(env['TG_PG_BINDIR'], 'pg_ctl'), action, '-D', env['PGDATA'], '-w', '-t', '60'] + list(args)
    if action in ('start', 'restart'):
        cmd += ['-l', env['TG_LOG']]
    if os.geteuid() == 0:
        cmd = ['runuser', '-u', 'tenantgate', '--'] + cmd
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, cwd='/', timeout=90)
    check(p.returncode == 0, 'pg_ctl %s: %s' % (action, p.stderr[-500:]))


class Server:
    """The server binary on a free port (or `port`: a restarted server takes its predecessor's),
    its stderr in logdir/server-<port>.log (appended), access log in logdir/access-<port>.log.
    With `conninfo` None the database comes from extra_args/the environment (--config)."""

    def __init__(self, binary, conninfo, logdir, extra_args=(), tls_context=None, port=None):
        self.port = port or free_port()
        self.log_path = os.path.join(logdir, 'server-%d.log' % self.port)
        self.access_path = os.path.join(logdir, 'access-%d.log' % self.port)
        # The server's 5 s statement timeout is a production default, not a test's: a scrypt login
        # (128 MiB, ~0.2 s alone) queued behind others on a loaded 2-core CI machine can exceed it.
        # A suite that tests the timeout passes its own --statement-timeout-ms (it comes later and wins).
        args = [binary] + (['--db', conninfo] if conninfo else []) + [
            '--listen', '127.0.0.1:%d' % self.port, '--access-log', self.access_path,
            '--statement-timeout-ms', '120000'] + list(extra_args)
        self.log = open(self.log_path, 'a')
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                conn = None
                if tls_context is not None:
                    tls_context.check_hostname = False
                    conn = http.client.HTTPSConnection('127.0.0.1', self.port, timeout=5, context=tls_context)
                st, _, _ = request(self.port, 'GET', '/healthz', host='localhost', conn=conn)
                if conn is not None:
                    conn.close()
                if st == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError('server did not start: ' + open(self.log_path).read())

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError('server did not stop on SIGTERM')
        self.log.close()
        return self.proc.returncode


def request(port, method, path, host='localhost', token=None, body=None, headers=None, timeout=15, conn=None,
            header_list=False):
    """One request; returns (status, headers dict lower-cased, body bytes). header_list: the
    headers as the [(name, value), ...] list the server sent instead (repeated ones kept)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    h = {}
    if host is not None:
        h['Host'] = host
    if token is not None:
        h['Authorization'] = 'Bearer ' + token
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if isinstance(data, str):
            data = data.encode()
        h['Content-Type'] = 'application/json'
    if headers:
        h.update(headers)
    # Percent-encode what http.client refuses (spaces, controls); '%' stays for pre-encoded paths.
    path = urllib.parse.quote(path, safe="/?=&%.,()*:;'\"!$+-_~@")
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in h.items():
        conn.putheader(k, v)
    if data is not None or method in ('POST', 'PATCH'):
        conn.putheader('Content-Length', str(len(data or b'')))
    conn.endheaders(data)
    r = conn.getresponse()
    out = r.read()
    hdrs = r.getheaders() if header_list else {k.lower(): v for k, v in r.getheaders()}
    if own:
        conn.close()
    return r.status, hdrs, out


def raw(port, data, timeout=5, read_all=True):
    """Sends raw bytes; returns everything the server answered before closing (or timeout)."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            # The server answered and closed before taking all of it (a refused oversized head):
            # its answer is still in our receive queue, which the kernel hands out before the reset.
            pass
        chunks = []
        while True:
            try:
                c = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:  # closed with our unread bytes in its buffer
                break
            if not c:
                break
            chunks.append(c)
            if not read_all:
                break
        return b''.join(chunks)
    finally:
        s.close()


def exchange(port, data, hang_guard=30):
    """Sends raw bytes and reads until the server closes the connection. Returns (answer, closed):
    closed is False only if the hang guard expired first. The guard keeps a broken server from
    hanging the suite; it is never a bound on how fast a server must be."""
    s = socket.create_connection(('127.0.0.1', port), timeout=hang_guard)
    chunks = []
    try:
        s.sendall(data)
        while True:
            try:
                c = s.recv(65536)
            except socket.timeout:
                return b''.join(chunks), False
            except ConnectionResetError:  # closed with our unread bytes in its buffer
                return b''.join(chunks), True
            if not c:
                return b''.join(chunks), True
            chunks.append(c)
    finally:
        s.close()


def still_waiting(sock):
    """True when the server has neither answered nor closed this connection (nothing to read)."""
    sock.setblocking(False)
    try:
        sock.recv(1)  # returns an answer's first byte, or b'' for a close
        return False
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def status_of(response_bytes):
    try:
        return int(response_bytes.split(b' ', 2)[1])
    except (IndexError, ValueError):
        return None


class Suite:
    def __init__(self, name):
        self.name = name
        self.tests = []
        self.failures = []

    def test(self, fn):
        self.tests.append(fn)
        return fn

    def run(self, *args):
        for fn in self.tests:
            t0 = time.time()
            try:
                fn(*args)
                print('ok    %-60s %.2fs' % (fn.__name__, time.time() - t0), flush=True)
            except Exception as e:  # noqa: BLE001 — report every failure and go on
                self.failures.append(fn.__name__)
                print('FAIL  %-60s %s' % (fn.__name__, e), flush=True)
                traceback.print_exc(limit=3)
        print('%s: %d tests, %d failed %s' % (self.name, len(self.tests), len(self.failures),
                                               self.failures if self.failures else ''), flush=True)
        return not self.failures


def run_on_own_cluster(cluster_sh, cluster_dir, run, servers, crash_fails=True):
    """For a suite that needs a cluster of its own (it restarts it, or changes catalogs others would
    see): starts one with scripts/cluster.sh in cluster_dir, calls run(env) -> bool with its env
    file read, stops every Server still alive in servers() and the cluster (which reports a crashed
    backend in its log: a failure unless crash_fails is False), and exits 0 only if all passed."""
    p = subprocess.run(['bash', cluster_sh, 'start', cluster_dir], capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout, p.stderr)
        sys.exit(1)
    ok = False
    try:
        ok = run(read_env_file(os.path.join(cluster_dir, 'env')))
    finally:
        for srv in servers():
            if srv.alive():
                srv.stop()
        log_ok = subprocess.run(['bash', cluster_sh, 'stop', cluster_dir, '--check-log']).returncode == 0
    sys.exit(0 if ok and (log_ok or not crash_fails) else 1)


def check(cond, msg='check failed'):
    if not cond:
        raise AssertionError(msg)


def expect(resp, status, reason=None):
    st, hdrs, body = resp
    if st != status:
        raise AssertionError('expected %d, got %d: %s' % (status, st, body[:300]))
    if reason is not None:
        j = json.loads(body)
        if j.get('error') != reason:
            raise AssertionError('expected error %r, got %r' % (reason, j))
    return resp
