#!/usr/bin/env python3
"""tenantgate-server driven by the real @supabase/postgrest-js (npm, package-lock.json): the
private cluster of the CTest fixture, a database of this suite seeded with server/demo/seed.sql
(tenants jsa1, jsa2) plus the fixtures below, the real server on 127.0.0.1, then `node --test`.
Usage: run.py <tenantgate-server> <work dir>; TG_CLUSTER_ENV names the cluster's env file.
The packages are installed with `npm ci` into the work dir, never into the source tree."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'http'))
from harness import Db, Server, cleanup_tenants, read_env_file, setup_database  # noqa: E402
from npm_suite import install  # noqa: E402

S1, S2 = 'jsa1', 'jsa2'
SEED = r"""
SELECT auth.add_migration('0002_js_fixtures', $sql$
  CREATE TABLE people (id bigint PRIMARY KEY, name text NOT NULL);
  ALTER TABLE company_data ADD COLUMN person_id bigint REFERENCES people (id);
  ALTER TABLE company_data ADD COLUMN body tsvector;
  CREATE FUNCTION add_them(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
  ALTER TABLE people ADD COLUMN meta jsonb;
  CREATE FUNCTION echo_json(jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS 'SELECT $1';
  CREATE FUNCTION sum_all(VARIADIC n int[]) RETURNS int LANGUAGE sql IMMUTABLE
    AS 'SELECT coalesce(sum(x), 0)::int FROM unnest(n) AS x';
$sql$);
SELECT auth.migrate();
INSERT INTO jsa1.people VALUES (1, 'ann', '{"city": {"name": "Oslo"}, "n": [3, 4]}'), (2, 'al', '{"city": {"name": "Bergen"}}');
UPDATE jsa1.company_data SET person_id = 1, body = to_tsvector('english', title) WHERE title LIKE '%order%';
INSERT INTO jsa2.people VALUES (1, 'bea');
"""


def main():
    binary, work = sys.argv[1], sys.argv[2]
    env = read_env_file(os.environ['TG_CLUSTER_ENV'])
    os.makedirs(work, exist_ok=True)
    install(HERE, work, ['postgrest.test.mjs'], 'js')
    db = setup_database(env, 'tg_js', S1, S2)
    db.psql(SEED)
    logdir = tempfile.mkdtemp(prefix='tg-js-')
    srv = Server(binary, db.conninfo(), logdir, ['--pool-size', '2', '--max-rows', '50'])
    try:
        node_env = dict(os.environ, TG_PORT=str(srv.port), TG_T1=S1, TG_T2=S2)
        r = subprocess.run(['node', '--test', '--test-concurrency=1', 'postgrest.test.mjs'], cwd=work, env=node_env)
        status = r.returncode
    finally:
        srv.stop()
        cleanup_tenants(Db(env, 'tg_js'), S1, S2)
    sys.exit(status)


if __name__ == '__main__':
    main()
