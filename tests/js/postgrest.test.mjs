// @supabase/postgrest-js against tenantgate-server (run by run.py): one test per PostgREST feature
// of issue 9, as a program written for PostgREST would call it. The tenant comes from the Host
// header: the client's fetch sends http://<tenant>.localhost/api/... to 127.0.0.1:<port>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { PostgrestClient } from '@supabase/postgrest-js';

const port = process.env.TG_PORT;
const T1 = process.env.TG_T1;
const T2 = process.env.TG_T2;
const H1 = `${T1}.localhost`;
const H2 = `${T2}.localhost`;

// A fetch that connects to the test server and sends the URL's host as the Host header (the
// global fetch replaces a Host header with the connection's address).
async function hostFetch(input, init = {}) {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const headers = Object.fromEntries(new Headers(init.headers).entries());
  headers.host = url.host;
  const body = init.body === undefined || init.body === null ? null : Buffer.from(init.body);
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: init.method || 'GET', path: url.pathname + url.search, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          const empty = res.statusCode === 204 || res.statusCode === 304 || (init.method || 'GET') === 'HEAD';
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status: res.statusCode, headers: h }));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (init.signal) init.signal.addEventListener('abort', () => req.destroy(new Error('aborted')));
    if (body) req.write(body);
    req.end();
  });
}

async function login(host, email, password) {
  const r = await hostFetch(`http://${host}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()).access_token;
}

const bob = await login(H1, `bob@${T1}.test`, 'bob-password-1');
const dave = await login(H2, `dave@${T2}.test`, 'dave-password-2');
const client = (host, token) =>
  new PostgrestClient(`http://${host}/api`, { headers: { Authorization: `Bearer ${token}` }, fetch: hostFetch });
const db = client(H1, bob);

test('select: columns, aliases, casts, order', async () => {
  const { data, error, status } = await db.from('company_data').select('id, t:title, amount::text').order('id').limit(2);
  assert.equal(error, null);
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(data[0]), ['id', 't', 'amount']);
  assert.equal(data[0].t, `${T1} first order`);
  assert.equal(typeof data[0].amount, 'string');
});

test('filters: eq neq gt lte in is like ilike not', async () => {
  const titles = async (q) => {
    const { data, error } = await q;
    assert.equal(error, null);
    return data.map((r) => r.title);
  };
  const base = () => db.from('company_data').select('title').order('id');
  assert.deepEqual(await titles(base().eq('amount', 20)), [`${T1} second order`]);
  assert.ok(!(await titles(base().neq('amount', 20))).includes(`${T1} second order`));
  assert.deepEqual(await titles(base().gt('amount', 50)), [`${T1} first order`]);
  assert.deepEqual(await titles(base().lte('amount', 20)), [`${T1} second order`]);
  assert.deepEqual(await titles(base().in('title', [`${T1} draft`, 'x,(y)'])), [`${T1} draft`]);
  assert.deepEqual(await titles(base().is('amount', null)), [`${T1} draft`]);
  assert.deepEqual(await titles(base().like('title', '%draft')), [`${T1} draft`]);
  assert.deepEqual(await titles(base().ilike('title', '%DRAFT%')), [`${T1} draft`]);
  assert.ok(!(await titles(base().not('amount', 'is', null))).includes(`${T1} draft`));
});

test('or/and trees, nested and negated', async () => {
  const { data, error } = await db
    .from('company_data')
    .select('title')
    .or(`amount.gt.50,and(amount.is.null,title.like.*draft*)`)
    .order('id');
  assert.equal(error, null);
  assert.deepEqual(data.map((r) => r.title), [`${T1} first order`, `${T1} draft`]);
  const neg = await db.from('company_data').select('title').not('title', 'in', `("${T1} draft")`).order('id');
  assert.equal(neg.error, null);
  assert.equal(neg.data.length, 2);
});

test('array operators: contains, containedBy, overlaps', async () => {
  const cs = await db.from('company_data').select('title').contains('tags', ['a']);
  assert.deepEqual(cs.data.map((r) => r.title), [`${T1} first order`]);
  const cd = await db.from('company_data').select('title').containedBy('tags', ['a', 'b']).order('id');
  assert.equal(cd.data.length, 2);
  const ov = await db.from('company_data').select('title').overlaps('tags', ['b', 'z']).order('id');
  assert.equal(ov.data.length, 2);
});

test('full-text search: fts, plfts, phfts, wfts with a config', async () => {
  for (const type of [undefined, 'plain', 'phrase', 'websearch']) {
    const { data, error } = await db
      .from('company_data')
      .select('title')
      .textSearch('body', 'second', { config: 'english', type });
    assert.equal(error, null, JSON.stringify(error));
    assert.deepEqual(data.map((r) => r.title), [`${T1} second order`], String(type));
  }
});

test('order with nullsfirst, range (limit/offset)', async () => {
  const { data } = await db.from('company_data').select('amount').order('amount', { ascending: true, nullsFirst: true });
  assert.equal(data[0].amount, null);
  const page = await db.from('company_data').select('id').order('id').range(1, 1);
  assert.equal(page.data.length, 1);
});

test('count exact/planned/estimated and head: Content-Range', async () => {
  const exact = await db.from('company_data').select('*', { count: 'exact', head: true });
  assert.equal(exact.error, null);
  assert.equal(exact.count, 3);
  assert.equal(exact.data, null);
  for (const count of ['planned', 'estimated']) {
    const r = await db.from('company_data').select('id', { count });
    assert.equal(r.error, null);
    assert.equal(typeof r.count, 'number', count);
  }
  const raw = await hostFetch(`http://${H1}/api/company_data?select=id`, { headers: { Authorization: `Bearer ${bob}` } });
  assert.equal(raw.headers.get('content-range'), '0-2/*');
});

test('single(): an object, or 406 for several rows', async () => {
  const one = await db.from('company_data').select('title').eq('amount', 20).single();
  assert.equal(one.error, null);
  assert.deepEqual(one.data, { title: `${T1} second order` });
  const many = await db.from('company_data').select('title').single();
  assert.equal(many.status, 406);
  assert.notEqual(many.error, null);
  assert.equal(many.error.code, 'PGRST116');
  assert.equal(many.data, null);
});

test('csv()', async () => {
  const { data, error } = await db.from('company_data').select('id,title').order('id').limit(1).csv();
  assert.equal(error, null);
  assert.match(data, /^"id","title"\n"\d+","[^"]+ first order"$/);
});

test('insert: one, bulk (columns=), returning rows, Location', async () => {
  const one = await db.from('company_data').insert({ title: 'js one', amount: 1 }).select().single();
  assert.equal(one.error, null);
  assert.equal(one.data.title, 'js one');
  const bulk = await db.from('company_data').insert([{ title: 'js bulk 1' }, { title: 'js bulk 2', amount: 2 }]).select('title,amount');
  assert.equal(bulk.error, null, JSON.stringify(bulk.error));
  assert.deepEqual(bulk.data, [{ title: 'js bulk 1', amount: null }, { title: 'js bulk 2', amount: 2 }]);
  const raw = await hostFetch(`http://${H1}/api/company_data`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${bob}`, 'Content-Type': 'application/json', Prefer: 'return=headers-only' },
    body: JSON.stringify({ title: 'js located' }),
  });
  assert.equal(raw.status, 201);
  assert.match(raw.headers.get('location'), /^\/company_data\?id=eq\.\d+$/);
});

test('upsert: merge-duplicates and ignore-duplicates with onConflict', async () => {
  const { data: row } = await db.from('company_data').insert({ title: 'js upsert' }).select('id').single();
  const merged = await db.from('company_data').upsert({ id: row.id, title: 'js upserted' }, { onConflict: 'id' }).select('title');
  assert.equal(merged.error, null, JSON.stringify(merged.error));
  assert.deepEqual(merged.data, [{ title: 'js upserted' }]);
  const ignored = await db
    .from('company_data')
    .upsert({ id: row.id, title: 'js ignored' }, { onConflict: 'id', ignoreDuplicates: true })
    .select('title');
  assert.equal(ignored.error, null);
  assert.deepEqual(ignored.data, []);
  const check = await db.from('company_data').select('title').eq('id', row.id).single();
  assert.equal(check.data.title, 'js upserted');
});

test('update and delete with filters; minimal return', async () => {
  const up = await db.from('company_data').update({ done: true }).like('title', 'js bulk%').select('done');
  assert.equal(up.error, null);
  assert.deepEqual(up.data, [{ done: true }, { done: true }]);
  // Without Prefer, tenantgate answers PATCH with the changed rows (CONTRACT.md §2; PostgREST:
  // 204); with return=minimal, 204 as PostgREST.
  const plain = await db.from('company_data').update({ done: false }).like('title', 'js bulk%');
  assert.equal(plain.error, null);
  assert.ok(plain.status === 200 || plain.status === 204);
  const minimal = await hostFetch(`http://${H1}/api/company_data?title=like.js%20bulk*`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${bob}`, 'Content-Type': 'application/json', Prefer: 'return=minimal' },
    body: JSON.stringify({ done: false }),
  });
  assert.equal(minimal.status, 204);
  assert.equal(minimal.headers.get('preference-applied'), 'return=minimal');
  const del = await db.from('company_data').delete().like('title', 'js %').select('title');
  assert.equal(del.error, null);
  assert.ok(del.data.length >= 5);
});

test('embedding along foreign keys: many-to-one and one-to-many', async () => {
  const m2o = await db.from('company_data').select('title, owner:people(name)').eq('amount', 20);
  assert.equal(m2o.error, null, JSON.stringify(m2o.error));
  assert.deepEqual(m2o.data, [{ title: `${T1} second order`, owner: { name: 'ann' } }]);
  const o2m = await db.from('people').select('name, company_data(title)').eq('id', 1);
  assert.equal(o2m.error, null);
  assert.equal(o2m.data[0].company_data.length, 2);
});

test('embedded resources: filters, order, limit/range and or with referencedTable', async () => {
  const titles = (row) => row.company_data.map((c) => c.title);
  const f = await db.from('people').select('name, company_data(title)').eq('company_data.amount', 20).order('id');
  assert.equal(f.error, null, JSON.stringify(f.error));
  assert.deepEqual(f.data.map((r) => [r.name, titles(r)]), [['ann', [`${T1} second order`]], ['al', []]]);
  const anns = () => db.from('people').select('name, company_data(title)').eq('id', 1);
  const o = await anns()
    .order('id', { referencedTable: 'company_data', ascending: false })
    .limit(1, { referencedTable: 'company_data' });
  assert.equal(o.error, null, JSON.stringify(o.error));
  assert.deepEqual(titles(o.data[0]), [`${T1} second order`]);
  const r = await anns()
    .order('id', { referencedTable: 'company_data' })
    .range(1, 1, { referencedTable: 'company_data' });
  assert.deepEqual(titles(r.data[0]), [`${T1} second order`]);
  const or = await anns()
    .or('amount.eq.20,amount.gt.50', { referencedTable: 'company_data' })
    .order('id', { referencedTable: 'company_data' });
  assert.deepEqual(titles(or.data[0]), [`${T1} first order`, `${T1} second order`]);
  const notEmbedded = await db.from('people').select('name').eq('company_data.amount', 20);
  assert.equal(notEmbedded.status, 400);
  assert.equal(notEmbedded.error.code, 'PGRST108');
});

test('!inner joins, FK hints and spreads', async () => {
  const inner = await db.from('people').select('name, company_data!inner(title)').eq('company_data.amount', 20);
  assert.equal(inner.error, null, JSON.stringify(inner.error));
  assert.deepEqual(inner.data, [{ name: 'ann', company_data: [{ title: `${T1} second order` }] }]);
  const hinted = await db.from('company_data').select('title, owner:people!person_id(name)').eq('amount', 20);
  assert.deepEqual(hinted.data, [{ title: `${T1} second order`, owner: { name: 'ann' } }]);
  const byConstraint = await db.from('company_data').select('title, people!company_data_person_id_fkey(name)').eq('amount', 20);
  assert.deepEqual(byConstraint.data, [{ title: `${T1} second order`, people: { name: 'ann' } }]);
  const spread = await db.from('company_data').select('title, ...people(name)').eq('amount', 20);
  assert.equal(spread.error, null, JSON.stringify(spread.error));
  assert.deepEqual(spread.data, [{ title: `${T1} second order`, name: 'ann' }]);
  const wrong = await db.from('company_data').select('title, people!nope(name)');
  assert.equal(wrong.status, 400);
  assert.equal(wrong.error.code, 'PGRST200');
  const toMany = await db.from('people').select('name, ...company_data(title)');
  assert.equal(toMany.status, 400);
  assert.equal(toMany.error.code, 'PGRST119');
});

test('JSON paths in select, filters and order', async () => {
  const { data, error } = await db
    .from('people')
    .select('name, city:meta->city->>name, meta->n->0')
    .eq('meta->city->>name', 'Oslo');
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(data, [{ name: 'ann', city: 'Oslo', 0: 3 }]);
  const ordered = await db.from('people').select('name').order('meta->city->>name');
  assert.deepEqual(ordered.data.map((r) => r.name), ['al', 'ann']);
  const evil = await db.from('people').select("name, x:meta->>city'||current_user||'").eq('id', 1);
  assert.equal(evil.error, null, JSON.stringify(evil.error));
  assert.deepEqual(evil.data, [{ name: 'ann', x: null }]);
});

test('any/all modifiers: likeAnyOf, likeAllOf, ilikeAnyOf, eq(any)', async () => {
  const titles = async (q) => {
    const { data, error } = await q;
    assert.equal(error, null, JSON.stringify(error));
    return data.map((r) => r.title);
  };
  const base = () => db.from('company_data').select('title').order('id');
  assert.deepEqual(await titles(base().likeAnyOf('title', ['%draft', '%second%'])), [`${T1} second order`, `${T1} draft`]);
  assert.deepEqual(await titles(base().likeAllOf('title', ['%order', '%first%'])), [`${T1} first order`]);
  assert.deepEqual(await titles(base().ilikeAnyOf('title', ['%DRAFT'])), [`${T1} draft`]);
  assert.deepEqual(await titles(base().filter('amount', 'eq(any)', '{20,999}')), [`${T1} second order`]);
  assert.equal((await titles(base().filter('amount', 'gt(all)', '{10,15}'))).length, 2);
});

test('rpc: one unnamed json argument, variadic (POST and GET)', async () => {
  // (an object body: the server's router takes only objects for rpc; the database takes arrays too)
  const echo = await db.rpc('echo_json', { a: [1, { b: 2 }] });
  assert.equal(echo.error, null, JSON.stringify(echo.error));
  assert.deepEqual(echo.data, { a: [1, { b: 2 }] });
  const post = await db.rpc('sum_all', { n: [1, 2, 3] });
  assert.equal(post.error, null, JSON.stringify(post.error));
  assert.equal(post.data, 6);
  const get = await db.rpc('sum_all', { n: [4, 5] }, { get: true });
  assert.equal(get.error, null, JSON.stringify(get.error));
  assert.equal(get.data, 9);
  const repeated = await hostFetch(`http://${H1}/api/rpc/sum_all?n=1&n=2&n=40`, { headers: { Authorization: `Bearer ${bob}` } });
  assert.equal(await repeated.text(), '43');
});

test('rpc: POST, GET, filters on a set-returning function', async () => {
  const post = await db.rpc('add_them', { a: 2 });
  assert.equal(post.error, null);
  assert.equal(post.data, 3);
  const get = await db.rpc('add_them', { a: 2, b: 5 }, { get: true });
  assert.equal(get.error, null);
  assert.equal(get.data, 7);
  const set = await db.rpc('titles_like', { pattern: '%order%' }).eq('amount', 20).select('title');
  assert.equal(set.error, null);
  assert.deepEqual(set.data, [{ title: `${T1} second order` }]);
  const scalar = await db.rpc('total_amount', { min_amount: 50 });
  assert.equal(scalar.data, 100.5);
});

test('isolation: another tenant, its schema, its functions', async () => {
  const foreign = await client(H2, bob).from('company_data').select('*');
  assert.equal(foreign.status, 403);
  const qualified = await db.from(`${T2}.company_data`).select('*');
  assert.equal(qualified.status, 404);
  const orTree = await db.from('company_data').select('title').or('id.eq.1,secret_column.eq.1');
  assert.equal(orTree.status, 400);
  const rpc = await db.rpc(`${T2}.total_amount`, {});
  assert.equal(rpc.status, 404);
  const theirs = await client(H2, dave).from('company_data').select('title');
  assert.deepEqual(theirs.data.map((r) => r.title), [`${T2} only row`]);
});

test('errors: unknown table 404, bad filter 400', async () => {
  const table = await db.from('nope').select('*');
  assert.equal(table.status, 404);
  assert.equal(table.error.code, 'PGRST205');
  assert.equal((await db.from('company_data').select('nope')).status, 400);
  const filter = await db.from('company_data').select('*').filter('amount', 'xx', 1);
  assert.equal(filter.status, 400);
  assert.equal(filter.error.code, 'PGRST100');
  assert.equal(typeof filter.error.message, 'string');
});

test('OpenAPI at /api/: only what the token can use', async () => {
  const r = await hostFetch(`http://${H1}/api/`, { headers: { Authorization: `Bearer ${bob}` } });
  assert.equal(r.status, 200);
  const doc = await r.json();
  assert.equal(doc.openapi, '3.0.3');
  assert.ok(doc.paths['/company_data'].get && doc.paths['/company_data'].post);
  assert.equal(doc.paths['/salaries'], undefined);  // staff has no privilege on it
  assert.ok(doc.paths['/rpc/total_amount']);
  assert.ok(Object.keys(doc.components.schemas.company_data.properties).includes('title'));
  assert.ok(!JSON.stringify(doc).includes(T2));
});
