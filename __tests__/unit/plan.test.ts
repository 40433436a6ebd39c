import { InputError } from '../../src/errors';
import { choosePlan, planUnlessKept } from '../../src/inputs/choose';
import { getConfig } from '../../src/inputs/config';
import { KEYS, ROLE, reader, scenarios } from '../fixtures/inputs';

const OIDC_ENV = { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token', GITHUB_WORKSPACE: '/ws' };
const NO_OIDC = { GITHUB_WORKSPACE: '/ws' };
const signer = { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: KEYS['aws-secret-access-key'] };
const plan = (inputs: Record<string, string>, env: Record<string, string>) =>
  choosePlan(getConfig(reader({ audience: 'sts.amazonaws.com', ...inputs }), env), env);

const inputsSigner = { from: 'inputs', keys: signer };
const ENV_CREDS = { ...NO_OIDC, AWS_ACCESS_KEY_ID: 'AKIAPREVIOUSPREVIOUS', AWS_SECRET_ACCESS_KEY: 'p' };

describe('choosePlan', () => {
  test.each([
    [
      'role + keys -> AssumeRole',
      scenarios.keysAndRole,
      OIDC_ENV,
      { kind: 'assume-role', role: { arn: ROLE }, signer: inputsSigner },
    ],
    [
      'role + token file -> web identity from the file',
      scenarios.tokenFile,
      OIDC_ENV,
      { kind: 'assume-role-with-web-identity', token: { kind: 'file', path: '/ws/token.jwt' } },
    ],
    [
      'role + OIDC -> web identity from GitHub',
      scenarios.oidc,
      OIDC_ENV,
      {
        kind: 'assume-role-with-web-identity',
        token: { kind: 'github-oidc', audience: 'sts.amazonaws.com' },
      },
    ],
    [
      'role alone -> ambient credentials',
      scenarios.oidc,
      NO_OIDC,
      { kind: 'assume-role', role: { arn: ROLE }, signer: undefined },
    ],
    [
      'force-skip-oidc -> ambient credentials',
      { ...scenarios.oidc, 'force-skip-oidc': 'true' },
      OIDC_ENV,
      { kind: 'assume-role', signer: undefined },
    ],
    [
      'role-chaining -> signed with the environment',
      { ...scenarios.oidc, 'role-chaining': 'true' },
      { ...ENV_CREDS, ...OIDC_ENV },
      {
        kind: 'assume-role',
        signer: { from: 'environment', keys: { accessKeyId: 'AKIAPREVIOUSPREVIOUS', secretAccessKey: 'p' } },
      },
    ],
    [
      'role-chaining with a profile from an earlier step -> that profile alone',
      { ...scenarios.oidc, 'role-chaining': 'true' },
      { ...OIDC_ENV, AWS_PROFILE: 'firstRoleInChain' },
      { kind: 'assume-role', signer: { from: 'profile', profile: 'firstRoleInChain' } },
    ],
    [
      'a role name with keys',
      { ...scenarios.keysOnly, 'role-to-assume': 'deploy' },
      NO_OIDC,
      { kind: 'assume-role', role: { name: 'deploy' } },
    ],
    ['keys only -> exported as given', scenarios.keysOnly, NO_OIDC, { kind: 'static-keys', keys: signer }],
    [
      'explicit web identity with keys given',
      { ...scenarios.keysAndRole, 'sts-operation': 'assume-role-with-web-identity' },
      OIDC_ENV,
      { kind: 'assume-role-with-web-identity' },
    ],
    [
      'explicit assume-role',
      { ...scenarios.keysAndRole, 'sts-operation': 'assume-role' },
      NO_OIDC,
      { kind: 'assume-role' },
    ],
    [
      'explicit assume-role without keys -> ambient',
      { ...scenarios.oidc, 'sts-operation': 'assume-role' },
      OIDC_ENV,
      { kind: 'assume-role', signer: undefined },
    ],
    [
      'get-session-token',
      { ...scenarios.keysOnly, 'sts-operation': 'get-session-token' },
      NO_OIDC,
      { kind: 'get-session-token', signer },
    ],
    [
      'get-federation-token',
      { ...scenarios.keysOnly, 'sts-operation': 'get-federation-token', 'federated-user-name': 'bot' },
      NO_OIDC,
      { kind: 'get-federation-token', name: 'bot', signer },
    ],
  ])('%s', (_name, inputs, env, expected) => {
    expect(plan(inputs, env)).toMatchObject(expected);
  });

  test.each([
    [
      'nothing at all',
      { 'aws-region': 'eu-west-1' },
      OIDC_ENV,
      /'role-to-assume' is required: nothing to do/,
    ],
    [
      'assume-role without a role',
      { ...scenarios.keysOnly, 'sts-operation': 'assume-role' },
      OIDC_ENV,
      /'role-to-assume' is required/,
    ],
    [
      'web identity without a token',
      { ...scenarios.oidc, 'sts-operation': 'assume-role-with-web-identity' },
      NO_OIDC,
      /id-token: write/,
    ],
    [
      'a role name for a web identity',
      { 'aws-region': 'eu-west-1', 'role-to-assume': 'deploy' },
      OIDC_ENV,
      /must be a full role ARN/,
    ],
    [
      'role-chaining with nothing in the environment',
      { ...scenarios.oidc, 'role-chaining': 'true' },
      NO_OIDC,
      /'role-chaining' needs credentials/,
    ],
    ['OIDC with an empty audience', { ...scenarios.oidc, audience: '' }, OIDC_ENV, /'audience' is invalid/],
    [
      'OIDC with a spaced audience',
      { ...scenarios.oidc, audience: 'a b' },
      OIDC_ENV,
      /'audience' is invalid/,
    ],
    [
      'a role with the token operations',
      { ...scenarios.keysAndRole, 'sts-operation': 'get-session-token' },
      NO_OIDC,
      /not used by/,
    ],
    [
      'federation without a user name',
      { ...scenarios.keysOnly, 'sts-operation': 'get-federation-token' },
      NO_OIDC,
      /'federated-user-name' is required/,
    ],
  ])('refuses %s', (_name, inputs, env, message) => {
    expect(() => plan(inputs, env)).toThrow(message);
  });

  describe('role-source-identity', () => {
    const SI = { 'role-source-identity': 'octocat' };

    test.each([
      ['keys -> AssumeRole', scenarios.keysAndRole, OIDC_ENV, { signer: inputsSigner }],
      ['ambient -> AssumeRole', scenarios.oidc, NO_OIDC, { signer: undefined }],
      [
        'role-chaining -> AssumeRole',
        { ...scenarios.oidc, 'role-chaining': 'true' },
        { ...ENV_CREDS, ...OIDC_ENV },
        {},
      ],
      ['explicit assume-role', { ...scenarios.keysAndRole, 'sts-operation': 'assume-role' }, NO_OIDC, {}],
    ])('is taken with %s', (_name, inputs, env, expected) => {
      expect(plan({ ...inputs, ...SI }, env)).toMatchObject({ kind: 'assume-role', ...expected });
    });

    test.each([
      [
        'get-session-token',
        { ...scenarios.keysOnly, 'sts-operation': 'get-session-token' },
        NO_OIDC,
        /not used by sts-operation get-session-token/,
      ],
      [
        'get-federation-token',
        { ...scenarios.keysOnly, 'sts-operation': 'get-federation-token', 'federated-user-name': 'bot' },
        NO_OIDC,
        /not used by sts-operation get-federation-token/,
      ],
      ['GitHub OIDC', scenarios.oidc, OIDC_ENV, /AssumeRoleWithWebIdentity takes no SourceIdentity/],
      ['a token file', scenarios.tokenFile, NO_OIDC, /AssumeRoleWithWebIdentity takes no SourceIdentity/],
      [
        'explicit assume-role-with-web-identity',
        { ...scenarios.keysAndRole, 'sts-operation': 'assume-role-with-web-identity' },
        OIDC_ENV,
        /role-chaining: true/,
      ],
      ['keys without a role', scenarios.keysOnly, NO_OIDC, /needs role-to-assume/],
    ])('is refused with %s, naming the input', (_name, inputs, env, message) => {
      const attempt = () => plan({ ...inputs, ...SI }, env);
      expect(attempt).toThrow(InputError);
      expect(attempt).toThrow("Input 'role-source-identity'");
      expect(attempt).toThrow(message);
    });

    test('with a token operation, role-to-assume is named first (it is the bigger mistake)', () => {
      expect(() =>
        plan({ ...scenarios.keysAndRole, ...SI, 'sts-operation': 'get-session-token' }, NO_OIDC),
      ).toThrow("Input 'role-to-assume' is not used by");
    });
  });
});

describe('planUnlessKept', () => {
  const kept = (inputs: Record<string, string>) =>
    planUnlessKept(getConfig(reader({ 'aws-region': 'eu-west-1', ...inputs }), ENV_CREDS), ENV_CREDS);

  test('use-existing-credentials with nothing to get new ones with: no plan (valid ones need none)', () => {
    expect(kept({ 'use-existing-credentials': 'true' })).toBeUndefined();
  });

  test('with a role, or keys, there is a plan as ever', () => {
    expect(kept({ 'use-existing-credentials': 'true', 'role-to-assume': ROLE })?.kind).toBe('assume-role');
    expect(kept({ 'use-existing-credentials': 'true', ...KEYS })?.kind).toBe('static-keys');
  });

  test.each([
    ['without use-existing-credentials', {}],
    [
      'with an sts-operation that needs a role',
      { 'use-existing-credentials': 'true', 'sts-operation': 'assume-role' },
    ],
  ])('a missing role is still refused up front %s', (_name, inputs) => {
    expect(() => kept(inputs)).toThrow("Input 'role-to-assume' is required");
  });
});

describe('refresh-credentials', () => {
  const refresh = { 'refresh-credentials': 'true' };

  test.each([
    ['GitHub OIDC', scenarios.oidc, OIDC_ENV, 'assume-role-with-web-identity'],
    ['a token file', scenarios.tokenFile, NO_OIDC, 'assume-role-with-web-identity'],
    ['keys -> AssumeRole', scenarios.keysAndRole, OIDC_ENV, 'assume-role'],
  ])('renews %s', (_name, inputs, env, kind) => {
    expect(plan({ ...inputs, ...refresh }, env).kind).toBe(kind);
  });

  test('writes aws-profile, else its own profile; exports no credentials', () => {
    const env = OIDC_ENV;
    const given = getConfig(reader({ ...scenarios.oidc, ...refresh, 'aws-profile': 'ci' }), env);
    expect(given).toMatchObject({ refresh: true, profile: { name: 'ci' }, outputEnvCredentials: false });
    const own = getConfig(reader({ ...scenarios.oidc, ...refresh }), env);
    expect(own.profile).toEqual({ name: 'aws-credentials-gate', overwrite: false });
    expect(getConfig(reader(scenarios.oidc), env)).toMatchObject({ refresh: false, profile: undefined });
  });

  test.each([
    ['role-chaining', { ...scenarios.oidc, 'role-chaining': 'true' }, ENV_CREDS, /chained role/],
    [
      'role-chaining before its own checks',
      { ...scenarios.oidc, 'role-chaining': 'true' },
      NO_OIDC,
      /chained/,
    ],
    [
      'get-session-token',
      { ...scenarios.keysOnly, 'sts-operation': 'get-session-token' },
      NO_OIDC,
      /get-session-token/,
    ],
    [
      'get-federation-token',
      { ...scenarios.keysOnly, 'sts-operation': 'get-federation-token', 'federated-user-name': 'bot' },
      NO_OIDC,
      /get-federation-token/,
    ],
    ['keys without a role', scenarios.keysOnly, NO_OIDC, /needs role-to-assume/],
    ["the SDK's default chain", scenarios.oidc, NO_OIDC, /default credential chain/],
    [
      'use-existing-credentials',
      { ...scenarios.oidc, 'use-existing-credentials': 'true' },
      OIDC_ENV,
      /use-existing/,
    ],
    [
      'output-env-credentials: true',
      { ...scenarios.oidc, 'output-env-credentials': 'true' },
      OIDC_ENV,
      /Remove output-env-credentials/,
    ],
  ])('refuses %s, naming refresh-credentials', (_name, inputs, env, message) => {
    let thrown: unknown;
    try {
      plan({ ...inputs, ...refresh }, env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).input).toBe('refresh-credentials');
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).toContain("'refresh-credentials'");
  });
});

test('refresh-credentials with use-existing-credentials and nothing else is refused too', () => {
  const config = getConfig(
    reader({ 'aws-region': 'eu-west-1', 'use-existing-credentials': 'true', 'refresh-credentials': 'true' }),
    ENV_CREDS,
  );
  expect(() => planUnlessKept(config, ENV_CREDS)).toThrow(/'refresh-credentials'.*use-existing-credentials/);
});
