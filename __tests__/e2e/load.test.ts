/**
 * Load: 50 action processes started at once against moto behind a proxy that throttles AssumeRole above a
 * fixed rate (real STS Throttling answers). All must succeed, each with its own session's credentials, and
 * the limit must really have been hit. The figures come from `npm run load` (docs/reliability.md).
 */
import { runLoad } from '../load';

const PROCESSES = 50;

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

  // The limit was really hit, and the action retried through it (throttling is the only fault injected).
  expect(figures.throttled).toBeGreaterThan(0);
  expect(figures.retries).toBe(figures.throttled);
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
