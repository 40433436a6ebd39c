/**
 * Load: 50 action processes started at once against moto behind a proxy that throttles AssumeRole above a
 * fixed rate (real STS Throttling answers). All must succeed, each with its own session's credentials, and
 * the limit must really have been hit. The figures come from `npm run load` (docs/reliability.md).
 */
import { runLoad } from '../load';

const PROCESSES = 50;
/** What else a loaded machine can make an attempt meet: its timeout, a reset, moto failing. */
const RETRIED_UNDER_LOAD = /^(ETIMEDOUT|ECONNRESET|EPIPE|InternalError|InternalFailure|ServiceUnavailable)$/;

test(`${PROCESSES} processes at once behind a throttling proxy all get their own credentials`, async () => {
  const figures = await runLoad({ processes: PROCESSES });

  // Every failure at once, with its reason, rather than the first mismatch.
  const failures = figures.results
    .filter((r) => r.problems.length > 0)
    .map((r) => `${r.sessionName}: ${r.problems.join('; ')}`);
  expect(failures).toEqual([]);
  expect(figures.succeeded).toBe(PROCESSES);
  expect(figures.results).toHaveLength(PROCESSES);

  // Started at once: all were running at the same time.
  expect(figures.maxConcurrentProcesses).toBe(PROCESSES);

  // The limit was really hit, and every throttled answer was retried and said so in the step's log.
  // (The first attempt of every 5th session is throttled whatever the machine's speed.)
  expect(figures.throttled).toBeGreaterThanOrEqual(PROCESSES / 5);
  expect(figures.retryReasons.throttled).toBe(figures.throttled);
  expect(figures.loggedRetryCodes.Throttling).toBe(figures.throttled);
  // Throttling is the only fault injected. On a loaded machine an attempt can still outrun the action's
  // request timeout (or moto fail under 50 clients): such a retry is right, but each retry the proxy saw
  // must be one the action logged, for the reason the proxy saw.
  const unexplained = figures.results.flatMap((r) => {
    const retried = r.attemptOutcomes.slice(0, -1);
    // A connect timeout (TimeoutError) ends an attempt before the proxy has seen a byte of it.
    const logged = r.loggedRetries.filter((code) => code !== 'TimeoutError');
    if (retried.length !== logged.length)
      return [
        `${r.sessionName}: proxy saw ${retried.join(', ')}; action logged ${r.loggedRetries.join(', ')}`,
      ];
    return retried.flatMap((outcome, i) => {
      const code = logged[i] ?? '';
      // A timed-out attempt may still show moto's answer: it was relayed after the action gave up.
      const agrees = outcome === 'throttled' ? code === 'Throttling' : RETRIED_UNDER_LOAD.test(code);
      return agrees ? [] : [`${r.sessionName} attempt ${i + 1}: proxy saw ${outcome}, action logged ${code}`];
    });
  });
  expect(unexplained).toEqual([]);
  expect(figures.assumeRoleRequests).toBe(PROCESSES + figures.retries);
  expect(figures.maxAttempts).toBeGreaterThan(1);
  expect(figures.maxAttempts).toBeLessThanOrEqual(figures.maxAttemptsAllowed);

  // Each process: its own session, its own working credentials.
  for (const result of figures.results) {
    const arn = `arn:aws:sts::123456789012:assumed-role/deploy/load-${result.index}`;
    expect(result.exitCode).toBe(0);
    expect(result.authenticatedArn).toBe(arn);
    expect(result.callerArn).toBe(arn);
    expect(result.accessKeyId).toMatch(/^ASIA/);
  }
  expect(new Set(figures.results.map((r) => r.accessKeyId)).size).toBe(PROCESSES);
}, 120_000);
