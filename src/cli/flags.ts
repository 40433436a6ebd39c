/**
 * The command line's flags: every action input as `--name VALUE` (the table generated from action.yml),
 * the seeds' short forms, and the command line's own switches. Parsing only splits argv into input values
 * and an output; the values are checked afterwards by the action's own code (getConfig), read through
 * CliRunner.getInput, so no value has a second parser here.
 */
import { Input } from '../names';
import { INPUTS } from './inputs';

export const PROGRAM = 'aws-credentials-gate';

/** The seeds' short flags, and the inputs they stand for. */
export const SHORT_INPUTS: Readonly<Record<string, `${Input}`>> = {
  '-b': Input.VerifyBucket,
  '-r': Input.AwsRegion,
  '-u': Input.FederatedUserName,
};

/** Inputs the command line refuses, and why: a profile written from a terminal would stay forever. */
export const REFUSED_INPUTS: ReadonlyMap<string, string> = new Map([
  [
    Input.AwsProfile,
    'writes a profile that the action removes again in its post step, and a terminal has no post step: ' +
      'use --json as the credential_process of a profile of your own, --export, or -- COMMAND',
  ],
  [Input.OverwriteAwsProfile, 'goes with --aws-profile, which is not available from a terminal'],
  [
    Input.RefreshCredentials,
    'writes a profile whose credential process the action removes again in its post step, and a terminal has ' +
      'no post step: use --json as the credential_process of a profile of your own',
  ],
  [
    Input.Profiles,
    'writes named profiles that the action removes again in its post step, and a terminal has no post step: ' +
      'run the command once for each role, with --json as the credential_process of a profile of your own',
  ],
]);

/** Inputs that say where a workflow step's results go: checked as the action checks them, then unused. */
export const UNUSED_INPUTS: ReadonlySet<string> = new Set([
  Input.OutputCredentials,
  Input.OutputEnvCredentials,
  Input.JobSummary,
]);

/** Where the credentials go: a report only, shell exports, credential_process JSON, or a command's env. */
export type Output =
  | { kind: 'report' }
  | { kind: 'export' }
  | { kind: 'json' }
  | { kind: 'exec'; command: string; args: string[] };

export interface Invocation {
  /** Input name -> value, as given (never empty). */
  inputs: Map<string, string>;
  output: Output;
  /** -d: more detail. */
  debug: boolean;
  /** -h: usage, and nothing else. */
  help: boolean;
}

/** Flags that cannot be read. Exit 2, one line naming the flag; nothing is asked of AWS. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const NAMES: ReadonlySet<string> = new Set(INPUTS.map((spec) => spec.name));
const SWITCHES = new Set(['-d', '--debug', '-h', '--help', '--export', '--json']);

/** Whether an argument is a flag of ours (or the `--` before a command), so not a value. */
function isFlag(arg: string): boolean {
  return arg.startsWith('--') || Object.hasOwn(SHORT_INPUTS, arg) || SWITCHES.has(arg);
}

export function parseArgs(argv: readonly string[]): Invocation {
  const dashes = argv.indexOf('--');
  const flags = dashes === -1 ? argv : argv.slice(0, dashes);
  const help = flags.includes('-h') || flags.includes('--help');
  const invocation: Invocation = { inputs: new Map(), output: { kind: 'report' }, debug: false, help };
  if (help) return invocation;
  const outputs: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const arg = flags[i] ?? '';
    if (arg === '-d' || arg === '--debug') invocation.debug = true;
    else if (arg === '--export' || arg === '--json') outputs.push(arg);
    else {
      const { name, inline } = inputOf(arg, i + 1);
      const next = flags[i + 1];
      // `--name VALUE` takes the next argument unless it is a flag (then the value is missing).
      const value = inline ?? (next === undefined || isFlag(next) ? undefined : next);
      if (inline === undefined && value !== undefined) i++;
      setInput(invocation.inputs, { flag: inline === undefined ? arg : `--${name}`, name, value });
    }
  }
  if (dashes !== -1) {
    const [command, ...args] = argv.slice(dashes + 1);
    if (command === undefined || command === '')
      throw new UsageError('-- needs a command after it: -- COMMAND [ARGS...]');
    outputs.push('--');
    invocation.output = { kind: 'exec', command, args };
  }
  if (outputs.length > 1)
    throw new UsageError(`${outputs.join(' and ')} cannot be given together: choose one output`);
  if (outputs[0] === '--export') invocation.output = { kind: 'export' };
  if (outputs[0] === '--json') invocation.output = { kind: 'json' };
  return invocation;
}

/**
 * The input a flag names, and a value given with `=`. What is not a flag is not echoed: it may be a
 * secret typed without its flag.
 */
function inputOf(arg: string, position: number): { name: string; inline: string | undefined } {
  const short = Object.hasOwn(SHORT_INPUTS, arg) ? SHORT_INPUTS[arg] : undefined;
  if (short !== undefined) return { name: short, inline: undefined };
  const long = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
  if (long === null) {
    throw new UsageError(
      /^-[A-Za-z]$/.test(arg)
        ? `unknown flag ${arg}`
        : `argument ${position} is not a flag (inputs are given as --name VALUE; a command goes after --)`,
    );
  }
  const name = long[1] ?? '';
  if (!NAMES.has(name)) {
    const near = [...NAMES, 'debug', 'help', 'export', 'json'].find((known) => distance(known, name) <= 2);
    throw new UsageError(`unknown flag --${name}${near === undefined ? '' : `; did you mean --${near}?`}`);
  }
  return { name, inline: long[2] };
}

function setInput(
  inputs: Map<string, string>,
  { flag, name, value }: { flag: string; name: string; value: string | undefined },
): void {
  const refused = REFUSED_INPUTS.get(name);
  if (refused !== undefined)
    throw new UsageError(`--${name} is not available from a terminal: it ${refused}`);
  const named = flag === `--${name}` ? flag : `${flag} (--${name})`;
  if (value === undefined || value.trim() === '')
    throw new UsageError(`${named} needs a value: ${flag} VALUE`);
  if (inputs.has(name)) throw new UsageError(`${named} is given twice`);
  inputs.set(name, value);
}

/** Edits (insertions, deletions, substitutions) that turn one word into the other. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
