/**
 * The GitHub OIDC token client against a loopback server: per-attempt timeouts, retries with backoff on
 * timeouts, resets and 5xx (through the sleep seam, so no test waits), refusals final, the deadline, and
 * the early request main makes so that the STS client loads during its round trip.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { whenNextRequestSent } from '../../src/aws/clients';
import { requestGithubToken, TOKEN_TIMEOUTS, TokenServiceError } from '../../src/aws/github-token';
import type { Io } from '../../src/aws/obtain';
import { describeRetry, type RetryNotice, TOKEN_SERVICE } from '../../src/aws/retry';
import { getWebIdentityToken, idTokenIo } from '../../src/aws/web-identity';
import type { Config } from '../../src/inputs/config';
import type { Plan } from '../../src/inputs/plan';
import { PROXY_VARIABLES } from '../../src/inputs/proxy';
import { StsOperation } from '../../src/names';
import { InFlight, withinDeadline } from '../../src/runner/deadline';

type Answer = { status: number; body?: string } | 'hang' | 'reset';

/** A token service that answers each request as `answers` says, in order (the last one repeats). */
async function tokenService(...answers: Answer[]) {
  const seen: { url: string; authorization: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const answer = answers[Math.min(seen.length, answers.length) - 1] ?? 'hang';
    if (answer === 'hang') return;
    if (answer === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, { 'Content-Type': 'application/json' });
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}/token?api-version=2.0`, seen };
}

const servers: http.Server[] = [];
const savedProxies: Record<string, string | undefined> = {};
beforeAll(() => {
  // Loopback only: no proxy variable of the machine's may send these requests elsewhere.
  for (const name of [...PROXY_VARIABLES, 'no_proxy', 'NO_PROXY']) {
    savedProxies[name] = process.env[name];
    delete process.env[name];
  }
});
afterAll(async () => {
  for (const [name, value] of Object.entries(savedProxies))
    if (value !== undefined) process.env[name] = value;
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => server.close(() => resolve()) && server.closeAllConnections()),
    ),
  );
});

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWY6bWFpbiJ9.c2ln';
const ok = { status: 200, body: JSON.stringify({ value: TOKEN }) };

/** Options with recorded sleeps and notices, fixed randomness (0.5) and a clock at 0. */
function options(more: { maxAttempts?: number; deadline?: number; answerMs?: number; now?: number } = {}) {
  const slept: number[] = [];
  const notices: RetryNotice[] = [];
  const requests: string[] = [];
  const ended: string[] = [];
  return {
    slept,
    notices,
    requests,
    ended,
    given: {
      retry: {
        maxAttempts: more.maxAttempts ?? 12,
        ...(more.deadline === undefined ? {} : { deadline: more.deadline }),
        onRetry: (notice: RetryNotice) => notices.push(notice),
      },
      onRequest: (who: string) => {
        requests.push(who);
        return () => ended.push(who);
      },
      proxied: false,
      timeouts: { connectMs: 1000, answerMs: more.answerMs ?? 1000 },
      sleep: async (ms: number) => {
        slept.push(ms);
      },
      clock: { random: () => 0.5, now: () => more.now ?? 0 },
    },
  };
}

const ask = (url: string) => ({ url, bearer: 'request-token', audience: 'sts.amazonaws.com' });

describe('requestGithubToken', () => {
  test('one GET with the bearer and the audience appended; the token from {"value"}', async () => {
    const service = await tokenService(ok);
    const o = options();
    await expect(requestGithubToken(ask(service.url), o.given)).resolves.toBe(TOKEN);
    expect(service.seen).toEqual([
      { url: '/token?api-version=2.0&audience=sts.amazonaws.com', authorization: 'Bearer request-token' },
    ]);
    expect([o.requests, o.ended, o.slept, o.notices]).toEqual([
      [TOKEN_SERVICE.name],
      [TOKEN_SERVICE.name],
      [],
      [],
    ]);
  });

  test('no answer: each attempt ends at its timeout and is retried with backoff, then a plain error', async () => {
    const service = await tokenService('hang');
    const o = options({ maxAttempts: 3, answerMs: 50 });
    const error = await requestGithubToken(ask(service.url), o.given).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenServiceError);
    expect((error as Error).message).toBe(
      "GitHub's OIDC token service did not answer within 0.05 s, 3 attempts in all",
    );
    expect(service.seen).toHaveLength(3);
    // Full jitter at 0.5 of the ceilings 100 and 200 ms.
    expect(o.slept).toEqual([50, 100]);
    expect(o.notices.map((n) => [n.attempt, n.maxAttempts, n.failure.code, n.failure.retriable])).toEqual([
      [2, 3, 'ETIMEDOUT', true],
      [3, 3, 'ETIMEDOUT', true],
    ]);
    // Every attempt was told as under way, and as ended.
    expect(o.requests).toHaveLength(3);
    expect(o.ended).toHaveLength(3);
  });

  test('503 twice, then the token: two retries', async () => {
    const service = await tokenService({ status: 503 }, { status: 503 }, ok);
    const o = options();
    await expect(requestGithubToken(ask(service.url), o.given)).resolves.toBe(TOKEN);
    expect(service.seen).toHaveLength(3);
    expect(o.notices.map((n) => describeRetry({ ...n, service: TOKEN_SERVICE.id }))).toEqual([
      "GitHub's OIDC token service answered HTTP 503. Retrying in 50 ms (attempt 2 of 12).",
      "GitHub's OIDC token service answered HTTP 503. Retrying in 100 ms (attempt 3 of 12).",
    ]);
  });

  test('a reset connection and a 429 are retried too', async () => {
    const service = await tokenService('reset', { status: 429 }, ok);
    const o = options();
    await expect(requestGithubToken(ask(service.url), o.given)).resolves.toBe(TOKEN);
    expect(o.notices.map((n) => n.failure.message)).toEqual([
      'closed the connection without an answer (ECONNRESET)',
      'answered HTTP 429',
    ]);
  });

  test.each([401, 403])('%i is final: one request, no wait, the refusal in plain words', async (status) => {
    const service = await tokenService({ status, body: '{"message":"Bad\\ncredentials"}' });
    const o = options();
    const error = await requestGithubToken(ask(service.url), o.given).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `GitHub's OIDC token service refused the request (HTTP ${status}: Bad credentials)`,
    );
    expect((error as TokenServiceError).failure.kind).toBe('denied');
    expect(service.seen).toHaveLength(1);
    expect([o.slept, o.notices]).toEqual([[], []]);
  });

  test.each([
    ['a 404', { status: 404 }, 'answered HTTP 404'],
    ['a 200 without a token', { status: 200, body: '{"count":1}' }, 'answered HTTP 200 without a token'],
    ['a 200 that is not JSON', { status: 200, body: '<html>' }, 'answered HTTP 200 without a token'],
  ])('%s is final', async (_name, answer, message) => {
    const service = await tokenService(answer);
    const o = options();
    const error = await requestGithubToken(ask(service.url), o.given).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`GitHub's OIDC token service ${message}`);
    expect(service.seen).toHaveLength(1);
  });

  test('retry-max-attempts bounds the attempts', async () => {
    const service = await tokenService({ status: 500 });
    const o = options({ maxAttempts: 2 });
    const error = await requestGithubToken(ask(service.url), o.given).catch((e: unknown) => e);
    expect((error as TokenServiceError).attempts).toBe(2);
    expect(service.seen).toHaveLength(2);
  });

  test('no retry whose wait would pass the deadline: told as stopped, then the last failure', async () => {
    const service = await tokenService({ status: 502 });
    const o = options({ deadline: 1_000, now: 990 });
    const error = await requestGithubToken(ask(service.url), o.given).catch((e: unknown) => e);
    expect((error as Error).message).toBe("GitHub's OIDC token service answered HTTP 502");
    expect(service.seen).toHaveLength(1);
    expect(o.notices.map((n) => [n.attempt, n.stopped])).toEqual([[2, 'deadline']]);
    expect(o.slept).toEqual([]);
  });

  test('nothing listening: final at once, said as unreachable', async () => {
    const closed = await tokenService(ok);
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    const o = options();
    const error = await requestGithubToken(ask(closed.url), o.given).catch((e: unknown) => e);
    expect((error as Error).message).toBe("GitHub's OIDC token service could not be reached (ECONNREFUSED)");
    expect(o.slept).toEqual([]);
  });

  test('no request token: no request at all', async () => {
    const service = await tokenService(ok);
    await expect(requestGithubToken({ ...ask(service.url), bearer: '' }, options().given)).rejects.toThrow(
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set',
    );
    expect(service.seen).toEqual([]);
  });

  test('onSent is called once the request is written out, before any answer', async () => {
    const service = await tokenService('hang');
    let sent = () => {};
    const written = new Promise<void>((resolve) => {
      sent = resolve;
    });
    const o = options({ maxAttempts: 1, answerMs: 1000 });
    let settled = false;
    const outcome = requestGithubToken(ask(service.url), { ...o.given, onSent: () => sent() })
      .catch((error: unknown) => error)
      .finally(() => {
        settled = true;
      });
    await written;
    expect(settled).toBe(false);
    expect(((await outcome) as Error).message).toContain('did not answer within 1 s');
  });

  test('the timeouts: 3 s to connect, then 5 s to answer', () => {
    expect(TOKEN_TIMEOUTS).toEqual({ connectMs: 3000, answerMs: 5000 });
  });
});

describe('the early request (idTokenIo)', () => {
  const plan: Plan = {
    kind: StsOperation.AssumeRoleWithWebIdentity,
    roleArn: 'arn:aws:iam::123456789012:role/deploy',
    token: { kind: 'github-oidc', audience: 'sts.amazonaws.com' },
  };
  const config = (useExistingCredentials: boolean) =>
    ({ retry: { maxAttempts: 12 }, useExistingCredentials }) as unknown as Config;
  const io = (fetchIdToken: Io['fetchIdToken']): Io => ({
    mask: () => {},
    group: () => {},
    hooks: {},
    fetchIdToken,
  });

  test('asked before it returns; the first ask is answered by that request, a later one asks anew', async () => {
    const calls: string[] = [];
    const fetch = jest.fn(async (audience: string, sent?: () => void) => {
      calls.push(audience);
      sent?.();
      return `token-${calls.length}`;
    });
    const ready = await idTokenIo({ plan, config: config(false), env: {}, io: io(fetch) });
    expect(calls).toEqual(['sts.amazonaws.com']);
    await expect(getWebIdentityToken(plan.token, ready.fetchIdToken)).resolves.toBe('token-1');
    expect(calls).toHaveLength(1);
    await expect(getWebIdentityToken(plan.token, ready.fetchIdToken)).resolves.toBe('token-2');
  });

  test('a refusal of the early request is reported when the token is asked for, not before', async () => {
    const fetch = async () => {
      throw new TokenServiceError(
        {
          kind: 'denied',
          code: 'HTTP401',
          status: 401,
          message: 'refused the request (HTTP 401)',
          retriable: false,
        },
        1,
      );
    };
    const ready = await idTokenIo({ plan, config: config(false), env: {}, io: io(fetch) });
    await expect(getWebIdentityToken(plan.token, ready.fetchIdToken)).rejects.toThrow(
      'Could not get a GitHub OIDC token for audience "sts.amazonaws.com": ' +
        "GitHub's OIDC token service refused the request (HTTP 401). The runner offered a token",
    );
  });

  test('use-existing-credentials: no early request (valid credentials may make it needless)', async () => {
    const fetch = jest.fn(async () => 'token');
    const ready = await idTokenIo({ plan, config: config(true), env: {}, io: io(fetch) });
    expect(fetch).not.toHaveBeenCalled();
    expect(ready.fetchIdToken).toBe(fetch);
  });

  test('a plan without GitHub OIDC: the Io as it was', async () => {
    const fetch = jest.fn(async () => 'token');
    const given = io(fetch);
    const keys: Plan = { kind: StsOperation.GetSessionToken };
    await expect(idTokenIo({ plan: keys, config: config(false), env: {}, io: given })).resolves.toBe(given);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('action-timeout-s names who did not answer', () => {
  test('the requests under way when the deadline passes', async () => {
    const inFlight = new InFlight();
    const stsAnswered = inFlight.start('STS');
    inFlight.start(TOKEN_SERVICE.name);
    stsAnswered();
    stsAnswered(); // twice: still once
    const never = new Promise<never>(() => {});
    await expect(
      withinDeadline(never, { deadline: Date.now() + 20, limitMs: 10_000, inFlight }),
    ).rejects.toThrow(
      "action-timeout-s: the step did not finish within 10 s (GitHub's OIDC token service did not answer in time); no credentials were exported.",
    );
  });

  test('none under way: no one is blamed', async () => {
    const never = new Promise<never>(() => {});
    await expect(
      withinDeadline(never, { deadline: Date.now() + 20, limitMs: 1000, inFlight: new InFlight() }),
    ).rejects.toThrow(
      /^action-timeout-s: the step did not finish within 1 s; no credentials were exported\.$/,
    );
  });
});

describe('whenNextRequestSent: work on the CPU fills the wait for an answer', () => {
  test('runs once the next request is written out, before its answer, once', async () => {
    const service = await tokenService('hang');
    const ran: string[] = [];
    whenNextRequestSent(() => ran.push('work'));
    const request = http.get(service.url);
    request.on('error', () => {});
    await new Promise((resolve) => request.once('finish', resolve));
    expect(ran).toEqual(['work']);
    request.destroy();
    await new Promise((resolve) => request.once('close', resolve));
    expect(ran).toEqual(['work']);
  });

  test('stopped before any request: never runs', async () => {
    const service = await tokenService(ok);
    const ran: string[] = [];
    whenNextRequestSent(() => ran.push('work'))();
    await new Promise((resolve) => http.get(service.url, (res) => res.resume().on('end', resolve)));
    expect(ran).toEqual([]);
  });
});
