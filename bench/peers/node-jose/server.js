'use strict';
// Reference peer for bench/path.sh: what a typical Node middleware app does for
//   GET /api/company_data?limit=10   (Host: <tenant>.<base domain>, Authorization: Bearer <ES256 JWT>)
// with one database round trip: the tenant from the Host header (tenantgate's base-domain rule),
// ES256 verification with jose against that tenant's public keys (read once at start from the
// database's JWKS, auth.jwks(slug)), the token's tenant claim compared with the Host's, then
// SELECT ... FROM "<tenant>".company_data LIMIT n on a pg pool (no SET LOCAL, no role switch).
// node's cluster module, PEER_WORKERS workers (default 2). Node >= 18, CommonJS.
//
//   DATABASE_URL=postgres://... (or PGHOST=... PGPORT=... PGUSER=... PGDATABASE=...) PEER_PORT=8090 node server.js
//
// Only what the benchmark needs: other paths are 404. Not a tenantgate component.
const cluster = require('node:cluster');
const http = require('node:http');
const { Pool, Client } = require('pg');
const jose = require('jose');

const port = Number(process.env.PEER_PORT || 8090);
const workers = Number(process.env.PEER_WORKERS || 2);
const poolMax = Number(process.env.PEER_POOL || 10);
const baseDomain = String(process.env.PEER_BASE_DOMAIN || 'localhost').toLowerCase().replace(/\.$/, '');
// DATABASE_URL, or libpq's PGHOST/PGPORT/PGUSER/PGDATABASE (a PGHOST starting with / is a socket directory).
const connOpts = process.env.DATABASE_URL ? { connectionString: process.env.DATABASE_URL } : {};

// tenantgate's core::slug_for_host: optional :port (1-5 digits), one trailing dot, case-insensitive,
// exactly one DNS label [a-z0-9-] (1-63, no leading/trailing '-') before ".<base domain>".
const slugRe = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
function slugForHost(host) {
  if (!host || host.length > 260 || host[0] === '[') return null;
  const colon = host.indexOf(':');
  if (colon >= 0) {
    const p = host.slice(colon + 1);
    if (!/^[0-9]{1,5}$/.test(p)) return null;
    host = host.slice(0, colon);
  }
  host = host.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length <= baseDomain.length + 1 || !host.endsWith('.' + baseDomain)) return null;
  const label = host.slice(0, host.length - baseDomain.length - 1);
  return slugRe.test(label) ? label : null;
}

// slug -> jose key set (createLocalJWKSet picks the key by kid); identifiers quoted once.
async function loadTenants() {
  const c = new Client(connOpts);
  await c.connect();
  const r = await c.query(
    "SELECT slug, auth.jwks(slug) AS jwks FROM auth.tenants WHERE active AND isolation = 'schema'");
  await c.end();
  const tenants = new Map();
  for (const row of r.rows) {
    tenants.set(row.slug, {
      keys: jose.createLocalJWKSet(row.jwks),
      table: '"' + row.slug.replace(/"/g, '""') + '".company_data',
    });
  }
  return tenants;
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function worker() {
  const tenants = await loadTenants();
  const pool = new Pool({ ...connOpts, max: poolMax });
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      if (req.method !== 'GET' || url.pathname !== '/api/company_data') return send(res, 404, { error: 'not found' });
      const slug = slugForHost(req.headers.host);
      const tenant = slug && tenants.get(slug);
      if (!tenant) return send(res, 404, { error: 'unknown tenant' });
      const auth = req.headers.authorization || '';
      if (!/^Bearer /i.test(auth)) return send(res, 401, { error: 'missing token' });
      let payload;
      try {
        ({ payload } = await jose.jwtVerify(auth.slice(7), tenant.keys, { algorithms: ['ES256'] }));
      } catch (e) {
        return send(res, 401, { error: 'invalid token' });
      }
      if (payload.tenant !== slug) return send(res, 403, { error: 'tenant mismatch' });
      let limit = Number(url.searchParams.get('limit') || 100);
      if (!Number.isInteger(limit) || limit < 0) return send(res, 400, { error: 'invalid query' });
      limit = Math.min(limit, 1000);
      const r = await pool.query('SELECT * FROM ' + tenant.table + ' LIMIT ' + limit);
      send(res, 200, r.rows);
    } catch (e) {
      send(res, 500, { error: 'internal error' });
    }
  });
  server.keepAliveTimeout = 65000;
  server.listen(port, '127.0.0.1');
}

if (cluster.isPrimary === undefined ? cluster.isMaster : cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', () => {
    if (++ready === workers) console.log('peer: listening on 127.0.0.1:' + port + ' with ' + workers + ' workers');
  });
  cluster.on('exit', (w, code) => {
    console.error('peer: worker ' + w.process.pid + ' exited with ' + code);
    process.exitCode = 1;
  });
  const stop = () => { for (const id in cluster.workers) cluster.workers[id].kill(); process.exit(); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  worker().catch((e) => { console.error('peer: ' + e.message); process.exit(1); });
}
