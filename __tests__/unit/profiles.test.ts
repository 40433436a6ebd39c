/**
 * profiles: several roles in one step, each written as a named profile. The input's lines and the inputs it
 * cannot go with (pure), how the roles are planned (one signer or one token for all), and the main and post
 * steps driven with a fake runner and a fake AWS: all at once, all or nothing, the files, outputs, summary.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanup } from '../../src/cleanup';
import { InputError } from '../../src/errors';
import { planBatch } from '../../src/inputs/batch';
import { planUnlessKept } from '../../src/inputs/choose';
import { type Config, getConfig } from '../../src/inputs/config';
import { MAX_PROFILES, parseProfiles } from '../../src/inputs/profiles';
import { run } from '../../src/main';
import { StsOperation } from '../../src/names';
import { parseRestore } from '../../src/restore';
import { renderSummary } from '../../src/runner/summary';
import { FakeAws, type FakeRequest, fakeJwt, queryError, roleSession } from '../fakes/aws';
import { FakeRunner, jobEnv } from '../fakes/runner';
import { KEYS, ROLE, reader } from '../fixtures/inputs';

const NETWORK = 'arn:aws:iam::111111111111:role/deploy';
const APP = 'arn:aws:iam::222222222222:role/deploy';
const TWO = `network = ${NETWORK}\napp     = ${APP}\n`;
const OIDC_ENV = { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token' };

/** The InputError a function throws (fails the test when it throws none, or another error). */
function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('no InputError was thrown');
}

const config = (inputs: Record<string, string>, env: Record<string, string> = {}): Config =>
  getConfig(reader(inputs), env);

describe('the profiles input, line by line', () => {
  test('NAME = ROLE lines, in order; blank lines and # comments skipped; line numbers kept', () => {
    const raw = `# deploy roles\n\nnetwork = ${NETWORK}   # the hub\napp=deploy\n  \n#x = y\nweird#name = ${APP}`;
    expect(parseProfiles(raw)).toEqual([
      { name: 'network', role: { arn: NETWORK }, line: 3 },
      { name: 'app', role: { name: 'deploy' }, line: 4 },
      { name: 'weird#name', role: { arn: APP }, line: 7 },
    ]);
  });

  test.each([
    [
      'no "="',
      `network = ${NETWORK}\njust-a-name`,
      "Input 'profiles' line 2 is not NAME = ROLE",
      '"just-a-name"',
    ],
    [
      'a bad profile name',
      `a b = ${NETWORK}`,
      "Input 'profiles' line 1 has an invalid profile name",
      '"a b"',
    ],
    ['an empty profile name', `= ${NETWORK}`, "Input 'profiles' line 1 has an invalid profile name", '""'],
    ['a bracket in the name', `[x] = ${NETWORK}`, 'has an invalid profile name', 'brackets'],
    [
      'a bad ARN',
      '\n\nx = arn:aws:iam::1234:role/deploy',
      "Input 'profiles' line 3 has an invalid role",
      'ARN',
    ],
    ['an S3 ARN', 'x = arn:aws:s3:::bucket', 'has an invalid role', '"arn:aws:s3:::bucket"'],
    ['no role', 'x =', 'line 1 has an invalid role', '""'],
    [
      'a name given twice',
      `app = ${APP}\n# again\napp = ${NETWORK}`,
      'line 3 repeats profile "app" of line 1',
      '',
    ],
    ['only comments', '# nothing\n\n', "Input 'profiles' names no profile", ''],
  ])('%s is refused, naming the line', (_name, raw, says, shows) => {
    const error = inputError(() => parseProfiles(raw));
    expect(error.input).toBe('profiles');
    expect(error.message).toContain(says);
    expect(error.message).toContain(shows);
  });

  test(`at most ${MAX_PROFILES}: the next line is refused by its number`, () => {
    const lines = Array.from({ length: MAX_PROFILES + 1 }, (_, i) => `p${i} = ${NETWORK}`);
    expect(parseProfiles(lines.slice(0, MAX_PROFILES).join('\n'))).toHaveLength(MAX_PROFILES);
    const error = inputError(() => parseProfiles(['# many', ...lines].join('\n')));
    expect(error.message).toContain(`line ${MAX_PROFILES + 2} is profile ${MAX_PROFILES + 1}, one too many`);
  });

  test('never read from a PROFILES variable (it may mean anything)', () => {
    expect(
      config({ 'aws-region': 'eu-west-1', 'role-to-assume': ROLE }, { PROFILES: 'x = y' }).profiles,
    ).toBe(undefined);
  });
});

describe('what profiles goes with', () => {
  const alone = { 'aws-region': 'eu-west-1', ...KEYS, profiles: TWO };

  test('alone, nothing is for the environment: output-env-credentials defaults to false', () => {
    const got = config(alone);
    expect(got.profiles?.map((p) => p.name)).toEqual(['network', 'app']);
    expect(got.outputEnvCredentials).toBe(false);
    expect(config({ ...alone, 'role-to-assume': ROLE }).outputEnvCredentials).toBe(true);
  });

  test.each([
    ['verify-bucket', { 'verify-bucket': 'site' }, 'verify-bucket', 'needs role-to-assume'],
    ['aws-profile', { 'aws-profile': 'ci' }, 'aws-profile', 'needs role-to-assume'],
    ['output-env-credentials', { 'output-env-credentials': 'true' }, 'output-env-credentials', 'AWS_*'],
    ['output-credentials', { 'output-credentials': 'true' }, 'output-credentials', 'needs role-to-assume'],
    [
      'use-existing-credentials',
      { 'use-existing-credentials': 'true' },
      'use-existing-credentials',
      'cannot',
    ],
    ['get-session-token', { 'sts-operation': 'get-session-token' }, 'sts-operation', 'get-session-token'],
    ['get-federation-token', { 'sts-operation': 'get-federation-token' }, 'sts-operation', 'AssumeRole'],
  ])('profiles alone with %s is refused', (_name, more, input, says) => {
    const error = inputError(() => config({ ...alone, ...more }));
    expect(error.input).toBe(input);
    expect(error.message).toContain(`Input '${input}'`);
    expect(error.message).toContain(says);
  });

  test('with role-to-assume, its own inputs are as they are; aws-profile may not name a profile of profiles', () => {
    const withRole = { ...alone, 'role-to-assume': ROLE };
    expect(
      config({ ...withRole, 'verify-bucket': 'site', 'aws-profile': 'ci' }).verify?.targets[0]?.bucket,
    ).toBe('site');
    const error = inputError(() => config({ ...withRole, 'aws-profile': 'app' }));
    expect(error.message).toContain(
      'Input \'profiles\' line 2 names profile "app", the profile of role-to-assume too',
    );
  });
});

describe('planning: every role the same way', () => {
  const plan = (inputs: Record<string, string>, env: Record<string, string> = {}) => {
    const got = config(inputs, env);
    return planBatch(got, env, planUnlessKept(got, env));
  };

  test('keys sign AssumeRole of every role; role-to-assume comes first, as no profile', () => {
    const batch = plan({ 'aws-region': 'eu-west-1', ...KEYS, 'role-to-assume': ROLE, profiles: TWO });
    expect(batch).toEqual({
      kind: StsOperation.AssumeRole,
      signer: {
        from: 'inputs',
        keys: { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: KEYS['aws-secret-access-key'] },
      },
      targets: [
        { profile: undefined, role: { arn: ROLE } },
        { profile: 'network', role: { arn: NETWORK } },
        { profile: 'app', role: { arn: APP } },
      ],
    });
  });

  test('with GitHub OIDC, one token source for all of them', () => {
    const batch = plan({ 'aws-region': 'eu-west-1', audience: 'sts.amazonaws.com', profiles: TWO }, OIDC_ENV);
    expect(batch?.kind).toBe(StsOperation.AssumeRoleWithWebIdentity);
    expect(batch?.kind === StsOperation.AssumeRoleWithWebIdentity && batch.token).toEqual({
      kind: 'github-oidc',
      audience: 'sts.amazonaws.com',
    });
    expect(batch?.targets.map((t) => t.profile)).toEqual(['network', 'app']);
  });

  test('a role by name with a web identity is refused, naming its line', () => {
    const error = inputError(() =>
      plan({ 'aws-region': 'eu-west-1', profiles: `a = ${APP}\nb = deploy` }, OIDC_ENV),
    );
    expect(error.message).toContain('Input \'profiles\' line 2 names role "deploy" by name');
  });

  test('nothing to sign with: refused, naming profiles (not role-to-assume)', () => {
    const error = inputError(() =>
      plan({ 'aws-region': 'eu-west-1', 'sts-operation': 'assume-role-with-web-identity', profiles: TWO }),
    );
    expect(error.input).toBe('profiles');
    expect(error.message).toContain("Input 'profiles' names roles that cannot be assumed");
  });

  test('no profiles, no batch', () => {
    expect(plan({ 'aws-region': 'eu-west-1', ...KEYS, 'role-to-assume': ROLE })).toBeUndefined();
  });
});

/** Runs the main step once with a fake AWS; the OIDC token service counts its requests. */
async function main(
  inputs: Record<string, string>,
  options: { aws?: FakeAws; env?: Record<string, string> } = {},
) {
  const aws = options.aws ?? new FakeAws();
  const env = jobEnv(options.env);
  const runner = new FakeRunner(inputs, {}, env);
  const fetchIdToken = jest.fn(async () =>
    fakeJwt({ sub: 'repo:octo/site:ref:refs/heads/main', aud: 'sts' }),
  );
  await run(runner, env, { sender: aws.sender, fetchIdToken });
  const file = (name: string) => {
    const at = path.join(env.HOME ?? '', '.aws', name);
    return fs.existsSync(at) ? fs.readFileSync(at, 'utf8') : undefined;
  };
  return { runner, aws, env, fetchIdToken, file };
}

/** Every credential the fake AWS issued for a role, from the files. */
const keysIn = (text = '') =>
  [...text.matchAll(/^aws_(?:secret_access_key|session_token) = (.*)$/gm)].map((m) => m[1] ?? '');

const keysAlone = { 'aws-region': 'eu-west-1', ...KEYS };

describe('main step with profiles', () => {
  test('keys: one AssumeRole per role, each profile written with its region; nothing exported', async () => {
    const { runner, aws, file } = await main({ ...keysAlone, profiles: TWO });
    expect(runner.failure).toBeUndefined();
    expect(aws.requests.map((r) => `${r.action} ${r.params.RoleArn}`)).toEqual([
      `AssumeRole ${NETWORK}`,
      `AssumeRole ${APP}`,
    ]);
    const credentials = file('credentials') ?? '';
    expect(credentials).toMatch(/^\[network\]\n# expires .*\naws_access_key_id = ASIAFAKE/m);
    expect(credentials).toMatch(/^\[app\]\n/m);
    expect(file('config')).toBe(
      '[profile network]\nregion = eu-west-1\n\n[profile app]\nregion = eu-west-1\n',
    );
    expect(runner.exported).toEqual({});
    const outputs = runner.outputs;
    expect(Object.keys(outputs)).toEqual(['profiles']);
    expect(JSON.parse(outputs.profiles ?? '')).toEqual({
      network: {
        arn: 'arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions',
        'account-id': '111111111111',
        expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
      app: {
        arn: 'arn:aws:sts::222222222222:assumed-role/deploy/GitHubActions',
        'account-id': '222222222222',
        expiration: expect.any(String),
      },
    });
    expect(runner.unmaskedUses([KEYS['aws-secret-access-key'], ...keysIn(credentials)])).toEqual([]);
    expect(runner.summary).toContain(
      '| `network` | `arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions` |',
    );
    expect(runner.summary).toContain('| Exported to later steps | yes: profiles network, app |');
    expect(runner.summary).not.toMatch(/^\| Identity \|/m);
  });

  test('role-source-identity: sent with each AssumeRole, and the summary shows it', async () => {
    const { runner, aws } = await main({ ...keysAlone, profiles: TWO, 'role-source-identity': 'octocat' });
    expect(runner.failure).toBeUndefined();
    expect(aws.requests.map((r) => r.params.SourceIdentity)).toEqual(['octocat', 'octocat']);
    expect(runner.summary).toContain('| Session name | GitHubActions |\n| Source identity | octocat |\n');
  });

  test('the requests go out together: all ten are in flight before the first is answered', async () => {
    const ten = Array.from(
      { length: 10 },
      (_, i) => `p${i} = arn:aws:iam::${String(i).padStart(12, '1')}:role/r`,
    );
    let waiting: (() => void)[] = [];
    let inFlight = 0;
    let most = 0;
    const aws = new FakeAws().on('AssumeRole', async (r: FakeRequest) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Held until all ten have arrived (or, were they sent one by one, released after a moment).
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === 10) for (const go of waiting) go();
        setTimeout(resolve, 200);
      });
      inFlight--;
      return roleSession('AssumeRole', r.params.RoleArn ?? '', r.params.RoleSessionName ?? '');
    });
    waiting = [];
    const { runner } = await main({ ...keysAlone, profiles: ten.join('\n') }, { aws });
    expect(runner.failure).toBeUndefined();
    expect(aws.count('AssumeRole')).toBe(10);
    expect(most).toBe(10);
  });

  test('GitHub OIDC: one token for every role, role-to-assume included', async () => {
    const { runner, aws, fetchIdToken, file } = await main(
      { 'aws-region': 'eu-west-1', 'role-to-assume': ROLE, profiles: TWO },
      { env: OIDC_ENV },
    );
    expect(runner.failure).toBeUndefined();
    expect(fetchIdToken).toHaveBeenCalledTimes(1);
    expect(aws.count('AssumeRoleWithWebIdentity')).toBe(3);
    expect(aws.count('sts')).toBe(3);
    // role-to-assume goes to the environment, as it does alone; AWS_PROFILE is not set for the profiles.
    expect(runner.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIAFAKE/);
    expect(runner.exported.AWS_PROFILE).toBeUndefined();
    expect(runner.outputs['authenticated-arn']).toBe(
      'arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions',
    );
    expect(Object.keys(JSON.parse(runner.outputs.profiles ?? '{}'))).toEqual(['network', 'app']);
    expect(file('credentials')).toContain('[app]');
    expect(runner.summary).toContain(
      '| Identity | `arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions` |',
    );
    expect(runner.summary).toContain('### Profiles');
  });

  test('roles by name: one GetCallerIdentity for all of them, then one AssumeRole each', async () => {
    const { runner, aws } = await main({ ...keysAlone, profiles: 'a = deploy\nb = admin' });
    expect(runner.failure).toBeUndefined();
    expect(aws.requests.map((r) => r.action)).toEqual(['GetCallerIdentity', 'AssumeRole', 'AssumeRole']);
    expect(aws.requests.slice(1).map((r) => r.params.RoleArn)).toEqual([
      'arn:aws:iam::123456789012:role/deploy',
      'arn:aws:iam::123456789012:role/admin',
    ]);
  });

  test('one role refused: nothing written or exported, and the error names each refused role and why', async () => {
    const aws = new FakeAws().on('AssumeRole', (r) =>
      r.params.RoleArn === ROLE
        ? roleSession('AssumeRole', ROLE, 'GitHubActions')
        : queryError(
            403,
            'AccessDenied',
            `User: x is not authorized to perform: sts:AssumeRole on resource: ${r.params.RoleArn}`,
          ),
    );
    const profiles = `ok = ${ROLE}\nnetwork = ${NETWORK}\napp = ${APP}`;
    const { runner, file } = await main({ ...keysAlone, 'role-to-assume': ROLE, profiles }, { aws });
    expect(runner.failure).toMatch(
      /^2 of 4 roles could not be obtained, so no profile was written and nothing was exported\./,
    );
    expect(runner.failure).toContain(`Profile "network" (${NETWORK}): AssumeRole refused`);
    expect(runner.failure).toContain(`Profile "app" (${APP}): AssumeRole refused`);
    expect(runner.failure).not.toContain('"ok"');
    expect(file('credentials')).toBeUndefined();
    expect(runner.exported).toEqual({});
    expect(runner.outputs).toEqual({});
    expect(runner.savedState).toEqual({});
  });

  test("no keys, no OIDC, and the SDK's default chain finds nothing: refused naming profiles, no request", async () => {
    const { runner, aws } = await main({ 'aws-region': 'eu-west-1', profiles: TWO });
    expect(runner.failure).toMatch(
      /^Input 'profiles' names roles that cannot be assumed: there is no way to sign/,
    );
    expect(aws.requests).toEqual([]);
  });

  test('allowed-account-ids applies to every profile: one of another account fails them all', async () => {
    const { runner, file } = await main({
      ...keysAlone,
      profiles: TWO,
      'allowed-account-ids': '111111111111',
    });
    expect(runner.failure).toContain('1 of 2 roles could not be obtained');
    expect(runner.failure).toContain(`Profile "app" (${APP}): The credentials are for account 222222222222`);
    expect(file('credentials')).toBeUndefined();
  });

  test('mask-aws-account-id masks every profile’s account before anything prints it', async () => {
    const { runner } = await main({ ...keysAlone, profiles: TWO, 'mask-aws-account-id': 'true' });
    expect(runner.unmaskedUses(['111111111111', '222222222222'])).toEqual([]);
    expect(runner.summary).not.toMatch(/111111111111|222222222222/);
  });

  test('a profile that exists is refused before any request, naming its line; overwrite-aws-profile replaces it', async () => {
    const env = jobEnv();
    fs.mkdirSync(path.join(env.HOME ?? '', '.aws'));
    const credentials = path.join(env.HOME ?? '', '.aws', 'credentials');
    fs.writeFileSync(
      credentials,
      '[app]\naws_access_key_id = AKIAOLDOLDOLDOLDOLD1\naws_secret_access_key = old\n',
    );
    const aws = new FakeAws();
    const runner = new FakeRunner({ ...keysAlone, profiles: TWO }, {}, env);
    await run(runner, env, { sender: aws.sender });
    expect(runner.failure).toContain(
      `Input 'profiles' line 2 names profile "app", which already exists in ${credentials}`,
    );
    expect(aws.requests).toEqual([]);

    const again = new FakeRunner({ ...keysAlone, profiles: TWO, 'overwrite-aws-profile': 'true' }, {}, env);
    await run(again, env, { sender: aws.sender });
    expect(again.failure).toBeUndefined();
    expect(fs.readFileSync(credentials, 'utf8')).not.toContain('AKIAOLD');
    // The post step puts the old one back, and removes the new one.
    const post = new FakeRunner({}, again.savedState);
    cleanup(post, { ...env });
    expect(fs.readFileSync(credentials, 'utf8')).toBe(
      '[app]\naws_access_key_id = AKIAOLDOLDOLDOLDOLD1\naws_secret_access_key = old\n',
    );
    expect(post.log).toEqual(
      expect.arrayContaining(['Removed profile network.', 'Put back the earlier profile app.']),
    );
  });

  test('post step: every profile removed, the files gone as they were not there before', async () => {
    const first = await main({ ...keysAlone, profiles: TWO });
    const restore = parseRestore(first.runner.savedState.restore ?? '');
    expect(restore.profiles?.map((r) => r.profile)).toEqual(['network', 'app']);
    const post = new FakeRunner({}, first.runner.savedState);
    cleanup(post, { ...first.env });
    expect(post.calls.filter((c) => c.kind === 'warning')).toEqual([]);
    expect(first.file('credentials')).toBeUndefined();
    expect(first.file('config')).toBeUndefined();
    expect(fs.readdirSync(first.env.HOME ?? '')).toEqual([]);
    // AWS_PROFILE was never set, so it is not touched.
    expect(post.exported).toEqual({});
  });
});

describe('refresh-credentials with profiles: each profile renews itself', () => {
  /** A job whose RUNNER_TEMP is outside its workspace, as the store needs. */
  const refreshEnv = (more: Record<string, string> = {}) => ({
    RUNNER_TEMP: fs.mkdtempSync(path.join(os.tmpdir(), 'profiles-temp-')),
    ...more,
  });
  const storesIn = (temp: string) =>
    fs.readdirSync(temp).filter((name) => name.startsWith('aws-credentials-gate-refresh-'));
  const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

  test('keys: a store per profile, renewing its own role with the keys; credential_process lines, no keys in the files', async () => {
    const env = refreshEnv();
    const {
      runner,
      file,
      env: jobEnvironment,
    } = await main({ ...keysAlone, profiles: TWO, 'refresh-credentials': 'true' }, { env });
    expect(runner.failure).toBeUndefined();
    expect(runner.exported).toEqual({});
    expect(file('credentials')).toBeUndefined();
    const config = file('config') ?? '';
    expect(config).toMatch(
      /^\[profile network\]\nregion = eu-west-1\ncredential_process = '.*' 'credential-process' '.*'$/m,
    );
    expect(config).toMatch(/^\[profile app\]\nregion = eu-west-1\ncredential_process = /m);
    const temp = env.RUNNER_TEMP;
    const stores = storesIn(temp).map((name) => path.join(temp, name));
    expect(stores).toHaveLength(2);
    const settings = stores.map((dir) => read(path.join(dir, 'settings.json')));
    expect(settings.map((each) => [each.profile, each.source]).sort()).toEqual([
      ['app', { kind: 'assume-role', role: { arn: APP } }],
      ['network', { kind: 'assume-role', role: { arn: NETWORK } }],
    ]);
    for (const dir of stores) {
      expect(read(path.join(dir, 'keys.json')).secretAccessKey).toBe(KEYS['aws-secret-access-key']);
      // Each store's cache is seeded with its own profile's credentials, so the first use asks nothing.
      const profile = read(path.join(dir, 'settings.json')).profile;
      const outputs = JSON.parse(runner.outputs.profiles ?? '{}');
      expect(outputs[profile].expiration).toBe(read(path.join(dir, 'credentials.json')).Expiration);
      expect(config).toContain(`'${dir}'`);
    }
    expect(runner.summary).toContain('yes: profiles network, app (each renews itself)');
    expect(runner.log.some((line) => line.includes('its credential_process renews them'))).toBe(true);

    const post = new FakeRunner({}, runner.savedState);
    cleanup(post, { ...jobEnvironment });
    expect(post.calls.filter((c) => c.kind === 'warning')).toEqual([]);
    expect(storesIn(temp)).toEqual([]);
    expect(file('config')).toBeUndefined();
  });

  test('GitHub OIDC: each store renews its own role with a token got afresh; the post step removes them all', async () => {
    const env = refreshEnv(OIDC_ENV);
    const first = await main(
      {
        'aws-region': 'eu-west-1',
        audience: 'sts.amazonaws.com',
        profiles: TWO,
        'refresh-credentials': 'true',
      },
      { env },
    );
    expect(first.runner.failure).toBeUndefined();
    expect(first.fetchIdToken).toHaveBeenCalledTimes(1);
    const temp = env.RUNNER_TEMP;
    const sources = storesIn(temp).map((name) => read(path.join(temp, name, 'settings.json')).source);
    expect(sources.map((source) => source.roleArn).sort()).toEqual([NETWORK, APP].sort());
    for (const source of sources)
      expect(source).toMatchObject({ kind: 'assume-role-with-web-identity', token: { kind: 'github-oidc' } });
    const post = new FakeRunner({}, first.runner.savedState);
    cleanup(post, { ...first.env });
    expect(post.calls.filter((c) => c.kind === 'warning')).toEqual([]);
    expect(storesIn(temp)).toEqual([]);
    expect(first.file('config')).toBeUndefined();
  });

  test("the SDK's default chain cannot renew: refused before any request, naming refresh-credentials", async () => {
    const { runner, aws } = await main(
      { 'aws-region': 'eu-west-1', profiles: TWO, 'refresh-credentials': 'true' },
      { env: refreshEnv() },
    );
    expect(runner.failure).toContain("Input 'refresh-credentials' cannot renew with the AWS SDK's default");
    expect(aws.requests).toEqual([]);
  });

  test("role-to-assume's profile is aws-credentials-gate then: a profile of profiles by that name is refused", () => {
    const error = inputError(() =>
      config({
        ...keysAlone,
        'role-to-assume': ROLE,
        'refresh-credentials': 'true',
        profiles: `aws-credentials-gate = ${APP}`,
      }),
    );
    expect(error.message).toContain(
      'line 1 names profile "aws-credentials-gate", the profile of role-to-assume too',
    );
  });
});

describe('the summary', () => {
  test('a row per profile; with mask-aws-account-id no account of any profile shows', () => {
    const report = {
      operation: 'AssumeRole',
      maskAccount: true,
      region: 'eu-west-1',
      exportedTo: ['profiles a|b'],
      profiles: [
        { name: 'a|b', identityArn: 'arn:aws:sts::111111111111:assumed-role/x/s', accountId: '111111111111' },
      ],
      now: new Date(),
    };
    const text = renderSummary(report);
    expect(text).toContain(
      '| `a\\|b` | `arn:aws:sts::***:assumed-role/x/s` | *** | never (long-term keys) |',
    );
    expect(text).not.toContain('111111111111');
  });
});
