// @ts-check
/**
 * `npm run load`: starts N action processes at once (the committed dist/ main bundle, run as the runner
 * would, each in its own job) against moto_server on loopback, behind the counting proxy, which throttles
 * AssumeRole above a fixed rate with a token bucket: requests over the rate get STS's own throttling answer
 * (HTTP 400, Throttling, "Rate exceeded"), and so does the first attempt of every 5th session, so that a
 * slow machine whose starts spread out still sees retries; the rest reach moto. Every process must succeed and export
 * working credentials for its own session. Prints the figures as markdown; exits 1 unless all succeeded.
 *
 *   npm run load [-- --processes N] [--rate R] [--burst B]     (defaults: 50 processes, 25/s, burst 2)
 *
 * `runLoad()` is the same run as a function, for the e2e test (__tests__/e2e/load.test.ts).
 *
 * Why 25/s with a burst of 2: the 50 processes' first AssumeRole requests arrive within a few seconds and in
 * clumps (several in the same millisecond), so every run has dozens throttled — a run with none would prove
 * nothing — while the backlog clears in seconds, long before the action's 12th attempt would be needed.
 */
const { execFileSync } = require('node:child_process');
const { AssumeRoleCommand, STSClient } = require('@aws-sdk/client-sts');
const os = require('node:os');
const path = require('node:path');
const { callerIdentity, envCredentials } = require('./harness/aws');
const { startMoto } = require('./harness/moto');
const { startProxy, stsError } = require('./harness/proxy');
const { Job, nodeBinary, ROOT } = require('./harness/runner');

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const REGION = 'us-east-1';
const KEYS = {
  'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': 'load-secret-not-real',
};
/** A retry as the action logs it (src/retry.ts, describeRetry); the code is captured. */
const RETRY_LINE = /^STS request failed with ([A-Za-z0-9_]+)[ .:(].*Retrying in \d+ ms/gm;
/** The action's default retry-max-attempts (src/config.ts): a process that needs more would fail. */
const DEFAULT_MAX_ATTEMPTS = 12;

/**
 * @typedef {object} LoadOptions
 * @property {number} [processes]      action processes started at once (default 50)
 * @property {number} [ratePerSecond]  AssumeRole requests let through per second, steady state (default 25)
 * @property {number} [burst]          token bucket size: how many may go through back to back (default 2)
 */

/**
 * @typedef {object} ProcessResult  one action process
 * @property {number} index
 * @property {string} sessionName         role-session-name it was given (`load-<index>`)
 * @property {number | null} exitCode
 * @property {number} attempts            AssumeRole requests the proxy saw for its session
 * @property {number} durationMs          spawn to exit
 * @property {string[]} attemptOutcomes   what each of its AssumeRole attempts met, in order, as the proxy saw
 *   it (see outcomeOf)
 * @property {string[]} loggedRetries     the error code of each retry the action logged, in order
 * @property {string | undefined} authenticatedArn  its authenticated-arn output
 * @property {string | undefined} accessKeyId       the AWS_ACCESS_KEY_ID it exported
 * @property {string | undefined} callerArn         GetCallerIdentity with the exported credentials
 * @property {string[]} problems          how it differs from a right run (empty when it succeeded)
 */

/**
 * @typedef {object} LoadFigures
 * @property {number} processes
 * @property {number} succeeded
 * @property {number} failed
 * @property {string | undefined} firstError   the first failed process's first problem
 * @property {number} wallMs                   first spawn to last exit
 * @property {number} slowestProcessMs
 * @property {number} maxConcurrentProcesses   action processes running at the same time
 * @property {number} maxProcessesInSts        processes inside their STS call at once: from their first
 *   AssumeRole arriving to the answer that ended their retries
 * @property {number} maxInFlightToMoto        requests forwarded to moto and not yet answered, at once
 * @property {number} assumeRoleRequests       AssumeRole requests the proxy saw
 * @property {number} throttled                of those, answered with Throttling by the limiter
 * @property {number} retries                  requests beyond the first of each session (= throttled when
 *   nothing else failed)
 * @property {Record<string, number>} retryReasons  why each retry was needed, by what happened to the
 *   attempt before it: `throttled`, `moto <status>`, `moto unreachable (<code>)`, `abandoned by the action`
 * @property {Record<string, number>} loggedRetryCodes  the retries the processes logged, by error code
 * @property {number} maxAttempts              the most AssumeRole requests one process made
 * @property {Record<number, number>} attemptsHistogram  attempts -> how many processes made that many
 * @property {number} maxAttemptsAllowed       the action's default retry-max-attempts
 * @property {{ ratePerSecond: number, burst: number }} limit
 * @property {{ cpus: number, memoryGiB: number, node: string, nodeVersion: string }} machine
 * @property {ProcessResult[]} results
 */

/**
 * A token bucket: `burst` tokens, refilled at `ratePerSecond`; a request takes one or is refused.
 * @param {number} ratePerSecond @param {number} burst @param {() => number} now  ms
 */
function tokenBucket(ratePerSecond, burst, now) {
  let tokens = burst;
  let last = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) * ratePerSecond) / 1000);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/** One AssumeRole straight to moto, so the first of the 50 does not pay for moto's start. @param {string} url */
async function warmUp(url) {
  const sts = new STSClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: KEYS['aws-access-key-id'], secretAccessKey: KEYS['aws-secret-access-key'] },
    maxAttempts: 1,
  });
  try {
    await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'warm-up' }));
  } finally {
    sts.destroy();
  }
}

/** The most intervals open at one instant (an interval ending when another starts does not overlap it). */
function maxOverlap(/** @type {{ start: number, end: number }[]} */ intervals) {
  /** @type {[number, number][]} */
  const events = [];
  for (const { start, end } of intervals) events.push([start, 1], [end, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, delta] of events) {
    open += delta;
    most = Math.max(most, open);
  }
  return most;
}

/** @param {string} name @param {number | undefined} value @param {number} min */
function positive(name, value, min) {
  if (value === undefined || !Number.isFinite(value) || value < min)
    throw new Error(`load: ${name} must be a number >= ${min}, got ${value}`);
  return value;
}

/**
 * Starts moto and the throttling proxy, runs `processes` main steps at once, checks each, and measures.
 * @param {LoadOptions} [options]
 * @returns {Promise<LoadFigures>}
 */
async function runLoad(options = {}) {
  const processes = positive('processes', options.processes ?? 50, 1);
  const ratePerSecond = positive('ratePerSecond', options.ratePerSecond ?? 25, 0.1);
  const burst = positive('burst', options.burst ?? 2, 1);
  if (!Number.isInteger(processes)) throw new Error(`load: processes must be an integer, got ${processes}`);

  const clock = () => performance.now();
  const moto = await startMoto();
  /** @type {import('./harness/proxy').FaultProxy | undefined} */
  let proxy;
  /** @type {Job[]} */
  const jobs = [];
  try {
    // moto loads its STS backend on the first such request, which can take seconds on a busy machine (once
    // longer than the action's 5 s request timeout). Real STS has no cold start: warm it, uncounted.
    await warmUp(moto.url);
    proxy = await startProxy(moto.url);
    const bucket = tokenBucket(ratePerSecond, burst, clock);
    // On a slow machine the starts spread out and the bucket may throttle few or none: the first attempt
    // of every 5th session is throttled too, so every run retries, whatever the machine's speed.
    /** @type {Set<string>} */
    const sessionsSeen = new Set();
    const firstOfEveryFifth = (/** @type {import('./harness/proxy').SeenRequest} */ request) => {
      const name = request.params.RoleSessionName ?? '';
      if (sessionsSeen.has(name)) return false;
      sessionsSeen.add(name);
      return Number(name.replace(/^load-/, '')) % 5 === 0;
    };
    /**
     * When each request (by its index in proxy.requests) arrived, was answered, and whether it was throttled.
     * @type {{ arrived: number, answered: number | undefined, throttled: boolean }[]}
     */
    const timeline = [];
    let inFlight = 0;
    let maxInFlightToMoto = 0;
    proxy.fault = (request, index) => {
      const entry = {
        arrived: clock(),
        answered: /** @type {number | undefined} */ (undefined),
        throttled: false,
      };
      timeline[index] = entry;
      if (request.operation === 'AssumeRole' && (firstOfEveryFifth(request) || !bucket.take())) {
        entry.throttled = true;
        entry.answered = entry.arrived; // answered at once, by the proxy
        return { status: 400, body: stsError('Throttling', 'Rate exceeded') };
      }
      // Forwarded: the proxy sets `response` when moto's answer is complete, just before relaying it.
      // An accessor on this request's record notices that, with no change to the harness.
      inFlight++;
      maxInFlightToMoto = Math.max(maxInFlightToMoto, inFlight);
      /** @type {import('./harness/proxy').SeenRequest['response']} */
      let response;
      Object.defineProperty(request, 'response', {
        enumerable: true,
        configurable: true,
        get: () => response,
        set: (value) => {
          if (response === undefined) {
            inFlight--;
            entry.answered = clock();
          }
          response = value;
        },
      });
      return undefined;
    };

    // Every endpoint the action could use points at the proxy: nothing reaches the network.
    const jobEnv = { AWS_ENDPOINT_URL: proxy.url, AWS_ENDPOINT_URL_IAM: proxy.url };
    for (let i = 0; i < processes; i++) jobs.push(new Job(jobEnv));

    let running = 0;
    let maxConcurrentProcesses = 0;
    const started = clock();
    // All started in one tick: each main() spawns its child before its first await.
    const steps = jobs.map((job, index) => {
      running++;
      maxConcurrentProcesses = Math.max(maxConcurrentProcesses, running);
      return job
        .main({
          'aws-region': REGION,
          'role-to-assume': ROLE,
          ...KEYS,
          'sts-endpoint': proxy?.url ?? '',
          'role-session-name': `load-${index}`,
        })
        .finally(() => {
          running--;
        });
    });
    const outcomes = await Promise.allSettled(steps);
    const wallMs = clock() - started;
    const requests = [...proxy.requests];
    proxy.fault = undefined;

    const assumeRole = requests
      .map((request, index) => ({ request, at: timeline[index] }))
      .filter(({ request }) => request.operation === 'AssumeRole');

    /** @type {ProcessResult[]} */
    const results = await Promise.all(
      outcomes.map(async (outcome, index) => {
        const sessionName = `load-${index}`;
        const mine = assumeRole.filter(({ request }) => request.params.RoleSessionName === sessionName);
        /** @type {string[]} */
        const problems = [];
        if (outcome.status === 'rejected') {
          problems.push(`the harness could not run it: ${String(outcome.reason)}`);
          return {
            index,
            sessionName,
            exitCode: null,
            attempts: mine.length,
            durationMs: 0,
            attemptOutcomes: mine.map(outcomeOf),
            loggedRetries: [],
            authenticatedArn: undefined,
            accessKeyId: undefined,
            callerArn: undefined,
            problems,
          };
        }
        const step = outcome.value;
        const expectedArn = `arn:aws:sts::123456789012:assumed-role/deploy/${sessionName}`;
        const authenticatedArn = step.outputs['authenticated-arn'];
        const accessKeyId = step.env.AWS_ACCESS_KEY_ID;
        if (step.exitCode !== 0 || step.errors.length > 0)
          problems.push(`exit ${step.exitCode}${step.errors.map((e) => `, ::error:: ${e}`).join('')}`);
        if (!accessKeyId) problems.push('no AWS_ACCESS_KEY_ID exported');
        else if (accessKeyId === KEYS['aws-access-key-id'])
          problems.push('exported the signing key, not the session credentials');
        if (!step.env.AWS_SESSION_TOKEN) problems.push('no AWS_SESSION_TOKEN exported');
        if (authenticatedArn !== expectedArn)
          problems.push(`authenticated-arn ${authenticatedArn}, expected ${expectedArn}`);
        /** @type {string | undefined} */
        let callerArn;
        if (problems.length === 0) {
          // A later step's view: the exported credentials work, and are this session's. Straight to moto,
          // not through the proxy, so this check is neither limited nor counted.
          try {
            callerArn = (
              await callerIdentity(moto.url, envCredentials(jobs[index]?.visibleEnv() ?? {}), REGION)
            ).Arn;
            if (callerArn !== expectedArn)
              problems.push(`GetCallerIdentity says ${callerArn}, expected ${expectedArn}`);
          } catch (error) {
            problems.push(
              `the exported credentials do not work: ${error instanceof Error ? error.message : error}`,
            );
          }
        }
        if (problems.length > 0)
          problems.push(`stdout tail: ${step.stdout.slice(-400)} stderr tail: ${step.stderr.slice(-400)}`);
        return {
          index,
          sessionName,
          exitCode: step.exitCode,
          attempts: mine.length,
          durationMs: step.durationMs,
          attemptOutcomes: mine.map(outcomeOf),
          loggedRetries: [...step.stdout.matchAll(RETRY_LINE)].map((m) => m[1] ?? ''),
          authenticatedArn,
          accessKeyId,
          callerArn,
          problems,
        };
      }),
    );

    // Exported access key ids are one per session: no process picked up another's credentials.
    /** @type {Map<string, number>} */
    const keyOwners = new Map();
    for (const result of results) {
      if (!result.accessKeyId) continue;
      const other = keyOwners.get(result.accessKeyId);
      if (other !== undefined) result.problems.unshift(`exported the same access key id as load-${other}`);
      else keyOwners.set(result.accessKeyId, result.index);
    }

    // Each session's time inside STS: its first AssumeRole arriving to the last one being answered.
    /** @type {Map<string, { start: number, end: number }>} */
    const inSts = new Map();
    for (const { request, at } of assumeRole) {
      if (!at) continue;
      const name = request.params.RoleSessionName ?? '';
      const span = inSts.get(name) ?? { start: at.arrived, end: at.arrived };
      span.end = Math.max(span.end, at.answered ?? clock());
      inSts.set(name, span);
    }

    // Why each retry happened: what the same session's attempt before it met.
    /** @type {Record<string, number>} */
    const retryReasons = {};
    for (const result of results)
      for (const reason of result.attemptOutcomes.slice(0, -1))
        retryReasons[reason] = (retryReasons[reason] ?? 0) + 1;

    /** @type {Record<string, number>} */
    const loggedRetryCodes = {};
    for (const code of results.flatMap((r) => r.loggedRetries))
      loggedRetryCodes[code] = (loggedRetryCodes[code] ?? 0) + 1;

    /** @type {Record<number, number>} */
    const attemptsHistogram = {};
    for (const result of results)
      attemptsHistogram[result.attempts] = (attemptsHistogram[result.attempts] ?? 0) + 1;
    const failedResults = results.filter((r) => r.problems.length > 0);
    const node = nodeBinary();
    return {
      processes,
      succeeded: results.length - failedResults.length,
      failed: failedResults.length,
      firstError: failedResults[0]
        ? `load-${failedResults[0].index}: ${failedResults[0].problems[0]}`
        : undefined,
      wallMs,
      slowestProcessMs: Math.max(...results.map((r) => r.durationMs)),
      maxConcurrentProcesses,
      maxProcessesInSts: maxOverlap([...inSts.values()]),
      maxInFlightToMoto,
      assumeRoleRequests: assumeRole.length,
      throttled: assumeRole.filter(({ at }) => at?.throttled).length,
      retries:
        assumeRole.length - new Set(assumeRole.map(({ request }) => request.params.RoleSessionName)).size,
      retryReasons,
      loggedRetryCodes,
      maxAttempts: Math.max(...results.map((r) => r.attempts)),
      attemptsHistogram,
      maxAttemptsAllowed: DEFAULT_MAX_ATTEMPTS,
      limit: { ratePerSecond, burst },
      machine: {
        cpus: os.availableParallelism(),
        memoryGiB: os.totalmem() / 1024 ** 3,
        node: path.relative(ROOT, node) || node,
        nodeVersion: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(),
      },
      results,
    };
  } finally {
    for (const job of jobs) job.cleanup();
    await proxy?.close();
    await moto.stop();
  }
}

/**
 * What one AssumeRole attempt met, as the proxy saw it: `throttled` (by the limiter), `moto <status>`,
 * `moto unreachable (<code>)`, or `abandoned by the action` (it closed the connection unanswered).
 * @param {{ request: import('./harness/proxy').SeenRequest, at: { throttled: boolean } | undefined }} attempt
 */
function outcomeOf({ request, at }) {
  if (at?.throttled) return 'throttled';
  if (request.upstreamError) return `moto unreachable (${request.upstreamError})`;
  if (request.clientGone) return 'abandoned by the action';
  return `moto ${request.response?.status ?? 'no answer'}`;
}

/** `a: 2, b: 1`, or `none`. @param {Record<string, number>} tally */
function counts(tally) {
  const entries = Object.entries(tally);
  return entries.length === 0 ? 'none' : entries.map(([name, n]) => `${name}: ${n}`).join(', ');
}

/** The figures as markdown. @param {LoadFigures} f */
function report(f) {
  const histogram = Object.entries(f.attemptsHistogram)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([attempts, count]) => `${attempts}: ${count}`)
    .join(', ');
  const rows = [
    ['action processes started at once', String(f.processes)],
    ['succeeded (exit 0, own session credentials exported and working)', String(f.succeeded)],
    ['failed', f.failed === 0 ? '0' : `${f.failed} — first: ${f.firstError}`],
    ['rate limit on AssumeRole (token bucket)', `${f.limit.ratePerSecond}/s, burst ${f.limit.burst}`],
    ['wall time, first spawn to last exit', `${(f.wallMs / 1000).toFixed(1)} s`],
    ['slowest single process, spawn to exit', `${(f.slowestProcessMs / 1000).toFixed(1)} s`],
    ['max concurrent action processes', String(f.maxConcurrentProcesses)],
    ['max processes inside their STS call (retrying or waiting) at once', String(f.maxProcessesInSts)],
    ['max AWS requests in flight to moto at once', String(f.maxInFlightToMoto)],
    ['AssumeRole requests', String(f.assumeRoleRequests)],
    ['throttled answers (400 Throttling)', String(f.throttled)],
    ['retries seen (requests beyond the first per process)', String(f.retries)],
    ['why, by what the attempt before met', counts(f.retryReasons)],
    ['retries the processes logged, by error code', counts(f.loggedRetryCodes)],
    [
      'most AssumeRole attempts by one process',
      `${f.maxAttempts} (of ${f.maxAttemptsAllowed} allowed by default)`,
    ],
    ['processes by attempts made', histogram],
  ];
  const out = [
    '| figure | value |',
    '|---|---:|',
    ...rows.map(
      ([name, value]) => `| ${name} | ${String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
    ),
    '',
    `Machine: ${f.machine.cpus} CPUs, ${f.machine.memoryGiB.toFixed(1)} GiB memory; action run with Node ` +
      `${f.machine.nodeVersion} (\`${f.machine.node}\`).`,
  ];
  if (f.throttled === 0)
    out.push('', 'Note: no request was throttled, so this run did not exercise the retries; lower --rate.');
  out.push('');
  return out.join('\n');
}

/**
 * `--processes N`, `--rate R`, `--burst B` (or `--name=value`).
 * @param {string[]} argv @returns {LoadOptions}
 */
function parseArgs(argv) {
  /** @type {Record<string, 'processes' | 'ratePerSecond' | 'burst'>} */
  const names = { '--processes': 'processes', '--rate': 'ratePerSecond', '--burst': 'burst' };
  /** @type {LoadOptions} */
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const key = names[flag];
    if (!key)
      throw new Error(
        `load: unknown argument '${arg}' (usage: npm run load -- --processes N --rate R --burst B)`,
      );
    const raw = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    const value = Number(raw);
    if (raw === undefined || raw === '' || !Number.isFinite(value))
      throw new Error(`load: ${flag} needs a number, got '${raw}'`);
    options[key] = value;
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const figures = await runLoad(options);
  process.stdout.write(report(figures));
  process.exitCode = figures.failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

module.exports = { runLoad, report, parseArgs, tokenBucket, maxOverlap };
