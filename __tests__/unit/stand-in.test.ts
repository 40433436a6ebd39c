import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getConfig } from '../../src/inputs/config';
import type { Env } from '../../src/names';
import { profileFiles } from '../../src/profile/profile';
import {
  nearestToUnset,
  profileExists,
  profileToWrite,
  STAND_IN,
  takeHandover,
} from '../../src/profile/stand-in';
import { reader } from '../fixtures/inputs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stand-in-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const KEYS = { accessKeyId: 'ASIAHANDEDBACK000001', secretAccessKey: 'handed-back-secret' };

/** A job: a home without .aws and an empty RUNNER_TEMP. */
function job(): { env: Env; awsDir: string; temp: string } {
  const dir = fs.mkdtempSync(path.join(root, 'job-'));
  const temp = path.join(dir, 'temp');
  fs.mkdirSync(temp);
  return { env: { HOME: dir, RUNNER_TEMP: temp }, awsDir: path.join(dir, '.aws'), temp };
}

const configOf = (inputs: Record<string, string>) =>
  getConfig(reader({ 'aws-region': 'eu-west-1', ...inputs }), {});

describe('profileToWrite', () => {
  test.each([
    ['aws-profile', { 'aws-profile': 'ci' }, { AWS_PROFILE: 'other' }, 'ci'],
    ['env credentials while AWS_PROFILE names a profile', {}, { AWS_PROFILE: 'other' }, STAND_IN],
    ['env credentials, AWS_PROFILE unset', {}, {}, undefined],
    [
      'env credentials, AWS_PROFILE empty (the JavaScript SDK takes it as unset)',
      {},
      { AWS_PROFILE: '' },
      undefined,
    ],
    [
      'nothing exported to the environment',
      { 'output-env-credentials': 'false' },
      { AWS_PROFILE: 'x' },
      undefined,
    ],
  ])('%s', (_name, inputs, env, expected) => {
    expect(profileToWrite(configOf(inputs), env)?.name).toBe(expected);
  });

  test('the stand-in replaces an earlier one (its post step puts that back) and has no region', () => {
    expect(profileToWrite(configOf({}), { AWS_PROFILE: STAND_IN })).toEqual({
      name: STAND_IN,
      overwrite: true,
      standIn: true,
    });
  });
});

describe('nearestToUnset and takeHandover', () => {
  test('credentials left in the environment get a stand-in, which the next post step removes exactly', () => {
    const { env, awsDir, temp } = job();
    const nearest = nearestToUnset(env, profileFiles(env), KEYS);
    expect(nearest).toMatchObject({ name: STAND_IN, warnings: [] });
    expect(fs.readFileSync(path.join(awsDir, 'credentials'), 'utf8')).toBe(
      `[${STAND_IN}]\naws_access_key_id = ${KEYS.accessKeyId}\naws_secret_access_key = ${KEYS.secretAccessKey}\n`,
    );
    expect(fs.existsSync(path.join(awsDir, 'config'))).toBe(false);
    // The record in RUNNER_TEMP holds no secret.
    const [record] = fs.readdirSync(temp);
    expect(fs.readFileSync(path.join(temp, record ?? ''), 'utf8')).not.toContain(KEYS.secretAccessKey);

    // Not while AWS_PROFILE names something else.
    expect(takeHandover({ ...env, AWS_PROFILE: 'ci' })).toBeUndefined();
    expect(fs.existsSync(path.join(awsDir, 'credentials'))).toBe(true);

    expect(takeHandover({ ...env, AWS_PROFILE: STAND_IN })).toEqual([]);
    expect(fs.existsSync(awsDir)).toBe(false);
    expect(fs.readdirSync(temp)).toEqual([]);
    expect(takeHandover({ ...env, AWS_PROFILE: STAND_IN })).toBeUndefined();
  });

  test('a stand-in goes after what the credentials file held, and only it is removed', () => {
    const { env, awsDir } = job();
    fs.mkdirSync(awsDir, { mode: 0o700 });
    const before = '[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = keep\n';
    fs.writeFileSync(path.join(awsDir, 'credentials'), before, { mode: 0o600 });
    expect(nearestToUnset(env, profileFiles(env), KEYS).name).toBe(STAND_IN);
    expect(takeHandover({ ...env, AWS_PROFILE: STAND_IN })).toEqual([]);
    expect(fs.readFileSync(path.join(awsDir, 'credentials'), 'utf8')).toBe(before);
  });

  test.each([
    ['credentials file', 'credentials', '[default]\naws_access_key_id = A\n'],
    ['config file', 'config', '[default]\nregion = eu-west-1\n'],
    ['config file, as profile default', 'config', '[profile default]\nregion = eu-west-1\n'],
  ])('nothing left and a default profile in the %s: default (the same as unset)', (_n, file, text) => {
    const { env, awsDir } = job();
    fs.mkdirSync(awsDir);
    fs.writeFileSync(path.join(awsDir, file), text);
    expect(profileExists(profileFiles(env), 'default')).toBe(true);
    expect(nearestToUnset(env, profileFiles(env), undefined)).toMatchObject({
      name: 'default',
      warnings: [],
    });
  });

  test('nothing left and no default profile: a name no profile has (no credentials), nothing written', () => {
    const { env, awsDir, temp } = job();
    expect(nearestToUnset(env, profileFiles(env), undefined)).toMatchObject({ name: STAND_IN, warnings: [] });
    expect(fs.existsSync(awsDir)).toBe(false);
    expect(fs.readdirSync(temp)).toEqual([]);
  });

  test('without RUNNER_TEMP no stand-in is written (no later step could remove it), and it says so', () => {
    const { env, awsDir } = job();
    const nearest = nearestToUnset({ HOME: env.HOME }, profileFiles(env), KEYS);
    expect(nearest.name).toBe(STAND_IN);
    expect(nearest.warnings.join()).toContain('RUNNER_TEMP');
    expect(fs.existsSync(awsDir)).toBe(false);
  });

  test('a profile of that name that is not ours is never replaced', () => {
    const { env, awsDir, temp } = job();
    fs.mkdirSync(awsDir);
    const theirs = `[${STAND_IN}]\naws_access_key_id = AKIATHEIRS\n`;
    fs.writeFileSync(path.join(awsDir, 'credentials'), theirs);
    const nearest = nearestToUnset(env, profileFiles(env), KEYS);
    expect(nearest.warnings.join()).toContain('already exists');
    expect(fs.readFileSync(path.join(awsDir, 'credentials'), 'utf8')).toBe(theirs);
    expect(fs.readdirSync(temp)).toEqual([]);
  });
});
