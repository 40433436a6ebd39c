/**
 * GitHub's OIDC token request, held to the discipline of an AWS request: a per-attempt timeout, retries
 * with backoff on timeouts, resets and 5xx (each logged), a refusal final, the proxy variables obeyed,
 * and action-timeout-s naming who did not answer.
 */
import { ROLE } from '../fixtures/inputs';
import { startTlsFront, type TlsFront } from '../harness/tls';
import { expectFailure, expectNoLeaks, expectSuccess, useStack } from './stack';

const stack = useStack();
const inputs = (more: Record<string, string> = {}) => ({
  'aws-region': 'eu-west-1',
  'sts-endpoint': stack.proxy.url,
  'role-to-assume': ROLE,
  ...more,
});
const SERVICE = "GitHub's OIDC token service";
let before = 0;
beforeEach(() => {
  before = stack.oidc.requests.length;
});
const tokenRequests = () => stack.oidc.requests.length - before;

/** The token retries the step logged, as `<what failed> -> attempt N of M`. */
const retriesLogged = (result: { stdout: string }) =>
  [
    ...result.stdout.matchAll(
      /^GitHub's OIDC token service (.+)\. Retrying in \d+ ms \(attempt (\d+) of (\d+)\)\.$/gm,
    ),
  ].map(([, what, attempt, of]) => `${what} -> attempt ${attempt} of ${of}`);

/**
 * A hung token service costs at most, with the default 12 attempts: 12 × 5 s to answer, plus the
 * backoff before each of the 11 retries (ceilings 0.1, 0.2, 0.4, ... capped at 5 s: 36.3 s in all).
 */
const HUNG_BOUND_MS = 12 * 5_000 + 36_300;

describe('a token service that accepts and never answers', () => {
  test('default settings: 12 attempts of 5 s, each retry logged, then one plain line naming it', async () => {
    stack.oidc.fault = () => ({ hang: true });
    const result = await stack.job(stack.oidc.env).main(inputs(), {}, { timeoutMs: 170_000 });
    const message = expectFailure(result);
    expect(message).toBe(
      'Could not get a GitHub OIDC token for audience "sts.amazonaws.com": ' +
        `${SERVICE} did not answer within 5 s, 12 attempts in all. The runner offered a token, so the job ` +
        "has the permission: GitHub's token service refused or failed the request.",
    );
    expect(retriesLogged(result)).toEqual(
      Array.from({ length: 11 }, (_, i) => `did not answer within 5 s -> attempt ${i + 2} of 12`),
    );
    expect(tokenRequests()).toBe(12);
    expect(stack.proxy.requests).toEqual([]);
    // A correctness bound (the step ends on its own, in the time the policy allows), not a benchmark.
    expect(result.durationMs).toBeLessThan(HUNG_BOUND_MS + 15_000);
  }, 180_000);

  test('action-timeout-s: 10 -> fails at the deadline, naming the token service, nothing exported', async () => {
    stack.oidc.fault = () => ({ hang: true });
    const result = await stack.job(stack.oidc.env).main(inputs({ 'action-timeout-s': '10' }));
    const message = expectFailure(result);
    expect(message).toBe(
      `action-timeout-s: the step did not finish within 10 s (${SERVICE} did not answer in time); ` +
        'no credentials were exported.',
    );
    expect(retriesLogged(result)[0]).toBe('did not answer within 5 s -> attempt 2 of 12');
    expect(stack.proxy.requests).toEqual([]);
    expect(result.durationMs).toBeLessThan(25_000);
  }, 60_000);
});

describe('retried where retrying helps, final where it cannot', () => {
  test('503 twice, then a token: success, two retries logged', async () => {
    stack.oidc.fault = (index) => (index - before < 2 ? { status: 503 } : undefined);
    const result = await stack.job(stack.oidc.env).main(inputs());
    expectSuccess(result);
    expect(retriesLogged(result)).toEqual([
      'answered HTTP 503: fault injected by the test -> attempt 2 of 12',
      'answered HTTP 503: fault injected by the test -> attempt 3 of 12',
    ]);
    expect(tokenRequests()).toBe(3);
    // Each attempt asks as the runner's toolkit does: the bearer, JSON, and a User-Agent.
    for (const asked of stack.oidc.requests.slice(before))
      expect(asked).toEqual({
        audience: 'sts.amazonaws.com',
        authorized: true,
        userAgent: 'actions/oidc-client aws-credentials-gate',
        accept: 'application/json',
      });
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['AssumeRoleWithWebIdentity']);
    expect(stack.proxy.requests[0]?.params.WebIdentityToken).toBe(stack.oidc.issued.at(-1));
    expectNoLeaks(result, stack.oidc.issued.at(-1));
  });

  test('a reset connection is retried', async () => {
    stack.oidc.fault = (index) => (index === before ? { reset: true } : undefined);
    const result = await stack.job(stack.oidc.env).main(inputs());
    expectSuccess(result);
    expect(retriesLogged(result)).toEqual([
      'closed the connection without an answer (ECONNRESET) -> attempt 2 of 12',
    ]);
    expect(tokenRequests()).toBe(2);
  });

  test.each([401, 403])('%i is final: one request, no retry, the refusal said plainly', async (status) => {
    stack.oidc.fault = () => ({ status, body: '{"message":"no"}' });
    const result = await stack.job(stack.oidc.env).main(inputs());
    const message = expectFailure(result);
    expect(message).toContain(`${SERVICE} refused the request (HTTP ${status}: no).`);
    expect(retriesLogged(result)).toEqual([]);
    expect(tokenRequests()).toBe(1);
    expect(stack.proxy.requests).toEqual([]);
  });
});

// GitHub's token service is HTTPS: here an HTTPS front (self-signed, trusted through NODE_EXTRA_CA_CERTS)
// stands before the stand-in, by name (localhost), as the real one is.
describe('behind a proxy', () => {
  let front: TlsFront;
  beforeAll(async () => {
    front = await startTlsFront(stack.oidc.url);
  });
  afterAll(() => front?.close());
  const oidcOverTls = () => ({
    ...stack.oidc.env,
    ACTIONS_ID_TOKEN_REQUEST_URL: `${front.namedUrl}/token?api-version=2.0`,
    NODE_EXTRA_CA_CERTS: front.caFile,
  });

  test('HTTPS_PROXY: the token request goes through it (a CONNECT tunnel)', async () => {
    const result = await stack.job({ ...oidcOverTls(), HTTPS_PROXY: stack.proxy.url }).main(inputs());
    expectSuccess(result);
    expect(stack.proxy.tunnels).toEqual([new URL(front.namedUrl).host]);
    expect(tokenRequests()).toBe(1);
    expect(stack.proxy.requests.map((r) => [r.operation, r.viaProxy])).toEqual([
      ['AssumeRoleWithWebIdentity', false],
    ]);
    expectNoLeaks(result, stack.oidc.issued.at(-1));
  });

  test("the no-proxy input '*': the token request goes direct, as the AWS requests do", async () => {
    const env = { ...oidcOverTls(), HTTPS_PROXY: stack.proxy.url };
    const result = await stack.job(env).main({ ...inputs(), 'no-proxy': '*' });
    expectSuccess(result);
    expect(stack.proxy.tunnels).toEqual([]);
    expect(tokenRequests()).toBe(1);
    expectNoLeaks(result, stack.oidc.issued.at(-1));
  });

  test('NO_PROXY naming its host: the token request goes direct', async () => {
    const env = { ...oidcOverTls(), HTTPS_PROXY: stack.proxy.url, NO_PROXY: 'localhost' };
    const result = await stack.job(env).main(inputs());
    expectSuccess(result);
    expect(stack.proxy.tunnels).toEqual([]);
    expect(tokenRequests()).toBe(1);
  });
});

test('action-timeout-s names STS when STS is the one that did not answer', async () => {
  stack.proxy.fault = () => ({ hang: true });
  const result = await stack.job(stack.oidc.env).main(inputs({ 'action-timeout-s': '3' }));
  expect(expectFailure(result)).toBe(
    'action-timeout-s: the step did not finish within 3 s (STS did not answer in time); ' +
      'no credentials were exported.',
  );
  expect(tokenRequests()).toBe(1);
}, 30_000);
