// A real OpenID provider for the tests and for `make sso-dev`: the npm package oidc-provider (OpenID Certified),
// with its own login page (a username and a password, checked against the users of the configuration) and
// consent taken as given (the platform is a first-party client).
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG: {"port": 4010, "host": "127.0.0.1",
//          "clients": [oidc-provider client metadata ...],
//          "users": [{"sub", "login", "password", "email", "email_verified", "name", "acrs": [...]}],
//          "acr_values": [...], "keys": [private JWKs, optional: a fresh RSA key is made at each start]}
// It prints "ready <issuer>" once it listens, and serves until it is killed.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const host = config.host || '127.0.0.1';
const port = Number(process.env.OIDC_PROVIDER_PORT || config.port);
const issuer = `http://${host}:${port}`;
const users = config.users || [];

let keys = config.keys;
if (!keys || keys.length === 0) {
  // A new signing key at each start: restarting the provider rotates its key (the tests of key rotation).
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = `k-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  jwk.use = 'sig';
  jwk.alg = 'RS256';
  keys = [jwk];
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

const provider = new Provider(issuer, {
  clients: config.clients || [],
  jwks: { keys },
  acrValues: config.acr_values || [],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'email', 'profile'],
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: { keys: ['test-provider-cookie-key'] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, IdToken: 300, AccessToken: 300, AuthorizationCode: 60 },
  async findAccount(_ctx, sub) {
    const user = users.find((u) => u.sub === sub);
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: user.email, email_verified: Boolean(user.email_verified), name: user.name };
      },
    };
  },
  async loadExistingGrant(ctx) {
    // Consent is taken as given: every client of this provider is first-party.
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const found = await ctx.oidc.provider.Grant.find(grantId);
      if (found) return found;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});
provider.on('server_error', (_ctx, err) => console.error('provider server_error', err));

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(data))));
    req.on('error', reject);
  });
}

function loginForm(uid, error) {
  return page('Test identity provider: sign in', `
${error ? `<p role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
  <p><label for="login">Username</label> <input id="login" name="login" autocomplete="username" required></p>
  <p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit">Continue</button></p>
</form>`);
}

async function interactions(req, res) {
  const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  const details = await provider.interactionDetails(req, res);
  const send = (status, html) => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(html);
  };
  if (details.prompt.name === 'consent') {
    // loadExistingGrant made the grant; anything still missing is granted here.
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const d = details.prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (req.method === 'GET' && !match[2]) {
    return send(200, loginForm(details.uid));
  }
  if (req.method === 'POST' && match[2]) {
    const form = await readForm(req);
    const user = users.find((u) => u.login === form.login && u.password === form.password);
    if (!user) return send(200, loginForm(details.uid, 'Unknown username or wrong password.'));
    // The assurance reached: the first requested acr this person can meet, else the one they always meet.
    const requested = (details.params.acr_values || '').split(' ').filter(Boolean);
    const acrs = user.acrs || [];
    const acr = requested.find((a) => acrs.includes(a)) || acrs[0];
    const login = { accountId: user.sub, amr: ['pwd'] };
    if (acr) login.acr = acr;
    return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
  }
  return send(405, page('Not allowed', '<p>Not allowed.</p>'));
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interactions(req, res).catch((err) => {
      console.error(err);
      res.statusCode = 400;
      res.end(page('Sign-in failed', `<p>${esc(err.message)}</p>`));
    });
    return;
  }
  callback(req, res);
});
server.listen(port, host, () => {
  console.log(`ready ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => { server.close(); process.exit(0); });
}
