/**
 * refresh-credentials in parts: the credential_process line and how every reader splits it, the cache's
 * window, the failure sentence, the credential process against a fake AWS, and the main and post steps'
 * side (through a fake runner). Its lock is the shared AWS files' (profile/lock.ts, tested in lock.test.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { cleanup } from '../../src/cleanup';
import { InputError } from '../../src/errors';
import { run } from '../../src/main';
import { commandLine } from '../../src/refresh/command';
import { explainRenewalFailure } from '../../src/refresh/failure';
import { serveCredentials } from '../../src/refresh/process';
import { credentialProcessJson, freshAnswer, RENEW_WINDOW_MS } from '../../src/refresh/store';
import { parseRestore } from '../../src/restore';
import { FakeAws, fakeJwt, queryError, ROLE } from '../fakes/aws';
import { FakeRunner } from '../fakes/runner';
import { KEYS, scenarios } from '../fixtures/inputs';

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), 'refresh-unit-'));

describe('the credential_process line', () => {
  /** How botocore (shlex, no shell) and /bin/sh (the JS SDK's exec) split each line. */
  function splits(lines: string[]): { shlex: string[][]; sh: string[][] } {
    const py = spawnSync(
      'python3',
      ['-c', 'import json,shlex,sys; print(json.dumps([shlex.split(l) for l in json.load(sys.stdin)]))'],
      { input: JSON.stringify(lines), encoding: 'utf8' },
    );
    if (py.status !== 0) throw new Error(py.stderr);
    const sh = lines.map((line) => {
      const out = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(out.stderr);
      return out.stdout.split('\0').slice(0, -1);
    });
    return { shlex: JSON.parse(py.stdout), sh };
  }

  test('every reader gets the words back as they were, whatever characters the paths hold', () => {
    const word = fc
      .stringMatching(/^[\w ./'"$`\\!*?&|;#(){}<>~^%=@:,[\]-]{1,20}$/)
      .filter((w) => !/\s[#;]/.test(`'${w}'`));
    const samples = fc.sample(fc.array(word, { minLength: 1, maxLength: 4 }), { numRuns: 60, seed: 7 });
    const fixed = [["/home/runner/it's here", '/tmp/$HOME/`id`', 'a "b" \\c', "'", '*']];
    const cases = [...fixed, ...samples];
    const lines = cases.map((words) => commandLine(words, 'linux'));
    const { shlex, sh } = splits(lines);
    expect(shlex).toEqual(cases);
    expect(sh).toEqual(cases);
  });

  test('what no reader would read back is refused, naming refresh-credentials', () => {
    for (const word of ['/tmp/a\nb', '/tmp/a\rb', '/tmp/a #b', '/tmp/x ;y', '/tmp/\u0000']) {
      expect(() => commandLine(['/usr/bin/node', word], 'linux')).toThrow(InputError);
      expect(() => commandLine(['/usr/bin/node', word], 'linux')).toThrow(/'refresh-credentials'/);
    }
    expect(commandLine(['/tmp/a#b', '/tmp/a;b'], 'linux')).toBe("'/tmp/a#b' '/tmp/a;b'");
  });

  test('on Windows, double quotes; a word holding " or % is refused', () => {
    expect(commandLine(['C:\\node\\node.exe', 'D:\\a\\_temp\\x y'], 'win32')).toBe(
      '"C:\\node\\node.exe" "D:\\a\\_temp\\x y"',
    );
    expect(() => commandLine(['D:\\a\\%TEMP%'], 'win32')).toThrow(InputError);
    expect(() => commandLine(['D:\\a"b'], 'win32')).toThrow(InputError);
  });
});

describe('the cache', () => {
  const now = Date.parse('2030-01-01T12:00:00Z');
  const answer = (msLeft: number) =>
    credentialProcessJson({
      accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date(now + msLeft),
    });

  test('is the documented credential_process JSON, one line', () => {
    expect(answer(3600_000)).toBe(
      '{"Version":1,"AccessKeyId":"ASIAEXAMPLEEXAMPLE01","SecretAccessKey":"secret","SessionToken":"token",' +
        '"Expiration":"2030-01-01T13:00:00.000Z"}\n',
    );
  });

  test('answers while more than 15 minutes are left, and not at 15 minutes or less', () => {
    expect(freshAnswer(answer(RENEW_WINDOW_MS + 1000), now)).toBe(answer(RENEW_WINDOW_MS + 1000));
    expect(freshAnswer(answer(RENEW_WINDOW_MS), now)).toBeUndefined();
    expect(freshAnswer(answer(60_000), now)).toBeUndefined();
    expect(freshAnswer(answer(-60_000), now)).toBeUndefined();
  });

  test('a missing, unreadable or foreign cache is renewed over', () => {
    expect(freshAnswer(undefined, now)).toBeUndefined();
    expect(freshAnswer('{"Version":1,"Expiration":', now)).toBeUndefined();
    expect(freshAnswer('{"Version":2,"Expiration":"2031-01-01T00:00:00Z"}', now)).toBeUndefined();
    expect(freshAnswer('{"Version":1}', now)).toBeUndefined();
    expect(freshAnswer('null', now)).toBeUndefined();
  });
});

describe('the failure sentence', () => {
  test('one line naming the profile, with no secret, and nothing the runner would run', () => {
    const error = new Error(
      'STS said:\n::add-mask::x and ##[error]boom with wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\u202e',
    );
    const sentence = explainRenewalFailure({
      profile: 'ci',
      error,
      secrets: [KEYS['aws-secret-access-key']],
    });
    expect(sentence).toBe(
      'aws-credentials-gate could not renew the credentials of profile "ci": STS said: ::add-mask::x and ' +
        '#\\#[error]boom with ***\\u202e.',
    );
    expect(sentence).not.toContain('\n');
    expect(sentence).not.toContain('##[');
  });

  test('without settings, the profile is not known', () => {
    const sentence = explainRenewalFailure({ profile: undefined, error: 'gone', secrets: [] });
    expect(sentence).toBe('aws-credentials-gate could not renew the credentials of a profile: gone.');
  });
});

describe('restore record', () => {
  test('carries the store for the post step; anything else there is dropped', () => {
    expect(parseRestore(JSON.stringify({ env: {}, refresh: { dir: '/t/x' } })).refresh).toEqual({
      dir: '/t/x',
    });
    expect(parseRestore(JSON.stringify({ env: {}, refresh: { dir: 3 } })).refresh).toBeUndefined();
  });
});

/** A job's env with a RUNNER_TEMP of its own, outside the workspace. */
function jobEnv(): Record<string, string | undefined> {
  const root = scratch();
  for (const dir of ['home', 'temp', 'workspace']) fs.mkdirSync(path.join(root, dir));
  return {
    HOME: path.join(root, 'home'),
    RUNNER_TEMP: path.join(root, 'temp'),
    GITHUB_WORKSPACE: path.join(root, 'workspace'),
    ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

const claims = { sub: 'repo:octo/site:ref:refs/heads/main', aud: 'sts.amazonaws.com', iss: 'https://token' };

describe('the steps and the credential process, against a fake AWS', () => {
  async function refreshingJob(inputs: Record<string, string> = scenarios.oidc) {
    const aws = new FakeAws();
    const env = jobEnv();
    const runner = new FakeRunner({ ...inputs, 'refresh-credentials': 'true' }, {}, env);
    const fetchIdToken = jest.fn(async () => fakeJwt(claims));
    await run(runner, env, { sender: aws.sender, fetchIdToken });
    expect(runner.failure).toBeUndefined();
    const temp = env.RUNNER_TEMP ?? '';
    const dir = path.join(
      temp,
      fs.readdirSync(temp).find((f) => f.startsWith('aws-credentials-gate-')) ?? '',
    );
    return { aws, env, runner, dir, fetchIdToken };
  }

  /** Runs the credential process in `env`, collecting what it prints. */
  async function serve(dir: string, env: Record<string, string | undefined>, aws: FakeAws) {
    const out = { stdout: '', stderr: '' };
    const fetchIdToken = jest.fn(async () => fakeJwt(claims));
    const code = await serveCredentials([dir], env, {
      stdout: (text) => {
        out.stdout += text;
      },
      stderr: (text) => {
        out.stderr += text;
      },
      seams: { sender: aws.sender, fetchIdToken },
    });
    return { code, ...out, fetchIdToken };
  }

  /** The cache as the process would find it 50 minutes on: 10 minutes left. */
  function makeDue(dir: string): void {
    const file = path.join(dir, 'credentials.json');
    const answer = JSON.parse(fs.readFileSync(file, 'utf8'));
    answer.Expiration = new Date(Date.now() + 10 * 60_000).toISOString();
    fs.writeFileSync(file, JSON.stringify(answer));
  }

  test('the main step exports AWS_PROFILE and the region, no credentials; seeds the cache; the post step removes it all', async () => {
    const { aws, env, runner, dir } = await refreshingJob();
    expect(aws.count('AssumeRoleWithWebIdentity')).toBe(1);
    expect(runner.exported).toEqual({
      AWS_PROFILE: 'aws-credentials-gate',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
    });
    const config = fs.readFileSync(path.join(env.HOME ?? '', '.aws', 'config'), 'utf8');
    expect(config).toContain(`credential_process = '${process.execPath}' `);
    expect(config).toContain(` 'credential-process' '${dir}'\n`);
    expect(fs.readdirSync(dir).sort()).toEqual(['credentials.json', 'settings.json']);
    const settings = fs.readFileSync(path.join(dir, 'settings.json'), 'utf8');
    expect(settings).not.toContain('request-token');

    const post = new FakeRunner({}, runner.savedState);
    cleanup(post, { ...env });
    expect(post.calls.filter((c) => c.kind === 'warning')).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(path.join(env.HOME ?? '', '.aws', 'config'))).toBe(false);
    expect(post.log).toContain(`Removed the credential cache ${dir}.`);
  });

  test('a cache hit makes no request; a due cache is renewed once, with a fresh token, and cached', async () => {
    const { aws, env, dir } = await refreshingJob();
    const seeded = fs.readFileSync(path.join(dir, 'credentials.json'), 'utf8');
    const hit = await serve(dir, env, aws);
    expect(hit).toMatchObject({ code: 0, stdout: seeded, stderr: '' });
    expect(aws.count('sts')).toBe(1);
    expect(hit.fetchIdToken).not.toHaveBeenCalled();

    makeDue(dir);
    const renewed = await serve(dir, env, aws);
    expect(renewed.code).toBe(0);
    expect(renewed.stderr).toBe('');
    expect(aws.count('AssumeRoleWithWebIdentity')).toBe(2);
    expect(renewed.fetchIdToken).toHaveBeenCalledTimes(1);
    expect(JSON.parse(renewed.stdout).AccessKeyId).not.toBe(JSON.parse(seeded).AccessKeyId);
    expect(fs.readFileSync(path.join(dir, 'credentials.json'), 'utf8')).toBe(renewed.stdout);
  });

  test("GitHub's token service hangs on a renewal: it fails at the limit, naming the token service", async () => {
    const { aws, env, dir } = await refreshingJob({ ...scenarios.oidc, 'action-timeout-s': '1' });
    makeDue(dir);
    const hung = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const { port } = hung.address() as AddressInfo;
    const out = { stderr: '' };
    try {
      const code = await serveCredentials(
        [dir],
        {
          ...env,
          ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
        },
        {
          stdout: () => undefined,
          stderr: (text) => {
            out.stderr += text;
          },
          seams: { sender: aws.sender },
        },
      );
      expect(code).toBe(1);
    } finally {
      hung.closeAllConnections();
      hung.close();
    }
    expect(out.stderr).toContain(
      "GitHub's OIDC token service did not answer within 1 s (action-timeout-s); no credentials were renewed",
    );
    expect(aws.count('AssumeRoleWithWebIdentity')).toBe(1); // the main step's only
  });

  test('keys -> AssumeRole: the key file signs the renewal; a refusal is the main step’s explanation', async () => {
    const { aws, env, dir } = await refreshingJob(scenarios.keysAndRole);
    expect(fs.statSync(path.join(dir, 'keys.json')).mode & 0o777).toBe(0o600);
    makeDue(dir);
    const denial = `User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`;
    aws.on('AssumeRole', () => queryError(403, 'AccessDenied', denial));
    const failed = await serve(dir, env, aws);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(
      /^aws-credentials-gate could not renew the credentials of profile "aws-credentials-gate": AssumeRole refused: arn:aws:iam::123456789012:user\/dev may not assume/,
    );
    expect(failed.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(failed.stderr).not.toContain(KEYS['aws-secret-access-key']);
  });

  test('without its settings (the post step ran), it says so', async () => {
    const { aws, env, dir } = await refreshingJob();
    fs.rmSync(path.join(dir, 'settings.json'));
    makeDue(dir);
    const failed = await serve(dir, env, aws);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('its settings in');
    expect(failed.stderr).toContain('are gone');
  });

  test('RUNNER_TEMP inside the workspace is refused before any request', async () => {
    const aws = new FakeAws();
    const env = jobEnv();
    env.RUNNER_TEMP = path.join(env.GITHUB_WORKSPACE ?? '', 'tmp');
    const runner = new FakeRunner({ ...scenarios.oidc, 'refresh-credentials': 'true' }, {}, env);
    await run(runner, env, { sender: aws.sender, fetchIdToken: async () => fakeJwt(claims) });
    expect(runner.failure).toMatch(/'refresh-credentials'.*inside GITHUB_WORKSPACE/);
    expect(aws.requests).toEqual([]);
  });
});
