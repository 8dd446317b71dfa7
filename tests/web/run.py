#!/usr/bin/env python3
"""The browser app (web/) in a real browser: Playwright (playwright-core from npm, lockfile
committed) drives Debian's /usr/bin/chromium headless against the real tenantgate-server
(--web-root = the app built by scripts/web-build.sh) and databases of the CTest cluster:
  tg_web      tenants brw1/brw2 (server/demo/seed.sql), the default access lifetime;
  tg_web_ttl  tenants brwt1/brwt2 with ALTER DATABASE ... SET tenantgate.access_ttl = 2 (and
              tenantgate.leeway = 0) and a server of its own (started after the ALTER, so each
              of its sessions has it).
Usage: run.py <tenantgate-server> <work dir> <build dir>; TG_CLUSTER_ENV names the cluster's
env file. Screenshots go to <work dir>/screenshots. A missing chromium FAILS the test (it is
never skipped): bash scripts/deps.sh installs it."""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, '..', 'http'))
sys.path.insert(0, os.path.join(HERE, '..', 'js'))
from harness import Db, Server, cleanup_tenants, read_env_file, setup_database  # noqa: E402
from npm_suite import install  # noqa: E402

S1, S2 = 'brw1', 'brw2'  # the ordinary suite's tenants (slugs are cluster-wide: unique per suite)
F1, F2 = 'brwt1', 'brwt2'  # the 2-second access lifetime's tenants
CHROMIUM = os.environ.get('TG_CHROMIUM', '/usr/bin/chromium')


def main():
    binary, work, build_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    if not os.access(CHROMIUM, os.X_OK):
        print('web_browser: FAILED: no Chromium at %s; install it with `bash scripts/deps.sh` '
              '(Debian package chromium) or point TG_CHROMIUM at one' % CHROMIUM)
        sys.exit(1)
    env = read_env_file(os.environ['TG_CLUSTER_ENV'])
    os.makedirs(work, exist_ok=True)
    shots = os.path.join(work, 'screenshots')
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)
    r = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'web-build.sh'), build_dir])
    if r.returncode != 0:
        print('web_browser: the app did not build (scripts/web-build.sh)')
        sys.exit(1)
    dist = os.path.join(build_dir, 'web', 'dist')
    install(HERE, work, ['web.test.mjs'], 'web_browser')

    db = setup_database(env, 'tg_web', S1, S2)
    fast = setup_database(env, 'tg_web_ttl', F1, F2)
    # Leeway 0 as well: the allowed clock skew (30 s by default) would keep a token valid past exp.
    fast.psql('ALTER DATABASE tg_web_ttl SET tenantgate.access_ttl = 2; ALTER DATABASE tg_web_ttl SET tenantgate.leeway = 0')
    logdir = tempfile.mkdtemp(prefix='tg-web-')
    servers = []
    status = 1
    try:
        servers.append(Server(binary, db.conninfo(), logdir, ['--web-root', dist, '--pool-size', '4']))
        servers.append(Server(binary, fast.conninfo(), logdir, ['--web-root', dist, '--pool-size', '4']))
        node_env = dict(os.environ, TG_PORT=str(servers[0].port), TG_FAST_PORT=str(servers[1].port),
                        TG_T1=S1, TG_T2=S2, TG_F1=F1, TG_F2=F2, TG_SHOTS=shots, TG_CHROMIUM=CHROMIUM)
        # One file: its cases run in order (no --test-concurrency, which Node 18 lacks).
        r = subprocess.run(['node', '--test', 'web.test.mjs'], cwd=work, env=node_env)
        status = r.returncode
    finally:
        for s in servers:
            s.stop()
        if status != 0:
            for name in sorted(os.listdir(logdir)):
                if name.startswith('server-'):
                    print('---- %s (tail)' % name)
                    print(''.join(open(os.path.join(logdir, name)).readlines()[-30:]))
        cleanup_tenants(Db(env, 'tg_web'), S1, S2)
        cleanup_tenants(Db(env, 'tg_web_ttl'), F1, F2)
    print('web_browser: screenshots in %s' % shots)
    sys.exit(status)


if __name__ == '__main__':
    main()
