/**
 * The runner's side of the step: inputs, state, masks, logs, env, outputs and the job summary, spoken
 * in GitHub's documented workflow-command protocol (stdout `::cmd::` lines and the GITHUB_* files).
 *
 * Why not @actions/core for these: its 3.x import evaluates undici (for getIDToken) and costs more than
 * a bare Node start; the post step's budget is half of that. The GitHub OIDC token is asked for without
 * it too (aws/github-token.ts; see docs/performance.md).
 */
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';

import type { Env } from '../names';

/**
 * What a step needs of the runner. The steps take it as a parameter: the action passes a WorkflowRunner,
 * the command line a CliRunner (src/cli/runner.ts), tests a fake that records every call.
 */
export interface Runner {
  /** An input as the runner passes it (INPUT_<NAME>), trimmed; '' when not given. */
  getInput(name: string): string;
  /** A value the main step saved for the post step. */
  getState(name: string): string;
  setSecret(value: string): void;
  /** Sets a variable for later steps (GITHUB_ENV) and in this process's environment. */
  exportVariable(name: string, value: string): void;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  appendSummary(markdown: string): void;
  /** Plain log text: never read as a command, whatever it holds. */
  info(message: string): void;
  debug(message: string): void;
  warning(message: string): void;
  /** Logs lines in a collapsed group; the lines are plain text, never commands. */
  group(title: string, lines: string[]): void;
  /**
   * Reports the step's one error and makes it exit non-zero (1). `cause` is what was thrown, for a runner
   * that tells a bad input apart (the command line's usage error).
   */
  setFailed(message: string, cause?: unknown): void;
  /**
   * From now on nothing is written or exported, but the step's one failure: a step that timed out must not
   * export what comes late.
   */
  seal(): void;
  readonly isSealed: boolean;
}

/** `%`, CR and LF escaped as the runner expects in a command's message. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A `::name::message` line. */
export function command(name: string, message: string): string {
  return `::${name}::${escapeData(message)}`;
}

/**
 * A unique-enough delimiter. What makes it safe is that fileCommand refuses any value containing it, so it
 * need not be cryptographic — and node:crypto costs the post step a sixth of its time to load.
 */
function newDelimiter(): string {
  return `ghadelimiter_${Date.now().toString(36)}_${randomPart()}`;
}

function randomPart(): string {
  const random = () => Math.random().toString(36).slice(2);
  return `${random()}${random()}`;
}

/** Control characters (C0 other than tab, DEL, C1 such as NEL); line breaks split lines first. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Log lines as the runner will read them: split at line breaks, control characters shown escaped. The
 * runner reads `text` + EOL as .NET's ReadLine does, so a CR at the end is part of that line break, not
 * one of its own (`x\r` is one line, as @actions/core's info prints it).
 */
function logLines(text: string): string[] {
  return `${text}\n`
    .split(/\r\n|\n|\r/)
    .slice(0, -1)
    .map((line) => line.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/**
 * What the runner may read as a command: `::` at the start after whitespace (.NET's, which also counts
 * NEL), or the older `##[name]` form anywhere in the line.
 */
export const looksLikeCommand = (line: string) => /^[\s\u0085]*::/.test(line) || line.includes('##[');

/** A `name<<delimiter` block for GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE. */
export function fileCommand(name: string, value: string, delimiter = newDelimiter()): string {
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`refusing to write ${name}: its value contains the delimiter`);
  }
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`;
}

/**
 * Ends the process once everything written to stdout has gone out: on a pipe (the runner reads one)
 * Node writes asynchronously on Linux and macOS, and process.exit() alone could cut the log short.
 * Exiting rather than returning means no SDK timer or socket an error path left behind holds the step.
 */
export function exitWhenFlushed(code?: number): void {
  // process.exit(undefined) would exit 0 whatever process.exitCode says: call it without an argument.
  process.stdout.write('', () => (code === undefined ? process.exit() : process.exit(code)));
}

/** The runner of GitHub Actions, spoken to in its documented protocol. */
export class WorkflowRunner implements Runner {
  private sealed = false;

  constructor(
    private readonly env: Env = process.env,
    private readonly print: (line: string) => void = (line) => process.stdout.write(`${line}${EOL}`),
  ) {}

  /** From now on nothing is written or exported but the failure (see Runner.seal). */
  seal(): void {
    this.sealed = true;
  }

  /** Whether seal() was called: side effects outside the runner (the profile) check it too. */
  get isSealed(): boolean {
    return this.sealed;
  }

  private write(line: string): void {
    if (!this.sealed) this.print(line);
  }

  /** An input as the runner passes it (INPUT_<NAME>), trimmed; '' when not given. */
  getInput(name: string): string {
    return (this.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
  }

  /** A value the main step saved for the post step. */
  getState(name: string): string {
    return this.env[`STATE_${name}`] ?? '';
  }

  setSecret(value: string): void {
    this.write(command('add-mask', value));
  }

  exportVariable(name: string, value: string): void {
    if (this.sealed) return;
    this.env[name] = value;
    this.appendTo('GITHUB_ENV', fileCommand(name, value));
  }

  setOutput(name: string, value: string): void {
    this.appendTo('GITHUB_OUTPUT', fileCommand(name, value));
  }

  saveState(name: string, value: string): void {
    this.appendTo('GITHUB_STATE', fileCommand(name, value));
  }

  appendSummary(markdown: string): void {
    this.appendTo('GITHUB_STEP_SUMMARY', markdown);
  }

  /** Plain log text: never read as a command, whatever it holds (see plain). */
  info(message: string): void {
    this.plain(logLines(message));
  }

  debug(message: string): void {
    this.write(command('debug', message));
  }

  warning(message: string): void {
    this.write(command('warning', message));
  }

  /** Logs lines in a collapsed group; the lines are plain text, never commands. */
  group(title: string, lines: string[]): void {
    this.write(command('group', title));
    this.plain(lines.flatMap(logLines));
    this.write('::endgroup::');
  }

  /** Reports the step's one error and makes it exit 1; sealed or not (a timed-out step says so last). */
  setFailed(message: string): void {
    process.exitCode = 1;
    this.print(command('error', message));
  }

  /**
   * Writes log lines. Some hold what others chose (S3 object keys, AWS messages); a line among them that
   * starts with `::` would be run as a command (a mask, an annotation, `::stop-commands::`). Then the
   * lines go between `::stop-commands::<token>` and `::<token>::`, GitHub's documented way to print text
   * uninterpreted, with a token no line holds in any case: the runner compares it by .NET's
   * OrdinalIgnoreCase, which upper-cases (ı as I, ſ as S); JavaScript's toUpperCase maps those too.
   */
  private plain(lines: string[]): void {
    if (!lines.some(looksLikeCommand)) {
      for (const line of lines) this.write(line);
      return;
    }
    const upper = lines.map((line) => line.toUpperCase());
    let token = `log_${randomPart()}`;
    while (upper.some((line) => line.includes(token.toUpperCase()))) token = `log_${randomPart()}`;
    this.write(`::stop-commands::${token}`);
    for (const line of lines) this.write(line);
    this.write(`::${token}::`);
  }

  private appendTo(file: string, text: string): void {
    if (this.sealed) return;
    const path = this.env[file];
    if (!path) throw new Error(`${file} is not set: this must run as a step of a GitHub Actions job`);
    appendFileSync(path, text, { encoding: 'utf8' });
  }
}
