/**
 * A fake runner for unit tests of the steps: it records every call in order, keeps outputs, state,
 * exported variables and the summary, and answers inputs and state from plain objects.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Runner } from '../../src/runner/protocol';

// The harness reads action.yml once; its `action` is the parsed file.
const { action } = require('../harness/runner.js') as {
  action: { inputs?: Record<string, { default?: unknown } | null> };
};

/** Inputs as the runner hands them over: every default action.yml declares, overridden by `with:`. */
function withDefaults(given: Record<string, string>): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    if (spec?.default !== undefined && spec.default !== null) inputs[name] = String(spec.default);
  }
  for (const [name, value] of Object.entries(given)) {
    if (!(name in inputs) && !(name in (action.inputs ?? {})))
      throw new Error(`fake runner: input '${name}' is not declared in action.yml`);
    inputs[name] = value;
  }
  return inputs;
}

export type Call =
  | { kind: 'secret'; value: string }
  | { kind: 'env'; name: string; value: string }
  | { kind: 'output'; name: string; value: string }
  | { kind: 'state'; name: string; value: string }
  | { kind: 'summary'; value: string }
  | { kind: 'info' | 'debug' | 'warning' | 'failed'; value: string }
  | { kind: 'group'; value: string; lines: string[] };

export class FakeRunner implements Runner {
  readonly calls: Call[] = [];
  private sealed = false;

  private readonly inputs: Record<string, string>;

  constructor(
    given: Record<string, string> = {},
    private readonly state: Record<string, string> = {},
    /** The step's environment: exportVariable sets it, as the real runner does for this process. */
    private readonly env: Record<string, string | undefined> = {},
  ) {
    this.inputs = withDefaults(given);
  }

  get isSealed(): boolean {
    return this.sealed;
  }

  seal(): void {
    this.sealed = true;
  }

  getInput(name: string): string {
    return (this.inputs[name] ?? '').trim();
  }

  getState(name: string): string {
    return this.state[name] ?? '';
  }

  setSecret(value: string): void {
    this.record({ kind: 'secret', value });
  }

  exportVariable(name: string, value: string): void {
    if (this.sealed) return;
    this.env[name] = value;
    this.record({ kind: 'env', name, value });
  }

  setOutput(name: string, value: string): void {
    this.record({ kind: 'output', name, value });
  }

  saveState(name: string, value: string): void {
    this.record({ kind: 'state', name, value });
  }

  appendSummary(markdown: string): void {
    this.record({ kind: 'summary', value: markdown });
  }

  info(message: string): void {
    this.record({ kind: 'info', value: message });
  }

  debug(message: string): void {
    this.record({ kind: 'debug', value: message });
  }

  warning(message: string): void {
    this.record({ kind: 'warning', value: message });
  }

  group(title: string, lines: string[]): void {
    this.record({ kind: 'group', value: title, lines });
  }

  /** Recorded sealed or not, as the runners do: a timed-out step seals itself, then fails. */
  setFailed(message: string): void {
    this.calls.push({ kind: 'failed', value: message });
  }

  private record(call: Call): void {
    if (!this.sealed) this.calls.push(call);
  }

  // What a test reads back.

  get failure(): string | undefined {
    return this.calls.find((c) => c.kind === 'failed')?.value;
  }

  get outputs(): Record<string, string> {
    return Object.fromEntries(this.calls.flatMap((c) => (c.kind === 'output' ? [[c.name, c.value]] : [])));
  }

  get exported(): Record<string, string> {
    return Object.fromEntries(this.calls.flatMap((c) => (c.kind === 'env' ? [[c.name, c.value]] : [])));
  }

  get savedState(): Record<string, string> {
    return Object.fromEntries(this.calls.flatMap((c) => (c.kind === 'state' ? [[c.name, c.value]] : [])));
  }

  /** Every log line: info, warnings, debug, group titles and lines, the failure. */
  get log(): string[] {
    return this.calls.flatMap((c) => {
      if (c.kind === 'group') return [c.value, ...c.lines];
      if (c.kind === 'info' || c.kind === 'warning' || c.kind === 'debug' || c.kind === 'failed')
        return [c.value];
      return [];
    });
  }

  get summary(): string {
    return this.calls.flatMap((c) => (c.kind === 'summary' ? [c.value] : [])).join('');
  }

  /**
   * The secrets that reached anything the runner prints or keeps (log, outputs, env, state, summary)
   * before they were masked: each must be registered with setSecret earlier than its first use.
   */
  unmaskedUses(secrets: string[]): string[] {
    const problems: string[] = [];
    for (const secret of secrets) {
      const masked = this.calls.findIndex((c) => c.kind === 'secret' && c.value === secret);
      const used = this.calls.findIndex(
        (c) => c.kind !== 'secret' && JSON.stringify(c).includes(JSON.stringify(secret).slice(1, -1)),
      );
      if (used !== -1 && (masked === -1 || masked > used)) problems.push(secret);
    }
    return problems;
  }
}

/** A job's environment for a step under test: a fresh scratch HOME that is also RUNNER_TEMP and the workspace. */
export function jobEnv(more: Record<string, string> = {}): Record<string, string | undefined> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'step-'));
  return {
    HOME: home,
    RUNNER_TEMP: home,
    GITHUB_WORKSPACE: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...more,
  };
}
