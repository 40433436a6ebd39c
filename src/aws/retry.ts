/**
 * The one retry policy, given to every AWS client and to GitHub's OIDC token request: retry only what
 * can succeed on retry (throttling, 5xx, IDP communication errors, timeouts, resets — see
 * classifyAwsError), with exponential backoff and full jitter, bounded by an attempt count and by the
 * step's deadline.
 */
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { RetryPolicy as InputRetryPolicy } from '../inputs/config';
import { type Classified, classifyAwsError, describeFailure } from './classify';

/** A retry about to happen: told to the step's log, so a slow step says why it is slow. */
export interface RetryNotice {
  /** The client's service, e.g. 'sts' (filled in by clients.ts), or TOKEN_SERVICE.id. */
  service?: string;
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  /** What failed the attempt before it. */
  failure: Classified;
  /** Set when no retry follows after all: its wait would pass the step's deadline (action-timeout-s). */
  stopped?: 'deadline';
}

/** The input's retry policy, whose requests it retries, and who is told of each retry. */
export interface RetryPolicy extends InputRetryPolicy {
  /** The client's service as errors name it, e.g. 'STS' (see classifyAwsError); absent: 'AWS'. */
  service?: string;
  /** Told of every retry, once it is decided and before the wait, and of one the deadline stops. */
  onRetry?: (notice: RetryNotice) => void;
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

/** What comes after a failed attempt: a wait, then the next attempt; or no retry, and why. */
export type RetryDecision = { delayMs: number } | { stop: 'final' | 'exhausted' | 'deadline' };

/** Where the randomness and the time come from (tests fix them). */
export interface RetryClock {
  random: () => number;
  now: () => number;
}

/**
 * The one decision, for AWS requests and GitHub's token request alike: after attempt `attempt` failed
 * with `failure`, retry only what can succeed on retry, within the attempt count and the deadline. The
 * retry is told to onRetry before its wait; so is one the deadline stops (or the step would seem to stop
 * retrying for no reason).
 */
export function decideRetry(
  policy: RetryPolicy,
  failed: { attempt: number; failure: Classified },
  clock: RetryClock,
): RetryDecision {
  const { attempt, failure } = failed;
  if (!failure.retriable) return { stop: 'final' };
  if (attempt >= policy.maxAttempts) return { stop: 'exhausted' };
  const delayMs = backoffDelay(attempt, clock.random);
  const notice = { attempt: attempt + 1, maxAttempts: policy.maxAttempts, delayMs, failure };
  if (policy.deadline !== undefined && clock.now() + delayMs >= policy.deadline) {
    policy.onRetry?.({ ...notice, stopped: 'deadline' });
    return { stop: 'deadline' };
  }
  policy.onRetry?.(notice);
  return { delayMs };
}

export class ClassifiedRetryStrategy implements RetryStrategyV2 {
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
    const failure = classifyAwsError(info.error, this.policy.service);
    const clock = { random: this.random, now: this.now };
    const decision = decideRetry(this.policy, { attempt: retry, failure }, clock);
    if (!('stop' in decision)) return token(retry, decision.delayMs);
    const { stop } = decision;
    throw new Error(
      stop === 'final' ? 'not retriable' : stop === 'exhausted' ? 'attempts exhausted' : 'deadline reached',
    );
  }

  recordSuccess(_token: RetryToken): void {}
}

/** GitHub's OIDC token service: as RetryNotice.service, and as the log and errors name it. */
export const TOKEN_SERVICE = { id: 'github-oidc', name: "GitHub's OIDC token service" } as const;

/** What a retry looks like in the step's log, e.g. for a throttled AssumeRole. */
export function describeRetry(notice: RetryNotice): string {
  const { failure } = notice;
  const next =
    notice.stopped === 'deadline'
      ? `No retry (attempt ${notice.attempt} of ${notice.maxAttempts}): its wait would pass the action-timeout-s deadline.`
      : `Retrying in ${notice.delayMs} ms (attempt ${notice.attempt} of ${notice.maxAttempts}).`;
  // The token service's failures are said in plain words already ("did not answer within 5 s").
  if (notice.service === TOKEN_SERVICE.id) return `${TOKEN_SERVICE.name} ${failure.message}. ${next}`;
  const service = notice.service === undefined ? 'AWS' : notice.service.toUpperCase();
  // One line, whatever was answered, and no doubled full stop before ours.
  const what = describeFailure(failure);
  const why = failure.foreign === undefined ? ` with ${what}` : `: ${what}`;
  return `${service} request failed${why}. ${next}`;
}
