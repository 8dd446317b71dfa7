// The browser app in Debian's headless Chromium (Playwright), against the real server: each
// case asserts what a person sees. Started by tests/web/run.py (ports, tenants, screenshots).
// No timed assertions: every wait is on a condition (an element, a server answer).
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { chromium, selectors } from 'playwright-core';

const PORT = Number(process.env.TG_PORT);
const FAST = Number(process.env.TG_FAST_PORT); // the server whose database has access_ttl = 2
const { TG_T1: T1, TG_T2: T2, TG_F1: F1, TG_SHOTS: SHOTS, TG_CHROMIUM: CHROMIUM } = process.env;
const PHONE = { width: 390, height: 844 };

const url = (slug, port = PORT, p = '/') => `http://${slug}.localhost:${port}${p}`;
const user = (name, slug) => ({ email: `${name}@${slug}.test`, password: `${name}-password-${{ alice: 1, bob: 1, carol: 2, dave: 2 }[name]}` });

let browser;
let contexts = [];
let cspViolations = [];

before(async () => {
  selectors.setTestIdAttribute('data-test'); // the app marks what tests look for with data-test
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // *.localhost is loopback in Chromium already; the rule makes it independent of the resolver.
    args: ['--no-sandbox', '--host-resolver-rules=MAP *.localhost 127.0.0.1'],
  });
});

after(async () => {
  await browser?.close();
});

beforeEach(() => {
  cspViolations = [];
});

afterEach(async () => {
  for (const c of contexts) await c.close();
  contexts = [];
  // The app runs under the server's strict CSP: nothing it does may be refused by it.
  assert.deepEqual(cspViolations, [], 'Content-Security-Policy violations');
});

async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, ...options });
  contexts.push(context);
  // A hang guard for each wait on an element or answer (the machine may be busy with other
  // suites), never a bound on speed.
  context.setDefaultTimeout(90000);
  const page = await context.newPage();
  watch(page);
  return { context, page };
}

function watch(page) {
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('pageerror', (e) => cspViolations.push(`page error: ${e.message}`));
}

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** The session cookies of a browser context (tg_refresh has Path=/auth: no page URL shows both). */
const sessionCookies = async (context) => (await context.cookies()).filter((c) => c.name.startsWith('tg_'));

/** The data screen has loaded (the summary strip names the user). */
const dataLoaded = (page) => page.getByTestId('summary').getByText('signed in as').waitFor();

async function login(page, slug, who, port = PORT) {
  await page.goto(url(slug, port));
  await page.getByTestId('login-form').waitFor();
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByTestId('login-submit').click();
  await dataLoaded(page);
}

/** One HTTP request from Node (Host header = the tenant): { status, headers, body }. */
function api(port, method, p, host, { token, body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const h = { Host: host, Accept: 'application/json', ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    if (data) Object.assign(h, { 'Content-Type': 'application/json', 'Content-Length': data.length });
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON (static files, metrics)
        }
        resolve({ status: res.statusCode, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function apiLogin(port, slug, who) {
  const r = await api(port, 'POST', '/auth/login', `${slug}.localhost`, { body: who });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.access_token;
}

/** The server's count of POST /auth/refresh answers (any status), from /metrics. */
async function refreshCount(port) {
  const r = await api(port, 'GET', '/metrics', 'localhost');
  assert.equal(r.status, 200);
  let n = 0;
  for (const line of String(r.body).split('\n')) {
    if (line.startsWith('tenantgate_http_requests_total{') && line.includes('route="/auth/refresh"')) {
      n += Number(line.split(' ').pop());
    }
  }
  return n;
}

/** Waits until an access token issued NOW on `port` has expired: every token the browser got
 *  before this call has expired too (same lifetime). Polls the server; asserts no clock. */
async function waitForExpiry(port, slug, who) {
  const probe = await apiLogin(port, slug, who);
  for (;;) {
    const r = await api(port, 'GET', '/auth/me', `${slug}.localhost`, { token: probe });
    if (r.status === 401) {
      assert.match(String(r.headers['www-authenticate']), /error_description="token expired"/);
      return;
    }
    assert.equal(r.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const rowsText = (page) => page.getByTestId('rows').innerText();

/** A test case; when it fails, every page it opened is saved as failed-<case>-<n>.png with its
 *  text in the log, so a failure shows what a person would have seen. */
function check(name, fn) {
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
      let n = 0;
      for (const c of contexts) {
        for (const p of c.pages()) {
          n += 1;
          await shot(p, `failed-${slug}-${n}`).catch(() => {});
          const text = await p.innerText('body').catch(() => '(no page)');
          console.log(`--- page ${n} of "${name}" at ${p.url()}:\n${text}`);
        }
      }
      throw e;
    }
  });
}

check('an unknown host shows "No company at this address"', async () => {
  const { page } = await newPage();
  await page.goto(url('nosuchcompany'));
  await page.getByRole('heading', { name: 'No company at this address' }).waitFor();
  await shot(page, 'no-company');
});

check('the app is served with the strict CSP and the tenant name on the login page', async () => {
  const r = await api(PORT, 'GET', '/', `${T1}.localhost`);
  assert.equal(r.status, 200);
  assert.match(r.headers['content-security-policy'], /script-src 'self'/);
  assert.doesNotMatch(r.headers['content-security-policy'], /unsafe-(inline|eval)/);
  const { page } = await newPage();
  await page.goto(url(T1));
  await page.getByTestId('login-form').waitFor();
  assert.equal(await page.getByTestId('tenant-name').innerText(), 'Company One');
  // a wrong password is a sentence, not JSON
  await page.getByLabel('Email').fill(user('alice', T1).email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').getByText('The email or password is not correct.').waitFor();
  await shot(page, 'login-error');
});

check("log in on a phone: only the tenant's rows; add, edit, delete, filter", async () => {
  const { page } = await newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
  await login(page, T1, user('alice', T1));
  const first = await rowsText(page);
  assert.match(first, new RegExp(`${T1} first order`));
  assert.match(first, new RegExp(`${T1} second order`));
  assert.doesNotMatch(first, new RegExp(T2), "another company's rows");
  assert.equal(await page.getByTestId('range').innerText(), '1–3 of 3');
  // nothing wider than the phone's screen
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `page is ${width}px wide on a ${PHONE.width}px screen`);
  await shot(page, 'phone-data');

  // add
  await page.getByTestId('new-title').fill('added in the browser');
  await page.getByTestId('new-amount').fill('12.5');
  await page.getByTestId('add').click();
  const added = page.locator('tr', { hasText: 'added in the browser' });
  await added.waitFor();
  assert.match(await added.innerText(), /12\.50/);
  assert.equal(await page.getByTestId('range').innerText(), '1–4 of 4');

  // edit
  await added.getByTestId('edit').click();
  await page.getByTestId('edit-title').fill('edited in the browser');
  await page.getByTestId('edit-save').click();
  await page.locator('tr', { hasText: 'edited in the browser' }).waitFor();
  assert.doesNotMatch(await rowsText(page), /added in the browser/);

  // filter (ilike)
  await page.getByTestId('filter').fill('EDITED');
  await page.getByTestId('filter-apply').click();
  await page.getByTestId('range').getByText('1–1 of 1').waitFor();
  assert.match(await rowsText(page), /edited in the browser/);
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByTestId('range').getByText('1–4 of 4').waitFor();

  // delete
  await page.locator('tr', { hasText: 'edited in the browser' }).getByTestId('delete').click();
  await page.getByTestId('range').getByText('1–3 of 3').waitFor();
  assert.doesNotMatch(await rowsText(page), /edited in the browser/);

  // a refused value is a sentence
  await page.getByTestId('new-title').fill('bad amount');
  await page.getByTestId('new-amount').fill('lots');
  await page.getByTestId('add').click();
  const error = await page.getByTestId('error').innerText();
  assert.match(error, /^The server did not accept this input/);
  assert.doesNotMatch(error, /[{}]/, 'no raw JSON');
});

check('the Me panel shows who is signed in', async () => {
  const { page } = await newPage();
  await login(page, T1, user('bob', T1));
  await page.getByTestId('nav-me').click();
  await page.getByTestId('me-email').getByText(user('bob', T1).email).waitFor();
  assert.equal(await page.getByTestId('me-role').innerText(), 'staff');
});

check('after the access token expired (2 s), the next action refreshes silently and succeeds', async () => {
  const { page } = await newPage();
  const who = user('bob', F1);
  await login(page, F1, who, FAST);
  await waitForExpiry(FAST, F1, who);
  const before = await refreshCount(FAST);
  await page.getByTestId('new-title').fill('after expiry');
  await page.getByTestId('add').click();
  await page.locator('tr', { hasText: 'after expiry' }).waitFor();
  assert.equal(await page.getByTestId('login-form').count(), 0, 'still signed in');
  assert.equal(await page.getByTestId('error').count(), 0, 'no error shown');
  assert.equal((await refreshCount(FAST)) - before, 1);
});

check('five parallel requests after expiry cause exactly one refresh', async () => {
  const { page } = await newPage();
  const who = user('alice', F1);
  await login(page, F1, who, FAST);
  await waitForExpiry(FAST, F1, who);
  const expired = [];
  page.on('response', (r) => {
    if (r.status() === 401 && /token expired/.test(r.headers()['www-authenticate'] || '')) expired.push(r.url());
  });
  const before = await refreshCount(FAST);
  // Reload: the page of rows and the summary strip, five requests at once.
  const done = page.waitForResponse((r) => r.url().endsWith('/auth/refresh'));
  await page.getByTestId('reload').click();
  assert.equal((await done).status(), 200);
  await page.getByTestId('reload').and(page.locator(':enabled')).waitFor();
  assert.equal(await page.getByTestId('error').count(), 0, 'no error shown');
  assert.equal(expired.length, 5, `requests answered "token expired": ${expired.join(' ')}`);
  assert.equal((await refreshCount(FAST)) - before, 1, 'refreshes seen by the server');
  assert.match(await rowsText(page), new RegExp(`${F1} first order`));
});

check('logout: the back button shows no data afterwards, and a reload stays signed out', async () => {
  const { page } = await newPage();
  await login(page, T1, user('bob', T1));
  assert.match(await rowsText(page), /first order/);
  await page.getByTestId('logout').click();
  await page.getByTestId('notice').getByText('You have signed out.').waitFor();
  await page.goBack();
  await page.getByTestId('login-form').waitFor();
  assert.equal(await page.getByTestId('rows').count(), 0);
  assert.doesNotMatch(await page.content(), /first order/);
  await page.reload();
  await page.getByTestId('login-form').waitFor();
  assert.doesNotMatch(await page.content(), /first order/);
  await shot(page, 'after-logout');
});

check('a page reload resumes the session through the refresh cookie', async () => {
  const { page } = await newPage();
  await login(page, T1, user('bob', T1));
  await page.reload();
  await dataLoaded(page);
  assert.match(await rowsText(page), /first order/);
  // the refresh token is HttpOnly: the page's script cannot read it
  const visible = await page.evaluate(() => document.cookie);
  assert.doesNotMatch(visible, /tg_refresh/);
  assert.match(visible, /tg_csrf=/);
});

check('a company1 session used on the company2 host is refused with a visible message', async () => {
  const { context, page } = await newPage();
  await login(page, T1, user('bob', T1));
  const own = await sessionCookies(context);
  assert.deepEqual(own.map((c) => c.name).sort(), ['tg_csrf', 'tg_refresh']);
  // The same cookies under the other company's host (they are host-only, so only a thief
  // could do this): the app's resume is refused, with a sentence.
  const { context: other, page: page2 } = await newPage();
  await other.addCookies(own.map((c) => ({ ...c, domain: `${T2}.localhost` })));
  await page2.goto(url(T2));
  await page2.getByTestId('notice').getByText('This session belongs to another company').waitFor();
  await page2.getByTestId('login-form').waitFor();
  assert.equal(await page2.getByTestId('rows').count(), 0);

  // A company1 access token on the company2 host (a signed-in company2 page whose requests
  // carry it): the data screen says so.
  const stolen = await apiLogin(PORT, T1, user('bob', T1));
  const { page: page3 } = await newPage();
  await login(page3, T2, user('dave', T2));
  await page3.route('**/api/**', (route) =>
    route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${stolen}` } }),
  );
  await page3.getByTestId('reload').click();
  await page3.getByTestId('error').getByText('This session belongs to another company').waitFor();
  await shot(page3, 'wrong-company');
});

check('a refresh token replayed from another tab after rotation logs both out', async () => {
  const { context: a, page: tabA } = await newPage();
  await login(tabA, T1, user('bob', T1));
  const old = await sessionCookies(a);
  // Rotate in tab A: a reload resumes through one cookie refresh, which replaces the cookie.
  const rotated = tabA.waitForResponse((r) => r.url().endsWith('/auth/refresh'));
  await tabA.reload();
  assert.equal((await rotated).status(), 200);
  await dataLoaded(tabA);
  const now = (await sessionCookies(a)).find((c) => c.name === 'tg_refresh');
  assert.notEqual(now.value, old.find((c) => c.name === 'tg_refresh').value, 'the cookie was rotated');

  // Tab B (another browser) gets the old cookie back and refreshes with it: a reuse.
  const { context: b, page: tabB } = await newPage();
  await b.addCookies(old);
  const replay = tabB.waitForResponse((r) => r.url().endsWith('/auth/refresh'));
  await tabB.goto(url(T1));
  assert.equal((await replay).status(), 401);
  await tabB.getByTestId('login-form').waitFor();
  // The replaying tab is told it was a reuse (auth.refresh's detail), not just "revoked".
  await tabB.getByTestId('notice').getByText('this session was used from somewhere else').waitFor();
  assert.equal(await tabB.getByTestId('rows').count(), 0);

  // Tab A's next refresh finds the family revoked: signed out too, with a sentence.
  const refused = tabA.waitForResponse((r) => r.url().endsWith('/auth/refresh'));
  await tabA.reload();
  assert.equal((await refused).status(), 401);
  await tabA.getByTestId('notice').getByText('You were signed out').waitFor();
  assert.equal(await tabA.getByTestId('rows').count(), 0);
  await shot(tabA, 'replay-signed-out');
});

check('an admin manages users: create, deactivate, reactivate, password reset shown once', async () => {
  const { page } = await newPage();
  await login(page, T1, user('alice', T1));
  await page.getByTestId('nav-users').click();
  const list = page.getByTestId('users');
  await list.getByText(user('bob', T1).email).waitFor();
  assert.doesNotMatch(await list.innerText(), new RegExp(T2), "another company's users");

  const email = `erin@${T1}.test`;
  await page.getByTestId('new-email').fill(email);
  await page.getByTestId('new-password').fill('erin-password-1');
  await page.getByTestId('create-user').click();
  await page.getByTestId('users-info').getByText(`User ${email} was created.`).waitFor();
  const row = page.locator(`tr[data-user="${email}"]`);
  await row.getByText('active').waitFor();

  await row.getByTestId('deactivate').click();
  await row.getByText('deactivated').waitFor();
  await row.getByTestId('reactivate').click();
  await row.getByTestId('deactivate').waitFor();

  await row.getByTestId('reset').click();
  const token = await page.getByTestId('reset-token').innerText();
  assert.ok(token.length >= 20, 'a reset token is shown');
  await shot(page, 'users');
  // The token works once at the existing reset route.
  const r = await api(PORT, 'POST', '/auth/password/reset', `${T1}.localhost`, {
    body: { reset_token: token, new_password: 'erin-password-2' },
  });
  assert.ok(r.status === 200 || r.status === 204, `reset answered ${r.status}`);
  await page.getByRole('button', { name: /hide it/ }).click();
  assert.equal(await page.getByTestId('reset-token').count(), 0);
  // the admin cannot deactivate itself: its own row has no such button
  assert.equal(await page.locator(`tr[data-user="${user('alice', T1).email}"]`).getByTestId('deactivate').count(), 0);
});

check('a staff user sees no admin screens, and the API refuses them (403 on /auth/users)', async () => {
  const { page } = await newPage();
  await login(page, T1, user('bob', T1));
  assert.equal(await page.getByTestId('nav-users').count(), 0);
  await page.goto(url(T1, PORT, '/users'));
  await page.getByTestId('data-screen').waitFor();
  assert.equal(await page.getByTestId('users-screen').count(), 0);
  const token = await apiLogin(PORT, T1, user('bob', T1));
  const r = await api(PORT, 'GET', '/auth/users', `${T1}.localhost`, { token });
  assert.equal(r.status, 403);
});

check('the data screen as the README shows it', async () => {
  const { page } = await newPage({ viewport: { width: 1000, height: 640 } });
  await login(page, T1, user('alice', T1));
  await shot(page, 'web-data');
});
