// @ts-check
/**
 * Runs calls through @actions/core, as an action using it would make them, for the differential test of
 * src/runner/protocol.ts (__tests__/unit/runner-differential.test.ts).
 *
 * Why a child process: @actions/core 3.x is ESM-only (its package.json exports only an `import`
 * condition). Jest's CommonJS runtime cannot resolve it for require(), @swc/jest turns a written
 * `import()` into require(), and an import() that bypasses swc needs the whole Jest run started with
 * --experimental-vm-modules. A plain Node process imports it as any ES module.
 *
 *   node actions-core.mjs SPEC.json REPORT.json
 *
 * SPEC: { files: { GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY: paths }, runs: Run[] },
 * Run: { env: Record<string, string>, unset: string[], calls: Call[] }. Every run gets the same four
 * files, emptied first (core.summary keeps the first path it sees), process.env plus `env` minus `unset`,
 * and process.exitCode cleared. REPORT: one RunResult per run (see below), as JSON.
 */
import * as fs from 'node:fs';

const core = await import('@actions/core');

/**
 * @typedef {[string, ...unknown[]]} Call  a Runner method and its arguments, e.g. ['setOutput', 'n', 'v']
 * @typedef {{ env: Record<string, string>, unset: string[], calls: Call[] }} Run
 * @typedef {object} RunResult
 * @property {string} stdout  what the calls wrote to process.stdout
 * @property {Record<string, string>} files  each GITHUB_* file's text afterwards
 * @property {number} exitCode  process.exitCode afterwards (0 when unset)
 * @property {Record<string, string | null>} processEnv  each exported name in process.env afterwards
 * @property {string[]} reads  what getInput and getState returned
 * @property {string | null} error  the message of an error a call threw (the run stops there)
 */

/** @param {Call} call @param {string[]} reads */
async function apply([method, ...args], reads) {
  const text = (/** @type {number} */ i) => String(args[i]);
  switch (method) {
    case 'getInput':
      return void reads.push(core.getInput(text(0)));
    case 'getState':
      return void reads.push(core.getState(text(0)));
    case 'setSecret':
      return core.setSecret(text(0));
    case 'exportVariable':
      return core.exportVariable(text(0), text(1));
    case 'setOutput':
      return core.setOutput(text(0), text(1));
    case 'saveState':
      return core.saveState(text(0), text(1));
    case 'appendSummary':
      return void (await core.summary.addRaw(text(0)).write());
    case 'info':
      return core.info(text(0));
    case 'debug':
      return core.debug(text(0));
    case 'warning':
      return core.warning(text(0));
    case 'group':
      // What Runner.group stands for: a group holding plain lines.
      core.startGroup(text(0));
      for (const line of /** @type {string[]} */ (args[1])) core.info(line);
      return core.endGroup();
    case 'setFailed':
      return core.setFailed(text(0));
    default:
      throw new Error(`actions-core driver: unknown call ${method}`);
  }
}

/** @param {Record<string, string>} files @param {Run} run @returns {Promise<RunResult>} */
async function runOne(files, run) {
  const saved = { ...process.env };
  for (const file of Object.values(files)) fs.writeFileSync(file, '');
  Object.assign(process.env, files, run.env);
  for (const name of run.unset) delete process.env[name];
  process.exitCode = undefined;
  /** @type {string[]} */
  const reads = [];
  /** @type {string | null} */
  let error = null;
  let stdout = '';
  const write = process.stdout.write;
  process.stdout.write = /** @type {typeof write} */ (
    (/** @type {string | Uint8Array} */ chunk) => {
      stdout += String(chunk);
      return true;
    }
  );
  try {
    for (const call of run.calls) await apply(call, reads);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    process.stdout.write = write;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  const exported = run.calls
    .filter(([method]) => method === 'exportVariable')
    .map(([, name]) => String(name));
  const processEnv = Object.fromEntries(exported.map((name) => [name, process.env[name] ?? null]));
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
  const texts = Object.fromEntries(
    Object.entries(files).map(([name, file]) => [name, fs.readFileSync(file, 'utf8')]),
  );
  return { stdout, files: texts, exitCode, processEnv, reads, error };
}

const [specPath = '', reportPath = ''] = process.argv.slice(2);
/** @type {{ files: Record<string, string>, runs: Run[] }} */
const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
/** @type {RunResult[]} */
const results = [];
for (const run of spec.runs) results.push(await runOne(spec.files, run));
fs.writeFileSync(reportPath, JSON.stringify(results));
