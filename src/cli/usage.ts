/**
 * `-h`: the usage, with every input's description and default as action.yml states them (from the table
 * generated from it, src/cli/inputs.ts), so the help cannot drift from the action.
 */
import { PROGRAM, REFUSED_INPUTS, SHORT_INPUTS, UNUSED_INPUTS } from './flags';
import { INPUTS } from './inputs';

const WIDTH = 100;
const INDENT = '      ';

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

const paragraph = (text: string) => wrap(text, WIDTH).join('\n');

export function usage(): string {
  const shortOf = new Map(Object.entries(SHORT_INPUTS).map(([short, name]) => [name as string, short]));
  const inputs = INPUTS.flatMap((spec) => {
    const short = shortOf.get(spec.name);
    const notes = [spec.description];
    if (UNUSED_INPUTS.has(spec.name))
      notes.push('From a terminal: checked, then unused (--export, --json or -- COMMAND say where they go).');
    const refused = REFUSED_INPUTS.get(spec.name);
    if (refused !== undefined) notes.push(`Not available from a terminal: it ${refused}.`);
    return [
      `  ${short === undefined ? '' : `${short}, `}--${spec.name} VALUE`,
      ...wrap(notes.join(' '), WIDTH - INDENT.length).map((line) => `${INDENT}${line}`),
    ];
  });
  return [
    `Usage: ${PROGRAM} [FLAGS] [--export | --json | -- COMMAND [ARGS...]]`,
    '',
    paragraph(
      'Temporary AWS credentials from STS, got as the aws-credentials-gate action gets them, from a terminal: ' +
        "the action's inputs are the flags, of the same names, checked by the same code. Requests are signed " +
        "with the keys given as flags, else the AWS_* variables, else the AWS SDK's default chain (AWS_PROFILE, " +
        '~/.aws, SSO, AWS_WEB_IDENTITY_TOKEN_FILE); GitHub OIDC only inside a job that offers it.',
    ),
    '',
    'Output (one at most):',
    '  (default)           a report: identity, operation, expiry, the bucket check with each key => ETag',
    `  --export            export NAME='value' lines: eval "$(${PROGRAM} ... --export)"`,
    "  --json              credential_process JSON (Version 1), for a profile's credential_process",
    '  -- COMMAND [ARGS]   runs COMMAND with the credentials in its environment; exits with its status',
    '  -d, --debug         more detail: what signed, the endpoints, object sizes, log groups',
    '  -h, --help          this help',
    '',
    'Secrets are printed only by --export and --json, on stdout; the report then goes to stderr.',
    'Exit status: 0 done; 1 AWS or the bucket check said no; 2 bad usage (then AWS is not asked).',
    '',
    paragraph(
      'Inputs, as action.yml declares them: --name VALUE or --name=VALUE. As in the action, an input not ' +
        'given is read from the variable named after it (ROLE_TO_ASSUME, AWS_REGION, ...).',
    ),
    ...inputs,
    '',
  ].join('\n');
}
