"""The npm half of the Node suites (tests/js, tests/web): the suite's files copied into its work
dir and `npm ci` from its committed package-lock.json there — again only when the lockfile
changed — never into the source tree."""
import os
import shutil
import subprocess
import sys


def install(src_dir, work, files, label):
    for f in ('package.json', 'package-lock.json') + tuple(files):
        shutil.copy(os.path.join(src_dir, f), work)
    lock = os.path.join(src_dir, 'package-lock.json')
    stamp = os.path.join(work, 'node_modules', '.tg-lock')
    if not (os.path.exists(stamp) and open(stamp, 'rb').read() == open(lock, 'rb').read()):
        r = subprocess.run(['npm', 'ci', '--no-audit', '--no-fund', '--loglevel=error'], cwd=work)
        if r.returncode != 0:
            print('%s: npm ci failed (the npm registry must be reachable)' % label)
            sys.exit(1)
        shutil.copy(lock, stamp)
