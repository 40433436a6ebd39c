/**
 * Renewal without waiting an hour: the credential process runs with its clock moved ahead by libfaketime
 * (Debian's faketime package), against a second moto whose clock agrees (the same libfaketime, its offset
 * read from a file the test writes), so the credentials the main step cached are near expiry for both.
 * A missing libfaketime fails the file, loudly: it is never skipped.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KEYS, ROLE } from '../fixtures/inputs';
import { seedBucket } from '../harness/aws';
import { type Moto, startMoto } from '../harness/moto';
import { type OidcServer, startOidc } from '../harness/oidc';
import { type FaultProxy, startProxy } from '../harness/proxy';
import { Job, nodeBinary } from '../harness/runner';
import {
  awsCli,
  BUCKET,
  credentialProcessLine,
  elsewhere,
  laterStepEnv,
  runCredentialProcess,
  shown,
  storeDir,
} from './later';
import { expectSuccess } from './stack';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const INSTALL_HINT = `libfaketime was not found at ${LIBFAKETIME}. Install it with: apt-get install -y faketime`;
const ARN = 'arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions';
const FIFTY_MINUTES = 50 * 60_000;

/** The clock a program reads under libfaketime with `spec` (FAKETIME), as epoch ms. */
function clockUnder(spec: string, program: 'node' | 'python'): number {
  const [command, args] =
    program === 'node'
      ? [nodeBinary(), ['-e', 'console.log(Date.now())']]
      : ['python3', ['-c', 'import time; print(int(time.time() * 1000))']];
  const run = spawnSync(command, args, {
    env: { PATH: process.env.PATH ?? '', LD_PRELOAD: LIBFAKETIME, FAKETIME: spec },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`${program} under faketime failed: ${run.stderr}`);
  return Number(run.stdout.trim());
}

describe('libfaketime moves the clocks this test relies on', () => {
  test('it is installed', () => {
    if (!fs.existsSync(LIBFAKETIME)) throw new Error(INSTALL_HINT);
  });

  test.each(['node', 'python'] as const)(
    '%s: an offset (+2h) and an absolute time (@2030-01-01)',
    (program) => {
      const ahead = clockUnder('+2h', program) - Date.now();
      expect(ahead).toBeGreaterThan(2 * 3600_000 - 60_000);
      expect(ahead).toBeLessThan(2 * 3600_000 + 60_000);
      const absolute = clockUnder('@2030-01-01 00:00:00', program);
      expect(absolute - Date.parse('2030-01-01T00:00:00Z')).toBeLessThan(60_000);
      expect(absolute).toBeGreaterThanOrEqual(Date.parse('2030-01-01T00:00:00Z'));
    },
  );
});

describe('renewal with the clock moved ahead', () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let oidc: OidcServer;
  let clockFile: string;
  const jobs: Job[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(LIBFAKETIME)) throw new Error(INSTALL_HINT);
    clockFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gate-clock-')), 'faketime');
    fs.writeFileSync(clockFile, '+0\n');
    // moto reads its offset from the file on every clock read: the test moves it between the steps.
    moto = await startMoto({
      env: { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: clockFile, FAKETIME_NO_CACHE: '1' },
    });
    proxy = await startProxy(moto.url);
    oidc = await startOidc();
    await seedBucket(
      moto.url,
      { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: 'seed' },
      BUCKET,
      [],
    );
  }, 60_000);

  afterAll(async () => {
    for (const job of jobs) job.cleanup();
    await Promise.all([proxy?.close(), oidc?.close(), moto?.stop()]);
    if (clockFile) fs.rmSync(path.dirname(clockFile), { recursive: true, force: true });
  });

  test('near expiry it renews (one STS request, one OIDC token, new keys); the next use makes no request', async () => {
    const job = new Job(oidc.env);
    jobs.push(job);
    const main = await job.main({
      'aws-region': 'eu-west-1',
      'sts-endpoint': proxy.url,
      'role-to-assume': ROLE,
      'refresh-credentials': 'true',
    });
    expectSuccess(main);
    const env = laterStepEnv(job);
    const store = storeDir(env.RUNNER_TEMP ?? '');
    const seeded = JSON.parse(fs.readFileSync(path.join(store, 'credentials.json'), 'utf8'));
    // An hour's credentials: not due now.
    expect(Date.parse(seeded.Expiration) - Date.now()).toBeGreaterThan(55 * 60_000);

    // 50 minutes on, for moto and for the process: 10 minutes left, within the 15-minute window.
    fs.writeFileSync(clockFile, '+50m\n');
    proxy.clear();
    const oidcBefore = oidc.requests.length;
    // The renewal's token outlives the jump (the stand-in's clock is the real one).
    oidc.lifetimes.push(3 * 3600);
    const later = { ...env, LD_PRELOAD: LIBFAKETIME, FAKETIME: '+50m' };
    const line = credentialProcessLine(path.join(job.dir, 'home', '.aws', 'config'), 'aws-credentials-gate');
    const renewed = await runCredentialProcess(line, later, elsewhere(job.dir));
    if (renewed.code !== 0) throw new Error(shown(renewed));
    expect(renewed.stderr).toBe('');
    const answer = JSON.parse(renewed.stdout);
    expect(proxy.requests.map((r) => r.operation)).toEqual(['AssumeRoleWithWebIdentity']);
    expect(oidc.requests.length - oidcBefore).toBe(1);
    expect(answer.AccessKeyId).not.toBe(seeded.AccessKeyId);
    expect(answer.SessionToken).not.toBe(seeded.SessionToken);
    // moto's clock agreed: an hour from 50 minutes on.
    expect(Date.parse(answer.Expiration) - Date.now()).toBeGreaterThan(FIFTY_MINUTES + 55 * 60_000);
    expect(JSON.parse(fs.readFileSync(path.join(store, 'credentials.json'), 'utf8'))).toEqual(answer);

    // The next use, at the same moved clock, is the aws-cli's: answered from the cache.
    proxy.clear();
    const cli = await awsCli(moto.url, later, elsewhere(job.dir));
    if (cli.code !== 0) throw new Error(shown(cli));
    expect(JSON.parse(cli.stdout).arn).toBe(ARN);
    expect(proxy.requests).toEqual([]);
    expect(oidc.requests.length - oidcBefore).toBe(1);

    // And with the clock as it really is, the renewed credentials are given out as they are.
    const now = await runCredentialProcess(line, env, elsewhere(job.dir));
    if (now.code !== 0) throw new Error(shown(now));
    expect(JSON.parse(now.stdout).AccessKeyId).toBe(answer.AccessKeyId);
    expect(proxy.requests).toEqual([]);
  }, 180_000);
});
