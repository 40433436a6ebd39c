import type { RetryErrorInfo, SdkError } from '@smithy/types';
import { BACKOFF, backoffDelay, GateRetryStrategy } from '../../src/retry';
import { expiresSoon, tokenExpiry } from '../../src/web-identity';

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

describe('GateRetryStrategy', () => {
  const strategy = (maxAttempts: number, deadline?: number, now = 0) =>
    new GateRetryStrategy(
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
