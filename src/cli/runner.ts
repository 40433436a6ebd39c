/**
 * The command line's runner: the step reads its inputs from the flags (with action.yml's defaults, as the
 * Actions runner applies them), and its log lines go to stderr as plain text. Nothing else is written
 * anywhere: no workflow command, no GITHUB_* file, no state, no summary (the credentials themselves are
 * handed over to cli/program.ts, see main.ts's handOver). Every secret the step registers is hidden in whatever
 * this runner prints, as the Actions runner masks it.
 */
import { InputError } from '../errors';
import { looksLikeCommand, type Runner } from '../runner/protocol';
import { PROGRAM } from './flags';
import { INPUTS } from './inputs';

/** action.yml's defaults: what the Actions runner passes for an input not given. */
const DEFAULTS: ReadonlyMap<string, string> = new Map(
  INPUTS.flatMap((spec) => (spec.default === undefined ? [] : [[spec.name, spec.default] as const])),
);

/**
 * Characters that must not reach a terminal as they are: C0 controls (line breaks too, in a line printed
 * whole), DEL, C1 controls, and the invisible and direction-changing characters that make a line read other
 * than it is.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * One line as it may be printed: control and invisible characters shown as \xNN or \u{NNNN}, and what the
 * Actions runner would read as a workflow command (when the command line runs in a job) defused.
 */
export function printable(line: string): string {
  const shown = line.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
  if (!looksLikeCommand(shown)) return shown;
  return shown.replace(/^(\s*):/, '$1\\x3a').replace(/##\[/g, '#\\x23[');
}

/** A usage error's one line: the flag, what is wrong, and where the usage is. */
export function usageLine(message: string): string {
  return printable(`${PROGRAM}: ${message}${message.endsWith('.') ? '' : '.'} See ${PROGRAM} --help.`);
}

/** An input error as a flag user reads it: "Input 'aws-region' is ..." -> "--aws-region is ...". */
export function asFlags(message: string): string {
  return message.replace(/Input '([a-z0-9-]+)'/g, '--$1');
}

/** The step's one error: its message, and whether it was bad usage (an input error: exit 2). */
export interface Failure {
  message: string;
  usage: boolean;
}

export class CliRunner implements Runner {
  private sealed = false;
  private readonly secrets = new Set<string>();
  /** Set once the step reports its error. */
  failure: Failure | undefined;

  constructor(
    private readonly options: {
      /** Input name -> value, from the flags. */
      inputs: ReadonlyMap<string, string>;
      /** -d: debug lines and log groups are printed too. */
      debug: boolean;
      /** Writes one line to stderr. */
      log: (line: string) => void;
    },
  ) {}

  /** The flag's value, else action.yml's default; trimmed, as the Actions runner passes inputs. */
  getInput(name: string): string {
    return (this.options.inputs.get(name) ?? DEFAULTS.get(name) ?? '').trim();
  }

  /** There is no post step, so no state. */
  getState(): string {
    return '';
  }

  setSecret(value: string): void {
    if (value !== '') this.secrets.add(value);
  }

  /** Nothing runs after this process but what it starts itself, with the credentials handed over. */
  exportVariable(): void {}

  setOutput(): void {}

  saveState(): void {}

  appendSummary(): void {}

  info(message: string): void {
    this.print(message);
  }

  debug(message: string): void {
    if (this.options.debug) this.print(message);
  }

  warning(message: string): void {
    this.print(`warning: ${message}`);
  }

  group(title: string, lines: string[]): void {
    if (!this.options.debug) return;
    this.print(`${title}:`);
    for (const line of lines) this.print(`  ${line}`);
  }

  /** An input error is bad usage: one line naming the flag. Any other error is AWS (or the gate) saying no. */
  setFailed(message: string, cause?: unknown): void {
    const usage = cause instanceof InputError;
    this.failure = { message, usage };
    if (usage) this.options.log(usageLine(this.hide(asFlags(message))));
    // Sealed or not: a step that ran out of time seals its runner, then says so last.
    else for (const line of this.shown(`error: ${message}`)) this.options.log(line);
  }

  seal(): void {
    this.sealed = true;
  }

  get isSealed(): boolean {
    return this.sealed;
  }

  /** One line as it may be shown, whatever it holds: secrets hidden, printable (see printable). */
  line(text: string): string {
    return printable(this.hide(text));
  }

  /** Log text as it may be shown: secrets hidden, then line by line, printable (see printable). */
  shown(text: string): string[] {
    return this.hide(text)
      .split(/\r\n|\n|\r/)
      .map(printable);
  }

  private hide(text: string): string {
    // Longest first, so a secret that contains another is hidden whole.
    const secrets = [...this.secrets].sort((a, b) => b.length - a.length);
    return secrets.reduce((shown, secret) => shown.split(secret).join('***'), text);
  }

  private print(text: string): void {
    if (this.sealed) return;
    for (const line of this.shown(text)) this.options.log(line);
  }
}
