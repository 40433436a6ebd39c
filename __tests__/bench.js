// @ts-check
/**
 * `npm run bench`: does not rebuild dist/. Runs the committed dist/ bundles as the runner would (the e2e
 * harness's step environment) against moto_server on loopback, behind the counting proxy, alternating
 * every measured run with a bare `node -e 0` of the same binary and environment, so drift hits both, and
 * running the cases round robin, so that drift hits every case alike.
 * Beside the action it runs the floors (fixtures/floor/): the same step done by the SDK alone (bundled
 * here, into the scratch directory, the way dist/ is built) and by hand without the SDK, so what the
 * library costs and what our own code costs on top of it are measured, not guessed.
 * Prints, per case, median / min / max wall time (spawn to exit), the ratio to bare node, peak RSS (GNU
 * time), the AWS requests made; the size of every file in dist/; and the budgets, PASS or FAIL.
 * Then the latency mode: every flow that makes requests runs again with the counting proxy and the GitHub
 * OIDC stand-in holding every answer back by the latency (default 60 ms, as a distant endpoint would),
 * and a second table shows each flow's median with and without it. Those runs go round robin (one of
 * each flow per round), so the flows compared there (GitHub OIDC against keys) share the drift.
 * Writes the same markdown to .bench/last.md. Exits 1 when a budget is missed.
 *
 * `--against DIR` compares two builds instead: every case of the action (main, post and the credential
 * process, the gate's latency cases included; no floors) runs with this dist/ and with the bundles under DIR (another
 * build's dist/, e.g. of a git worktree at an older commit), round robin, and the table gives each
 * case's two medians and their ratio. Measured in one go, the two builds share the machine's drift,
 * which runs of `npm run bench` minutes apart do not. Writes .bench/against.md; informational (exit 0,
 * unless a run of this dist/ misbehaves).
 *
 *   npm run bench [-- --runs N] [-- --latency MS] [-- --against DIR]
 *   (default N = 15, MS = 60; --latency 0: no latency runs)
 */
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CreateBucketCommand, PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');
const { CreateRoleCommand, IAMClient } = require('@aws-sdk/client-iam');
const { startMoto } = require('./harness/moto');
const { startOidc } = require('./harness/oidc');
const { startProxy, stsError } = require('./harness/proxy');
const {
  Job,
  makeJobDir,
  nodeBinary,
  parseCommands,
  parseFileCommand,
  prepareStep,
  ROOT,
  runChild,
} = require('./harness/runner');

const TIME = '/usr/bin/time';
const TIME_HINT =
  `${TIME} (GNU time) is needed to measure peak RSS and was not found or does not accept -f.\n` +
  'Install it with: sudo apt-get install -y time   (Debian/Ubuntu; the package is called "time")';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const BUCKET = 'bench-bucket';
const ASSETS = 'bench-assets';
/** Latency the proxy adds to every AWS request in the gate-concurrency cases (issue #14). */
const LATENCY_MS = 60;
const KEYS = {
  'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': 'bench-secret-not-real',
};
const DENIAL =
  'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole on resource: ' +
  ROLE;
const SEED = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'bench-seed-not-real' };

const BUDGET = {
  // From issue #7.
  mainRatio: 3.5,
  mainRatioStretch: 2.6,
  verifyRatio: 4.2,
  postRatio: 1.5,
  // From issue #13: refresh-credentials' credential process, answering from its cache.
  cacheHitRatio: 1.5,
  refusalMs: 1000,
  mainRssMiB: 70,
  distJsBytes: 1.9 * 1000 * 1000,
  // Ours: what this action's own code may cost on top of the SDK floor (same inputs, same run).
  overFloor: 1.15,
  // From issue #17: with latency on every answer, GitHub OIDC may cost at most this much more than keys.
  oidcOverKeysMs: 20,
  // From issue #14: list, read and write on two buckets, every request LATENCY_MS late, takes at most
  // this many times the wall time of the step that lists one bucket.
  gateChecksVsList: 2,
};

const FLOOR_DIR = path.join(__dirname, 'fixtures', 'floor');
const GATE = {
  none: `main: no gate, +${LATENCY_MS} ms a request`,
  list: `main: list 1 bucket, +${LATENCY_MS} ms a request`,
  checks: `main: list,read,write on 2 buckets, +${LATENCY_MS} ms a request`,
};

const KEYS_CASE = 'main: keys -> AssumeRole';
const OIDC_CASE = 'main: GitHub OIDC -> AssumeRoleWithWebIdentity';
const FLOOR = {
  sdk: 'floor: SDK only, keys -> AssumeRole',
  sdkVerify: 'floor: SDK only, + ListObjectsV2',
  noSdk: 'floor: no SDK (https + crypto, 1 request)',
};

/**
 * @typedef {object} Sample  one measured child process
 * @property {number} ms        wall time, spawn to exit
 * @property {number} rssKiB    peak RSS (GNU time %M)
 * @property {number} cpuMs     CPU time, user + system (GNU time %U + %S, 10 ms resolution)
 * @property {number | null} code
 * @property {string} stdout
 * @property {string} stderr
 */

/**
 * @typedef {object} Run  what one run of a case gave
 * @property {Sample} sample
 * @property {import('./harness/proxy').SeenRequest[]} requests
 * @property {number} tokenRequests  requests to the GitHub OIDC stand-in
 * @property {string[]} problems  how the run differed from what the case expects (empty when right)
 */

/**
 * @typedef {object} CaseResult
 * @property {string} name
 * @property {'main' | 'post' | 'floor' | 'refresh'} step  floor: a reference program, not the action;
 *   refresh: the credential process of refresh-credentials
 * @property {string} flow  for a run of the latency mode, the case it repeats; else its own name
 * @property {Run[]} runs
 * @property {number[]} bareMs  the bare runs alternated with this case's runs
 */

/**
 * `--runs N` (15 when absent), `--latency MS` (60 when absent) and `--against DIR` (none), each also as
 * `--name=value`.
 */
function parseArgs(/** @type {string[]} */ argv) {
  /** @type {{ runs: number, latency: number, against: string | undefined }} */
  const options = { runs: 15, latency: 60, against: undefined };
  const usage = 'usage: npm run bench -- [--runs N] [--latency MS] [--against DIST_DIR]';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.split('=', 2);
    if (flag === '--against') {
      const dir = path.resolve(inline ?? argv[++i] ?? '');
      if (
        !fs.existsSync(path.join(dir, 'main', 'index.js')) ||
        !fs.existsSync(path.join(dir, 'post', 'index.js'))
      )
        throw new Error(
          `bench: --against needs a dist/ directory with main/index.js and post/index.js, got '${dir}'`,
        );
      options.against = dir;
      continue;
    }
    const name = flag === '--runs' ? 'runs' : flag === '--latency' ? 'latency' : undefined;
    if (name === undefined) throw new Error(`bench: unknown argument '${arg}' (${usage})`);
    const value = inline ?? argv[++i];
    const number = Number(value);
    const least = name === 'runs' ? 1 : 0;
    if (!Number.isInteger(number) || number < least)
      throw new Error(`bench: ${flag} needs an integer of at least ${least}, got '${value}' (${usage})`);
    options[name] = number;
  }
  return options;
}

/** Fails loudly when GNU time is missing: peak RSS is a budget, never silently skipped. */
function requireGnuTime() {
  if (!fs.existsSync(TIME)) throw new Error(TIME_HINT);
  const probe = spawnSync(TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0 || !/^\d+\s*$/m.test(probe.stderr)) throw new Error(TIME_HINT);
}

let sampleCounter = 0;

/**
 * Runs `node <args>` under GNU time with the given env, timing it from spawn to exit.
 * @param {string[]} args @param {Record<string, string>} env @param {string} cwd @param {string} scratch
 * @returns {Promise<Sample>}
 */
async function measure(args, env, cwd, scratch) {
  const rssFile = path.join(scratch, `rss-${++sampleCounter}`);
  const run = await runChild(TIME, ['-f', '%M %U %S', '-o', rssFile, nodeBinary(), ...args], {
    env,
    cwd,
    timeoutMs: 60_000,
  });
  // GNU time writes "Command exited with non-zero status N" before the format line when N != 0.
  const lines = fs.readFileSync(rssFile, 'utf8').trim().split('\n');
  const [rssKiB, user, system] = (lines.at(-1) ?? '').split(' ').map(Number);
  fs.rmSync(rssFile, { force: true });
  if (![rssKiB, user, system].every(Number.isFinite))
    throw new Error(`bench: unreadable GNU time output: ${lines.join(' / ')}`);
  // CPU time (user + system; GNU time's resolution is 10 ms): what load on a shared machine inflates least.
  return { ...run, rssKiB: rssKiB ?? 0, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000 };
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Which service an AWS request was for: by the query API version, or S3 (REST) by method. */
function service(/** @type {import('./harness/proxy').SeenRequest} */ request) {
  if (request.operation.startsWith('S3:')) return 'S3';
  if (request.params.Version === '2011-06-15') return 'STS';
  if (request.params.Version === '2010-05-08') return 'IAM';
  return 'other';
}

/** `AssumeRole×1, S3:GET×1`; `none` when no request was made. */
function describeRequests(/** @type {import('./harness/proxy').SeenRequest[]} */ requests) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const r of requests) counts.set(r.operation, (counts.get(r.operation) ?? 0) + 1);
  return counts.size === 0 ? 'none' : [...counts].map(([op, n]) => `${op}×${n}`).join(', ');
}

/** describeRequests, with the GitHub OIDC token requests first: `GitHub OIDC token×1, AssumeRole…×1`. */
function describeRun(/** @type {Run} */ run) {
  const aws = describeRequests(run.requests);
  if (run.tokenRequests === 0) return aws;
  return `GitHub OIDC token×${run.tokenRequests}${aws === 'none' ? '' : `, ${aws}`}`;
}

/** Every file under `dir`, depth first, sorted, with its size. @returns {{ file: string, bytes: number }[]} */
function listFiles(/** @type {string} */ dir) {
  /** @type {{ file: string, bytes: number }[]} */
  const files = [];
  const walk = (/** @type {string} */ current) => {
    for (const entry of fs
      .readdirSync(current, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push({ file: path.relative(ROOT, full), bytes: fs.statSync(full).size });
    }
  };
  walk(dir);
  return files;
}

/**
 * A case: how one of its runs is set up, and what a right run looks like.
 * @typedef {object} CaseSpec
 * @property {string} name
 * @property {'main' | 'post' | 'floor' | 'refresh'} step
 * @property {() => { entry: string, args?: string[], env: Record<string, string>, files: Record<string, string>, cwd: string }} prepare
 * @property {(sample: Sample, files: Record<string, string>, requests: import('./harness/proxy').SeenRequest[], tokenRequests: number) => string[]} check
 * @property {import('./harness/proxy').FaultProxy['fault']} [fault]
 * @property {number} [delayMs]  latency the proxy (and the GitHub OIDC stand-in) add to every request of the case
 * @property {string} [flow]  a run of the latency mode: the case it repeats
 */

/**
 * Bundles the SDK floor (fixtures/floor/sdk.ts) into `scratch` the way `npm run build` bundles the
 * action (ncc, minified, chunks through terser), so the two are compared like for like.
 * @param {string} scratch @returns {string} the bundle's entry
 */
function buildSdkFloor(scratch) {
  const out = path.join(scratch, 'floor-sdk');
  const bin = (/** @type {string} */ name) => path.join(ROOT, 'node_modules', '.bin', name);
  execFileSync(bin('ncc'), ['build', path.join(FLOOR_DIR, 'sdk.ts'), '-o', out, '-m', '-q'], {
    stdio: 'inherit',
  });
  for (const chunk of fs.readdirSync(out).filter((f) => f.endsWith('.index.js'))) {
    const file = path.join(out, chunk);
    execFileSync(bin('terser'), [file, '--compress', '--mangle', '--comments', 'false', '-o', file]);
  }
  return path.join(out, 'index.js');
}

/** Exit 0, no ::error::. @param {Sample} sample */
function succeeded(sample) {
  const errors = parseCommands(sample.stdout).filter((c) => c.name === 'error');
  /** @type {string[]} */
  const problems = [];
  if (sample.code !== 0) problems.push(`exit ${sample.code}`);
  if (errors.length > 0) problems.push(`::error:: ${errors.map((e) => e.message).join(' / ')}`);
  if (problems.length > 0)
    problems.push(`stdout tail: ${sample.stdout.slice(-400)} stderr tail: ${sample.stderr.slice(-400)}`);
  return problems;
}

/** Exit 1 with exactly one ::error:: that contains `expected`. @param {Sample} sample @param {string} expected */
function refused(sample, expected) {
  const errors = parseCommands(sample.stdout).filter((c) => c.name === 'error');
  /** @type {string[]} */
  const problems = [];
  if (sample.code !== 1) problems.push(`exit ${sample.code}, expected 1`);
  if (errors.length !== 1) problems.push(`${errors.length} ::error:: lines, expected 1`);
  else if (!errors[0]?.message.includes(expected))
    problems.push(`the error does not mention ${expected}: ${errors[0]?.message}`);
  return problems;
}

/**
 * @param {number} runs
 * @param {CaseSpec[]} specs
 * @param {string} scratch
 * @param {{ proxy: import('./harness/proxy').FaultProxy, oidc: import('./harness/oidc').OidcServer }} servers
 * @returns {Promise<{ results: CaseResult[], bareAll: Run[] }>}
 */
async function runCases(runs, specs, scratch, { proxy, oidc }) {
  /** @type {CaseResult[]} */
  const results = [];
  /** @type {Run[]} */
  const bareAll = [];
  /** One case: its result, and what makes one measured run of it (alternated with a bare one). */
  const start = async (/** @type {CaseSpec} */ spec) => {
    /** @type {CaseResult} */
    const result = { name: spec.name, step: spec.step, flow: spec.flow ?? spec.name, runs: [], bareMs: [] };
    results.push(result);
    const once = async () => {
      const { entry, args = [], env, files, cwd } = spec.prepare();
      proxy.clear();
      proxy.fault = spec.fault;
      proxy.delayMs = spec.delayMs ?? 0;
      oidc.delayMs = spec.delayMs ?? 0;
      const tokensBefore = oidc.requests.length;
      const sample = await measure([entry, ...args], env, cwd, scratch);
      proxy.fault = undefined;
      proxy.delayMs = 0;
      oidc.delayMs = 0;
      const requests = [...proxy.requests];
      const tokenRequests = oidc.requests.length - tokensBefore;
      const problems = spec.check(sample, files, requests, tokenRequests);
      return { sample, requests, tokenRequests, problems, env, cwd };
    };
    const bare = async (/** @type {Record<string, string>} */ env, /** @type {string} */ cwd) => {
      const sample = await measure(['-e', '0'], env, cwd, scratch);
      const problems = sample.code === 0 ? [] : [`bare node exited ${sample.code}`];
      return { sample, requests: [], tokenRequests: 0, problems };
    };
    // One unmeasured run of each, so the first measured one does not pay for a cold file cache.
    const warm = await once();
    await bare(warm.env, warm.cwd);
    return async (/** @type {number} */ i) => {
      // Alternate which goes first, so neither always follows the other.
      let run;
      let baseline;
      if (i % 2 === 0) {
        run = await once();
        baseline = await bare(run.env, run.cwd);
      } else {
        const { env, cwd } = spec.prepare();
        baseline = await bare(env, cwd);
        run = await once();
      }
      const { sample, requests, tokenRequests, problems } = run;
      result.runs.push({ sample, requests, tokenRequests, problems });
      result.bareMs.push(baseline.sample.ms);
      bareAll.push(baseline);
    };
  };
  // Round robin, one run of each case per round in a rotating order: cases compared with each other (the
  // action against its SDK floor, GitHub OIDC against keys) then see the same drift of a shared machine,
  // which runs in blocks a minute apart do not. The latency mode's flows are a second round robin.
  for (const group of [
    specs.filter((s) => s.flow === undefined),
    specs.filter((s) => s.flow !== undefined),
  ]) {
    if (group.length === 0) continue;
    process.stderr.write(`bench: ${group.length} cases round robin `);
    const rounds = [];
    for (const spec of group) rounds.push(await start(spec));
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < rounds.length; k++) await rounds[(i + k) % rounds.length]?.(i);
      process.stderr.write('.');
    }
    process.stderr.write('\n');
  }
  return { results, bareAll };
}

async function main() {
  const { runs, latency, against } = parseArgs(process.argv.slice(2));
  const loadBefore = os.loadavg();
  requireGnuTime();
  const node = nodeBinary();
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-bench-'));
  const moto = await startMoto();
  /** @type {import('./harness/proxy').FaultProxy | undefined} */
  let proxy;
  /** @type {import('./harness/oidc').OidcServer | undefined} */
  let oidc;
  /** @type {Job | undefined} */
  let postJob;
  /** @type {Job | undefined} */
  let refreshJob;
  try {
    proxy = await startProxy(moto.url);
    oidc = await startOidc();
    const proxyUrl = proxy.url;

    // Seed moto directly (not through the proxy): the bucket verify-bucket lists, and the role.
    const s3 = new S3Client({
      endpoint: moto.url,
      region: 'us-east-1',
      credentials: SEED,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const key of ['site/index.html', 'site/app.js', 'site/style.css', 'README.txt'])
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` }));
    await s3.send(new CreateBucketCommand({ Bucket: ASSETS }));
    for (const key of ['img/logo.png', 'img/icon.svg'])
      await s3.send(new PutObjectCommand({ Bucket: ASSETS, Key: key, Body: `body of ${key}` }));
    s3.destroy();
    const iam = new IAMClient({ endpoint: moto.url, region: 'us-east-1', credentials: SEED, maxAttempts: 1 });
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:user/ci' },
          Action: 'sts:AssumeRole',
        },
      ],
    };
    await iam.send(
      new CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    iam.destroy();

    // Every endpoint the action could use points at the loopback proxy: nothing reaches the network
    // (IAM is asked only to explain a refusal; AWS_ENDPOINT_URL catches any other service).
    const jobEnv = { AWS_ENDPOINT_URL_IAM: proxyUrl, AWS_ENDPOINT_URL: proxyUrl };
    const assume = {
      'aws-region': 'us-east-1',
      'role-to-assume': ROLE,
      ...KEYS,
      'sts-endpoint': proxyUrl,
    };
    const verify = { ...assume, 'verify-bucket': BUCKET, 's3-endpoint': proxyUrl };
    // GitHub OIDC: no keys; the runner's token service (the stand-in) gives the token.
    const oidcInputs = { 'aws-region': 'us-east-1', 'role-to-assume': ROLE, 'sts-endpoint': proxyUrl };
    const oidcEnv = { ...jobEnv, ...oidc.env };
    const checks = {
      ...verify,
      'verify-bucket': `s3://${BUCKET}/site/\ns3://${ASSETS}/img/`,
      'verify-access': 'list,read,write',
    };

    /** @type {string[]} */
    const jobDirs = [];
    /**
     * @param {'main' | 'post'} step @param {Record<string, string>} inputs
     * @param {Record<string, string | undefined>} env @param {Record<string, string>} [state]
     * @param {string} [entry]  run this instead of the step's bundle (the floors), with the same env
     */
    const preparer = (step, inputs, env, state, entry) => {
      const dir = makeJobDir();
      jobDirs.push(dir);
      return () => {
        const prepared = prepareStep(dir, { step, inputs, env, ...(state ? { state } : {}) });
        return { ...prepared, entry: entry ?? prepared.entry, cwd: prepared.env.GITHUB_WORKSPACE ?? dir };
      };
    };
    process.stderr.write('bench: bundling the SDK floor (fixtures/floor/sdk.ts)\n');
    const sdkFloor = buildSdkFloor(scratch);

    // The post step gets the state and env a real main step left behind.
    postJob = new Job(jobEnv);
    const seeded = await postJob.main(assume);
    if (seeded.exitCode !== 0)
      throw new Error(`bench: the main step that seeds the post step failed:\n${seeded.stdout}`);
    const postState = { ...postJob.state };
    const postEnv = { ...postJob.env };

    // refresh-credentials: a main step writes the profile and seeds its cache; the case is a later step's
    // tool running the profile's credential_process, answered from the cache.
    refreshJob = new Job(jobEnv);
    const refreshing = await refreshJob.main({ ...assume, 'refresh-credentials': 'true' });
    if (refreshing.exitCode !== 0)
      throw new Error(
        `bench: the main step that writes the refreshing profile failed:\n${refreshing.stdout}`,
      );
    const refreshDir = refreshJob.dir;
    const refreshEnv = { ...refreshJob.env };
    const store = fs
      .readdirSync(path.join(refreshDir, 'temp'))
      .find((name) => name.startsWith('aws-credentials-gate-refresh-'));
    if (store === undefined) throw new Error('bench: the refreshing main step made no store');
    const credentialProcess = () => {
      const { env, entry } = prepareStep(refreshDir, { env: refreshEnv });
      const later = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('INPUT_')));
      const args = ['credential-process', path.join(refreshDir, 'temp', store)];
      return { entry, args, env: later, files: {}, cwd: refreshDir };
    };

    /** @type {CaseSpec['check']} */
    const exportedSession = (sample, files) => {
      const problems = succeeded(sample);
      const exported = parseFileCommand(fs.readFileSync(files.GITHUB_ENV ?? '', 'utf8'));
      if (!exported.AWS_SESSION_TOKEN) problems.push('no AWS_SESSION_TOKEN exported');
      return problems;
    };
    /** @type {CaseSpec['check']} */
    const bucketAccessible = (sample, files, requests, tokenRequests) => {
      const problems = exportedSession(sample, files, requests, tokenRequests);
      const outputs = parseFileCommand(fs.readFileSync(files.GITHUB_OUTPUT ?? '', 'utf8'));
      if (outputs['bucket-accessible'] !== 'true')
        problems.push(`bucket-accessible=${outputs['bucket-accessible']}, expected true`);
      return problems;
    };

    /** @type {CaseSpec[]} */
    const specs = [
      {
        name: 'credential process: cache hit',
        step: 'refresh',
        prepare: credentialProcess,
        check: (sample) => {
          const problems = succeeded(sample);
          const answer = (() => {
            try {
              return JSON.parse(sample.stdout);
            } catch {
              return undefined;
            }
          })();
          if (answer?.Version !== 1 || !answer.AccessKeyId)
            problems.push(`stdout is not credential_process JSON: ${sample.stdout.slice(0, 80)}`);
          if (sample.stderr !== '') problems.push(`stderr: ${sample.stderr.slice(0, 200)}`);
          return problems;
        },
      },
      {
        name: KEYS_CASE,
        step: 'main',
        prepare: preparer('main', assume, jobEnv),
        check: exportedSession,
      },
      {
        name: OIDC_CASE,
        step: 'main',
        prepare: preparer('main', oidcInputs, oidcEnv),
        check: (sample, files, requests, tokenRequests) => {
          const problems = exportedSession(sample, files, requests, tokenRequests);
          if (tokenRequests !== 1) problems.push(`${tokenRequests} token requests, expected 1`);
          return problems;
        },
      },
      {
        name: 'main: + verify-bucket',
        step: 'main',
        prepare: preparer('main', verify, jobEnv),
        check: bucketAccessible,
      },
      // The gate's requests go out at once: its cost in round trips, with every request made slow.
      {
        name: GATE.none,
        step: 'main',
        prepare: preparer('main', assume, jobEnv),
        check: exportedSession,
        delayMs: LATENCY_MS,
      },
      {
        name: GATE.list,
        step: 'main',
        prepare: preparer('main', verify, jobEnv),
        check: bucketAccessible,
        delayMs: LATENCY_MS,
      },
      {
        name: GATE.checks,
        step: 'main',
        prepare: preparer('main', checks, jobEnv),
        check: (sample, files, requests, tokenRequests) => {
          const problems = bucketAccessible(sample, files, requests, tokenRequests);
          const outputs = parseFileCommand(fs.readFileSync(files.GITHUB_OUTPUT ?? '', 'utf8'));
          const proved = { list: true, read: true, write: true };
          const expected = JSON.stringify({ [`${BUCKET}/site/`]: proved, [`${ASSETS}/img/`]: proved });
          if (outputs['bucket-access'] !== expected)
            problems.push(`bucket-access=${outputs['bucket-access']}, expected ${expected}`);
          return problems;
        },
        delayMs: LATENCY_MS,
      },
      // The floors: the same inputs and env, run by a reference program instead of the action.
      {
        name: FLOOR.sdk,
        step: 'floor',
        prepare: preparer('main', assume, jobEnv, undefined, sdkFloor),
        check: exportedSession,
      },
      {
        name: FLOOR.sdkVerify,
        step: 'floor',
        prepare: preparer('main', verify, jobEnv, undefined, sdkFloor),
        check: bucketAccessible,
      },
      {
        name: FLOOR.noSdk,
        step: 'floor',
        prepare: preparer('main', assume, jobEnv, undefined, path.join(FLOOR_DIR, 'no-sdk.js')),
        check: exportedSession,
      },
      {
        name: 'post',
        step: 'post',
        prepare: preparer('post', {}, postEnv, postState),
        check: (sample, files) => {
          const problems = succeeded(sample);
          const restored = parseFileCommand(fs.readFileSync(files.GITHUB_ENV ?? '', 'utf8'));
          if (!('AWS_ACCESS_KEY_ID' in restored))
            problems.push('the post step restored nothing (no AWS_ACCESS_KEY_ID)');
          const warnings = parseCommands(sample.stdout).filter((c) => c.name === 'warning');
          if (warnings.length > 0) problems.push(`::warning:: ${warnings.map((w) => w.message).join(' / ')}`);
          return problems;
        },
      },
      {
        name: 'refusal: bad input',
        step: 'main',
        prepare: preparer('main', { ...assume, 'role-duration-seconds': '100' }, jobEnv),
        check: (sample) => refused(sample, 'role-duration-seconds'),
      },
      {
        name: 'refusal: AccessDenied',
        step: 'main',
        prepare: preparer('main', assume, jobEnv),
        fault: (request) =>
          request.operation === 'AssumeRole'
            ? { status: 403, body: stsError('AccessDenied', DENIAL) }
            : undefined,
        check: (sample, _files, requests) => {
          const problems = refused(sample, ROLE);
          const assumed = requests.filter((r) => r.operation === 'AssumeRole').length;
          if (assumed !== 1) problems.push(`${assumed} AssumeRole requests, expected 1`);
          return problems;
        },
      },
    ];
    if (against !== undefined) {
      try {
        const pairs = againstPairs(specs, against);
        const { results } = await runCases(runs, pairs, scratch, { proxy, oidc });
        const compared = compareReport({ runs, node, nodeVersion, against, results, load: loadBefore });
        process.stdout.write(compared.text);
        fs.mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
        fs.writeFileSync(path.join(ROOT, '.bench', 'against.md'), compared.text);
        process.exitCode = compared.failed ? 1 : 0;
      } finally {
        for (const dir of jobDirs) fs.rmSync(dir, { recursive: true, force: true });
      }
      return;
    }
    // The latency mode: every flow that makes requests, again, with each answer held back.
    const flows = [KEYS_CASE, OIDC_CASE, 'main: + verify-bucket', FLOOR.sdk, FLOOR.sdkVerify, FLOOR.noSdk];
    if (latency > 0)
      specs.push(
        ...specs
          .filter((spec) => flows.includes(spec.name) || spec.name === 'refusal: AccessDenied')
          .map((spec) => ({
            ...spec,
            name: `${spec.name} (+${latency} ms)`,
            flow: spec.name,
            delayMs: latency,
          })),
      );

    let results;
    let bareAll;
    try {
      ({ results, bareAll } = await runCases(runs, specs, scratch, { proxy, oidc }));
    } finally {
      for (const dir of jobDirs) fs.rmSync(dir, { recursive: true, force: true });
    }

    const load = { before: loadBefore, after: os.loadavg() };
    const markdown = report({ runs, latency, node, nodeVersion, results, bareAll, load });
    process.stdout.write(markdown.text);
    fs.mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, '.bench', 'last.md'), markdown.text);
    process.exitCode = markdown.failed ? 1 : 0;
  } finally {
    postJob?.cleanup();
    await oidc?.close();
    refreshJob?.cleanup();
    await proxy?.close();
    await moto.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The build compared against, as a case's name says it. */
const AGAINST = 'against';

/**
 * `--against`: each case of the action twice, with this dist/ and with `dir`'s bundles, all round robin
 * (runCases runs specs with a flow so); the same inputs, env, faults and checks.
 * @param {CaseSpec[]} specs @param {string} dir @returns {CaseSpec[]}
 */
function againstPairs(specs, dir) {
  return specs
    .filter((spec) => spec.step !== 'floor')
    .flatMap((spec) => {
      // The credential process of refresh-credentials is the main bundle, run with its arguments.
      const entry = path.join(dir, spec.step === 'post' ? 'post' : 'main', 'index.js');
      return [
        { ...spec, name: `${spec.name} [this]`, flow: spec.name },
        {
          ...spec,
          name: `${spec.name} [${AGAINST}]`,
          flow: spec.name,
          prepare: () => ({ ...spec.prepare(), entry }),
        },
      ];
    });
}

/**
 * The `--against` table: per case, this build's median, the other's, the ratio, and each one's ratio to
 * the bare runs alternated with it. A run of this build that misbehaves fails it; the other build's
 * runs may differ (an older build does less), and are only counted.
 * @param {{ runs: number, node: string, nodeVersion: string, against: string, results: CaseResult[], load: number[] }} data
 */
function compareReport({ runs, node, nodeVersion, against, results, load }) {
  const out = [
    '# Benchmark: this dist/ against another build',
    '',
    `Node ${nodeVersion} (\`${path.relative(ROOT, node)}\`), ${runs} measured runs of each case and build after one ` +
      `warm-up, round robin, each alternated with a bare \`node -e 0\`; CPU time is the mean of user + system ` +
      `(GNU time, 10 ms resolution), which load inflates less than wall time. Against: \`${against}\`. Load ` +
      `average at the start: ${load.map((n) => n.toFixed(2)).join(', ')}.`,
    '',
    '| case | this: median ms | against: median ms | this / against | x bare: this | x bare: against | CPU ms (mean): this | against | this / against | against runs that misbehaved |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  let failed = false;
  const flows = [...new Set(results.map((r) => r.flow))];
  for (const flow of flows) {
    const ours = results.find((r) => r.flow === flow && !r.name.endsWith(`[${AGAINST}]`));
    const theirs = results.find((r) => r.flow === flow && r.name.endsWith(`[${AGAINST}]`));
    if (!ours || !theirs) continue;
    const mid = (/** @type {CaseResult} */ r) => median(r.runs.map((run) => run.sample.ms));
    const bare = (/** @type {CaseResult} */ r) => mid(r) / median(r.bareMs);
    const bad = (/** @type {CaseResult} */ r) => r.runs.filter((run) => run.problems.length > 0);
    const cpu = (/** @type {CaseResult} */ r) =>
      r.runs.reduce((sum, run) => sum + run.sample.cpuMs, 0) / r.runs.length;
    if (bad(ours).length > 0) {
      failed = true;
      process.stderr.write(`bench: ${ours.name}: ${bad(ours)[0]?.problems.join('; ')}\n`);
    }
    out.push(
      `| ${flow} | ${mid(ours).toFixed(1)} | ${mid(theirs).toFixed(1)} | ${(mid(ours) / mid(theirs)).toFixed(3)} | ` +
        `${bare(ours).toFixed(2)} | ${bare(theirs).toFixed(2)} | ${cpu(ours).toFixed(1)} | ${cpu(theirs).toFixed(1)} | ` +
        `${(cpu(ours) / cpu(theirs)).toFixed(3)} | ${bad(theirs).length} |`,
    );
  }
  out.push(
    '',
    failed ? '**Result: FAIL** (a run of this dist/ misbehaved: see stderr)' : 'Result: informational.',
    '',
  );
  return { text: out.join('\n'), failed };
}

/**
 * The markdown report, and whether a budget failed.
 * @param {{ runs: number, latency: number, node: string, nodeVersion: string, results: CaseResult[], bareAll: Run[], load: { before: number[], after: number[] } }} data
 */
function report({ runs, latency, node, nodeVersion, results, bareAll, load }) {
  const mib = (/** @type {number} */ kib) => kib / 1024;
  const bareMedian = median(bareAll.map((r) => r.sample.ms));
  /** @type {string[]} */
  const out = [];
  out.push('# Benchmark: committed dist/ bundles');
  out.push('');
  out.push(
    `Node ${nodeVersion} (\`${path.relative(ROOT, node) || node}\`), ${runs} measured runs per case after one ` +
      'warm-up, each alternated with a bare `node -e 0` (same binary, same env). Wall time is spawn to exit; ' +
      'every process (bare ones too) runs under GNU time for its peak RSS, which adds its fork+exec to both. ' +
      'moto_server and the counting proxy ' +
      'on 127.0.0.1. "x bare" = case median / median of the bare runs alternated with it. ' +
      `Load average (1, 5, 15 min) at the start: ${load.before.map((l) => l.toFixed(2)).join(', ')}; ` +
      `at the end: ${load.after.map((l) => l.toFixed(2)).join(', ')}.`,
  );
  out.push('');
  out.push('| case | median ms | min | max | x bare | peak RSS MiB | AWS requests |');
  out.push('|---|---:|---:|---:|---:|---:|---|');
  const row = (
    /** @type {string} */ name,
    /** @type {number[]} */ ms,
    /** @type {string} */ ratio,
    /** @type {number[]} */ rss,
    /** @type {string} */ requests,
  ) =>
    out.push(
      `| ${name} | ${median(ms).toFixed(1)} | ${Math.min(...ms).toFixed(1)} | ${Math.max(...ms).toFixed(1)} | ` +
        `${ratio} | ${mib(median(rss)).toFixed(1)} | ${requests} |`,
    );
  row(
    'bare (`node -e 0`)',
    bareAll.map((r) => r.sample.ms),
    '1.00',
    bareAll.map((r) => r.sample.rssKiB),
    'none',
  );
  /** @type {Map<string, { lastRequests: string, ratio: number, medianMs: number, maxMs: number, rssMedianMiB: number, rssMaxMiB: number, last: Run, steady: boolean, problems: string[] }>} */
  const stats = new Map();
  for (const result of results) {
    const ms = result.runs.map((r) => r.sample.ms);
    const rss = result.runs.map((r) => r.sample.rssKiB);
    const ratio = median(ms) / median(result.bareMs);
    const last = result.runs.at(-1);
    if (!last) throw new Error('bench: a case has no runs');
    const lastRequests = describeRun(last);
    const steady = result.runs.every((r) => describeRun(r) === lastRequests);
    const problems = [...new Set(result.runs.flatMap((r) => r.problems))];
    stats.set(result.name, {
      lastRequests,
      ratio,
      medianMs: median(ms),
      maxMs: Math.max(...ms),
      rssMedianMiB: mib(median(rss)),
      rssMaxMiB: mib(Math.max(...rss)),
      last,
      steady,
      problems,
    });
    if (result.flow !== result.name) continue; // the latency mode: in its own table below
    row(
      result.name,
      ms,
      ratio.toFixed(2),
      rss,
      steady ? lastRequests : `${lastRequests} (varied between runs)`,
    );
  }
  out.push('');
  out.push(
    `Peak RSS is the median of the runs' peaks. Bare node median over all ${bareAll.length} bare runs: ${bareMedian.toFixed(1)} ms.`,
  );
  out.push('');
  out.push(
    'Floors (`__tests__/fixtures/floor/`), run with the same inputs and env: "SDK only" is the least an ' +
      'action on the AWS SDK does (one STSClient call, masks, GITHUB_ENV; bundled like dist/); "no SDK" ' +
      'loads node:https and node:crypto, signs one AssumeRole by hand and sends it.',
  );

  const delayed = results.filter((r) => r.flow !== r.name);
  if (delayed.length > 0) {
    out.push('');
    out.push(`## With latency: every answer held back ${latency} ms`);
    out.push('');
    out.push(
      `The counting proxy (every AWS request) and the GitHub OIDC stand-in hold each answer back ${latency} ms, ` +
        'as a distant endpoint would; the runs alternate with bare node as above, and the flows go round robin ' +
        '(one run of each per round), so flows compared with each other see the same drift. "added" = median ' +
        'with latency - median without: the round trips the flow waits for, less what it overlaps.',
    );
    out.push('');
    out.push(`| flow | median ms | + ${latency} ms: median | min | max | added ms | requests |`);
    out.push('|---|---:|---:|---:|---:|---:|---|');
    for (const result of delayed) {
      const s = stats.get(result.name);
      const plain = stats.get(result.flow);
      if (!s || !plain) throw new Error(`bench: no results for ${result.name}`);
      const ms = result.runs.map((r) => r.sample.ms);
      out.push(
        `| ${result.flow} | ${plain.medianMs.toFixed(1)} | ${s.medianMs.toFixed(1)} | ${Math.min(...ms).toFixed(1)} | ` +
          `${s.maxMs.toFixed(1)} | ${(s.medianMs - plain.medianMs).toFixed(1)} | ${s.lastRequests} |`,
      );
    }
  }

  const files = listFiles(path.join(ROOT, 'dist'));
  const jsBytes = files.filter((f) => f.file.endsWith('.js')).reduce((sum, f) => sum + f.bytes, 0);
  // The action's budget is what the runner loads: main and post (the command line's bundle is apart).
  const actionJsBytes = files
    .filter((f) => f.file.endsWith('.js') && /^dist\/(main|post)\//.test(f.file))
    .reduce((sum, f) => sum + f.bytes, 0);
  const allBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  out.push('');
  out.push('## dist/');
  out.push('');
  out.push('| file | bytes |');
  out.push('|---|---:|');
  for (const f of files) out.push(`| ${f.file} | ${f.bytes} |`);
  out.push(`| **all *.js** | **${jsBytes}** |`);
  out.push(`| all files | ${allBytes} |`);

  /** @type {{ ok: boolean | 'info', text: string, stretch?: boolean }[]} */
  const budgets = [];
  const need = (/** @type {string} */ name) => {
    const s = stats.get(name);
    if (!s) throw new Error(`bench: no results for ${name}`);
    return s;
  };
  const count = (/** @type {Run} */ run, /** @type {string} */ svc) =>
    run.requests.filter((r) => service(r) === svc).length;
  const behaved = (/** @type {string} */ name) => {
    const s = need(name);
    budgets.push({
      ok: s.problems.length === 0,
      text: `${name}: every run behaved as expected${s.problems.length ? ` — ${s.problems.join('; ')}` : ''}`,
    });
  };

  const main = need(KEYS_CASE);
  const mainOps = main.last.requests.map((r) => r.operation).join(', ') || 'none';
  budgets.push({
    ok: main.steady && count(main.last, 'STS') === 1 && main.last.requests.length === 1,
    text: `keys -> AssumeRole makes exactly 1 STS request and nothing else: ${mainOps}${main.steady ? '' : ' (varied between runs)'}`,
  });
  const verify = need('main: + verify-bucket');
  const verifyOps = verify.last.requests.map((r) => r.operation).join(', ') || 'none';
  budgets.push({
    ok:
      verify.steady &&
      count(verify.last, 'STS') === 1 &&
      count(verify.last, 'S3') === 1 &&
      verify.last.requests.length === 2,
    text: `verify-bucket adds exactly 1 S3 request (1 STS + 1 S3): ${verifyOps}${verify.steady ? '' : ' (varied between runs)'}`,
  });
  const gateList = need(GATE.list);
  const gateChecks = need(GATE.checks);
  const gateNone = need(GATE.none);
  const checkOps = describeRequests(gateChecks.last.requests);
  budgets.push({
    ok:
      gateChecks.steady &&
      count(gateChecks.last, 'STS') === 1 &&
      count(gateChecks.last, 'S3') === 8 &&
      gateChecks.last.requests.length === 9,
    text: `list,read,write on 2 buckets makes 1 STS + 8 S3 requests (a list, a get, an upload started and aborted, per bucket): ${checkOps}${gateChecks.steady ? '' : ' (varied between runs)'}`,
  });
  const checksVsList = gateChecks.medianMs / gateList.medianMs;
  budgets.push({
    ok: checksVsList <= BUDGET.gateChecksVsList,
    text:
      `list,read,write on 2 buckets <= ${BUDGET.gateChecksVsList}x the wall time of a list of 1 bucket, ` +
      `every request ${LATENCY_MS} ms late: ${checksVsList.toFixed(2)}x ` +
      `(${gateChecks.medianMs.toFixed(1)} ms / ${gateList.medianMs.toFixed(1)} ms)`,
  });
  // What the gate itself adds over the same step without it, in requests' worth of latency: informational.
  const gateRoundTrips = (/** @type {number} */ ms) => ((ms - gateNone.medianMs) / LATENCY_MS).toFixed(1);
  budgets.push({
    ok: 'info',
    text:
      `the gate's own time, in ${LATENCY_MS} ms round trips over the step without it: list of 1 bucket ` +
      `${gateRoundTrips(gateList.medianMs)}, list,read,write on 2 buckets ${gateRoundTrips(gateChecks.medianMs)}`,
  });
  const denied = need('refusal: AccessDenied');
  const deniedAssume = denied.last.requests.filter((r) => r.operation === 'AssumeRole').length;
  budgets.push({
    ok: denied.steady && deniedAssume === 1,
    text: `AccessDenied: exactly 1 AssumeRole request: ${deniedAssume} (all requests: ${describeRequests(denied.last.requests)})`,
  });
  for (const name of ['refusal: bad input', 'refusal: AccessDenied']) {
    const s = need(name);
    budgets.push({
      ok: s.medianMs < BUDGET.refusalMs,
      text: `${name} ends with its clear error in < ${BUDGET.refusalMs} ms: median ${s.medianMs.toFixed(1)} ms (max ${s.maxMs.toFixed(1)})`,
    });
  }
  const sdkFloor = need(FLOOR.sdk);
  const sdkVerifyFloor = need(FLOOR.sdkVerify);
  const noSdk = need(FLOOR.noSdk);
  const floors = ` (the SDK floor alone: ${sdkFloor.ratio.toFixed(2)}x; no SDK: ${noSdk.ratio.toFixed(2)}x)`;
  budgets.push({
    ok: main.ratio <= BUDGET.mainRatio,
    text: `main (keys -> AssumeRole) <= ${BUDGET.mainRatio}x bare node: ${main.ratio.toFixed(2)}x${floors}`,
  });
  budgets.push({
    ok: main.ratio <= BUDGET.mainRatioStretch ? true : 'info',
    stretch: true,
    text: `stretch: main (keys -> AssumeRole) <= ${BUDGET.mainRatioStretch}x bare node: ${main.ratio.toFixed(2)}x`,
  });
  budgets.push({
    ok: verify.ratio <= BUDGET.verifyRatio,
    text:
      `main + verify-bucket <= ${BUDGET.verifyRatio}x bare node: ${verify.ratio.toFixed(2)}x ` +
      `(the SDK floor alone: ${sdkVerifyFloor.ratio.toFixed(2)}x)`,
  });
  // Each ratio is against its own alternated bare runs, so drift between the cases cancels out.
  for (const [ours, floor, label] of /** @type {const} */ ([
    [main, sdkFloor, 'main (keys -> AssumeRole)'],
    [verify, sdkVerifyFloor, 'main + verify-bucket'],
  ])) {
    const over = ours.ratio / floor.ratio;
    budgets.push({
      ok: over <= BUDGET.overFloor,
      text: `${label} <= ${BUDGET.overFloor}x its SDK floor (our code on top of the library): ${over.toFixed(2)}x`,
    });
  }
  const post = need('post');
  budgets.push({
    ok: post.ratio <= BUDGET.postRatio,
    text: `post <= ${BUDGET.postRatio}x bare node: ${post.ratio.toFixed(2)}x`,
  });
  const hit = need('credential process: cache hit');
  budgets.push({
    ok: hit.steady && hit.last.requests.length === 0,
    text: `credential process, cache hit: no AWS request: ${describeRequests(hit.last.requests)}`,
  });
  budgets.push({
    ok: hit.ratio <= BUDGET.cacheHitRatio,
    text: `credential process, cache hit <= ${BUDGET.cacheHitRatio}x bare node: ${hit.ratio.toFixed(2)}x`,
  });
  const mainSteps = results.filter((r) => r.step === 'main').map((r) => ({ name: r.name, s: need(r.name) }));
  const worst = mainSteps.reduce((a, b) => (b.s.rssMedianMiB > a.s.rssMedianMiB ? b : a));
  const worstMax = Math.max(...mainSteps.map((m) => m.s.rssMaxMiB));
  budgets.push({
    ok: worst.s.rssMedianMiB <= BUDGET.mainRssMiB,
    text:
      `peak RSS of the main step <= ${BUDGET.mainRssMiB} MiB: median ${worst.s.rssMedianMiB.toFixed(1)} MiB ` +
      `in the heaviest case (${worst.name}); highest single run ${worstMax.toFixed(1)} MiB`,
  });
  budgets.push({
    ok: actionJsBytes <= BUDGET.distJsBytes,
    text: `the action's JavaScript (dist/main, dist/post) <= ${BUDGET.distJsBytes} bytes: ${actionJsBytes} bytes`,
  });
  const oidcFlow = need(OIDC_CASE);
  budgets.push({
    ok: oidcFlow.steady && oidcFlow.lastRequests === 'GitHub OIDC token×1, AssumeRoleWithWebIdentity×1',
    text: `GitHub OIDC makes exactly 1 token request and 1 STS request: ${oidcFlow.lastRequests}${oidcFlow.steady ? '' : ' (varied between runs)'}`,
  });
  if (delayed.length > 0) {
    const late = (/** @type {string} */ name) => need(`${name} (+${latency} ms)`);
    const over = late(OIDC_CASE).medianMs - late(KEYS_CASE).medianMs;
    budgets.push({
      ok: over <= BUDGET.oidcOverKeysMs,
      text:
        `with ${latency} ms of latency, the GitHub OIDC main step costs <= ${BUDGET.oidcOverKeysMs} ms more than ` +
        `keys: ${over.toFixed(1)} ms (without latency: ${(oidcFlow.medianMs - main.medianMs).toFixed(1)} ms)`,
    });
    const changed = delayed
      .map((r) => ({ r, s: need(r.name), plain: need(r.flow) }))
      .filter(({ s, plain }) => !s.steady || s.lastRequests !== plain.lastRequests);
    budgets.push({
      ok: changed.length === 0,
      text: `latency changes no flow's requests${changed.length ? ` — ${changed.map(({ r, s }) => `${r.name}: ${s.lastRequests}`).join('; ')}` : ''}`,
    });
  }
  for (const result of results) behaved(result.name);
  const bareProblems = [...new Set(bareAll.flatMap((r) => r.problems))];
  budgets.push({
    ok: bareProblems.length === 0,
    text: `bare node runs exited 0${bareProblems.length ? ` — ${bareProblems.join('; ')}` : ''}`,
  });

  out.push('');
  out.push('## Budgets');
  out.push('');
  for (const b of budgets)
    out.push(
      `- ${b.ok === 'info' ? (b.stretch ? 'INFO (stretch missed)' : 'INFO') : b.ok ? 'PASS' : 'FAIL'}: ${b.text}`,
    );
  const failed = budgets.some((b) => b.ok === false);
  out.push('');
  out.push(failed ? '**Result: FAIL**' : '**Result: PASS**');
  out.push('');
  return { text: out.join('\n'), failed };
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
