/**
 * action-timeout-s: the step's work raced against its deadline. What loses the race goes on unheard:
 * the step seals its runner, so nothing it does later is written or exported.
 */

/** The deadline passed before the work finished. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/**
 * The work's result, or a DeadlineError once `deadline` (epoch ms) passes, saying so in the words the
 * step fails with; without a deadline, the work alone.
 */
export async function withinDeadline<T>(
  work: Promise<T>,
  limit: { deadline?: number; limitMs?: number },
): Promise<T> {
  const { deadline, limitMs = 0 } = limit;
  if (deadline === undefined) return work;
  const message =
    `action-timeout-s: the step did not finish within ${limitMs / 1000} s (AWS did not answer in time); ` +
    'no credentials were exported.';
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(message)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
