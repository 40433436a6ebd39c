import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../../src/errors';
import { parseProfileName } from '../../src/inputs/parse';
import { type Credentials, Input } from '../../src/names';
import { acquire, LOCK_TIMING, lockPath, release } from '../../src/profile/lock';
import {
  type ProfileFiles,
  type ProfileRecord,
  profileFiles,
  removeProfile,
  secretsToRestore,
  writeProfile,
} from '../../src/profile/profile';

/** A rename onto this path fails, to test what a failed write leaves. */
const mockFailRename = { target: '' };
jest.mock('node:fs', () => {
  const actual: typeof import('node:fs') = jest.requireActual('node:fs');
  return {
    ...actual,
    renameSync: (from: string, to: string) => {
      if (to === mockFailRename.target) throw new Error('disk full');
      actual.renameSync(from, to);
    },
  };
});

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'profile-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const CREDENTIALS: Credentials = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'token+/=',
  expiration: new Date('2030-01-02T03:04:05.000Z'),
};
/** The credentials section for CREDENTIALS, with the given header and line break. */
const credentialsSection = (header = '[ci]', eol = '\n') =>
  [
    header,
    '# expires 2030-01-02T03:04:05.000Z',
    'aws_access_key_id = ASIAIOSFODNN7EXAMPLE',
    'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    'aws_session_token = token+/=',
  ]
    .map((line) => line + eol)
    .join('');
const configSection = (header = '[profile ci]', eol = '\n') => `${header}${eol}region = eu-west-1${eol}`;

/** A new, empty home directory; the files are in its .aws, which does not exist yet. */
function freshHome(): { home: string; awsDir: string; files: ProfileFiles } {
  const home = fs.mkdtempSync(path.join(root, 'home-'));
  const awsDir = path.join(home, '.aws');
  return { home, awsDir, files: profileFiles({ HOME: home }) };
}

/** A home whose .aws already holds the given files (undefined: not there). */
function homeWith(credentials: string | undefined, config: string | undefined) {
  const made = freshHome();
  fs.mkdirSync(made.awsDir, { mode: 0o700 });
  if (credentials !== undefined) fs.writeFileSync(made.files.credentialsFile, credentials);
  if (config !== undefined) fs.writeFileSync(made.files.configFile, config);
  return made;
}

const write = (
  files: ProfileFiles,
  overrides: { profile?: string; overwrite?: boolean; credentials?: Credentials } = {},
) =>
  writeProfile({
    name: overrides.profile ?? 'ci',
    files,
    credentials: overrides.credentials ?? CREDENTIALS,
    region: 'eu-west-1',
    overwrite: overrides.overwrite ?? false,
  });

/** The record as the post step gets it: through JSON. */
const roundTrip = (record: ProfileRecord): ProfileRecord => JSON.parse(JSON.stringify(record));
const read = (file: string) => fs.readFileSync(file, 'utf8');
const mode = (file: string) => fs.statSync(file).mode & 0o777;
/** Every entry under a directory, for checking that nothing else was created. */
const listing = (dir: string) => fs.readdirSync(dir, { recursive: true }).map(String).sort();

describe('profileFiles', () => {
  test.each<[string, Record<string, string | undefined>, ProfileFiles]>([
    [
      'HOME',
      { HOME: '/home/runner' },
      { credentialsFile: '/home/runner/.aws/credentials', configFile: '/home/runner/.aws/config' },
    ],
    [
      'both overrides',
      { HOME: '/home/runner', AWS_SHARED_CREDENTIALS_FILE: '/etc/creds', AWS_CONFIG_FILE: '/etc/conf' },
      { credentialsFile: '/etc/creds', configFile: '/etc/conf' },
    ],
    [
      'one override',
      { HOME: '/home/runner', AWS_CONFIG_FILE: '/etc/conf' },
      { credentialsFile: '/home/runner/.aws/credentials', configFile: '/etc/conf' },
    ],
    [
      'empty overrides are ignored',
      { HOME: '/home/runner', AWS_SHARED_CREDENTIALS_FILE: '', AWS_CONFIG_FILE: '' },
      { credentialsFile: '/home/runner/.aws/credentials', configFile: '/home/runner/.aws/config' },
    ],
    [
      '~ in an override is HOME',
      { HOME: '/home/runner', AWS_SHARED_CREDENTIALS_FILE: '~/x/creds' },
      { credentialsFile: '/home/runner/x/creds', configFile: '/home/runner/.aws/config' },
    ],
    [
      'no HOME: the user home',
      {},
      {
        credentialsFile: path.join(os.homedir(), '.aws', 'credentials'),
        configFile: path.join(os.homedir(), '.aws', 'config'),
      },
    ],
  ])('%s', (_name, env, expected) => {
    expect(profileFiles(env)).toEqual(expected);
  });
});

describe('parseProfileName', () => {
  test.each(['default', 'ci-deploy', 'a.b_c', 'x', 'p'.repeat(64)])('accepts %j', (name) => {
    expect(parseProfileName(name)).toBe(name);
  });

  test.each(['', 'has space', 'a[b', 'a]b', 'a/b', 'a\\b', 'a\tb', 'a\nb', ' ci', 'p'.repeat(65)])(
    'refuses %j',
    (name) => {
      let thrown: unknown;
      try {
        parseProfileName(name);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as InputError).input).toBe(Input.AwsProfile);
      expect((thrown as InputError).message).toContain("Input 'aws-profile' is invalid");
    },
  );
});

describe('writeProfile into fresh directories', () => {
  test('creates the directory 0700 and both files 0600, and records them', () => {
    const { awsDir, files } = freshHome();
    const record = write(files);
    expect(mode(awsDir)).toBe(0o700);
    expect(mode(files.credentialsFile)).toBe(0o600);
    expect(mode(files.configFile)).toBe(0o600);
    expect(read(files.credentialsFile)).toBe(credentialsSection());
    expect(read(files.configFile)).toBe(configSection());
    expect(record).toEqual({
      profile: 'ci',
      files,
      owner: expect.any(String),
      createdFiles: [files.credentialsFile, files.configFile],
      createdDirs: [awsDir],
      previousSections: [],
    });
    // Beside each file, the claim that says the steps created it (no lock is left behind).
    expect(listing(awsDir)).toEqual([
      '.config.aws-credentials-gate.owners',
      '.credentials.aws-credentials-gate.owners',
      'config',
      'credentials',
    ]);
  });

  test('creates missing parent directories, each 0700, outermost first', () => {
    const { home } = freshHome();
    const files = {
      credentialsFile: path.join(home, 'a', 'b', 'creds'),
      configFile: path.join(home, 'c', 'conf'),
    };
    const record = write(files);
    expect(record.createdDirs).toEqual([
      path.join(home, 'a'),
      path.join(home, 'a', 'b'),
      path.join(home, 'c'),
    ]);
    for (const dir of record.createdDirs) expect(mode(dir)).toBe(0o700);
    expect(removeProfile(roundTrip(record))).toEqual([]);
    expect(fs.readdirSync(home)).toEqual([]);
  });

  test.each<[string, Partial<Credentials>, string]>([
    [
      'no session token, no expiration',
      { sessionToken: undefined, expiration: undefined },
      '[ci]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n',
    ],
    [
      'expiration without a session token',
      { sessionToken: undefined },
      '[ci]\n# expires 2030-01-02T03:04:05.000Z\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n',
    ],
    ['all of them', {}, credentialsSection()],
  ])('credentials: %s', (_name, change, expected) => {
    const { files } = freshHome();
    write(files, { credentials: { ...CREDENTIALS, ...change } });
    expect(read(files.credentialsFile)).toBe(expected);
  });

  test('the default profile is [default] in both files', () => {
    const { files } = freshHome();
    write(files, { profile: 'default' });
    expect(read(files.credentialsFile)).toBe(credentialsSection('[default]'));
    expect(read(files.configFile)).toBe(configSection('[default]'));
  });

  test('a failed second write undoes the first', () => {
    const { home, files } = freshHome();
    mockFailRename.target = files.configFile;
    try {
      expect(() => write(files)).toThrow('disk full');
    } finally {
      mockFailRename.target = '';
    }
    expect(fs.readdirSync(home)).toEqual([]);
  });

  test('refuses a line break in a credential', () => {
    const { awsDir, files } = freshHome();
    expect(() => write(files, { credentials: { ...CREDENTIALS, sessionToken: 'a\nb' } })).toThrow(
      /line break/,
    );
    expect(fs.existsSync(awsDir)).toBe(false);
  });

  test('refuses one file for both', () => {
    const { home } = freshHome();
    const file = path.join(home, 'both');
    expect(() => write({ credentialsFile: file, configFile: file })).toThrow(/must differ/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('writeProfile next to other profiles, and removeProfile after it', () => {
  const OTHER = '# my keys\n[other]\naws_access_key_id = AKIAOTHER\n; note\naws_secret_access_key = keep\n';
  const OTHER_CONFIG =
    '[default]\nregion = us-east-1\n\n[profile other]\nregion = eu-central-1\noutput = text\n';

  // [name, credentials before, config before, credentials after, config after]
  test.each<[string, string | undefined, string | undefined, string, string]>([
    [
      'files ending in a line break',
      OTHER,
      OTHER_CONFIG,
      `${OTHER}\n${credentialsSection()}`,
      `${OTHER_CONFIG}\n${configSection()}`,
    ],
    [
      'files without a final line break',
      '[other]\nk = v',
      '# only a comment',
      `[other]\nk = v\n\n${credentialsSection()}`,
      `# only a comment\n\n${configSection()}`,
    ],
    [
      'files already ending in a blank line',
      '[other]\nk = v\n\n',
      '[other]\nk = v\n  \n',
      `[other]\nk = v\n\n${credentialsSection()}`,
      `[other]\nk = v\n  \n${configSection()}`,
    ],
    ['empty files', '', '', credentialsSection(), configSection()],
    ['whitespace-only files', '\n', '  ', `\n${credentialsSection()}`, `  \n\n${configSection()}`],
    [
      'CRLF files keep CRLF',
      '[other]\r\nk = v\r\n',
      '[default]\r\nregion = us-east-1\r\n',
      `[other]\r\nk = v\r\n\r\n${credentialsSection('[ci]', '\r\n')}`,
      `[default]\r\nregion = us-east-1\r\n\r\n${configSection('[profile ci]', '\r\n')}`,
    ],
    [
      'a credentials file only; the config file is created',
      OTHER,
      undefined,
      `${OTHER}\n${credentialsSection()}`,
      configSection(),
    ],
    [
      '[profile ci] in the credentials file and [ci] in the config file are other profiles',
      '[profile ci]\nk = v\n',
      '[ci]\nregion = us-east-1\n',
      `[profile ci]\nk = v\n\n${credentialsSection()}`,
      `[ci]\nregion = us-east-1\n\n${configSection()}`,
    ],
  ])('%s', (_name, credentialsBefore, configBefore, credentialsAfter, configAfter) => {
    const { awsDir, files } = homeWith(credentialsBefore, configBefore);
    const before = listing(awsDir);
    const record = write(files);
    expect(read(files.credentialsFile)).toBe(credentialsAfter);
    expect(read(files.configFile)).toBe(configAfter);
    expect(mode(files.credentialsFile)).toBe(0o600);
    expect(mode(files.configFile)).toBe(0o600);
    expect(record.createdDirs).toEqual([]);
    expect(record.createdFiles).toEqual(configBefore === undefined ? [files.configFile] : []);

    expect(removeProfile(roundTrip(record))).toEqual([]);
    expect(listing(awsDir)).toEqual(before);
    expect(read(files.credentialsFile)).toBe(credentialsBefore);
    if (configBefore !== undefined) expect(read(files.configFile)).toBe(configBefore);
  });
});

describe('an existing profile', () => {
  const CREDENTIALS_WITH_CI =
    '# top\n[a]\nk = 1\n\n[ci]\naws_access_key_id = OLD\n# old note\naws_secret_access_key = OLD\n\n# about b\n[b]\nk = 2\n';
  const CONFIG_WITH_CI = '[profile ci]\nregion = us-west-2\noutput = text\n';
  const CONFIG_WITH_DEFAULT = '[default]\nregion = us-west-2\n';

  // [name, profile, credentials before, config before, files named in the message]
  test.each<[string, string, string | undefined, string | undefined, ('credentials' | 'config')[]]>([
    ['in the credentials file', 'ci', CREDENTIALS_WITH_CI, undefined, ['credentials']],
    ['in the config file', 'ci', undefined, CONFIG_WITH_CI, ['config']],
    ['in both files', 'ci', CREDENTIALS_WITH_CI, CONFIG_WITH_CI, ['credentials', 'config']],
    ['default, in the config file only', 'default', '[other]\nk = v\n', CONFIG_WITH_DEFAULT, ['config']],
    ['with spaces in the header', 'ci', ' [ ci ] \nk = v\n', '[profile   ci]\n', ['credentials', 'config']],
  ])(
    '%s is refused without overwrite, and nothing is written',
    (_name, profile, credentials, config, named) => {
      const { awsDir, files } = homeWith(credentials, config);
      const before = listing(awsDir);
      let thrown: unknown;
      try {
        write(files, { profile });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputError);
      const { input, message } = thrown as InputError;
      expect(input).toBe(Input.AwsProfile);
      expect(message).toContain("'aws-profile'");
      expect(message).toContain('overwrite-aws-profile: true');
      expect(message).toContain(`"${profile}"`);
      for (const which of ['credentials', 'config'] as const) {
        const file = which === 'credentials' ? files.credentialsFile : files.configFile;
        if (named.includes(which)) expect(message).toContain(file);
        else expect(message).not.toContain(file);
      }
      expect(listing(awsDir)).toEqual(before);
      if (credentials !== undefined) expect(read(files.credentialsFile)).toBe(credentials);
      if (config !== undefined) expect(read(files.configFile)).toBe(config);
    },
  );

  test('is replaced in place with overwrite, and put back by removeProfile', () => {
    const { files } = homeWith(CREDENTIALS_WITH_CI, `${CONFIG_WITH_CI}\n[profile z]\nregion = eu-west-3`);
    const record = write(files, { overwrite: true });
    expect(read(files.credentialsFile)).toBe(
      `# top\n[a]\nk = 1\n\n${credentialsSection()}\n# about b\n[b]\nk = 2\n`,
    );
    expect(read(files.configFile)).toBe(`${configSection()}\n[profile z]\nregion = eu-west-3`);
    expect(record.previousSections).toEqual([
      {
        file: files.credentialsFile,
        section: 'ci',
        text: '[ci]\naws_access_key_id = OLD\n# old note\naws_secret_access_key = OLD\n',
      },
      { file: files.configFile, section: 'profile ci', text: CONFIG_WITH_CI },
    ]);

    expect(removeProfile(roundTrip(record))).toEqual([]);
    expect(read(files.credentialsFile)).toBe(CREDENTIALS_WITH_CI);
    expect(read(files.configFile)).toBe(`${CONFIG_WITH_CI}\n[profile z]\nregion = eu-west-3`);
  });

  test('at the end of a file without a final line break is replaced and put back exactly', () => {
    const credentials = '[other]\nk = v\n\n[ci]\naws_access_key_id = OLD';
    const { files } = homeWith(credentials, undefined);
    const record = write(files, { overwrite: true });
    expect(read(files.credentialsFile)).toBe(`[other]\nk = v\n\n${credentialsSection()}`);
    expect(removeProfile(roundTrip(record))).toEqual([]);
    expect(read(files.credentialsFile)).toBe(credentials);
    expect(fs.existsSync(files.configFile)).toBe(false);
  });
});

describe('symbolic links are refused', () => {
  // [name, how to set up: returns the files and the path the message must name]
  test.each<[string, (home: string) => { files: ProfileFiles; named: string }]>([
    [
      'a symlinked credentials file',
      (home) => {
        fs.writeFileSync(path.join(home, 'target'), 'kept');
        fs.symlinkSync(path.join(home, 'target'), path.join(home, 'creds'));
        return {
          files: { credentialsFile: path.join(home, 'creds'), configFile: path.join(home, 'conf') },
          named: path.join(home, 'creds'),
        };
      },
    ],
    [
      'a symlinked config file',
      (home) => {
        fs.writeFileSync(path.join(home, 'target'), 'kept');
        fs.symlinkSync(path.join(home, 'target'), path.join(home, 'conf'));
        return {
          files: { credentialsFile: path.join(home, 'creds'), configFile: path.join(home, 'conf') },
          named: path.join(home, 'conf'),
        };
      },
    ],
    [
      'a dangling symlink',
      (home) => {
        fs.symlinkSync(path.join(home, 'target'), path.join(home, 'conf'));
        return {
          files: { credentialsFile: path.join(home, 'creds'), configFile: path.join(home, 'conf') },
          named: path.join(home, 'conf'),
        };
      },
    ],
    [
      'a symlinked directory',
      (home) => {
        fs.mkdirSync(path.join(home, 'real'));
        fs.writeFileSync(path.join(home, 'real', 'target'), 'kept');
        fs.symlinkSync(path.join(home, 'real'), path.join(home, '.aws'));
        return { files: profileFiles({ HOME: home }), named: path.join(home, '.aws') };
      },
    ],
  ])('%s', (_name, setUp) => {
    const { home } = freshHome();
    const { files, named } = setUp(home);
    const before = listing(home);
    expect(() => write(files)).toThrow('symbolic link');
    expect(() => write(files)).toThrow(named);
    expect(listing(home)).toEqual(before);
    if (fs.existsSync(path.join(home, 'target'))) expect(read(path.join(home, 'target'))).toBe('kept');
    if (fs.existsSync(path.join(home, 'real'))) expect(read(path.join(home, 'real', 'target'))).toBe('kept');
  });
});

describe('removeProfile', () => {
  test('deletes created files and the created directory', () => {
    const { home, files } = freshHome();
    const record = write(files);
    expect(removeProfile(roundTrip(record))).toEqual([]);
    expect(fs.readdirSync(home)).toEqual([]);
  });

  test('keeps what others added to a created file, and the directory holding it', () => {
    const { awsDir, files } = freshHome();
    const record = write(files);
    fs.appendFileSync(files.credentialsFile, '\n[later]\nk = v\n');
    fs.writeFileSync(path.join(awsDir, 'cli-cache'), '');
    expect(removeProfile(roundTrip(record))).toEqual([]);
    expect(read(files.credentialsFile)).toBe('\n[later]\nk = v\n');
    expect(mode(files.credentialsFile)).toBe(0o600);
    expect(fs.existsSync(files.configFile)).toBe(false);
    expect(listing(awsDir)).toEqual(['cli-cache', 'credentials']);
  });

  test('puts a changed section back even when others edited the rest of the file', () => {
    const { files } = homeWith('[ci]\nold = 1\n', '[default]\nregion = us-east-1\n');
    const record = write(files, { overwrite: true });
    fs.appendFileSync(files.configFile, '\n[profile later]\nregion = ap-south-1\n');
    expect(removeProfile(roundTrip(record))).toEqual([]);
    expect(read(files.credentialsFile)).toBe('[ci]\nold = 1\n');
    expect(read(files.configFile)).toBe(
      '[default]\nregion = us-east-1\n\n[profile later]\nregion = ap-south-1\n',
    );
  });

  test('returns warnings, and does not throw, when the files are already gone', () => {
    const created = freshHome();
    const createdRecord = write(created.files);
    const existing = homeWith('[other]\nk = v\n', '[ci]\nregion = x\n');
    const existingRecord = write(existing.files, { overwrite: true });
    fs.rmSync(created.awsDir, { recursive: true });
    fs.rmSync(existing.awsDir, { recursive: true });

    const createdWarnings = removeProfile(roundTrip(createdRecord));
    expect(createdWarnings).toHaveLength(2);
    expect(createdWarnings[0]).toContain(created.files.credentialsFile);
    expect(createdWarnings[1]).toContain(created.files.configFile);
    const existingWarnings = removeProfile(roundTrip(existingRecord));
    expect(existingWarnings).toHaveLength(2);
    for (const warning of existingWarnings) expect(warning).toContain('gone');
  });

  test('warns when a replaced section has disappeared', () => {
    const { files } = homeWith('[ci]\nold = 1\n', undefined);
    const record = write(files, { overwrite: true });
    fs.writeFileSync(files.credentialsFile, '[other]\n');
    const warnings = removeProfile(roundTrip(record));
    expect(warnings).toEqual([expect.stringContaining('section [ci] is gone')]);
    expect(read(files.credentialsFile)).toBe('[other]\n');
  });

  test('refuses to write through a symlink put there after writeProfile, with a warning', () => {
    const { home, files } = homeWith('[other]\n', '');
    const record = write(files);
    fs.writeFileSync(path.join(home, 'target'), 'kept');
    fs.rmSync(files.credentialsFile);
    fs.symlinkSync(path.join(home, 'target'), files.credentialsFile);
    const warnings = removeProfile(roundTrip(record));
    expect(warnings).toEqual([expect.stringContaining('symbolic link')]);
    expect(read(path.join(home, 'target'))).toBe('kept');
    expect(read(files.configFile)).toBe('');
  });

  test('never throws on a malformed record', () => {
    const warnings = removeProfile({ profile: 'ci' } as unknown as ProfileRecord);
    expect(warnings).toHaveLength(1);
  });
});

describe('secretsToRestore', () => {
  test('the secret values of the sections to put back, whatever their spacing and case', () => {
    const record = {
      profile: 'ci',
      files: { credentialsFile: '/c', configFile: '/f' },
      createdFiles: [],
      createdDirs: [],
      previousSections: [
        {
          file: '/c',
          section: 'ci',
          text: '[ci]\r\naws_access_key_id=AKIAOLD\r\n  AWS_SECRET_ACCESS_KEY =  s3cr=t \naws_session_token = tok\nregion = x\n',
        },
        { file: '/f', section: 'profile ci', text: '[profile ci]\nregion = eu-west-1\n' },
        { file: '/c', section: 'new' },
      ],
    };
    expect(secretsToRestore(record)).toEqual(['AKIAOLD', 's3cr=t', 'tok']);
  });
});

describe('the mode of a shared file', () => {
  test.each([
    ['0644', 0o644],
    ['0640', 0o640],
    ['0664', 0o664],
  ])('%s: 0600 while it holds the keys, then as it was', (_name, before) => {
    const { awsDir, files } = homeWith('[other]\nk = v\n', '[default]\nregion = us-east-1\n');
    fs.chmodSync(files.credentialsFile, before);
    fs.chmodSync(files.configFile, before);
    const listed = listing(awsDir);
    const record = write(files);
    expect(mode(files.credentialsFile)).toBe(0o600);
    expect(mode(files.configFile)).toBe(0o600);

    expect(removeProfile(roundTrip(record))).toEqual([]);
    expect(mode(files.credentialsFile)).toBe(before);
    expect(mode(files.configFile)).toBe(before);
    expect(read(files.credentialsFile)).toBe('[other]\nk = v\n');
    expect(read(files.configFile)).toBe('[default]\nregion = us-east-1\n');
    expect(listing(awsDir)).toEqual(listed);
  });

  test('put back even when the section was already gone and the text is unchanged', () => {
    const { files } = homeWith('[other]\nk = v\n', undefined);
    fs.chmodSync(files.credentialsFile, 0o644);
    const record = write(files);
    fs.writeFileSync(files.credentialsFile, '[other]\nk = v\n');
    expect(removeProfile(roundTrip(record))).toEqual([]);
    expect(mode(files.credentialsFile)).toBe(0o644);
  });
});

/** Every order of a list. */
const orders = <T>(items: T[]): T[][] =>
  items.length <= 1
    ? [items]
    : items.flatMap((item, i) =>
        orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
      );

describe('steps of jobs sharing the files (each with its own record)', () => {
  const PROFILES = ['a', 'b', 'c'];
  /** Each order of the three post steps, named by their profiles. */
  const ORDERS = orders([0, 1, 2]).map((order) => [order.map((i) => PROFILES[i]).join(', '), order] as const);

  test.each(ORDERS)('in a fresh home, their post steps (%s) leave nothing behind', (_name, order) => {
    const { home, files } = freshHome();
    const records = PROFILES.map((profile) => roundTrip(write(files, { profile })));
    // Only the first created the files; the others found them.
    expect(records.map((r) => r.createdFiles.length)).toEqual([2, 0, 0]);
    const left = new Set(PROFILES);
    for (const index of order) {
      expect(removeProfile(records[index] as ProfileRecord)).toEqual([]);
      left.delete(PROFILES[index] ?? '');
      if (left.size === 0) break;
      // The others' profiles are all there, and still private.
      const sections = [...read(files.credentialsFile).matchAll(/^\[(\w+)\]$/gm)].map((m) => m[1]);
      expect(sections).toEqual(PROFILES.filter((p) => left.has(p)));
      expect(mode(files.credentialsFile)).toBe(0o600);
    }
    expect(fs.readdirSync(home)).toEqual([]);
  });

  test.each(ORDERS)('in files that existed (0644), their post steps (%s) put them back', (_name, order) => {
    const credentials = '# mine\n[other]\nk = v';
    const config = '[default]\nregion = us-east-1\n\n';
    const { awsDir, files } = homeWith(credentials, config);
    fs.chmodSync(files.credentialsFile, 0o644);
    fs.chmodSync(files.configFile, 0o644);
    const listed = listing(awsDir);
    const records = PROFILES.map((profile) => roundTrip(write(files, { profile })));
    for (const index of order) {
      expect(removeProfile(records[index] as ProfileRecord)).toEqual([]);
      const last = index === order.at(-1);
      expect(mode(files.credentialsFile)).toBe(last ? 0o644 : 0o600);
    }
    expect(read(files.credentialsFile)).toBe(credentials);
    expect(read(files.configFile)).toBe(config);
    expect(mode(files.configFile)).toBe(0o644);
    expect(listing(awsDir)).toEqual(listed);
  });

  test('a claim outlived by its file (deleted meanwhile) is started again by the next step', () => {
    const { home, files } = freshHome();
    const first = roundTrip(write(files, { profile: 'a' }));
    fs.rmSync(files.credentialsFile);
    fs.rmSync(files.configFile);
    const second = roundTrip(write(files, { profile: 'b' }));
    expect(second.createdFiles).toEqual([files.credentialsFile, files.configFile]);
    expect(removeProfile(second)).toEqual([]);
    expect(removeProfile(first)).toEqual([
      `${files.credentialsFile}: the file is gone; nothing to remove`,
      `${files.configFile}: the file is gone; nothing to remove`,
    ]);
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

describe('the files are locked', () => {
  const wait = LOCK_TIMING.waitMs;
  beforeAll(() => {
    LOCK_TIMING.waitMs = 200;
  });
  afterAll(() => {
    LOCK_TIMING.waitMs = wait;
  });

  test('while another holds a lock, nothing is written, and the error names the lock', () => {
    const { awsDir, files } = homeWith('[other]\nk = v\n', undefined);
    const held = acquire(files.configFile);
    const listed = listing(awsDir);
    expect(() => write(files)).toThrow(`${lockPath(files.configFile)} is held by process ${process.pid}`);
    expect(listing(awsDir)).toEqual(listed);
    expect(read(files.credentialsFile)).toBe('[other]\nk = v\n');
    if (held) release(held);
  });

  test('while another holds a lock, the post step leaves the profile and warns', () => {
    const { awsDir, files } = homeWith('[other]\nk = v\n', undefined);
    const record = roundTrip(write(files));
    const held = acquire(files.credentialsFile);
    const written = read(files.credentialsFile);
    const warnings = removeProfile(record);
    expect(warnings).toEqual([expect.stringContaining(`${lockPath(files.credentialsFile)} is held by`)]);
    expect(warnings[0]).toContain('Profile ci was left in the files.');
    expect(read(files.credentialsFile)).toBe(written);
    if (held) release(held);
    expect(removeProfile(record)).toEqual([]);
    expect(read(files.credentialsFile)).toBe('[other]\nk = v\n');
    expect(listing(awsDir)).toEqual(['credentials']);
  });
});
