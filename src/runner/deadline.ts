/**
 * action-timeout-s: the step's work raced against its deadline. What loses the race goes on unheard:
 * the step seals its runner, so nothing it does later is written or exported. What must not be cut off
 * half way (the write probe's abort) is given a short grace before the step fails.
 */
import { FINISH_GRACE_MS, type MustFinish } from '../names';
import { visible } from '../text';
import type { Runner } from './protocol';

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
  private readonly finishing: (MustFinish & { ended: boolean })[] = [];

  /** What the step plugs into its AWS clients' hooks: each request and each MustFinish is told here. */
  readonly hooks = {
    onRequest: (who: string) => this.start(who),
    mustFinish: (finishing: MustFinish) => this.mustFinish(finishing),
  };

  /** Work to let finish should the step run out of time (see MustFinish). */
  mustFinish(finishing: MustFinish): void {
    const each = { ...finishing, ended: false };
    const ended = () => {
      each.ended = true;
    };
    finishing.work.then(ended, ended);
    this.finishing.push(each);
  }

  /** What is still being let finish, and waited for (see finish): what has ended is not. */
  get unfinished(): string[] {
    return this.finishing.filter((each) => !each.ended).map((each) => each.what);
  }

  /**
   * Waits at most `graceMs` for the work let finish; resolves to what it said (its warnings) and, for any
   * that did not end in time, what may be left. Nothing to wait for: at once.
   */
  async finish(graceMs: number): Promise<string[]> {
    if (this.finishing.length === 0) return [];
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    const said = await Promise.all(
      this.finishing.map(async ({ work, unfinished }) => {
        const end = await Promise.race([work.catch(() => unfinished), late]);
        return end === 'late' ? unfinished : end;
      }),
    );
    clearTimeout(timer);
    return said.filter((text): text is string => text !== undefined && text !== '');
  }

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

/**
 * The step ran out of time: nothing more is exported (the runner is sealed), work that must finish is
 * given FINISH_GRACE_MS (said first, so the wait is not silent), and the step fails with the deadline's
 * message and whatever that work left to say.
 */
export async function outOfTime(runner: Runner, error: DeadlineError, inFlight: InFlight): Promise<void> {
  const waiting = inFlight.unfinished;
  if (waiting.length > 0)
    runner.info(
      `action-timeout-s: out of time; waiting at most ${FINISH_GRACE_MS / 1000} s more for ${waiting.join(' and ')}.`,
    );
  runner.seal();
  const said = await inFlight.finish(FINISH_GRACE_MS);
  // What the work said holds text others chose (S3 keys, AWS messages): hidden characters shown escaped.
  runner.setFailed(visible([error.message, ...said].join(' ')));
}

function noAnswer(waitingFor: string[]): string | undefined {
  return waitingFor.length === 0 ? undefined : `${waitingFor.join(' and ')} did not answer in time`;
}
