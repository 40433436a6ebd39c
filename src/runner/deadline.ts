/**
 * action-timeout-s: the step's work raced against its deadline. What loses the race goes on unheard:
 * the step seals its runner, so nothing it does later is written or exported.
 */

/** The deadline passed before the work finished. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/**
 * The requests under way, by who was asked ("STS", "GitHub's OIDC token service"), so that a step out of
 * time can say who did not answer.
 */
export class InFlight {
  private readonly asked: string[] = [];

  /** A request to `who` has started; the function returned marks it ended (a second call does nothing). */
  start(who: string): () => void {
    this.asked.push(who);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.asked.splice(this.asked.indexOf(who), 1);
    };
  }

  /** Who is being waited for now, each named once, in the order they were asked. */
  get waitingFor(): string[] {
    return [...new Set(this.asked)];
  }
}

/**
 * The work's result, or a DeadlineError once `deadline` (epoch ms) passes, saying so in the words the
 * step fails with (naming who had not answered, when a request was under way); without a deadline, the
 * work alone.
 */
export async function withinDeadline<T>(
  work: Promise<T>,
  limit: { deadline?: number; limitMs?: number; inFlight?: InFlight },
): Promise<T> {
  const { deadline, limitMs = 0, inFlight } = limit;
  if (deadline === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineError(deadlineMessage(limitMs, noAnswer(inFlight?.waitingFor ?? [])))),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The DeadlineError of a wait that could not be cut short by the deadline's timer (a synchronous one, such as
 * for the lock of a shared file) and so ended itself at the deadline; `waitedFor` names what it waited for.
 */
export function deadlineReached(limitMs: number, waitedFor: string): DeadlineError {
  return new DeadlineError(deadlineMessage(limitMs, `it was waiting for ${waitedFor}`));
}

/** The step failed with, naming in parentheses (`why`) what it was waiting for, if anything. */
function deadlineMessage(limitMs: number, why: string | undefined): string {
  return (
    `action-timeout-s: the step did not finish within ${limitMs / 1000} s${why ? ` (${why})` : ''}; ` +
    'no credentials were exported.'
  );
}

function noAnswer(waitingFor: string[]): string | undefined {
  return waitingFor.length === 0 ? undefined : `${waitingFor.join(' and ')} did not answer in time`;
}
