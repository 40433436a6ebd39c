import type { RetryErrorInfo, SdkError } from '@smithy/types';
import {
  BACKOFF,
  backoffDelay,
  ClassifiedRetryStrategy,
  describeRetry,
  type RetryNotice,
} from '../../src/aws/retry';
import { expiresSoon, tokenExpiry } from '../../src/aws/web-identity';

const sdkError = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const info = (error: Error): RetryErrorInfo => ({ error: error as SdkError, errorType: 'TRANSIENT' });

describe('backoffDelay: exponential ceiling, full jitter', () => {
  test.each([
    [1, 1, 100],
    [2, 1, 200],
    [3, 1, 400],
    [6, 1, 3200],
    [7, 1, BACKOFF.capMs],
    [12, 1, BACKOFF.capMs],
    [3, 0, 0],
    [3, 0.5, 200],
  ])('retry %i with random %p waits %i ms', (retry, random, delay) => {
    expect(backoffDelay(retry, () => (random === 1 ? 0.999999 : random))).toBe(
      random === 1 ? delay - 1 : delay,
    );
  });
});

describe('ClassifiedRetryStrategy', () => {
  const strategy = (maxAttempts: number, deadline?: number, now = 0) =>
    new ClassifiedRetryStrategy(
      { maxAttempts, ...(deadline === undefined ? {} : { deadline }) },
      () => 0.5,
      () => now,
    );

  test('retries throttling until attempts run out', async () => {
    const s = strategy(3);
    const first = await s.acquireInitialRetryToken('sts');
    const second = await s.refreshRetryTokenForRetry(first, info(sdkError('Throttling', 400)));
    expect([second.getRetryCount(), second.getRetryDelay()]).toEqual([1, 50]);
    const third = await s.refreshRetryTokenForRetry(second, info(sdkError('Throttling', 400)));
    expect([third.getRetryCount(), third.getRetryDelay()]).toEqual([2, 100]);
    await expect(s.refreshRetryTokenForRetry(third, info(sdkError('Throttling', 400)))).rejects.toThrow(
      'exhausted',
    );
  });

  test.each([
    ['AccessDenied', 403],
    ['ValidationError', 400],
    ['InvalidIdentityToken', 400],
    ['ExpiredToken', 400],
    ['MalformedPolicyDocument', 400],
    ['RegionDisabledException', 403],
  ])('never retries %s', async (name, status) => {
    const s = strategy(12);
    const first = await s.acquireInitialRetryToken('sts');
    await expect(s.refreshRetryTokenForRetry(first, info(sdkError(name, status)))).rejects.toThrow(
      'not retriable',
    );
  });

  test.each([
    ['ServiceUnavailable', 503],
    ['InternalFailure', 500],
    ['IDPCommunicationError', 400],
    ['TimeoutError', 0],
    ['RequestLimitExceeded', 400],
  ])('retries %s', async (name, status) => {
    const s = strategy(12);
    const first = await s.acquireInitialRetryToken('sts');
    await expect(s.refreshRetryTokenForRetry(first, info(sdkError(name, status)))).resolves.toBeDefined();
  });

  test('one attempt only (disable-retry)', async () => {
    const s = strategy(1);
    const first = await s.acquireInitialRetryToken('sts');
    await expect(s.refreshRetryTokenForRetry(first, info(sdkError('Throttling', 400)))).rejects.toThrow();
  });

  test('no retry whose wait would pass the deadline (action-timeout-s)', async () => {
    const s = strategy(12, 1000, 960);
    const first = await s.acquireInitialRetryToken('sts');
    await expect(s.refreshRetryTokenForRetry(first, info(sdkError('Throttling', 400)))).rejects.toThrow(
      'deadline',
    );
  });
});

describe('every retry is told, and only retries', () => {
  const told = (maxAttempts: number, deadline?: number) => {
    const notices: RetryNotice[] = [];
    const s = new ClassifiedRetryStrategy(
      { maxAttempts, ...(deadline === undefined ? {} : { deadline }), onRetry: (n) => notices.push(n) },
      () => 0.5,
      () => 0,
    );
    return { s, notices };
  };

  test('a throttled attempt then a timed-out one: two notices, numbered from the attempt to come', async () => {
    const { s, notices } = told(12);
    const first = await s.acquireInitialRetryToken('sts');
    const second = await s.refreshRetryTokenForRetry(first, info(sdkError('Throttling', 400)));
    await s.refreshRetryTokenForRetry(second, info(sdkError('TimeoutError', 0)));
    expect(notices.map((n) => [n.attempt, n.maxAttempts, n.delayMs, n.failure.code])).toEqual([
      [2, 12, 50, 'Throttling'],
      [3, 12, 100, 'TimeoutError'],
    ]);
  });

  test.each([
    ['a final error', 12, undefined, 'AccessDenied', 403],
    ['attempts exhausted', 1, undefined, 'Throttling', 400],
  ])('no notice when no retry follows: %s', async (_why, maxAttempts, deadline, name, status) => {
    const { s, notices } = told(maxAttempts, deadline);
    const first = await s.acquireInitialRetryToken('sts');
    await expect(s.refreshRetryTokenForRetry(first, info(sdkError(name, status)))).rejects.toThrow();
    expect(notices).toEqual([]);
  });

  test('a retry the deadline stops is told as stopped, then refused', async () => {
    const { s, notices } = told(12, 10);
    const first = await s.acquireInitialRetryToken('sts');
    await expect(s.refreshRetryTokenForRetry(first, info(sdkError('Throttling', 400)))).rejects.toThrow(
      'deadline',
    );
    expect(notices.map((n) => [n.attempt, n.stopped])).toEqual([[2, 'deadline']]);
    const [notice] = notices;
    if (!notice) throw new Error('no notice');
    expect(describeRetry({ ...notice, service: 'sts' })).toBe(
      'STS request failed with Throttling (HTTP 400). No retry (attempt 2 of 12): its wait would pass the action-timeout-s deadline.',
    );
  });

  test.each([
    [
      {
        service: 'sts',
        failure: { kind: 'throttled', code: 'Throttling', status: 400, message: 'Rate exceeded' },
      },
      'STS request failed with Throttling (HTTP 400): Rate exceeded. Retrying in 37 ms (attempt 2 of 12).',
    ],
    [
      { service: 's3', failure: { kind: 'unavailable', code: 'ECONNRESET', message: 'socket hang up' } },
      'S3 request failed with ECONNRESET: socket hang up. Retrying in 37 ms (attempt 2 of 12).',
    ],
    [
      {
        service: 's3',
        failure: { kind: 'throttled', code: 'SlowDown', status: 503, message: 'Please reduce\n your rate.' },
      },
      'S3 request failed with SlowDown (HTTP 503): Please reduce your rate. Retrying in 37 ms (attempt 2 of 12).',
    ],
    [
      { failure: { kind: 'unavailable', code: 'InternalError', status: 500, message: 'InternalError' } },
      'AWS request failed with InternalError (HTTP 500). Retrying in 37 ms (attempt 2 of 12).',
    ],
  ] as const)('describeRetry(%j)', (partial, line) => {
    const notice = {
      attempt: 2,
      maxAttempts: 12,
      delayMs: 37,
      ...partial,
      failure: { ...partial.failure, retriable: true },
    };
    expect(describeRetry(notice)).toBe(line);
  });
});

describe('web identity token expiry', () => {
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
  test.each([
    [jwt({ exp: 1000 }), 1_000_000],
    [jwt({}), undefined],
    ['opaque', undefined],
    ['a.!!!.c', undefined],
  ])('tokenExpiry(%s)', (token, expiry) => {
    expect(tokenExpiry(token)).toBe(expiry);
  });

  test.each([
    [1000, 900_000, false],
    [1000, 939_999, false],
    [1000, 940_001, true],
    [1000, 1_000_001, true],
  ])('a token expiring at %i s is close to expiry at %i ms: %p', (exp, now, soon) => {
    expect(expiresSoon(jwt({ exp }), now)).toBe(soon);
  });
});
