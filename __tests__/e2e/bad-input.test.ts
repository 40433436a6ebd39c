/**
 * Every input's invalid forms, run through the committed bundle: each is refused with exit 1 and one
 * ::error:: naming the input, exports nothing, and makes no AWS request (the counting proxy sees none).
 * Timing is left to the benchmark.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BAD_INPUT_BASE, BAD_INPUTS, type BadInputCase } from '../fixtures/bad-inputs';
import { action, findLeaks } from '../harness/runner';
import { useStack } from './stack';

/** Inputs whose values are secrets: never shown in an error, always masked. */
const SECRET_INPUTS = ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'];

/**
 * Declared inputs that have no invalid form, so no case can cover them. Kept short: an input belongs here
 * only if the action accepts every value of it, in every combination.
 */
const NO_INVALID_FORM: string[] = [
  // (none: every input in action.yml has at least one value or combination the action refuses)
];

const stack = useStack();

/** The `with:` of a case: the valid base, endpoints at the proxy, then the case's overrides. */
function inputsFor(bad: BadInputCase): Record<string, string> {
  return {
    ...BAD_INPUT_BASE,
    'sts-endpoint': stack.proxy.url,
    's3-endpoint': stack.proxy.url,
    ...bad.with,
  };
}

test.each(BAD_INPUTS.map((bad) => [bad.name, bad] as const))('%s', async (_name, bad) => {
  const job = stack.job({
    // Any client not given an endpoint input still talks to the proxy, so it would be counted.
    AWS_ENDPOINT_URL: stack.proxy.url,
    AWS_ENDPOINT_URL_IAM: stack.proxy.url,
    ...(bad.oidc ? stack.oidc.env : {}),
  });
  for (const [file, text] of Object.entries(bad.files ?? {})) {
    const target = path.join(job.dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text, { mode: 0o600 });
  }
  const inputs = inputsFor(bad);
  const oidcBefore = stack.oidc.requests.length;

  const result = await job.main(inputs, bad.env ?? {});

  // One comparison, so a failure shows the exit code, every error and every AWS request together.
  expect({
    exitCode: result.exitCode,
    errors: result.errors,
    awsRequests: stack.proxy.requests.map((r) => `${r.operation} ${r.method} ${r.path}`),
  }).toEqual({
    exitCode: 1,
    errors: [expect.stringContaining(`'${bad.input}'`)],
    awsRequests: [],
  });
  const error = result.errors[0] ?? '';
  if (bad.shows !== undefined) expect(error).toContain(bad.shows);
  expect(result.env).toEqual({});
  expect(result.outputs).toEqual({});
  expect(stack.oidc.requests.length).toBe(oidcBefore);

  // Secrets given (the base keys, or the case's) are masked first and never printed, even on refusal.
  const secrets = SECRET_INPUTS.map((name) => inputs[name]).filter((value): value is string => !!value);
  for (const secret of secrets) expect(error).not.toContain(secret);
  expect(findLeaks(result, secrets)).toEqual([]);
});

describe('the table', () => {
  const declared = Object.keys((action as { inputs: Record<string, unknown> }).inputs);

  test('covers every input in action.yml, or lists it as having no invalid form', () => {
    const covered = new Set(BAD_INPUTS.flatMap((bad) => [bad.input, ...(bad.about ? [bad.about] : [])]));
    const missing = declared.filter((name) => !covered.has(name) && !NO_INVALID_FORM.includes(name));
    expect(missing).toEqual([]);
    // An input listed as having no invalid form must not have one in the table either.
    expect(NO_INVALID_FORM.filter((name) => covered.has(name))).toEqual([]);
  });

  test('names only declared inputs, and each case once', () => {
    const named = BAD_INPUTS.flatMap((bad) => [
      bad.input,
      ...(bad.about ? [bad.about] : []),
      ...Object.keys(bad.with),
    ]);
    expect([...new Set(named)].filter((name) => !declared.includes(name))).toEqual([]);
    const names = BAD_INPUTS.map((bad) => bad.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  test('covers the forms the issue lists', () => {
    const given = (input: string) =>
      BAD_INPUTS.filter((bad) => bad.input === input).map((bad) => bad.with[input]);
    expect(given('role-duration-seconds')).toEqual(expect.arrayContaining(['0', '100', '50000', 'abc']));
    expect(given('verify-max-keys')).toEqual(expect.arrayContaining(['0', '5000']));
    expect(given('role-session-name').map((name) => name?.length)).toEqual(expect.arrayContaining([1, 65]));
    expect(given('role-session-name').some((name) => name?.includes(' '))).toBe(true);
    expect(given('aws-region').some((region) => region?.includes(' '))).toBe(true);
    expect(BAD_INPUTS.some((bad) => bad.input === 'audience' && bad.oidc && bad.with.audience === '')).toBe(
      true,
    );
  });
});
