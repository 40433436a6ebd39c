/**
 * The command line without a network: its flag table against action.yml, the flag parser, what it prints
 * (never a secret, never a workflow command, shell words that survive `sh`), and the whole program run
 * through a fake AWS (the clients' `sender` seam), as steps.test.ts runs the action's steps.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { parseArgs, REFUSED_INPUTS, SHORT_INPUTS, UsageError } from '../../src/cli/flags';
import { INPUTS } from '../../src/cli/inputs';
import { program } from '../../src/cli/program';
import { exportLines, shellQuote } from '../../src/cli/report';
import { asFlags, CliRunner, printable } from '../../src/cli/runner';
import { usage } from '../../src/cli/usage';
import { ExportedEnv, Input } from '../../src/names';
import { looksLikeCommand } from '../../src/runner/protocol';
import {
  ACCOUNT,
  CALLER,
  FakeAws,
  type FakeRequest,
  listing,
  queryError,
  ROLE,
  roleSession,
  s3Error,
} from '../fakes/aws';
import { KEYS } from '../fixtures/inputs';

const ROOT = path.resolve(__dirname, '..', '..');
type Spec = { description?: string; default?: unknown } | null;
const action = YAML.parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, Spec>;
};

describe('the flags are the inputs of action.yml', () => {
  test('the generated table is action.yml: every input, its description and default, in order', () => {
    const declared = Object.entries(action.inputs).map(([name, spec]) => ({
      name,
      description: (spec?.description ?? '').trim(),
      ...(spec?.default === undefined || spec.default === null ? {} : { default: String(spec.default) }),
    }));
    expect(INPUTS).toEqual(declared);
  });

  test("the seeds' short flags stand for the bucket, the region and the federated user", () => {
    expect(SHORT_INPUTS).toEqual({
      '-b': Input.VerifyBucket,
      '-r': Input.AwsRegion,
      '-u': Input.FederatedUserName,
    });
  });

  test('-h shows every input as a flag, with its description from action.yml', () => {
    const text = usage();
    const flat = text.replace(/\s+/g, ' ');
    for (const spec of INPUTS) {
      expect(text).toMatch(new RegExp(`^ {2}(-[a-z], )?--${spec.name} VALUE$`, 'm'));
      expect(flat).toContain(spec.description.replace(/\s+/g, ' '));
    }
    expect(text).toContain('  -b, --verify-bucket VALUE');
    expect(text.split('\n').filter((line) => line.length > 100)).toEqual([]);
  });
});

describe('parseArgs', () => {
  test.each([
    [['-r', 'eu-west-1', '-b', 'site'], { 'aws-region': 'eu-west-1', 'verify-bucket': 'site' }, 'report'],
    [
      ['--role-to-assume=deploy', '-u', 'bot', '--export'],
      { 'role-to-assume': 'deploy', 'federated-user-name': 'bot' },
      'export',
    ],
    [['--json', '--role-duration-seconds', '-1'], { 'role-duration-seconds': '-1' }, 'json'],
    [
      ['--inline-session-policy', '{"a": 1}', '--', 'sh', '-c', 'exit 3'],
      { 'inline-session-policy': '{"a": 1}' },
      'exec',
    ],
  ])('%j', (argv, inputs, kind) => {
    const parsed = parseArgs(argv);
    expect(Object.fromEntries(parsed.inputs)).toEqual(inputs);
    expect(parsed.output.kind).toBe(kind);
  });

  test('a value is taken as it is, whatever it is named', () => {
    const parsed = parseArgs(['--role-session-name', 'toString', '-r', 'constructor', '--audience', '-']);
    expect(Object.fromEntries(parsed.inputs)).toEqual({
      'role-session-name': 'toString',
      'aws-region': 'constructor',
      audience: '-',
    });
    expect(() => parseArgs(['toString'])).toThrow('argument 1 is not a flag');
  });

  test('after -- everything is the command, flags included', () => {
    const parsed = parseArgs(['-d', '--', 'aws', '-b', '--export']);
    expect(parsed.output).toEqual({ kind: 'exec', command: 'aws', args: ['-b', '--export'] });
    expect(parsed.debug).toBe(true);
    expect(parsed.inputs.size).toBe(0);
  });

  test('-h wins over anything else before --', () => {
    expect(parseArgs(['--nope', '-h']).help).toBe(true);
    expect(() => parseArgs(['--nope', '--', 'x', '-h'])).toThrow(UsageError);
  });

  test.each([
    [['--nope'], 'unknown flag --nope'],
    [['--role-to-asume', 'x'], 'unknown flag --role-to-asume; did you mean --role-to-assume?'],
    [['--exprot'], 'unknown flag --exprot; did you mean --export?'],
    [['-x'], 'unknown flag -x'],
    [['--nope=secret-value'], 'unknown flag --nope'],
    [['--role-to-assume'], '--role-to-assume needs a value'],
    [['-b', '--export'], '-b (--verify-bucket) needs a value'],
    [['-r', '-b', 'x'], '-r (--aws-region) needs a value'],
    [['--aws-region='], '--aws-region needs a value'],
    [['--aws-region', '  '], '--aws-region needs a value'],
    [['-b', 'a', '--verify-bucket', 'b'], '--verify-bucket is given twice'],
    [['--verify-bucket', 'a', '-b', 'b'], '-b (--verify-bucket) is given twice'],
    [['--export', '--json'], '--export and --json cannot be given together'],
    [['--json', '--', 'env'], '--json and -- cannot be given together'],
    [['--'], '-- needs a command'],
    [['--aws-profile', 'ci'], '--aws-profile is not available from a terminal'],
    [['--overwrite-aws-profile', 'true'], '--overwrite-aws-profile is not available from a terminal'],
    [['--profiles', 'app = deploy'], '--profiles is not available from a terminal: it writes named profiles'],
    [['-r', 'eu-west-1', 'AKIASECRETVALUE'], 'argument 3 is not a flag'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  test('a value that is not a flag is never echoed in an error', () => {
    for (const argv of [['s3cr3t'], ['--nope=s3cr3t'], ['-r', 'x', '-s3cr3t']]) {
      expect(() => parseArgs(argv)).toThrow(UsageError);
      try {
        parseArgs(argv);
      } catch (error) {
        expect((error as Error).message).not.toContain('s3cr3t');
      }
    }
  });

  test('refused inputs are declared inputs', () => {
    for (const name of REFUSED_INPUTS.keys()) expect(Object.keys(action.inputs)).toContain(name);
  });
});

describe('what is printed', () => {
  test('any text becomes lines with no control character, none a workflow command', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const line = printable(text);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the point
        expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
        expect(looksLikeCommand(line)).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(printable('::add-mask::x')).toBe('\\x3a:add-mask::x');
    expect(printable('  ::error::x')).toBe('  \\x3a:error::x');
    expect(printable('a ##[error]b')).toBe('a #\\x23[error]b');
    expect(printable('\u001b[31mred\nline')).toBe('\\x1b[31mred\\x0aline');
  });

  test('registered secrets are hidden in every line, the longest first', () => {
    const lines: string[] = [];
    const runner = new CliRunner({ inputs: new Map(), debug: true, log: (line) => lines.push(line) });
    runner.setSecret('abc');
    runner.setSecret('abcdef');
    runner.info('x abcdef y abc');
    runner.group('claims', ['abc']);
    runner.setFailed('no: abcdef');
    expect(lines).toEqual(['x *** y ***', 'claims:', '  ***', 'error: no: ***']);
  });

  test("an input error names the flag, in one line; action.yml's defaults stand for inputs not given", () => {
    const lines: string[] = [];
    const runner = new CliRunner({
      inputs: new Map([['aws-region', ' x ']]),
      debug: false,
      log: (l) => lines.push(l),
    });
    expect(runner.getInput('aws-region')).toBe('x');
    expect(runner.getInput('audience')).toBe('sts.amazonaws.com');
    expect(runner.getInput('role-to-assume')).toBe('');
    expect(asFlags("Input 'aws-region' (taken from the AWS_REGION environment variable) is bad")).toBe(
      '--aws-region (taken from the AWS_REGION environment variable) is bad',
    );
  });

  test('shell words: any value comes back from sh exactly as it went in', () => {
    // Any text but NUL, which no argument (and no environment value) can hold.
    const values = fc
      .sample(fc.string({ unit: 'grapheme', minLength: 0, maxLength: 40 }), 300)
      .filter((value) => !value.includes('\u0000'));
    values.push("it's", "'", "''", '"$HOME"', '`id`', '\\', '$(echo x)', ' lead', 'new\nline', '');
    const script = `printf '%s\\0' ${values.map(shellQuote).join(' ')}`;
    const out = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(out.status).toBe(0);
    expect(out.stdout.split('\0').slice(0, -1)).toEqual(values);
  });

  test('export lines set each value and unset what is to go', () => {
    expect(
      exportLines([
        [ExportedEnv.AccessKeyId, "a'b"],
        [ExportedEnv.SessionToken, undefined],
      ]),
    ).toBe("export AWS_ACCESS_KEY_ID='a'\\''b'\nunset AWS_SESSION_TOKEN\n");
  });
});

const homes: string[] = [];
afterAll(() => {
  for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
});

/** Runs the program against a fake AWS; `exec` stands for the command after --. */
async function cli(
  argv: string[],
  options: { aws?: FakeAws; env?: Record<string, string>; status?: number } = {},
) {
  const aws = options.aws ?? new FakeAws();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  homes.push(home);
  const env: Record<string, string | undefined> = {
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...options.env,
  };
  const out = { stdout: '', stderr: '' };
  const ran: { command: string; args: string[]; env: Record<string, string | undefined> }[] = [];
  const code = await program(argv, env, {
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
    exec: async (command, args, childEnv) => {
      ran.push({ command, args, env: childEnv });
      return options.status ?? 0;
    },
    seams: { sender: aws.sender },
  });
  return { code, ...out, aws, ran };
}

/** A fake AWS that keeps the secrets its STS issues, and the keys given: none may be printed. */
function issuing(aws = new FakeAws()) {
  const secrets: string[] = [KEYS['aws-secret-access-key'], KEYS['aws-access-key-id']];
  const issue = (operation: string) => (r: FakeRequest) => {
    const answer = roleSession(operation, r.params.RoleArn ?? ROLE, r.params.RoleSessionName ?? '');
    for (const tag of ['AccessKeyId', 'SecretAccessKey', 'SessionToken'])
      secrets.push(new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(answer.body)?.[1] ?? '');
    return answer;
  };
  return { aws: aws.on('AssumeRole', issue('AssumeRole')), secrets };
}

const KEY_FLAGS = [
  '--aws-access-key-id',
  KEYS['aws-access-key-id'],
  '--aws-secret-access-key',
  KEYS['aws-secret-access-key'],
];
const ROLE_FLAGS = ['-r', 'eu-west-1', '--role-to-assume', ROLE, ...KEY_FLAGS];

describe('the program', () => {
  test('the report: identity, operation, region, session, expiry, the bucket and each key => ETag', async () => {
    const { aws, secrets } = issuing();
    const result = await cli([...ROLE_FLAGS, '-b', 'site'], { aws });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const secret of secrets) expect(result.stdout).not.toContain(secret);
    const lines = result.stdout.split('\n');
    expect(lines).toContain(`Identity:   arn:aws:sts::${ACCOUNT}:assumed-role/deploy/GitHubActions`);
    expect(lines).toContain(`Account:    ${ACCOUNT}`);
    expect(lines).toContain('Operation:  AssumeRole');
    expect(lines).toContain('Region:     eu-west-1');
    expect(lines).toContain('Session:    GitHubActions');
    expect(result.stdout).toMatch(/^Expires: {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (59|60) min\)$/m);
    expect(lines).toContain('Bucket:     s3://site/ accessible: 2 objects listed');
    expect(lines).toContain('index.html => "etag-index.html"');
    expect(lines).toContain('app.js => "etag-app.js"');
    expect(result.aws.requests.map((r) => r.action)).toEqual(['AssumeRole', 'ListObjectsV2']);
    expect(result.ran).toEqual([]);
  });

  test('--action-timeout-s: STS never answers, the step says so when time runs out, nothing is printed', async () => {
    const aws = new FakeAws().on('AssumeRole', () => new Promise(() => {}));
    const result = await cli([...ROLE_FLAGS, '--action-timeout-s', '1'], { aws });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'error: action-timeout-s: the step did not finish within 1 s (STS did not answer in time); no credentials were exported.',
    );
  });

  test('--role-source-identity: sent to STS, and a line of the report after the session', async () => {
    const { aws } = issuing();
    const result = await cli([...ROLE_FLAGS, '--role-source-identity', 'octocat'], { aws });
    expect(result.code).toBe(0);
    expect(result.aws.requests[0]?.params.SourceIdentity).toBe('octocat');
    const lines = result.stdout.split('\n');
    const at = lines.indexOf('Session:          GitHubActions');
    expect(lines[at + 1]).toBe('Source identity:  octocat');
  });

  test('--json: the credential_process document on stdout, the report on stderr without a secret', async () => {
    const { aws, secrets } = issuing();
    const result = await cli([...ROLE_FLAGS, '--json'], { aws });
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(Object.keys(document)).toEqual([
      'Version',
      'AccessKeyId',
      'SecretAccessKey',
      'SessionToken',
      'Expiration',
    ]);
    expect(document.Version).toBe(1);
    expect(document.AccessKeyId).toMatch(/^ASIAFAKE/);
    expect(Date.parse(document.Expiration)).toBeGreaterThan(Date.now());
    expect(result.stderr).toContain('Operation:  AssumeRole');
    expect(secrets).toContain(document.SecretAccessKey);
    for (const secret of secrets) expect(result.stderr).not.toContain(secret);
  });

  test('--export: lines sh can eval; AWS_PROFILE unset, and said why', async () => {
    const { aws, secrets } = issuing();
    const result = await cli([...ROLE_FLAGS, '--export'], { aws, env: { AWS_PROFILE: 'dev' } });
    expect(result.code).toBe(0);
    const shown = spawnSync('sh', ['-c', `${result.stdout}\nenv`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, AWS_PROFILE: 'dev' },
    }).stdout;
    const document = Object.fromEntries(shown.split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
    expect(document.AWS_ACCESS_KEY_ID).toMatch(/^ASIAFAKE/);
    expect(document.AWS_REGION).toBe('eu-west-1');
    expect(document.AWS_DEFAULT_REGION).toBe('eu-west-1');
    expect(document.AWS_PROFILE).toBeUndefined();
    expect(result.stderr).toContain('AWS_PROFILE is unset');
    expect(secrets).toContain(document.AWS_SESSION_TOKEN);
    for (const secret of secrets) expect(result.stderr).not.toContain(secret);
  });

  test('-- COMMAND: runs it with the credentials in its environment and exits with its status', async () => {
    const result = await cli([...ROLE_FLAGS, '--', 'terraform', 'plan'], {
      env: { AWS_SESSION_TOKEN: 'stale', KEEP: 'me' },
      status: 7,
    });
    expect(result.code).toBe(7);
    expect(result.ran).toHaveLength(1);
    const [ran] = result.ran;
    expect(ran?.command).toBe('terraform');
    expect(ran?.args).toEqual(['plan']);
    expect(ran?.env.AWS_ACCESS_KEY_ID).toMatch(/^ASIAFAKE/);
    expect(ran?.env.AWS_SESSION_TOKEN).toMatch(/^FakeSessionToken/);
    expect(ran?.env.KEEP).toBe('me');
    expect(result.stdout).toBe('');
  });

  test('long-term keys exported as given: no session token, none left from before', async () => {
    const result = await cli(['-r', 'eu-west-1', ...KEY_FLAGS, '--export'], {
      env: { AWS_SESSION_TOKEN: 'old' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('unset AWS_SESSION_TOKEN\n');
    expect(result.stdout).toContain('unset AWS_CREDENTIAL_EXPIRATION\n');
    expect(result.stderr).toContain('Expires:    never (long-term keys)');
    expect(result.aws.requests.map((r) => r.action)).toEqual(['GetCallerIdentity']);
  });

  test('a value the action refuses: exit 2, one line naming the flag, no request, nothing on stdout', async () => {
    const result = await cli([...ROLE_FLAGS, '--role-duration-seconds', '100', '--export']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      expect.stringMatching(
        /^aws-credentials-gate: --role-duration-seconds is invalid: got "100"; .* --help\.$/,
      ),
      '',
    ]);
    expect(result.aws.requests).toEqual([]);
  });

  test('a secret given alone is named, never shown', async () => {
    const result = await cli(['-r', 'eu-west-1', '--aws-secret-access-key', KEYS['aws-secret-access-key']]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--aws-access-key-id is required');
    expect(result.stderr).not.toContain(KEYS['aws-secret-access-key']);
    expect(result.aws.requests).toEqual([]);
  });

  test('AccessDenied: exit 1 with the explanation; no credentials anywhere', async () => {
    const denied = `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`;
    const aws = new FakeAws().on('AssumeRole', () => queryError(403, 'AccessDenied', denied));
    const result = await cli([...ROLE_FLAGS, '--json'], { aws });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: AssumeRole refused: /m);
    expect(result.stderr).toContain(`${CALLER} may not assume ${ROLE}`);
  });

  test('a gate that holds: exit 1, the report says so, and nothing is exported', async () => {
    const { aws, secrets } = issuing(
      new FakeAws().on('ListObjectsV2', () => s3Error(403, 'AccessDenied', 'Access Denied')),
    );
    const result = await cli([...ROLE_FLAGS, '-b', 'site', '--export'], { aws });
    expect(result.code).toBe(1);
    for (const secret of secrets) expect(result.stderr).not.toContain(secret);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Bucket:     s3://site/ not accessible');
    expect(result.stderr).toMatch(/^error: .*site.*s3:ListBucket/m);
  });

  test('a gate that only reports: a warning, and the credentials all the same', async () => {
    const aws = new FakeAws().on('ListObjectsV2', () => s3Error(403, 'AccessDenied', 'Access Denied'));
    const result = await cli([...ROLE_FLAGS, '-b', 'site', '--verify-required', 'false', '--json'], { aws });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).AccessKeyId).toMatch(/^ASIAFAKE/);
    expect(result.stderr).toMatch(/^warning: .*verify-required is false/m);
  });

  test('read and write on two buckets: a line a bucket, and a warning for what could not be proved', async () => {
    const aws = new FakeAws().on('ListObjectsV2', (r) =>
      listing(r.params.bucket ?? '', r.params.bucket === 'site' ? ['index.html'] : []),
    );
    const result = await cli(
      [...ROLE_FLAGS, '-b', 'site\nassets', '--verify-access', 'list,read,write', '--json'],
      { aws },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'Bucket:     s3://site/ accessible: 1 object listed, read proved, write proved',
    );
    expect(result.stderr).toContain(
      'Bucket:     s3://assets/ not proved: 0 objects listed, read could not be proved, write proved',
    );
    expect(result.stderr).toMatch(
      /^warning: Could not prove read access to bucket assets: no object is listed there to read\.$/m,
    );
    expect(aws.uploads.size).toBe(0);
  });

  test('a refused write that only reports: a warning naming s3:PutObject, and the credentials', async () => {
    const aws = new FakeAws().on('CreateMultipartUpload', () =>
      s3Error(403, 'AccessDenied', 'Access Denied'),
    );
    const flags = ['-b', 'site', '--verify-access', 'write', '--verify-required', 'false', '--json'];
    const result = await cli([...ROLE_FLAGS, ...flags], { aws });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Bucket:     s3://site/ not accessible: write failed');
    expect(result.stderr).toMatch(
      /^warning: S3 refused to write to bucket site .*s3:PutObject on arn:aws:s3:::site\/\*.*\(verify-required is false: the credentials are given anyway\)$/m,
    );
  });

  test('mask-aws-account-id hides the account in the report; -d adds the signer and sizes', async () => {
    const result = await cli([...ROLE_FLAGS, '-b', 'site', '--mask-aws-account-id', 'true', '-d']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(ACCOUNT);
    expect(result.stdout).toContain('Identity:   arn:aws:sts::***:assumed-role/deploy/GitHubActions');
    expect(result.stdout).toContain('Signed by:  --aws-access-key-id');
    expect(result.stdout).toContain('index.html => "etag-index.html" (3 B)');
  });

  test('keys that others named cannot write terminal escapes, lines or workflow commands', async () => {
    const keys = ['::add-mask::x', 'a\u001b[2Jb', 'two\nlines => "fake"'];
    const aws = new FakeAws().on('ListObjectsV2', () => listing('site', keys));
    const result = await cli([...ROLE_FLAGS, '-b', 'site'], { aws });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContain('\\x3a:add-mask::x => "etag-::add-mask::x"');
    expect(lines).toContain('a\\x1b[2Jb => "etag-a\\x1b[2Jb"');
    expect(lines).toContain('two\\x0alines => "fake" => "etag-two\\x0alines => "fake""');
    expect(lines.filter((line) => looksLikeCommand(line))).toEqual([]);
  });
});
