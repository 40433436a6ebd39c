/**
 * The one retry policy, given to every AWS client: retry only what can succeed on retry (throttling,
 * 5xx, IDP communication errors, timeouts, resets — see classifyAwsError), with exponential backoff and
 * full jitter, bounded by an attempt count and by the step's deadline.
 */
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { classifyAwsError } from './aws-error';

export interface RetryPolicy {
  /** Attempts in all, first included; 1 means no retry. */
  maxAttempts: number;
  /** Epoch ms after which no new attempt is started; absent for no limit. */
  deadline?: number;
}

/** First backoff ceiling and the largest, in ms. */
export const BACKOFF = { baseMs: 100, capMs: 5000 } as const;

/** Full jitter: a random delay between 0 and the exponential ceiling for this retry (1-based). */
export function backoffDelay(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF.capMs, BACKOFF.baseMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

function token(retryCount: number, delay: number): RetryToken {
  return { getRetryCount: () => retryCount, getRetryDelay: () => delay };
}

export class GateRetryStrategy implements RetryStrategyV2 {
  /** The same object, for the SDK's retryStrategy option (it reads `mode` when present). */
  readonly mode = 'standard';

  constructor(
    private readonly policy: RetryPolicy,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return token(0, 0);
  }

  /** Throws (and the SDK then throws the request's own error) when the error is final or a bound is hit. */
  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const retry = previous.getRetryCount() + 1;
    if (!classifyAwsError(info.error).retriable) throw new Error('not retriable');
    if (retry >= this.policy.maxAttempts) throw new Error('attempts exhausted');
    const delay = backoffDelay(retry, this.random);
    if (this.policy.deadline !== undefined && this.now() + delay >= this.policy.deadline) {
      throw new Error('deadline reached');
    }
    return token(retry, delay);
  }

  recordSuccess(_token: RetryToken): void {}
}
