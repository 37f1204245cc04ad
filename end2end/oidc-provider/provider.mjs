// A small, real OpenID Connect provider for Capstan's tests.
//
// It is the npm package oidc-provider (8.8.1, OpenID Certified) with one confidential client, two
// users with passwords, a login page that checks the password, and a test-only key-rotation
// endpoint. Everything lives in memory: a restart forgets sessions, grants and tokens.
//
// Run:    OIDC_PORT=5556 OIDC_REDIRECT_URIS=http://127.0.0.1:8080/auth/callback node provider.mjs
// Prints: exactly one line on stdout, `oidc-provider ready <issuer>`, once it listens. Everything
//         else (oidc-provider's notices, errors) goes to stderr. SIGTERM or SIGINT: exits 0.
//
// Environment
//   OIDC_PORT                       port on 127.0.0.1 (required; 0 picks a free port, and the issuer
//                                   and the ready line then carry the port that was picked)
//   OIDC_ISSUER                     default http://127.0.0.1:$OIDC_PORT (origin only, no path)
//   OIDC_CLIENT_ID                  default "capstan"
//   OIDC_CLIENT_SECRET              default "capstan-test-secret"
//   OIDC_REDIRECT_URIS              comma-separated redirect URIs of the client (required)
//   OIDC_POST_LOGOUT_REDIRECT_URIS  comma-separated post-logout redirect URIs (optional)
//   OIDC_ACCESS_TOKEN_TTL           seconds, default 3600
//   OIDC_ID_TOKEN_TTL               seconds, default 3600
//   OIDC_JWKS_FILE                  optional: a JSON Web Key Set file of *private* keys to sign with
//                                   (the first RS256 key signs). Without it one RS256 key is
//                                   generated at start.
//
// The client: token_endpoint_auth_method client_secret_basic, and client_secret_post is accepted
// too (oidc-provider treats the two as interchangeable); grant types authorization_code and
// refresh_token; response type code; PKCE required, S256 only; scopes openid email profile groups
// offline_access.
//
// Users (the `sub` is the short name, not the email):
//   alice@example.com / alice-password  sub "alice", name "Alice Example", groups ["ml-team"]
//   bob@example.com   / bob-password    sub "bob",   name "Bob Example",   groups ["platform"]
// Claims: scope email -> email, email_verified; profile -> name; groups -> groups. They are in the
// ID token as well as in userinfo (conformIdTokenClaims: false).
//
// Refresh tokens: issued on every authorization-code exchange (the grant type refresh_token is
// enough; neither offline_access nor prompt=consent is needed). Without offline_access they end
// with the provider session, i.e. at RP-initiated logout; with offline_access (which oidc-provider
// only honours together with prompt=consent) they outlive it. They are not rotated: a refresh
// returns the same refresh_token value.
//
// Login and consent: there is NO consent page. The login page (GET /interaction/<uid>) checks the
// password; after a correct one the requested scopes and claims are granted automatically (a Grant
// is created in code, in loadExistingGrant; an explicit prompt=consent is answered the same way
// without showing a page). A wrong password re-renders the form with status 401 and the visible
// message "Invalid email or password.".
//
// The login page (selectors):
//   form#login-form               method=post, action=/interaction/<uid>
//   input[name=login]             (id=login, type=text; the email address, case-insensitive)
//   input[name=password]          (id=password, type=password)
//   button[type=submit]           (id=submit, text "Sign in")
//   p.error[role=alert]           (only after a failure: "Invalid email or password.")
//   a#cancel                      /interaction/<uid>/abort: ends the request with access_denied
//
// Logout (RP-initiated logout, end_session_endpoint = <issuer>/session/end): GET it with
// id_token_hint (or client_id) and post_logout_redirect_uri (and state). With a signed-in session
// it answers a page with
//   <form id="op.logoutForm" method="post" action="/session/end/confirm">
//     <input type="hidden" name="xsrf" value="...">
//     <button type="submit" name="logout" value="yes" id="logout-yes">Yes, sign me out</button>
//     <button type="submit" id="logout-no">No, stay signed in</button>
//   </form>
// a plain submit of "Yes" (POST xsrf=...&logout=yes) ends the session and redirects (303) to the
// post_logout_redirect_uri (with state), or shows "Signed out" when none was given. Without a
// session the provider answers an auto-submitting form instead (no button to press).
//
// Key rotation (test harness only): POST /test/rotate-keys generates a new RS256 key with a new
// kid; newly issued tokens are signed with it at once and /jwks lists it first. The previous
// signing key stays in the JWKS after it (verification only: old ID tokens still work as
// id_token_hint); POST /test/rotate-keys?retain_previous=0 drops it so the JWKS holds only the new
// key. The answer is JSON: {"kid": "<new>", "previous_kid": "<old>", "kids": [...]}. It works by
// building a new Provider with the new keys and swapping it in; sessions, grants and tokens survive
// (they live in oidc-provider's module-level in-memory store, and the cookie keys are kept).
//
// Signing in without a browser (what selftest.mjs does; a Rust test can do the same):
//   1. Make a PKCE pair: verifier = 32 random bytes base64url; challenge = base64url(sha256(verifier)).
//   2. GET <issuer>/auth?client_id=capstan&response_type=code&scope=openid%20email%20profile%20groups
//        &redirect_uri=<uri>&state=<s>&nonce=<n>&code_challenge=<c>&code_challenge_method=S256
//      without following redirects. Keep every Set-Cookie (a simple name->value jar is enough; the
//      cookies are _interaction, _interaction.sig, _interaction_resume, _interaction_resume.sig,
//      _session, _session.sig, scoped to different paths, but sending all of them everywhere is
//      fine). The answer is 303 to /interaction/<uid>.
//   3. (Optional) GET /interaction/<uid> with the cookies: the login form.
//   4. POST /interaction/<uid> with the cookies, Content-Type application/x-www-form-urlencoded,
//      body login=alice%40example.com&password=alice-password. Right password: 303 to
//      <issuer>/auth/<uid>. Wrong password: 401 with the form and the error message.
//   5. GET that Location with the cookies (store the new ones): 303 to
//      <redirect_uri>?code=...&state=...&iss=... (stop there; do not fetch the client's URI).
//   6. POST <issuer>/token with HTTP Basic client_id:client_secret (or client_id and client_secret
//      in the body), grant_type=authorization_code, code, redirect_uri, code_verifier.
//   A second authorization request with the same cookie jar skips the login (SSO session).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';

import Provider from 'oidc-provider';

// oidc-provider writes its notices with console.info (stdout); stdout carries only the ready line.
console.info = (...args) => console.error(...args);
console.log = (...args) => console.error(...args);

function fail(message) {
  process.stderr.write(`oidc-provider: ${message}\n`);
  process.exit(2);
}

function list(value) {
  return (value || '').split(',').map((s) => s.trim()).filter(Boolean);
}

function seconds(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) fail(`${name} must be a positive whole number of seconds, got ${JSON.stringify(raw)}`);
  return n;
}

const PORT_RAW = process.env.OIDC_PORT;
if (PORT_RAW === undefined || PORT_RAW === '' || !/^\d+$/.test(PORT_RAW) || Number(PORT_RAW) > 65535) {
  fail(`OIDC_PORT must be a port number (0 picks a free one), got ${JSON.stringify(PORT_RAW)}`);
}
const CLIENT_ID = process.env.OIDC_CLIENT_ID || 'capstan';
const CLIENT_SECRET = process.env.OIDC_CLIENT_SECRET || 'capstan-test-secret';
const REDIRECT_URIS = list(process.env.OIDC_REDIRECT_URIS);
if (REDIRECT_URIS.length === 0) fail('OIDC_REDIRECT_URIS is required (comma-separated redirect URIs)');
const POST_LOGOUT_REDIRECT_URIS = list(process.env.OIDC_POST_LOGOUT_REDIRECT_URIS);
const ACCESS_TOKEN_TTL = seconds('OIDC_ACCESS_TOKEN_TTL', 3600);
const ID_TOKEN_TTL = seconds('OIDC_ID_TOKEN_TTL', 3600);

const USERS = [
  {
    sub: 'alice', email: 'alice@example.com', password: 'alice-password', name: 'Alice Example', groups: ['ml-team'],
  },
  {
    sub: 'bob', email: 'bob@example.com', password: 'bob-password', name: 'Bob Example', groups: ['platform'],
  },
];

// ---------------------------------------------------------------------------------------- keys

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = `capstan-test-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  return {
    ...jwk, kid, alg: 'RS256', use: 'sig',
  };
}

function loadJwksFile(path) {
  let jwks;
  try {
    jwks = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    fail(`OIDC_JWKS_FILE ${path}: ${err.message}`);
  }
  if (!jwks || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    fail(`OIDC_JWKS_FILE ${path}: expected a JSON Web Key Set {"keys": [...]} of private keys`);
  }
  return jwks.keys;
}

let signingKeys = process.env.OIDC_JWKS_FILE ? loadJwksFile(process.env.OIDC_JWKS_FILE) : [newSigningKey()];

// Kept across key rotations so that sessions (signed cookies) survive a provider swap.
const COOKIE_KEYS = [randomBytes(32).toString('hex')];

// ---------------------------------------------------------------------------------------- pages

function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  }[c]));
}

// No external fonts or scripts: these pages must load in an offline browser.
const STYLE = `body{font-family:system-ui,sans-serif;margin:40px auto;max-width:320px;padding:0 16px}
h1{font-size:1.4em;font-weight:500}label{display:block;margin:12px 0 4px}
input{width:100%;box-sizing:border-box;padding:8px;font-size:1em}
button{margin-top:16px;width:100%;padding:8px;font-size:1em;cursor:pointer}
.error{color:#b00020}.muted{color:#666;font-size:.85em}`;

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
${body}
</body>
</html>
`;
}

function loginPage({
  uid, clientName, login, error,
}) {
  return page('Sign in - Capstan test OpenID provider', `<h1>Sign in</h1>
<p class="muted">to continue to <strong>${esc(clientName)}</strong></p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${esc(uid)}" autocomplete="off">
  <label for="login">Email</label>
  <input id="login" name="login" type="text" autocomplete="username" value="${esc(login)}" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button id="submit" type="submit">Sign in</button>
</form>
<p><a id="cancel" href="/interaction/${esc(uid)}/abort">Cancel</a></p>`);
}

async function logoutSource(ctx, form) {
  // `form` is `<form id="op.logoutForm" method="post" action="..."><input type="hidden" name="xsrf" ...></form>`;
  // the buttons go inside it so that a plain form submit works.
  const withButtons = form.replace('</form>', `
  <button id="logout-yes" type="submit" name="logout" value="yes" autofocus>Yes, sign me out</button>
  <button id="logout-no" type="submit">No, stay signed in</button>
</form>`);
  ctx.type = 'html';
  ctx.body = page('Sign out - Capstan test OpenID provider', `<h1>Sign out of ${esc(ctx.host)}?</h1>
${withButtons}`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out - Capstan test OpenID provider', '<h1>Signed out</h1><p id="signed-out">You are signed out.</p>');
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Error - Capstan test OpenID provider', `<h1>Something went wrong</h1>
${Object.entries(out).map(([k, v]) => `<p class="error"><strong>${esc(k)}</strong>: ${esc(v)}</p>`).join('\n')}`);
}

// ---------------------------------------------------------------------------------------- provider

async function findAccount(ctx, sub) {
  const user = USERS.find((u) => u.sub === sub);
  if (!user) return undefined;
  return {
    accountId: user.sub,
    async claims() {
      return {
        sub: user.sub,
        email: user.email,
        email_verified: true,
        name: user.name,
        groups: [...user.groups],
      };
    },
  };
}

// Auto-consent: whenever oidc-provider looks for the (client, account) grant, make sure it holds
// every scope and claim of this request, so the consent prompt never asks.
async function loadExistingGrant(ctx) {
  const { oidc } = ctx;
  const accountId = oidc.account?.accountId ?? oidc.session.accountId;
  const clientId = oidc.client.clientId;
  const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(clientId);
  let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!grant || grant.accountId !== accountId || grant.clientId !== clientId) {
    grant = new oidc.provider.Grant({ accountId, clientId });
  }
  grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
  const claims = [...oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  await grant.save();
  return grant;
}

function makeProvider(issuer) {
  const client = {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    client_name: 'Capstan',
    redirect_uris: REDIRECT_URIS,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    scope: 'openid email profile groups offline_access',
  };
  if (POST_LOGOUT_REDIRECT_URIS.length) client.post_logout_redirect_uris = POST_LOGOUT_REDIRECT_URIS;

  const provider = new Provider(issuer, {
    clients: [client],
    jwks: { keys: signingKeys },
    findAccount,
    loadExistingGrant,
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    conformIdTokenClaims: false,
    issueRefreshToken: async (ctx, c) => c.grantTypeAllowed('refresh_token'),
    pkce: { methods: ['S256'], required: () => true },
    responseTypes: ['code'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    cookies: {
      keys: COOKIE_KEYS,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      revocation: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
    },
    renderError,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      IdToken: ID_TOKEN_TTL,
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
  });

  for (const event of ['server_error', 'authorization.error', 'grant.error', 'end_session.error', 'userinfo.error', 'revocation.error']) {
    provider.on(event, (ctx, err) => {
      const detail = [err?.error_description, err?.error_detail].filter(Boolean).join(': ');
      process.stderr.write(`oidc-provider ${event}: ${err?.message}${detail ? ` (${detail})` : ''}\n`);
    });
  }
  return provider;
}

// ---------------------------------------------------------------------------------------- http

let provider; // the current Provider; replaced by /test/rotate-keys
let handler; // provider.callback()

function readForm(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, {
    'Content-Type': type, 'Cache-Control': 'no-store', ...headers,
  });
  res.end(body);
}

async function clientName(clientId) {
  const c = await provider.Client.find(clientId);
  return c?.clientName || clientId;
}

// Grants what the consent prompt asks for and finishes the interaction (no page).
async function autoConsent(req, res, details) {
  const { prompt: { details: missing }, params, session } = details;
  let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  if (!grant) grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function interaction(req, res, uid, action) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    send(res, 400, 'text/html; charset=utf-8', page('Error', `<h1>Sign-in session not found</h1><p class="error">${esc(err.message)}. Start again from the application.</p>`));
    return;
  }
  if (details.uid !== uid) {
    send(res, 400, 'text/html; charset=utf-8', page('Error', '<h1>Sign-in session mismatch</h1><p class="error">Start again from the application.</p>'));
    return;
  }

  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }

  if (details.prompt.name === 'consent') {
    await autoConsent(req, res, details);
    return;
  }
  if (details.prompt.name !== 'login') {
    send(res, 501, 'text/plain; charset=utf-8', `unsupported prompt ${details.prompt.name}\n`);
    return;
  }

  const name = await clientName(details.params.client_id);
  if (req.method === 'GET') {
    send(res, 200, 'text/html; charset=utf-8', loginPage({ uid, clientName: name, login: details.params.login_hint || '' }));
    return;
  }

  const form = await readForm(req);
  const login = (form.get('login') || '').trim();
  const password = form.get('password') || '';
  const user = USERS.find((u) => u.email === login.toLowerCase() && u.password === password);
  if (!user) {
    send(res, 401, 'text/html; charset=utf-8', loginPage({
      uid, clientName: name, login, error: 'Invalid email or password.',
    }));
    return;
  }
  await provider.interactionFinished(req, res, {
    login: { accountId: user.sub, amr: ['pwd'] },
  }, { mergeWithLastSubmission: false });
}

function rotateKeys(retainPrevious) {
  const key = newSigningKey();
  const previous = signingKeys[0];
  signingKeys = retainPrevious ? [key, previous] : [key];
  const next = makeProvider(provider.issuer);
  provider = next;
  handler = next.callback();
  return { kid: key.kid, previous_kid: previous.kid, kids: signingKeys.map((k) => k.kid) };
}

async function route(req, res) {
  if (!handler) {
    send(res, 503, 'text/plain; charset=utf-8', 'starting\n');
    return;
  }
  const url = new URL(req.url, 'http://placeholder');
  const m = /^\/interaction\/([^/]+)(\/abort)?\/?$/.exec(url.pathname);
  if (m) {
    const action = m[2] ? 'abort' : 'login';
    if (req.method === 'GET' || (req.method === 'POST' && action === 'login')) {
      await interaction(req, res, m[1], action);
    } else {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: action === 'abort' ? 'GET' : 'GET, POST' });
    }
    return;
  }
  if (url.pathname === '/test/rotate-keys') {
    if (req.method !== 'POST') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'POST' });
      return;
    }
    const retain = !['0', 'false', 'no'].includes((url.searchParams.get('retain_previous') || '').toLowerCase());
    const result = rotateKeys(retain);
    process.stderr.write(`oidc-provider: rotated signing key to ${result.kid} (jwks: ${result.kids.join(', ')})\n`);
    send(res, 200, 'application/json', `${JSON.stringify(result)}\n`);
    return;
  }
  handler(req, res);
}

const server = http.createServer((req, res) => {
  route(req, res).catch((err) => {
    process.stderr.write(`oidc-provider: ${req.method} ${req.url}: ${err.stack || err}\n`);
    if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
    else res.destroy();
  });
});

server.on('error', (err) => fail(`cannot listen on 127.0.0.1:${PORT_RAW}: ${err.message}`));

server.listen(Number(PORT_RAW), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = (process.env.OIDC_ISSUER || `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  let parsed;
  try {
    parsed = new URL(issuer);
  } catch {
    fail(`OIDC_ISSUER is not a URL: ${JSON.stringify(issuer)}`);
  }
  if (parsed.pathname !== '/' || parsed.search || parsed.hash) {
    fail(`OIDC_ISSUER must be an origin without a path (got ${issuer})`);
  }
  try {
    provider = makeProvider(issuer);
  } catch (err) {
    fail(`configuration rejected: ${err.message}`);
  }
  handler = provider.callback();
  process.stdout.write(`oidc-provider ready ${issuer}\n`);
});

function shutdown(signal) {
  process.stderr.write(`oidc-provider: ${signal}, shutting down\n`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
