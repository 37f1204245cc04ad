// Self-test of provider.mjs: starts it as a child process on a free port (OIDC_PORT=0) and drives
// it without a browser, with node's built-in fetch (redirect: 'manual') and a hand-made cookie jar.
// Exit 0 when every check passes; otherwise prints `FAIL: <what>` and exits 1.
//
//   node selftest.mjs

import { spawn } from 'node:child_process';
import {
  createHash, createPublicKey, randomBytes, verify,
} from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REDIRECT_URI = 'http://127.0.0.1:8080/auth/callback';
const POST_LOGOUT_URI = 'http://127.0.0.1:8080/';
const CLIENT_ID = 'capstan';
const CLIENT_SECRET = 'capstan-test-secret';

let child;
let checks = 0;
let stderrLog = '';

class Failure extends Error {}

// need: a silent step check; ok: a check that is reported on its own line.
function need(cond, what, detail) {
  if (!cond) throw new Failure(detail === undefined ? what : `${what}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
}

function ok(cond, what, detail) {
  need(cond, what, detail);
  checks += 1;
  console.log(`ok ${checks} - ${what}`);
}

// ------------------------------------------------------------------------------------ helpers

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function pkce() {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  return { verifier, challenge };
}

function decodeJwt(jwt) {
  const [h, p, s] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url')),
    payload: JSON.parse(Buffer.from(p, 'base64url')),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

class CookieJar {
  constructor() { this.cookies = new Map(); }

  store(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attrs.some((a) => {
        const [k, v] = a.split('=');
        if (k.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
}

async function get(url, jar, extraHeaders = {}) {
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar ? jar.header() : '', ...extraHeaders } });
  if (jar) jar.store(res);
  return res;
}

async function postForm(url, form, { jar, headers = {} } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(jar ? { cookie: jar.header() } : {}),
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  });
  if (jar) jar.store(res);
  return res;
}

const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

// ------------------------------------------------------------------------------------ provider

function startProvider() {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [join(HERE, 'provider.mjs')], {
      env: {
        // Not the caller's OIDC_* settings: the checks below expect the defaults.
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OIDC_'))),
        OIDC_PORT: '0',
        OIDC_REDIRECT_URIS: REDIRECT_URI,
        OIDC_POST_LOGOUT_REDIRECT_URIS: POST_LOGOUT_URI,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Failure(`provider did not print its ready line within 20 s; stderr:\n${stderrLog}`)), 20000);
    child.stderr.on('data', (d) => { stderrLog += d; });
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^oidc-provider ready (\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ issuer: m[1], stdout: () => out });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Failure(`provider exited early with code ${code}; stderr:\n${stderrLog}`));
    });
  });
}

// ------------------------------------------------------------------------------------ flows

function authUrl(discovery, {
  challenge, state, nonce, scope = 'openid email profile groups', extra = {},
}) {
  const u = new URL(discovery.authorization_endpoint);
  const params = {
    client_id: CLIENT_ID,
    response_type: 'code',
    scope,
    redirect_uri: REDIRECT_URI,
    state,
    nonce,
    ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u;
}

// Starts an authorization request; returns either { interactionUrl } or { callback } (SSO).
async function authorize(issuer, discovery, jar, opts) {
  const res = await get(authUrl(discovery, opts), jar);
  need(res.status === 303 || res.status === 302, 'authorization request redirects', res.status);
  const loc = new URL(res.headers.get('location'), issuer);
  if (loc.href.startsWith(REDIRECT_URI)) return { callback: loc };
  need(/^\/interaction\/[^/]+$/.test(loc.pathname), 'redirect goes to /interaction/<uid>', loc.href);
  return { interactionUrl: loc };
}

async function login(issuer, jar, interactionUrl, email, password) {
  const res = await postForm(interactionUrl, { login: email, password }, { jar });
  return res;
}

async function followToCallback(issuer, jar, res) {
  let current = res;
  for (let i = 0; i < 10; i += 1) {
    need([302, 303].includes(current.status), 'provider redirects on the way back to the client', current.status);
    const loc = new URL(current.headers.get('location'), issuer);
    if (loc.href.startsWith(REDIRECT_URI)) return loc;
    need(loc.origin === new URL(issuer).origin, 'intermediate redirect stays on the provider', loc.href);
    current = await get(loc, jar);
  }
  throw new Failure('too many redirects before reaching the redirect URI');
}

function codeFrom(callback, state, issuer) {
  need(callback.searchParams.get('state') === state, 'callback carries the state', callback.href);
  need(callback.searchParams.get('iss') === issuer, 'callback carries iss (RFC 9207)', callback.href);
  const code = callback.searchParams.get('code');
  need(!!code, 'callback carries a code', callback.href);
  return code;
}

async function tokenRequest(discovery, form, { auth = 'basic', secret = CLIENT_SECRET } = {}) {
  const body = { ...form };
  const headers = {};
  if (auth === 'basic') headers.authorization = basic(CLIENT_ID, secret);
  else Object.assign(body, { client_id: CLIENT_ID, client_secret: secret });
  const res = await postForm(discovery.token_endpoint, body, { headers });
  return { status: res.status, json: await res.json() };
}

async function jwksKeys(discovery) {
  const res = await fetch(discovery.jwks_uri);
  need(res.status === 200, 'jwks_uri answers 200', res.status);
  const { keys } = await res.json();
  need(keys.every((k) => !k.d && !k.p && !k.q), 'jwks exposes public keys only');
  return keys;
}

async function checkIdToken(discovery, idToken, { email, name, groups, nonce }) {
  const { header, payload, signingInput, signature } = decodeJwt(idToken);
  need(header.alg === 'RS256', 'ID token is RS256', header);
  const keys = await jwksKeys(discovery);
  const jwk = keys.find((k) => k.kid === header.kid);
  need(!!jwk, 'ID token kid is in the JWKS', { kid: header.kid, kids: keys.map((k) => k.kid) });
  need(verify('RSA-SHA256', Buffer.from(signingInput), createPublicKey({ key: jwk, format: 'jwk' }), signature), 'ID token signature verifies with the JWKS key');
  need(payload.iss === discovery.issuer && payload.aud === CLIENT_ID, 'ID token iss and aud', payload);
  need(payload.email === email && payload.email_verified === true, `ID token has email ${email}`, payload);
  need(payload.name === name, `ID token has name ${name}`, payload);
  need(JSON.stringify(payload.groups) === JSON.stringify(groups), `ID token has groups ${JSON.stringify(groups)}`, payload);
  if (nonce) need(payload.nonce === nonce, 'ID token nonce matches', payload);
  ok(true, `ID token for ${email}: RS256, kid ${header.kid} in JWKS, signature verifies, iss/aud${nonce ? '/nonce' : ''}, `
    + `email, email_verified, name "${name}", groups ${JSON.stringify(groups)}`);
  return { header, payload };
}

// ------------------------------------------------------------------------------------ main

async function main() {
  const { issuer, stdout } = await startProvider();
  ok(stdout() === `oidc-provider ready ${issuer}\n`, 'provider prints exactly one ready line', stdout());
  console.log(`# provider at ${issuer}`);

  // Discovery
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  ok(discovery.issuer === issuer, 'discovery issuer', discovery.issuer);
  ok(discovery.end_session_endpoint === `${issuer}/session/end`, 'discovery has end_session_endpoint', discovery.end_session_endpoint);
  ok(discovery.jwks_uri === `${issuer}/jwks`, 'discovery has jwks_uri', discovery.jwks_uri);
  ok(discovery.code_challenge_methods_supported?.includes('S256'), 'code_challenge_methods_supported contains S256', discovery.code_challenge_methods_supported);
  ok(['openid', 'email', 'profile', 'groups', 'offline_access'].every((s) => discovery.scopes_supported.includes(s)), 'scopes_supported', discovery.scopes_supported);
  ok(discovery.claims_supported.includes('groups'), 'claims_supported has groups', discovery.claims_supported);

  // PKCE is required
  {
    const res = await get(authUrl(discovery, { state: 's0', nonce: 'n0' }), new CookieJar());
    const loc = new URL(res.headers.get('location') || 'http://x/', issuer);
    ok(loc.href.startsWith(REDIRECT_URI) && loc.searchParams.get('error') === 'invalid_request', 'authorization without code_challenge is refused', loc.href);
  }

  // Alice: wrong password, then right password
  const jar = new CookieJar();
  const p1 = pkce();
  const { interactionUrl } = await authorize(issuer, discovery, jar, { challenge: p1.challenge, state: 'state-1', nonce: 'nonce-1' });
  {
    const res = await get(interactionUrl, jar);
    const html = await res.text();
    ok(res.status === 200, 'login page answers 200', res.status);
    ok(/<input[^>]*name="login"/.test(html) && /<input[^>]*name="password"/.test(html) && /<button[^>]*type="submit"/.test(html), 'login page has login, password and submit');
    ok(html.includes(`action="${interactionUrl.pathname}"`), 'login form posts to /interaction/<uid>');
  }
  {
    const res = await login(issuer, jar, interactionUrl, 'alice@example.com', 'wrong-password');
    const html = await res.text();
    ok(res.status === 401, 'wrong password is refused (401)', res.status);
    ok(html.includes('Invalid email or password.') && html.includes('role="alert"'), 'wrong password shows a visible error message');
    const res2 = await login(issuer, jar, interactionUrl, 'nobody@example.com', 'alice-password');
    ok(res2.status === 401, 'unknown user is refused (401)', res2.status);
  }
  const loginRes = await login(issuer, jar, interactionUrl, 'alice@example.com', 'alice-password');
  const callback1 = await followToCallback(issuer, jar, loginRes);
  const code1 = codeFrom(callback1, 'state-1', issuer);
  ok(true, `right password: redirected to the client with code, state and iss (${callback1.origin}${callback1.pathname})`);

  // Token endpoint: wrong secret, then right (client_secret_basic)
  {
    const bad = await tokenRequest(discovery, {
      grant_type: 'authorization_code', code: code1, redirect_uri: REDIRECT_URI, code_verifier: p1.verifier,
    }, { secret: 'not-the-secret' });
    ok(bad.status === 401 && bad.json.error === 'invalid_client', 'wrong client secret is refused', bad);
  }
  const tok1 = await tokenRequest(discovery, {
    grant_type: 'authorization_code', code: code1, redirect_uri: REDIRECT_URI, code_verifier: p1.verifier,
  });
  ok(tok1.status === 200, 'code exchange (client_secret_basic) succeeds', tok1);
  ok(tok1.json.token_type === 'Bearer' && !!tok1.json.access_token, 'access token issued', tok1.json);
  ok(tok1.json.expires_in > 3500 && tok1.json.expires_in <= 3600, 'access token expires_in ~3600', tok1.json.expires_in);
  ok(!!tok1.json.refresh_token, 'refresh token issued (no offline_access requested)', tok1.json);
  const id1 = await checkIdToken(discovery, tok1.json.id_token, {
    email: 'alice@example.com', name: 'Alice Example', groups: ['ml-team'], nonce: 'nonce-1',
  });
  ok(id1.payload.sub === 'alice', 'ID token sub is alice', id1.payload);
  ok(id1.payload.exp - id1.payload.iat === 3600, 'ID token lifetime 3600 s', id1.payload);

  // Userinfo
  {
    const res = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${tok1.json.access_token}` } });
    const info = await res.json();
    ok(res.status === 200 && info.sub === 'alice' && info.email === 'alice@example.com' && info.name === 'Alice Example'
      && JSON.stringify(info.groups) === '["ml-team"]', 'userinfo has sub, email, name, groups', info);
  }

  // Refresh (client_secret_post)
  const ref1 = await tokenRequest(discovery, { grant_type: 'refresh_token', refresh_token: tok1.json.refresh_token }, { auth: 'post' });
  ok(ref1.status === 200 && !!ref1.json.access_token && ref1.json.access_token !== tok1.json.access_token, 'refresh (client_secret_post) gives a new access token', ref1);
  ok(ref1.json.refresh_token === tok1.json.refresh_token, 'refresh returns the same refresh token (no rotation)', ref1.json);
  await checkIdToken(discovery, ref1.json.id_token, { email: 'alice@example.com', name: 'Alice Example', groups: ['ml-team'] });

  // SSO: a second request in the same browser session needs no login; wrong verifier refused
  {
    const p = pkce();
    const r = await authorize(issuer, discovery, jar, { challenge: p.challenge, state: 'state-2', nonce: 'nonce-2' });
    ok(!!r.callback, 'second authorization request with the session cookie skips the login', r);
    const code = codeFrom(r.callback, 'state-2', issuer);
    const bad = await tokenRequest(discovery, {
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce().verifier,
    });
    ok(bad.status === 400 && bad.json.error === 'invalid_grant', 'wrong code_verifier is refused', bad);
  }
  {
    // A second use of a code is refused. oidc-provider then also revokes every token of that grant
    // (RFC 6749 section 4.1.2), so this runs in its own session, not with Alice's main tokens.
    const j = new CookieJar();
    const p = pkce();
    const r = await authorize(issuer, discovery, j, { challenge: p.challenge, state: 'state-r', nonce: 'nonce-r' });
    const cb = await followToCallback(issuer, j, await login(issuer, j, r.interactionUrl, 'bob@example.com', 'bob-password'));
    const form = {
      grant_type: 'authorization_code', code: codeFrom(cb, 'state-r', issuer), redirect_uri: REDIRECT_URI, code_verifier: p.verifier,
    };
    const first = await tokenRequest(discovery, form);
    ok(first.status === 200, 'code exchange in a separate session succeeds', first);
    const again = await tokenRequest(discovery, form);
    ok(again.status === 400 && again.json.error === 'invalid_grant', 'a code cannot be used twice', again);
    const ref = await tokenRequest(discovery, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token });
    ok(ref.status === 400 && ref.json.error === 'invalid_grant', 'replaying a code revokes the refresh token of that grant', ref);
  }

  // Key rotation
  const keysBefore = await jwksKeys(discovery);
  const oldKid = keysBefore[0].kid;
  ok(keysBefore.length === 1 && oldKid === id1.header.kid, 'one signing key before rotation, used for the ID tokens', keysBefore.map((k) => k.kid));
  {
    const wrongMethod = await fetch(`${issuer}/test/rotate-keys`);
    ok(wrongMethod.status === 405, 'GET /test/rotate-keys is refused (405)', wrongMethod.status);
  }
  const rot = await (await fetch(`${issuer}/test/rotate-keys`, { method: 'POST' })).json();
  ok(rot.kid && rot.kid !== oldKid && rot.previous_kid === oldKid, 'rotate-keys answers new and previous kid', rot);
  const keysAfter = await jwksKeys(discovery);
  ok(keysAfter[0].kid === rot.kid && keysAfter.some((k) => k.kid === oldKid), 'JWKS lists the new kid first and keeps the previous one', keysAfter.map((k) => k.kid));
  {
    const ref = await tokenRequest(discovery, { grant_type: 'refresh_token', refresh_token: tok1.json.refresh_token });
    ok(ref.status === 200, 'refresh token from before the rotation still works', ref);
    const { header } = await checkIdToken(discovery, ref.json.id_token, { email: 'alice@example.com', name: 'Alice Example', groups: ['ml-team'] });
    ok(header.kid === rot.kid, 'ID token from refresh after rotation is signed with the new kid', header);
  }
  let latestIdToken;
  {
    const p = pkce();
    const r = await authorize(issuer, discovery, jar, { challenge: p.challenge, state: 'state-3', nonce: 'nonce-3' });
    ok(!!r.callback, 'session survives the rotation (no login needed)', r);
    const code = codeFrom(r.callback, 'state-3', issuer);
    const t = await tokenRequest(discovery, {
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: p.verifier,
    });
    ok(t.status === 200, 'code exchange after rotation succeeds', t);
    const { header } = await checkIdToken(discovery, t.json.id_token, {
      email: 'alice@example.com', name: 'Alice Example', groups: ['ml-team'], nonce: 'nonce-3',
    });
    ok(header.kid === rot.kid, 'newly issued ID token header kid is the new kid', header);
    latestIdToken = t.json.id_token;
  }
  const rot2 = await (await fetch(`${issuer}/test/rotate-keys?retain_previous=0`, { method: 'POST' })).json();
  {
    const keys = await jwksKeys(discovery);
    ok(keys.length === 1 && keys[0].kid === rot2.kid && rot2.kid !== rot.kid, 'rotate-keys?retain_previous=0 leaves only the new key', keys.map((k) => k.kid));
  }
  {
    const ref = await tokenRequest(discovery, { grant_type: 'refresh_token', refresh_token: tok1.json.refresh_token });
    ok(ref.status === 200 && decodeJwt(ref.json.id_token).header.kid === rot2.kid, 'after the second rotation ID tokens carry its kid', ref.json);
    latestIdToken = ref.json.id_token;
  }

  // RP-initiated logout with post_logout_redirect_uri
  {
    const u = new URL(discovery.end_session_endpoint);
    u.searchParams.set('id_token_hint', latestIdToken);
    u.searchParams.set('post_logout_redirect_uri', POST_LOGOUT_URI);
    u.searchParams.set('state', 'bye');
    const res = await get(u, jar);
    const html = await res.text();
    ok(res.status === 200, 'end_session_endpoint shows the confirmation page', res.status);
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    ok(action && xsrf && /<button[^>]*name="logout" value="yes"/.test(html), 'logout page has a form with xsrf and a "yes" button inside', html);
    const done = await postForm(new URL(action, issuer), { xsrf, logout: 'yes' }, { jar });
    ok(done.status === 303 && done.headers.get('location') === `${POST_LOGOUT_URI}?state=bye`, 'logout confirmation redirects to post_logout_redirect_uri with state', { status: done.status, location: done.headers.get('location') });
  }
  {
    const ref = await tokenRequest(discovery, { grant_type: 'refresh_token', refresh_token: tok1.json.refresh_token });
    ok(ref.status === 400 && ref.json.error === 'invalid_grant', 'refresh token (without offline_access) dies with the session at logout', ref);
  }

  // After logout a login is needed again; Bob signs in
  {
    const p = pkce();
    const r = await authorize(issuer, discovery, jar, { challenge: p.challenge, state: 'state-4', nonce: 'nonce-4' });
    ok(!!r.interactionUrl, 'after logout the login page is shown again', r);
    const res = await login(issuer, jar, r.interactionUrl, 'Bob@Example.com', 'bob-password');
    const cb = await followToCallback(issuer, jar, res);
    const code = codeFrom(cb, 'state-4', issuer);
    const t = await tokenRequest(discovery, {
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: p.verifier,
    }, { auth: 'post' });
    ok(t.status === 200, 'Bob code exchange (client_secret_post) succeeds', t);
    const { payload } = await checkIdToken(discovery, t.json.id_token, {
      email: 'bob@example.com', name: 'Bob Example', groups: ['platform'], nonce: 'nonce-4',
    });
    ok(payload.sub === 'bob', 'Bob ID token sub is bob', payload);
  }

  // offline_access with prompt=consent: auto-consented, refresh token still issued
  {
    const j = new CookieJar();
    const p = pkce();
    const r = await authorize(issuer, discovery, j, {
      challenge: p.challenge, state: 'state-5', nonce: 'nonce-5', scope: 'openid email profile groups offline_access', extra: { prompt: 'consent' },
    });
    const res = await login(issuer, j, r.interactionUrl, 'alice@example.com', 'alice-password');
    const cb = await followToCallback(issuer, j, res);
    const code = codeFrom(cb, 'state-5', issuer);
    const t = await tokenRequest(discovery, {
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: p.verifier,
    });
    ok(t.status === 200 && t.json.scope.split(' ').includes('offline_access') && !!t.json.refresh_token, 'offline_access + prompt=consent is granted without a consent page', t.json);
  }

  // Cancel on the login page
  {
    const j = new CookieJar();
    const p = pkce();
    const r = await authorize(issuer, discovery, j, { challenge: p.challenge, state: 'state-6', nonce: 'nonce-6' });
    const res = await get(new URL(`${r.interactionUrl.pathname}/abort`, issuer), j);
    const cb = await followToCallback(issuer, j, res);
    ok(cb.searchParams.get('error') === 'access_denied' && cb.searchParams.get('state') === 'state-6', 'Cancel ends the request with access_denied', cb.href);
  }

  // SIGTERM
  const exitCode = await new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code, signal) => resolve(code ?? signal));
    child.kill('SIGTERM');
  });
  ok(exitCode === 0, 'provider exits 0 on SIGTERM', exitCode);
  child = undefined;
}

main().then(() => {
  console.log(`selftest passed: ${checks} checks`);
  process.exit(0);
}).catch((err) => {
  console.error(`FAIL: ${err instanceof Failure ? err.message : err.stack}`);
  if (stderrLog) console.error(`--- provider stderr ---\n${stderrLog}`);
  if (child) child.kill('SIGTERM');
  process.exit(1);
});
