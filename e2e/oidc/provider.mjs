#!/usr/bin/env node
// A real OpenID Connect provider for tests, shaped like an Authentik application.
//
// Usage: node e2e/oidc/provider.mjs --port 0 [options]   (see README.md beside this file)
//
// What makes it look like Authentik (slug "homelab"):
// - issuer http://127.0.0.1:<port>/application/o/homelab/ with the trailing slash, and discovery
//   under it; the provider is mounted under that path in an express app.
// - RS256 ID tokens signed with a key generated at start-up (or HS256 with the client secret,
//   Authentik's behaviour when no signing key is selected: `--hs256`).
// - authorization code flow, PKCE S256 required, a confidential client `homelab`.
// - scopes openid/email/profile/offline_access; `groups` (names) comes with `profile` and is put
//   into the ID token together with the other profile claims; `sub` is an opaque hash.
// - `auth_time` in every ID token; refresh tokens only for `offline_access` (without the
//   `prompt=consent` that plain OIDC asks for); an end-session endpoint.
//
// When ready it prints ONE JSON line to stdout: {"issuer","port","client_id","client_secret"}.
// Everything else goes to stderr. SIGTERM/SIGINT close it cleanly; `--exit-with-parent` makes it
// exit by itself when the process that started it has gone (even after a crash or kill -9).

import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import express from 'express';
import Provider from 'oidc-provider';

const DEFAULT_USERS = [
  { username: 'admin', name: 'Homelab Admin', email: 'admin@homelab.test', groups: ['homelab-admins'] },
  { username: 'family', name: 'Family Member', email: 'family@homelab.test', groups: ['family'] },
  { username: 'stranger', name: 'Some Stranger', email: 'stranger@homelab.test', groups: [] },
];

const USAGE = `usage: node provider.mjs [--port N] [--config FILE.json] [options]
  --port N                         port on 127.0.0.1 (0 = a free one; default 0)
  --config FILE                    JSON file with any of the options below in camelCase
                                   (lists: redirectUris, redirectUriRegexes,
                                   postLogoutRedirectUris, users)
  --issuer-path PATH               issuer path (default /application/o/homelab/)
  --client-id ID                   (default homelab)
  --client-secret SECRET           (default: random)
  --redirect-uri URI               allowed redirect URI, exact match (repeatable)
  --redirect-uri-regex RE          allowed redirect URI, full regex match like Authentik's
                                   "regex" mode (repeatable)
  --post-logout-redirect-uri URI   allowed post-logout redirect URI (repeatable)
  --post-logout-redirect-uri-regex RE   same, as a full regex match (repeatable)
  --id-token-ttl SECONDS           ID token lifetime (default 300)
  --access-token-ttl SECONDS       access token lifetime (default 300)
  --refresh-token-ttl SECONDS      refresh token lifetime (default 2592000)
  --hs256                          sign ID tokens with HS256 and the client secret
  --signing-key FILE               sign with this RSA private key (PEM) instead of a fresh one,
                                   so tests can make tokens the provider's JWKS vouches for
  --users-file FILE                JSON list of users, read again at every login, token and
                                   refresh, so tests can change a user's groups while running
  --token-endpoint-auth-method M   client_secret_basic (default) or client_secret_post
  --consent                        show a consent page with a "Continue" button
                                   (default: implicit consent, as Authentik's default flow)
  --exit-with-parent               exit when the parent process goes away
  --help`;

function fail(message) {
  process.stderr.write(`provider.mjs: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function readOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      strict: true,
      options: {
        port: { type: 'string' },
        config: { type: 'string' },
        'issuer-path': { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        'redirect-uri-regex': { type: 'string', multiple: true },
        'post-logout-redirect-uri': { type: 'string', multiple: true },
        'post-logout-redirect-uri-regex': { type: 'string', multiple: true },
        'id-token-ttl': { type: 'string' },
        'access-token-ttl': { type: 'string' },
        'refresh-token-ttl': { type: 'string' },
        hs256: { type: 'boolean' },
        'signing-key': { type: 'string' },
        'users-file': { type: 'string' },
        'token-endpoint-auth-method': { type: 'string' },
        consent: { type: 'boolean' },
        'exit-with-parent': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    fail(err.message);
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }

  let file = {};
  if (parsed.config) {
    try {
      file = JSON.parse(readFileSync(parsed.config, 'utf8'));
    } catch (err) {
      fail(`cannot read --config ${parsed.config}: ${err.message}`);
    }
  }
  const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  const opt = { ...file };
  for (const [name, value] of Object.entries(parsed)) {
    if (name !== 'config' && value !== undefined) {
      opt[camel(name)] = value;
    }
  }
  // The config file names lists in the plural; command-line lists replace them.
  for (const [cli, plural] of [
    ['redirectUri', 'redirectUris'],
    ['redirectUriRegex', 'redirectUriRegexes'],
    ['postLogoutRedirectUri', 'postLogoutRedirectUris'],
    ['postLogoutRedirectUriRegex', 'postLogoutRedirectUriRegexes'],
  ]) {
    if (opt[cli] !== undefined) {
      opt[plural] = opt[cli];
      delete opt[cli];
    }
    opt[plural] = opt[plural] ?? [];
  }

  const seconds = (name, fallback) => {
    const value = Number(opt[name] ?? fallback);
    if (!Number.isInteger(value) || value <= 0) {
      fail(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive integer`);
    }
    return value;
  };
  const port = Number(opt.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail('--port must be a port number');
  }
  let issuerPath = String(opt.issuerPath ?? '/application/o/homelab/');
  if (!issuerPath.startsWith('/')) issuerPath = `/${issuerPath}`;
  if (!issuerPath.endsWith('/')) issuerPath = `${issuerPath}/`;
  if (issuerPath === '/') fail('--issuer-path must not be the root');

  const method = opt.tokenEndpointAuthMethod ?? 'client_secret_basic';
  if (!['client_secret_basic', 'client_secret_post'].includes(method)) {
    fail('--token-endpoint-auth-method must be client_secret_basic or client_secret_post');
  }
  if (opt.redirectUris.length === 0 && opt.redirectUriRegexes.length === 0) {
    fail('give at least one --redirect-uri or --redirect-uri-regex');
  }
  const regexes = (list) => list.map((source) => {
    try {
      return new RegExp(`^(?:${source})$`);
    } catch (err) {
      return fail(`bad regex ${source}: ${err.message}`);
    }
  });

  const users = new Map(DEFAULT_USERS.map((u) => [u.username, u]));
  addUsers(users, opt.users ?? [], fail);
  if (opt.usersFile) readUsersFile(String(opt.usersFile), fail);

  return {
    port,
    issuerPath,
    clientId: String(opt.clientId ?? 'homelab'),
    clientSecret: String(opt.clientSecret ?? randomBytes(32).toString('hex')),
    redirectUris: opt.redirectUris,
    redirectUriRegexes: regexes(opt.redirectUriRegexes),
    postLogoutRedirectUris: opt.postLogoutRedirectUris,
    postLogoutRedirectUriRegexes: regexes(opt.postLogoutRedirectUriRegexes),
    idTokenTtl: seconds('idTokenTtl', 300),
    accessTokenTtl: seconds('accessTokenTtl', 300),
    refreshTokenTtl: seconds('refreshTokenTtl', 30 * 24 * 3600),
    hs256: Boolean(opt.hs256),
    signingKey: opt.signingKey ? String(opt.signingKey) : undefined,
    usersFile: opt.usersFile ? String(opt.usersFile) : undefined,
    tokenEndpointAuthMethod: method,
    consent: Boolean(opt.consent),
    exitWithParent: Boolean(opt.exitWithParent),
    users,
  };
}

function addUsers(users, list, onError) {
  if (!Array.isArray(list)) return onError('users must be a list');
  for (const user of list) {
    if (!user?.username) return onError('every user needs a username');
    users.set(user.username, {
      name: user.username, email: `${user.username}@homelab.test`, groups: [], ...user,
    });
  }
  return users;
}

function readUsersFile(file, onError) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return onError(`cannot read --users-file ${file}: ${err.message}`);
  }
}

const opts = readOptions();

// The users as of now: built-in, from --config, then --users-file read again each time (a file
// being rewritten by a test keeps the last good list).
let lastFileUsers = [];
function currentUsers() {
  const users = new Map(opts.users);
  if (opts.usersFile) {
    const list = readUsersFile(opts.usersFile, (message) => {
      process.stderr.write(`provider.mjs: ${message}; keeping the previous list\n`);
      return lastFileUsers;
    });
    if (addUsers(new Map(), list, () => undefined)) lastFileUsers = list;
    addUsers(users, lastFileUsers, () => undefined);
  }
  return users;
}

// Authentik's default subject mode is a hash: opaque and stable for a user.
const subjectOf = (username) => createHash('sha256').update(username).digest('hex');
const accountOf = (sub) => [...currentUsers().values()].find((u) => subjectOf(u.username) === sub);

function signingKey() {
  const privateKey = opts.signingKey
    ? createPrivateKey(readFileSync(opts.signingKey, 'utf8'))
    : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<main>
<h1>${esc(title)}</h1>
${body}
</main>
</body>
</html>`;
}

// Anchored regex matching like Authentik's "regex" redirect URI mode, on top of exact matches.
function allowedBy(regexes, original) {
  return function allowed(value) {
    return original.call(this, value) || regexes.some((re) => re.test(value));
  };
}

function configuration() {
  return {
    clients: [{
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
      client_name: 'Homelab',
      // The client model needs one valid redirect URI even when only regexes are given.
      redirect_uris: opts.redirectUris.length ? opts.redirectUris : ['http://127.0.0.1/unused-redirect'],
      post_logout_redirect_uris: opts.postLogoutRedirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: opts.tokenEndpointAuthMethod,
      id_token_signed_response_alg: opts.hs256 ? 'HS256' : 'RS256',
      require_auth_time: true,
    }],
    jwks: { keys: [signingKey()] },
    cookies: {
      keys: [randomBytes(32).toString('hex')],
      // Authentik's own cookie name; kept distinct from anything the app sets on 127.0.0.1.
      names: {
        session: 'authentik_session',
        interaction: 'authentik_interaction',
        resume: 'authentik_interaction_resume',
      },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'preferred_username', 'nickname', 'groups'],
    },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    conformIdTokenClaims: false,
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => true },
    enabledJWA: {
      // Authentik advertises the one algorithm it signs with.
      idTokenSigningAlgValues: [opts.hs256 ? 'HS256' : 'RS256'],
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      revocation: { enabled: true },
      introspection: { enabled: true },
      pushedAuthorizationRequests: { enabled: false },
    },
    responseTypes: ['code'],
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Implicit consent, as Authentik's default authorization flow: every requested scope is granted.
    loadExistingGrant: opts.consent ? undefined : implicitGrant,
    async findAccount(_ctx, sub) {
      const user = accountOf(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            name: user.name,
            given_name: user.name,
            preferred_username: user.username,
            nickname: user.username,
            email: user.email,
            email_verified: true,
            groups: user.groups,
          };
        },
      };
    },
    ttl: {
      AccessToken: opts.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: opts.idTokenTtl,
      RefreshToken: opts.refreshTokenTtl,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 30 * 24 * 3600,
    },
    clientBasedCORS: () => false,
    renderError,
  };
}

async function implicitGrant(ctx) {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
  const grant = grantId
    ? await oidc.provider.Grant.find(grantId)
    : new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
  if (oidc.params.scope) grant.addOIDCScope(oidc.params.scope);
  if (oidc.claims && Object.keys(oidc.claims).length) grant.addOIDCClaims(Object.keys(oidc.claims));
  await grant.save();
  return grant;
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Error', `<p data-test-error="${esc(out.error)}">${esc(out.error)}</p>
<p>${esc(out.error_description ?? '')}</p>`);
}

// RP-initiated logout: the confirmation form submits itself (Authentik's invalidation flow asks
// nothing); the button stays for browsers without scripts.
async function logoutSource(ctx, form) {
  ctx.type = 'html';
  ctx.body = page('Sign out', `${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<script>
  const form = document.getElementById('op.logoutForm');
  const yes = document.createElement('input');
  yes.type = 'hidden'; yes.name = 'logout'; yes.value = 'yes';
  form.appendChild(yes);
  form.submit();
</script>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<p>You have been signed out.</p>');
}

function loginPage(uid, error) {
  return page('Sign in', `${error ? `<p role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
  <p><label for="username">Username</label>
    <input id="username" name="username" autocomplete="username" autofocus required></p>
  <p><label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password"></p>
  <p><button type="submit">Sign in</button></p>
</form>
<p><a href="/interaction/${esc(uid)}/abort">Cancel</a></p>`);
}

function consentPage(uid, client, scopes) {
  return page(`Continue to ${client.clientName ?? client.clientId}`, `
<p>The application asks for: ${esc(scopes.join(', ') || 'nothing new')}.</p>
<form method="post" action="/interaction/${esc(uid)}/confirm">
  <p><button type="submit">Continue</button></p>
</form>
<p><a href="/interaction/${esc(uid)}/abort">Cancel</a></p>`);
}

async function main() {
  const app = express();
  app.disable('x-powered-by');
  const server = app.listen(opts.port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  const issuer = `${origin}${opts.issuerPath}`;
  const mountPath = opts.issuerPath.slice(0, -1);

  const provider = new Provider(issuer, configuration());
  provider.Client.prototype.redirectUriAllowed = allowedBy(
    opts.redirectUriRegexes,
    provider.Client.prototype.redirectUriAllowed,
  );
  provider.Client.prototype.postLogoutRedirectUriAllowed = allowedBy(
    opts.postLogoutRedirectUriRegexes,
    provider.Client.prototype.postLogoutRedirectUriAllowed,
  );

  // Plain OIDC drops offline_access unless prompt=consent is also sent; Authentik does not ask for
  // it. Adding "consent" to the prompt keeps the scope; with implicit consent nothing is shown.
  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/auth') {
      const query = { ...ctx.query };
      const scopes = String(query.scope ?? '').split(' ');
      const prompts = String(query.prompt ?? '').split(' ').filter(Boolean);
      if (scopes.includes('offline_access') && !prompts.includes('consent') && !prompts.includes('none')) {
        query.prompt = [...prompts, 'consent'].join(' ');
        ctx.query = query;
      }
    }
    await next();
  });

  for (const event of ['server_error', 'authorization.error', 'grant.error', 'end_session.error',
    'userinfo.error', 'introspection.error', 'revocation.error', 'jwks.error', 'discovery.error']) {
    provider.on(event, (_ctx, err) => {
      process.stderr.write(`provider.mjs: ${event}: ${err?.message ?? err}${err?.error_description ? ` (${err.error_description})` : ''}\n`);
    });
  }

  const interaction = express.Router();
  const form = express.urlencoded({ extended: false });
  const noStore = (_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  };

  interaction.get('/:uid', noStore, async (req, res, next) => {
    try {
      const { uid, prompt, params } = await provider.interactionDetails(req, res);
      if (prompt.name === 'login') {
        res.type('html').send(loginPage(uid));
      } else if (prompt.name === 'consent') {
        if (!opts.consent) {
          // Only reached when the client asked for prompt=consent: grant and go on.
          await finishConsent(req, res);
          return;
        }
        const client = await provider.Client.find(params.client_id);
        const scopes = prompt.details.missingOIDCScope ?? [];
        res.type('html').send(consentPage(uid, client, scopes));
      } else {
        res.status(501).type('text').send(`prompt ${prompt.name} not implemented`);
      }
    } catch (err) {
      next(err);
    }
  });

  interaction.post('/:uid/login', noStore, form, async (req, res, next) => {
    try {
      const { uid, prompt } = await provider.interactionDetails(req, res);
      if (prompt.name !== 'login') {
        res.status(400).type('text').send('not a login prompt');
        return;
      }
      const username = String(req.body?.username ?? '').trim();
      if (!currentUsers().has(username)) {
        res.status(200).type('html').send(loginPage(uid, 'Invalid username or password.'));
        return;
      }
      // Any password is accepted.
      await provider.interactionFinished(req, res, {
        login: { accountId: subjectOf(username) },
      }, { mergeWithLastSubmission: false });
    } catch (err) {
      next(err);
    }
  });

  async function finishConsent(req, res) {
    const { prompt: { name, details }, grantId, session, params } = await provider.interactionDetails(req, res);
    if (name !== 'consent') {
      res.status(400).type('text').send('not a consent prompt');
      return;
    }
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    if (details.missingResourceScopes) {
      for (const [indicator, scope] of Object.entries(details.missingResourceScopes)) {
        grant.addResourceScope(indicator, scope.join(' '));
      }
    }
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, {
      mergeWithLastSubmission: true,
    });
  }

  interaction.post('/:uid/confirm', noStore, form, async (req, res, next) => {
    try {
      await finishConsent(req, res);
    } catch (err) {
      next(err);
    }
  });

  interaction.get('/:uid/abort', noStore, async (req, res, next) => {
    try {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
    } catch (err) {
      next(err);
    }
  });

  app.use('/interaction', interaction);
  app.use(mountPath, provider.callback());
  app.get('/', (_req, res) => res.type('text').send(`test OIDC provider, issuer ${issuer}\n`));
  // Errors in the interaction pages, e.g. an expired or unknown interaction (cookie gone).
  app.use((err, _req, res, _next) => {
    process.stderr.write(`provider.mjs: interaction error: ${err.message}\n`);
    res.status(err.statusCode ?? err.status ?? 500).type('html')
      .send(page('Error', `<p data-test-error="${esc(err.error ?? 'server_error')}">${esc(err.error_description ?? err.message)}</p>`));
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.on('error', () => {}); // the reader may close the pipe after the first line

  if (opts.exitWithParent) {
    // Reparenting changes ppid; this catches a parent killed with SIGKILL or a test binary that
    // exits without running destructors (statics are never dropped in Rust).
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop();
    }, 250).unref();
  }

  process.stdout.write(`${JSON.stringify({
    issuer, port, client_id: opts.clientId, client_secret: opts.clientSecret,
  })}\n`);
}

main().catch((err) => {
  process.stderr.write(`provider.mjs: ${err.stack ?? err}\n`);
  process.exit(1);
});
