// @ts-check
/**
 * Runs the committed command-line bundle (dist/cli/index.js) as a person would from a terminal: a child
 * process with flags, in an environment of the test's making that never reaches beyond 127.0.0.1 (no
 * instance metadata, no profile of the machine's, AWS endpoints on loopback only).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeBinary, ROOT, runChild } = require('./runner');

/** The bundle `npx aws-credentials-gate` runs (package.json's bin). */
const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

/** Every environment handed to a child, for the check that each stayed on loopback. @type {Record<string, string>[]} */
const childEnvs = [];
/** The scratch homes made for them. @type {string[]} */
const homes = [];

/** Variables that name where AWS requests (or credentials) come from: each must be on loopback. */
const ENDPOINT_VARIABLES = /^(AWS_ENDPOINT_URL(_[A-Z0-9]+)?|ACTIONS_ID_TOKEN_REQUEST_URL|MOTO|ENDPOINT)$/;

/**
 * A child's environment: PATH, a scratch HOME and AWS config files (so no profile of this machine is
 * read), AWS_EC2_METADATA_DISABLED=true, then `more`. Throws if an endpoint is not on 127.0.0.1.
 * @param {Record<string, string | undefined>} more
 * @returns {Record<string, string>}
 */
function childEnv(more = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-cli-'));
  homes.push(home);
  /** @type {Record<string, string>} */
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'aws-credentials'),
  };
  for (const [name, value] of Object.entries(more)) if (value !== undefined) env[name] = value;
  env.AWS_EC2_METADATA_DISABLED = 'true';
  for (const [name, value] of Object.entries(env)) {
    if (ENDPOINT_VARIABLES.test(name) && !/^https?:\/\/127\.0\.0\.1:\d+(\/|$)/.test(value))
      throw new Error(`harness: ${name}=${value} is not on 127.0.0.1`);
  }
  childEnvs.push(env);
  return env;
}

/**
 * Runs the CLI bundle with `args` on the Node the action runs on.
 * @param {string[]} args
 * @param {{ env: Record<string, string>, timeoutMs?: number }} options  env from childEnv()
 */
function runCli(args, { env, timeoutMs = 60_000 }) {
  if (!childEnvs.includes(env)) throw new Error('harness: give the CLI an environment made by childEnv()');
  return runChild(nodeBinary(), [CLI, ...args], { env, cwd: env.HOME, timeoutMs });
}

/**
 * Runs any other program (sh, aws, python3) in an environment made by childEnv().
 * @param {string} command @param {string[]} args
 * @param {{ env: Record<string, string>, timeoutMs?: number }} options
 */
function runProgram(command, args, { env, timeoutMs = 60_000 }) {
  if (!childEnvs.includes(env))
    throw new Error('harness: give the program an environment made by childEnv()');
  return runChild(command, args, { env, cwd: env.HOME, timeoutMs });
}

/** Removes the scratch homes (the environments stay recorded). */
function removeChildDirs() {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
}

module.exports = { CLI, childEnv, childEnvs, removeChildDirs, runCli, runProgram };
