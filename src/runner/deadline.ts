/**
 * action-timeout-s: the step's work raced against its deadline. What loses the race goes on unheard:
 * the step seals its runner, so nothing it does later is written or exported.
 */

/** The deadline passed before the work finished. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/** The work's result, or a DeadlineError once `deadline` (epoch ms) passes; no deadline: the work alone. */
export async function withinDeadline<T>(work: Promise<T>, deadline: number | undefined): Promise<T> {
  if (deadline === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError('deadline')), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
