// @ts-check
/**
 * A loopback stand-in for GitHub's OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL): it checks the
 * bearer token, records the audience asked for, and answers {"value": "<jwt>"} — after `delayMs`, as a
 * distant service would — or, when `fault` says so, with an error status, a reset, or never.
 */
const http = require('node:http');
const { randomBytes } = require('node:crypto');

/** @param {object} value */
const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned-looking JWT with the given claims (nobody here verifies signatures). */
function makeJwt(/** @type {Record<string, unknown>} */ claims, lifetime = 300) {
  const now = Math.floor(Date.now() / 1000);
  return [
    b64url({ alg: 'RS256', typ: 'JWT', kid: 'test' }),
    b64url({
      iss: 'https://token.actions.githubusercontent.com',
      iat: now,
      nbf: now,
      exp: now + lifetime,
      ...claims,
    }),
    randomBytes(32).toString('base64url'),
  ].join('.');
}

/** The claims GitHub puts in a job's token, for a repository and ref. */
function githubClaims(/** @type {string} */ audience) {
  return {
    aud: audience,
    sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    repository: 'octo-org/octo-repo',
    ref: 'refs/heads/main',
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
  };
}

/**
 * What to do with a token request instead of answering it: an HTTP status (with an optional JSON body),
 * a connection reset, or no answer at all (the connection is held open until the server closes).
 * @typedef {undefined | { status: number, body?: string } | { reset: true } | { hang: true }} OidcFault
 */

/**
 * @typedef {object} OidcServer
 * @property {Record<string, string>} env  ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN for the child
 * @property {string} url        the server's base URL (http://127.0.0.1:<port>)
 * @property {{ audience: string | null, authorized: boolean, userAgent: string | undefined, accept: string | undefined }[]} requests
 * @property {string[]} issued   every token handed out
 * @property {number[]} lifetimes  seconds of validity for the next tokens, used up in order (then 300)
 * @property {((index: number) => OidcFault) | undefined} fault  set to answer request `index` (0-based,
 *   counted over the server's life) with a fault
 * @property {number} delayMs  added before every answer (faults included), like a distant service's latency
 * @property {() => Promise<void>} close
 */

/** @returns {Promise<OidcServer>} */
function startOidc() {
  const requestToken = `req-${randomBytes(12).toString('hex')}`;
  /** @type {OidcServer['requests']} */
  const requests = [];
  /** @type {string[]} */
  const issued = [];
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const authorized = req.headers.authorization === `Bearer ${requestToken}`;
    const audience = url.searchParams.get('audience');
    const asked = { audience, authorized, userAgent: req.headers['user-agent'], accept: req.headers.accept };
    const index = requests.push(asked) - 1;
    const fault = handle.fault?.(index);
    if (fault && 'hang' in fault) return; // never answered; closed with the server
    if (handle.delayMs > 0) setTimeout(() => answer(req, res, { ...asked, fault }), handle.delayMs);
    else answer(req, res, { ...asked, fault });
  });
  /**
   * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
   * @param {{ audience: string | null, authorized: boolean, fault: OidcFault }} asked
   */
  function answer(req, res, { audience, authorized, fault }) {
    if (fault && 'reset' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, { 'Content-Type': 'application/json' });
      res.end(fault.body ?? '{"message":"fault injected by the test"}');
      return;
    }
    if (!authorized) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"message":"bad bearer token"}');
      return;
    }
    const token = makeJwt(
      githubClaims(audience ?? 'https://github.com/octo-org'),
      handle.lifetimes.shift() ?? 300,
    );
    issued.push(token);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ value: token }));
  }
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  /** @type {OidcServer} */
  const handle = {
    env: {},
    url: '',
    requests,
    issued,
    lifetimes: [],
    fault: undefined,
    delayMs: 0,
    close: () =>
      new Promise((r) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => r());
      }),
  };
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      handle.url = `http://127.0.0.1:${port}`;
      handle.env = {
        ACTIONS_ID_TOKEN_REQUEST_URL: `${handle.url}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
      };
      resolve(handle);
    });
  });
}

module.exports = { startOidc, makeJwt, githubClaims };
