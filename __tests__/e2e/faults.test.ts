/**
 * Faults moto cannot make — throttling, 5xx, resets, hangs — injected by the loopback proxy in front of it:
 * retried only where retrying helps, never hanging, and the post step puts the job back as it was.
 */
import { KEYS, ROLE, scenariosAt } from '../fixtures/inputs';
import { stsError } from '../harness/proxy';
import { expectFailure, expectNoLeaks, expectSuccess, useStack } from './stack';

const stack = useStack();
const inputs = (more: Record<string, string> = {}) => ({
  ...scenariosAt(stack.proxy.url).keysAndRole,
  ...more,
});
const assumes = () => stack.proxy.count('AssumeRole');

type Fault = NonNullable<ReturnType<NonNullable<typeof stack.proxy.fault>>>;

/** The first `times` requests for `operation` get `fault`, the rest reach moto. */
function failFirst(times: number, fault: Fault, operation = 'AssumeRole') {
  let seen = 0;
  stack.proxy.fault = (r) => (r.operation === operation && seen++ < times ? fault : undefined);
}

/** The retries the step logged, as `<code> -> attempt N of M`. */
const retriesLogged = (result: { stdout: string }) =>
  [
    ...result.stdout.matchAll(
      /^STS request failed with (\S+?)[ .:(].*Retrying in \d+ ms \(attempt (\d+) of (\d+)\)\.$/gm,
    ),
  ].map(([, code, attempt, of]) => `${code} -> attempt ${attempt} of ${of}`);

/** A main step with GitHub OIDC: AssumeRoleWithWebIdentity. */
const mainWithOidc = () =>
  stack
    .job(stack.oidc.env)
    .main({ 'aws-region': 'eu-west-1', 'sts-endpoint': stack.proxy.url, 'role-to-assume': ROLE });

describe('retried, because retrying helps', () => {
  test.each([
    ['Throttling x3', 3, { status: 400, body: stsError('Throttling', 'Rate exceeded') }, 'Throttling'],
    [
      '503 x2',
      2,
      { status: 503, body: stsError('ServiceUnavailable', 'Service unavailable') },
      'ServiceUnavailable',
    ],
    ['connection reset x2', 2, { reset: true } as const, 'ECONNRESET'],
    [
      'RequestLimitExceeded x1',
      1,
      { status: 400, body: stsError('RequestLimitExceeded', 'slow down') },
      'RequestLimitExceeded',
    ],
    ['429 x1', 1, { status: 429, body: stsError('TooManyRequests', 'slow down') }, 'TooManyRequests'],
  ])('%s then success, each retry logged with its reason', async (_name, times, fault, code) => {
    failFirst(times, fault);
    const result = await stack.job().main(inputs());
    expectSuccess(result);
    expect(assumes()).toBe(times + 1);
    expect(retriesLogged(result)).toEqual(
      Array.from({ length: times }, (_, i) => `${code} -> attempt ${i + 2} of 12`),
    );
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
  });

  test('IDPCommunicationError for a web identity is retried', async () => {
    const idpDown = { status: 400, body: stsError('IDPCommunicationError', 'The IdP could not be reached') };
    failFirst(1, idpDown, 'AssumeRoleWithWebIdentity');
    const result = await mainWithOidc();
    expectSuccess(result);
    expect(stack.proxy.count('AssumeRoleWithWebIdentity')).toBe(2);
  });

  test('GitHub OIDC: a token close to expiry is replaced before an attempt sends it', async () => {
    stack.oidc.lifetimes.push(20); // the first token has 20 s left: too little to send
    const before = stack.oidc.issued.length;
    failFirst(1, { status: 400, body: stsError('Throttling', 'Rate exceeded') }, 'AssumeRoleWithWebIdentity');
    const result = await mainWithOidc();
    expectSuccess(result);
    const [stale, fresh] = stack.oidc.issued.slice(before);
    expect(stack.oidc.issued.length - before).toBe(2);
    const sent = stack.proxy.requests.map((r) => r.params.WebIdentityToken);
    expect(sent).toEqual([fresh, fresh]);
    expect(sent).not.toContain(stale);
    expectNoLeaks(result, stale, fresh);
  });

  test('a request that hangs once becomes a retried attempt through the per-request timeout', async () => {
    failFirst(1, { hang: true });
    const result = await stack.job().main(inputs());
    expectSuccess(result);
    expect(assumes()).toBe(2);
    expect(retriesLogged(result)).toEqual(['ETIMEDOUT -> attempt 2 of 12']);
  }, 30_000);
});

describe('bounded, and final where retrying cannot help', () => {
  test('503 forever with retry-max-attempts: 3 -> exactly 3 requests and a clear failure', async () => {
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole'
        ? { status: 503, body: stsError('ServiceUnavailable', 'down') }
        : undefined;
    const result = await stack.job().main(inputs({ 'retry-max-attempts': '3' }));
    const message = expectFailure(result);
    expect(assumes()).toBe(3);
    expect(retriesLogged(result)).toEqual([
      'ServiceUnavailable -> attempt 2 of 3',
      'ServiceUnavailable -> attempt 3 of 3',
    ]);
    expect(message).toContain('ServiceUnavailable (HTTP 503)');
  });

  test('503 forever with action-timeout-s: 3 -> retries stop before the deadline, and the log says why', async () => {
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole'
        ? { status: 503, body: stsError('ServiceUnavailable', 'down') }
        : undefined;
    const result = await stack.job().main(inputs({ 'action-timeout-s': '3', 'retry-max-attempts': '100' }));
    const message = expectFailure(result);
    expect(retriesLogged(result).length).toBeGreaterThan(0);
    // Almost always a wait is refused and the log says so; rarely the deadline passes during an attempt,
    // and then the error names action-timeout-s itself. Either way the reader is told why it stopped.
    const stopped =
      /^STS request failed with ServiceUnavailable \(HTTP 503\): down\. No retry \(attempt \d+ of 100\): its wait would pass the action-timeout-s deadline\.$/m;
    if (!stopped.test(result.stdout)) expect(message).toContain('action-timeout-s');
  });

  test('disable-retry: one attempt', async () => {
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole'
        ? { status: 503, body: stsError('ServiceUnavailable', 'down') }
        : undefined;
    const result = await stack.job().main(inputs({ 'disable-retry': 'true' }));
    expectFailure(result);
    expect(assumes()).toBe(1);
    expect(retriesLogged(result)).toEqual([]);
  });

  test.each([
    [
      'AccessDenied',
      403,
      'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole',
    ],
    ['ValidationError', 400, '1 validation error detected'],
    ['ExpiredToken', 400, 'The security token included in the request is expired'],
    ['MalformedPolicyDocument', 400, 'bad policy'],
    ['RegionDisabledException', 403, 'STS is not activated in this region'],
  ])('%s -> exactly 1 request', async (code, status, message) => {
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole' ? { status, body: stsError(code, message) } : undefined;
    const result = await stack.job({ AWS_ENDPOINT_URL_IAM: stack.proxy.url }).main(inputs());
    const error = expectFailure(result);
    expect(assumes()).toBe(1);
    expect(result.stdout).not.toMatch(/Retrying/);
    expect(error).toContain(code === 'AccessDenied' ? 'may not assume' : code);
  });

  test('InvalidIdentityToken for a web identity -> exactly 1 request', async () => {
    const badToken = {
      status: 400,
      body: stsError('InvalidIdentityToken', 'No OpenIDConnect provider found'),
    };
    failFirst(Number.POSITIVE_INFINITY, badToken, 'AssumeRoleWithWebIdentity');
    const result = await mainWithOidc();
    expect(expectFailure(result)).toContain('InvalidIdentityToken');
    expect(stack.proxy.count('AssumeRoleWithWebIdentity')).toBe(1);
  });

  test('hangs forever with action-timeout-s: 4 -> fails within seconds, nothing exported', async () => {
    stack.proxy.fault = (r) => (r.operation === 'AssumeRole' ? { hang: true } : undefined);
    const result = await stack.job().main(inputs({ 'action-timeout-s': '4' }));
    const message = expectFailure(result);
    expect(message).toContain('action-timeout-s');
    expect(message).toContain('no credentials were exported');
    // Not a timing check: proof that the step ended on its own instead of hanging.
    expect(result.durationMs).toBeLessThan(15_000);
  }, 30_000);
});

describe('an endpoint that does not answer as STS does is told in plain words', () => {
  /** The one ::error:: line: plain words, no SDK internals, one line, one full stop at the end. */
  function expectPlain(message: string): void {
    expect(message).not.toMatch(/\n|\r/);
    expect(message).toMatch(/[^.]\.$/);
    expect(message).not.toMatch(/\.\./);
    expect(message).not.toMatch(/@aws-sdk|@smithy|\$response|Deserialization|Unknown/);
  }
  const PAGE =
    '<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><p>Please sign in<br></body></html>';

  test('a 200 with an HTML page: "answered HTML, not STS", the page itself never shown', async () => {
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole'
        ? { status: 200, body: PAGE, headers: { 'Content-Type': 'text/html; charset=utf-8' } }
        : undefined;
    const result = await stack.job().main(inputs());
    const message = expectFailure(result);
    expect(message).toBe(
      `STS AssumeRole failed while assuming ${ROLE}: the endpoint answered HTML (HTTP 200), not STS.`,
    );
    expectPlain(message);
    expect(`${result.stdout}${result.stderr}`).not.toContain('Please sign in');
    expect(assumes()).toBe(1);
    expectNoLeaks(result, KEYS['aws-secret-access-key']);
  });

  test('a 302: "redirected to <Location>", without its query', async () => {
    const location = 'https://login.example.com/sso/start?session=s3cr3t-redirect-token#frag';
    stack.proxy.fault = (r) =>
      r.operation === 'AssumeRole' ? { status: 302, headers: { Location: location } } : undefined;
    const result = await stack.job().main(inputs());
    const message = expectFailure(result);
    expect(message).toBe(
      `STS AssumeRole failed while assuming ${ROLE}: the endpoint redirected to ` +
        'https://login.example.com/sso/start (HTTP 302) instead of answering as STS does.',
    );
    expectPlain(message);
    expect(`${result.stdout}${result.stderr}`).not.toContain('s3cr3t-redirect-token');
    expect(assumes()).toBe(1);
  });

  test('no answer at all: the timeout in plain words, one full stop', async () => {
    stack.proxy.fault = (r) => (r.operation === 'AssumeRole' ? { hang: true } : undefined);
    const result = await stack.job().main(inputs({ 'disable-retry': 'true' }));
    const message = expectFailure(result);
    expect(message).toBe(
      `STS AssumeRole failed while assuming ${ROLE}: ETIMEDOUT: the endpoint did not answer within 5000 ms.`,
    );
    expectPlain(message);
    expect(assumes()).toBe(1);
  }, 30_000);

  test('a 502 HTML page from a gateway is retried, and each retry line says so plainly', async () => {
    failFirst(1, { status: 502, body: PAGE, headers: { 'Content-Type': 'text/html' } });
    const result = await stack.job().main(inputs());
    expectSuccess(result);
    expect(assumes()).toBe(2);
    const retry = result.stdout.split('\n').filter((line) => line.startsWith('STS request failed'));
    expect(retry).toEqual([
      expect.stringMatching(
        /^STS request failed: the endpoint answered HTML \(HTTP 502\), not STS\. Retrying in \d+ ms \(attempt 2 of 12\)\.$/,
      ),
    ]);
  });
});

describe('the post step puts the job back as it was', () => {
  test('a second use in the job hands the first role back afterwards, and clears what was not set', async () => {
    const job = stack.job();
    const first = await job.main(inputs({ 'role-session-name': 'first' }));
    expectSuccess(first);
    const firstEnv = { ...job.visibleEnv() };
    const firstState = job.state;

    const second = await job.main(inputs({ 'role-to-assume': 'arn:aws:iam::123456789012:role/other' }));
    expectSuccess(second);
    expect(job.visibleEnv().AWS_ACCESS_KEY_ID).not.toBe(firstEnv.AWS_ACCESS_KEY_ID);

    // Posts run in reverse order: the second step's first.
    const post2 = await job.post();
    expect(post2.exitCode).toBe(0);
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_CREDENTIAL_EXPIRATION',
    ]) {
      expect(job.visibleEnv()[name]).toBe(firstEnv[name]);
    }
    expectNoLeaks(post2, firstEnv.AWS_SECRET_ACCESS_KEY, firstEnv.AWS_SESSION_TOKEN);

    job.state = firstState;
    const post1 = await job.post();
    expect(post1.exitCode).toBe(0);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION']) {
      expect(job.visibleEnv()[name]).toBe('');
    }
  });

  test("a step's own env: credentials are cleared afterwards, never handed to the whole job", async () => {
    // The step signs AssumeRole with keys from its own env: (ambient), which the job never had.
    const stepEnv = {
      AWS_ACCESS_KEY_ID: KEYS['aws-access-key-id'],
      AWS_SECRET_ACCESS_KEY: 'step-scoped-secret',
    };
    const job = stack.job({ AWS_REGION: 'us-west-2' });
    const { 'aws-access-key-id': _k, 'aws-secret-access-key': _s, ...noKeys } = inputs();
    const main = await job.main(noKeys, stepEnv);
    expectSuccess(main);
    expect(job.visibleEnv().AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);

    const post = await job.post(stepEnv);
    expect(post.exitCode).toBe(0);
    expect(job.visibleEnv().AWS_ACCESS_KEY_ID).toBe('');
    expect(job.visibleEnv().AWS_SECRET_ACCESS_KEY).toBe('');
    expect(job.visibleEnv().AWS_REGION).toBe('us-west-2'); // not a secret: handed back as before
    expect(JSON.stringify(post.env)).not.toContain('step-scoped-secret');
    expect(JSON.stringify(main.state)).not.toContain('step-scoped-secret');
  });

  test('a value set before the action is restored', async () => {
    const job = stack.job({ AWS_REGION: 'us-west-2' });
    expectSuccess(await job.main(inputs()));
    expect(job.visibleEnv().AWS_REGION).toBe('eu-west-1');
    await job.post();
    expect(job.visibleEnv().AWS_REGION).toBe('us-west-2');
  });

  test('AWS_SKIP_CLEANUP_STEP=true leaves everything', async () => {
    const job = stack.job();
    const main = await job.main(inputs());
    const post = await job.post({ AWS_SKIP_CLEANUP_STEP: 'true' });
    expect(post.exitCode).toBe(0);
    expect(post.env).toEqual({});
    expect(job.visibleEnv().AWS_ACCESS_KEY_ID).toBe(main.env.AWS_ACCESS_KEY_ID);
  });

  test('a failed main step that changed nothing leaves nothing to restore', async () => {
    const job = stack.job();
    const main = await job.main(inputs({ 'role-duration-seconds': '5' }));
    expect(main.exitCode).toBe(1);
    expect(main.state).toEqual({});
    const post = await job.post();
    expect(post.exitCode).toBe(0);
    expect(post.env).toEqual({});
  });
});

describe('secrets', () => {
  test('a multi-line secret input is masked line by line, before anything else is printed', async () => {
    const token = 'first-line-of-token\nsecond-line-of-token';
    const result = await stack
      .job()
      .main({ ...inputs(), 'aws-session-token': token, 'role-duration-seconds': '5' });
    expect(result.exitCode).toBe(1);
    expect(result.masks).toEqual(
      expect.arrayContaining([token, 'first-line-of-token', 'second-line-of-token']),
    );
    const firstError = result.commands.find((c) => c.name === 'error')?.line ?? -1;
    const lastMask = Math.max(...result.commands.filter((c) => c.name === 'add-mask').map((c) => c.line));
    expect(lastMask).toBeLessThan(firstError);
    expect(stack.proxy.requests).toEqual([]);
  });
});
