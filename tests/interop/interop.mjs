// Interoperability with independent JOSE libraries (npm: panva's `jose`, auth0's `jsonwebtoken`):
//  1. tokens they mint — valid ones and the section A attacks that apply to verification — get
//     exactly the contract's answers from auth.verify (stored keys, PEM and JWK) and from
//     auth.verify(token, key, alg);
//  2. tokens tenantgate signs (auth.sign, auth.login) verify in both libraries, through the
//     JWK Set auth.jwks() publishes.
// Usage: node interop.mjs  (DATABASE_URL names a database with the extension; run by run.sh)
import crypto from 'node:crypto';
import * as jose from 'jose';
import jwt from 'jsonwebtoken';
import pg from 'pg';

const ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512', 'EdDSA'];
const isHmac = (alg) => alg.startsWith('HS');
const now = () => Math.floor(Date.now() / 1000);
const b64u = (data) => Buffer.from(data).toString('base64url');

const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
let failures = 0;
let passes = 0;

function check(name, ok, detail = '') {
  if (ok) {
    passes += 1;
  } else {
    failures += 1;
    console.log(`FAIL ${name}${detail ? ': ' + detail : ''}`);
  }
}

// Runs one statement; returns {value} or {code, message} (the contract's SQLSTATE and reason).
async function sql(text, params = []) {
  try {
    const res = await db.query(text, params);
    return { value: res.rows.length ? Object.values(res.rows[0])[0] : null };
  } catch (err) {
    return { code: err.code, message: err.message };
  }
}

function expectOk(name, res, predicate = () => true) {
  check(name, res.code === undefined && predicate(res.value),
    res.code ? `${res.code} ${res.message}` : JSON.stringify(res.value));
}

// prefix: the contract's reason, or a list of reasons the catalogue allows for that attack.
function expectError(name, res, code, prefix) {
  const prefixes = Array.isArray(prefix) ? prefix : [prefix];
  const ok = res.code === code && typeof res.message === 'string' && prefixes.some((p) => res.message.startsWith(p));
  check(name, ok, res.code ? `${res.code} ${res.message}` : `accepted: ${JSON.stringify(res.value)}`);
}

// A signing key pair (or secret) made by `jose`, in the forms add_key takes.
async function makeKey(alg) {
  if (isHmac(alg)) {
    const secret = b64u(crypto.randomBytes(48)); // 64 ASCII bytes: at least every hash's output
    return { secret, signKey: new TextEncoder().encode(secret) };
  }
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  return {
    signKey: privateKey,
    spki: await jose.exportSPKI(publicKey),
    pkcs8: await jose.exportPKCS8(privateKey),
    jwk: await jose.exportJWK(publicKey),
  };
}

async function mint(alg, key, kid, claims, header = {}) {
  return new jose.SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT', ...header }).sign(key.signKey);
}

function withSignatureOf(token, other) {
  const [h, p] = token.split('.');
  return `${h}.${p}.${other.split('.')[2]}`;
}

function hmacToken(headerObj, payloadObj, secretBytes, hash = 'sha256') {
  const input = `${b64u(JSON.stringify(headerObj))}.${b64u(JSON.stringify(payloadObj))}`;
  return `${input}.${b64u(crypto.createHmac(hash, secretBytes).update(input).digest())}`;
}

async function foreignTokensVerify() {
  for (const alg of ALGS) {
    const key = await makeKey(alg);
    const kid = `jose-${alg}`;
    const claims = { sub: `user-${alg}`, iat: now(), exp: now() + 300 };
    if (isHmac(alg)) {
      expectOk(`${alg} add_key raw secret`, await sql('SELECT auth.add_key($1, $2, $3)', [kid, alg, key.secret]));
    } else {
      expectOk(`${alg} add_key SPKI PEM`, await sql('SELECT auth.add_key($1, $2, $3)', [kid, alg, key.spki]));
      expectOk(`${alg} add_key JWK`, await sql('SELECT auth.add_key($1, $2, $3)', [`${kid}-jwk`, alg, JSON.stringify(key.jwk)]));
      expectOk(`${alg} add_key PKCS#8 private PEM`, await sql('SELECT auth.add_key($1, $2, $3)', [`${kid}-priv`, alg, key.pkcs8]));
    }
    const valid = await mint(alg, key, kid, claims);
    expectOk(`${alg} jose token verifies (stored key)`, await sql('SELECT auth.verify($1)', [valid]),
      (v) => v.sub === claims.sub && v.exp === claims.exp);
    const explicitKey = isHmac(alg) ? key.secret : key.spki;
    expectOk(`${alg} jose token verifies (explicit key)`, await sql('SELECT auth.verify($1, $2, $3)', [valid, explicitKey, alg]),
      (v) => v.sub === claims.sub);
    if (!isHmac(alg)) {
      const viaJwk = await mint(alg, key, `${kid}-jwk`, claims);
      expectOk(`${alg} jose token verifies (JWK-imported key)`, await sql('SELECT auth.verify($1)', [viaJwk]),
        (v) => v.sub === claims.sub);
      expectOk(`${alg} explicit JWK key`, await sql('SELECT auth.verify($1, $2, $3)', [valid, JSON.stringify(key.jwk), alg]),
        (v) => v.sub === claims.sub);
    }

    // The attacks of section A that a foreign minter can mount.
    expectError(`${alg} JWT-25 expired`, await sql('SELECT auth.verify($1)',
      [await mint(alg, key, kid, { sub: 'x', exp: now() - 3600 })]), '28000', 'token expired');
    expectError(`${alg} JWT-26 nbf in the future`, await sql('SELECT auth.verify($1)',
      [await mint(alg, key, kid, { sub: 'x', nbf: now() + 3600, exp: now() + 7200 })]), '28000', 'token not yet valid');
    expectError(`${alg} JWT-26 iat in the future`, await sql('SELECT auth.verify($1)',
      [await mint(alg, key, kid, { sub: 'x', iat: now() + 3600, exp: now() + 7200 })]), '28000', 'token not yet valid');
    const other = await mint(alg, key, kid, { sub: 'admin', exp: now() + 300 });
    expectError(`${alg} JWT-05 signature of another token`, await sql('SELECT auth.verify($1)', [withSignatureOf(valid, other)]),
      '28000', 'invalid signature');
    expectError(`${alg} JWT-09 unknown kid`, await sql('SELECT auth.verify($1)',
      [await mint(alg, key, 'no-such-kid', claims)]), '28000', 'unknown key');
    expectError(`${alg} JWT-04 signature stripped`, await sql('SELECT auth.verify($1)', [valid.split('.').slice(0, 2).join('.') + '.']),
      '28000', ['malformed token', 'invalid signature']);
    const [h, p] = valid.split('.');
    expectError(`${alg} JWT-01 alg none`, await sql('SELECT auth.verify($1)',
      [`${b64u(JSON.stringify({ alg: 'none', kid, typ: 'JWT' }))}.${p}.${valid.split('.')[2]}`]), '28000', 'algorithm not allowed');
    expectError(`${alg} JWT-01 alg none explicit`, await sql('SELECT auth.verify($1, $2, $3)', [valid, explicitKey, 'none']),
      '28000', 'algorithm not allowed');
    expectError(`${alg} JWT-21 padded segment`, await sql('SELECT auth.verify($1)', [`${h}=.${p}.${valid.split('.')[2]}`]),
      '28000', 'malformed token');
    expectError(`${alg} JWT-10 embedded jwk header not trusted`, await sql('SELECT auth.verify($1)',
      [await mint(alg, key, 'no-such-kid', claims, isHmac(alg) ? { jku: 'https://evil.example/jwks' } : { jwk: key.jwk })]),
      '28000', 'unknown key');
    if (!isHmac(alg)) {
      // JWT-02: the public key's PEM and JWK text used as an HMAC secret, under its own kid.
      for (const [form, secret] of [['PEM', key.spki], ['JWK', JSON.stringify(key.jwk)]]) {
        const forged = hmacToken({ alg: 'HS256', kid, typ: 'JWT' }, claims, Buffer.from(secret));
        expectError(`${alg} JWT-02 public ${form} as HMAC secret (stored)`, await sql('SELECT auth.verify($1)', [forged]),
          '28000', 'algorithm not allowed');
        expectError(`${alg} JWT-02 public ${form} as HMAC secret (explicit)`,
          await sql('SELECT auth.verify($1, $2, $3)', [forged, secret, 'HS256']), '28000', 'algorithm not allowed');
      }
    }
    // JWT-03: a token whose header names another algorithm of the same family.
    const sibling = { HS256: 'HS384', HS384: 'HS512', HS512: 'HS256', RS256: 'PS256', RS384: 'RS512', RS512: 'RS256',
      PS256: 'RS256', PS384: 'PS512', PS512: 'PS256', ES256: 'ES384', ES384: 'ES256', ES512: 'ES256', EdDSA: 'ES256' }[alg];
    const siblingKey = await makeKey(sibling);
    expectError(`${alg} JWT-03 header alg ${sibling} under a ${alg} kid`, await sql('SELECT auth.verify($1)',
      [await mint(sibling, siblingKey, kid, claims)]), '28000', 'algorithm not allowed');

    // jsonwebtoken (auth0) mints the same way (it has no EdDSA).
    if (alg !== 'EdDSA') {
      const token = jwt.sign({ sub: `jwt-${alg}` }, isHmac(alg) ? key.secret : key.pkcs8,
        { algorithm: alg, keyid: kid, expiresIn: 300 });
      expectOk(`${alg} jsonwebtoken token verifies`, await sql('SELECT auth.verify($1)', [token]),
        (v) => v.sub === `jwt-${alg}`);
    }
  }
}

async function ourTokensVerifyElsewhere() {
  for (const alg of ALGS.filter((a) => !isHmac(a))) {
    const gen = await sql('SELECT auth.generate_key($1)', [alg]);
    expectOk(`${alg} generate_key`, gen, (v) => typeof v === 'string');
    const kid = gen.value;
    const claims = { sub: `ours-${alg}`, exp: now() + 300, aud: 'interop' };
    const signed = await sql('SELECT auth.sign($1::jsonb, $2)', [JSON.stringify(claims), kid]);
    expectOk(`${alg} auth.sign`, signed, (v) => typeof v === 'string');
    const jwks = (await sql('SELECT auth.jwks()')).value;
    const published = jwks.keys.find((k) => k.kid === kid);
    check(`${alg} key published in auth.jwks()`, published !== undefined && published.d === undefined);
    try {
      const { payload, protectedHeader } = await jose.jwtVerify(signed.value, jose.createLocalJWKSet(jwks),
        { audience: 'interop', algorithms: [alg] });
      check(`${alg} our token verifies in jose`, payload.sub === claims.sub && protectedHeader.kid === kid);
    } catch (err) {
      check(`${alg} our token verifies in jose`, false, err.code || err.message);
    }
    if (alg !== 'EdDSA') {
      try {
        const pem = crypto.createPublicKey({ key: published, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
        const payload = jwt.verify(signed.value, pem, { algorithms: [alg], audience: 'interop' });
        check(`${alg} our token verifies in jsonwebtoken`, payload.sub === claims.sub);
      } catch (err) {
        check(`${alg} our token verifies in jsonwebtoken`, false, err.message);
      }
    }
  }
  for (const alg of ALGS.filter(isHmac)) {
    const secret = b64u(crypto.randomBytes(48));
    const kid = `ours-${alg}`;
    await sql('SELECT auth.add_key($1, $2, $3)', [kid, alg, secret]);
    const signed = await sql('SELECT auth.sign($1::jsonb, $2)', [JSON.stringify({ sub: kid, exp: now() + 300 }), kid]);
    try {
      const { payload } = await jose.jwtVerify(signed.value, new TextEncoder().encode(secret), { algorithms: [alg] });
      const viaJwt = jwt.verify(signed.value, secret, { algorithms: [alg] });
      check(`${alg} our token verifies in jose and jsonwebtoken`, payload.sub === kid && viaJwt.sub === kid);
    } catch (err) {
      check(`${alg} our token verifies in jose and jsonwebtoken`, false, err.message);
    }
  }
}

// The product flow: an app verifies tenantgate's access tokens with the tenant's JWK Set.
async function loginTokensVerifyElsewhere() {
  expectOk('create tenant', await sql("SELECT auth.create_tenant('interop-co')"));
  expectOk('create user', await sql("SELECT auth.create_user('interop-co', 'ann@interop.test', 'interop-password-1')"));
  const pair = await sql("SELECT auth.login('interop-co', 'ann@interop.test', 'interop-password-1')");
  expectOk('login', pair, (v) => v.token_type === 'Bearer');
  if (pair.code) return;
  const jwks = (await sql("SELECT auth.jwks('interop-co')")).value;
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(pair.value.access_token, jose.createLocalJWKSet(jwks),
      { typ: 'at+jwt' });
    check('login access token verifies in jose with the tenant JWKS',
      payload.tenant === 'interop-co' && payload.role === 'staff' && typeof payload.jti === 'string' &&
      typeof payload.sub === 'string' && payload.exp > payload.iat && protectedHeader.typ === 'at+jwt');
  } catch (err) {
    check('login access token verifies in jose with the tenant JWKS', false, err.code || err.message);
  }
  const otherJwks = (await sql('SELECT auth.jwks()')).value;
  let refused = false;
  try {
    await jose.jwtVerify(pair.value.access_token, jose.createLocalJWKSet({ keys: otherJwks.keys.filter((k) => k.kid !== jwks.keys[0].kid) }));
  } catch (err) {
    refused = true;
  }
  check('login access token does not verify with another key set', refused);
}

await db.connect();
await db.query("SET client_min_messages = warning");
try {
  await foreignTokensVerify();
  await ourTokensVerifyElsewhere();
  await loginTokensVerifyElsewhere();
} finally {
  await db.end();
}
console.log(`interop: ${passes} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
