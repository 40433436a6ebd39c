/**
 * A failed credential process in one plain sentence for stderr: which profile, and why, in the main step's
 * words (denied, trust policy, OIDC claims). The aws-cli and boto3 pass it on inside their own error, which a
 * later step prints to the job log: so it names the profile (their errors do not), holds no secret the
 * renewal handled, and is one line that the runner cannot read as a workflow command. Pure.
 */
import { visible } from '../text';

export interface Failure {
  /** The profile whose credential process failed; undefined when its settings could not be read. */
  profile: string | undefined;
  error: unknown;
  /** Keys and tokens the renewal handled: each is shown as *** wherever it appears. */
  secrets: string[];
}

export function explainRenewalFailure({ profile, error, secrets }: Failure): string {
  const who = profile === undefined ? 'a profile' : `profile ${JSON.stringify(plain(profile))}`;
  let reason = error instanceof Error ? error.message || error.name : String(error);
  for (const secret of secrets) if (secret !== '') reason = reason.split(secret).join('***');
  reason = plain(reason);
  const stop = /[.!?]$/.test(reason) ? '' : '.';
  return `aws-credentials-gate could not renew the credentials of ${who}: ${reason}${stop}`;
}

/** One line, hidden characters shown, and no `##[` (anywhere in a line, the runner's older command form). */
function plain(text: string): string {
  return visible(text.replace(/\s+/g, ' ').trim()).replace(/##\[/g, '#\\#[');
}
