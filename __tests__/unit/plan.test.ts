import { getConfig } from '../../src/config';
import { choosePlan } from '../../src/plan';
import { KEYS, ROLE, reader, scenarios } from '../fixtures/inputs';

const OIDC_ENV = { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token', GITHUB_WORKSPACE: '/ws' };
const NO_OIDC = { GITHUB_WORKSPACE: '/ws' };
const signer = { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: KEYS['aws-secret-access-key'] };
const plan = (inputs: Record<string, string>, env: Record<string, string>) =>
  choosePlan(getConfig(reader({ audience: 'sts.amazonaws.com', ...inputs }), env), env);

describe('choosePlan', () => {
  test.each([
    [
      'role + keys -> AssumeRole',
      scenarios.keysAndRole,
      OIDC_ENV,
      { kind: 'assume-role', roleArn: ROLE, signer },
    ],
    [
      'role + token file -> web identity from the file',
      scenarios.tokenFile,
      OIDC_ENV,
      { kind: 'web-identity', token: { kind: 'file', path: '/ws/token.jwt' } },
    ],
    [
      'role + OIDC -> web identity from GitHub',
      scenarios.oidc,
      OIDC_ENV,
      { kind: 'web-identity', token: { kind: 'github-oidc', audience: 'sts.amazonaws.com' } },
    ],
    ['keys only -> exported as given', scenarios.keysOnly, NO_OIDC, { kind: 'static-keys', keys: signer }],
    [
      'explicit web identity with keys given',
      { ...scenarios.keysAndRole, 'sts-operation': 'assume-role-with-web-identity' },
      OIDC_ENV,
      { kind: 'web-identity' },
    ],
    [
      'explicit assume-role',
      { ...scenarios.keysAndRole, 'sts-operation': 'assume-role' },
      NO_OIDC,
      { kind: 'assume-role' },
    ],
  ])('%s', (_name, inputs, env, expected) => {
    expect(plan(inputs, env)).toMatchObject(expected);
  });

  test.each([
    ['a role with no signer', scenarios.oidc, NO_OIDC, /'role-to-assume'.*permissions: id-token: write/],
    [
      'nothing at all',
      { 'aws-region': 'eu-west-1' },
      OIDC_ENV,
      /'role-to-assume' is required: nothing to do/,
    ],
    [
      'assume-role without keys',
      { ...scenarios.oidc, 'sts-operation': 'assume-role' },
      OIDC_ENV,
      /'aws-access-key-id' is required/,
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
    ['OIDC with an empty audience', { ...scenarios.oidc, audience: '' }, OIDC_ENV, /'audience' is invalid/],
    [
      'OIDC with a spaced audience',
      { ...scenarios.oidc, audience: 'a b' },
      OIDC_ENV,
      /'audience' is invalid/,
    ],
  ])('refuses %s', (_name, inputs, env, message) => {
    expect(() => plan(inputs, env)).toThrow(message);
  });
});
