/**
 * What every e2e file needs: moto on loopback behind a counting proxy, a GitHub OIDC stand-in, jobs that
 * run the committed bundles, and the checks every case makes.
 */
import { type Moto, startMoto } from '../harness/moto';
import { type OidcServer, startOidc } from '../harness/oidc';
import { type FaultProxy, startProxy } from '../harness/proxy';
import { findLeaks, Job, type StepResult } from '../harness/runner';

export const CREDENTIAL_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

export interface Stack {
  moto: Moto;
  proxy: FaultProxy;
  oidc: OidcServer;
  /** A job whose steps see RUNNER_DEBUG=1 (to widen the leak check) plus `env`. */
  job(env?: Record<string, string | undefined>): Job;
}

/** Starts the stack for the file's tests and stops it after; the proxy is cleared before each test. */
export function useStack(): Stack {
  const jobs: Job[] = [];
  const stack = {
    job(env: Record<string, string | undefined> = {}) {
      const job = new Job({ RUNNER_DEBUG: '1', ...env });
      jobs.push(job);
      return job;
    },
  } as Stack;
  beforeAll(async () => {
    stack.moto = await startMoto();
    stack.proxy = await startProxy(stack.moto.url);
    stack.oidc = await startOidc();
  }, 60_000);
  afterAll(async () => {
    for (const job of jobs) job.cleanup();
    await Promise.all([stack.proxy?.close(), stack.oidc?.close(), stack.moto?.stop()]);
  });
  beforeEach(() => {
    stack.proxy.clear();
    stack.proxy.fault = undefined;
    stack.oidc.fault = undefined;
  });
  return stack;
}

export function expectSuccess(result: StepResult): void {
  if (result.exitCode !== 0)
    throw new Error(`step failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  expect(result.errors).toEqual([]);
}

/** No secret given or exported is printed outside ::add-mask::, and each was masked. */
export function expectNoLeaks(result: StepResult, ...secrets: (string | undefined)[]): void {
  const exported = CREDENTIAL_ENV.map((name) => result.env[name]);
  expect(findLeaks(result, [...secrets, ...exported])).toEqual([]);
}

/** Exit 1, one ::error:: naming the input, nothing exported. */
export function expectRefused(result: StepResult, input: string): void {
  expect(result.exitCode).toBe(1);
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]).toContain(`'${input}'`);
  expect(result.env).toEqual({});
  expect(result.outputs).toEqual({});
}

/**
 * A held gate's outputs, the only ones a failed step sets, when it checked list on one bucket:
 * `where` is `<bucket>/<prefix>`.
 */
export function heldGate(where: string): Record<string, string> {
  return {
    'bucket-accessible': 'false',
    'bucket-access': JSON.stringify({ [where]: { list: false } }),
    'bucket-object-count': '0',
  };
}

/** Exit 1 with one ::error:: and nothing exported (no outputs but `outputs`, a held gate's). */
export function expectFailure(result: StepResult, outputs: Record<string, string> = {}): string {
  expect(result.exitCode).toBe(1);
  expect(result.errors).toHaveLength(1);
  expect(result.env).toEqual({});
  expect(result.outputs).toEqual(outputs);
  return result.errors[0] ?? '';
}
