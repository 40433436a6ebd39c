// @ts-check
/**
 * The example workflows (examples/workflows/*.yml) as the tests read them: each step that uses this action,
 * with its `with:` and the `env:` a runner would give it, and a small expander for the `${{ … }}`
 * expressions those use.
 */
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples', 'workflows');

/**
 * Inputs the example workflows use that are being built. Until action.yml declares one, the e2e tests leave
 * it out of the step they run, and the unit tests accept it in an example; any other undeclared input fails.
 * (None now: profiles and refresh-credentials are in the action.)
 */
/** @type {Set<string>} */
const PENDING_INPUTS = new Set([]);

/** How the README and the examples name this action: OWNER/aws-credentials-gate@<ref>. */
const ACTION_USES = /^[^/\s]+\/aws-credentials-gate@\S+$/;

/** @returns {string[]} absolute paths of the example workflows */
function exampleWorkflowFiles() {
  return fs
    .readdirSync(EXAMPLES)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(EXAMPLES, name));
}

/**
 * @typedef {object} ActionStep
 * @property {string} file   the workflow's file name
 * @property {string} job
 * @property {number} index  the step's place in its job
 * @property {string | undefined} id
 * @property {Record<string, string>} with   as written, expressions unexpanded
 * @property {Record<string, string>} env    workflow, job and step env, later ones winning (as the runner)
 */

/** Every step of a workflow file that uses this action. @returns {ActionStep[]} */
function actionSteps(/** @type {string} */ file) {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  /** @type {ActionStep[]} */
  const found = [];
  for (const [job, spec] of Object.entries(doc.jobs ?? {})) {
    (spec.steps ?? []).forEach((/** @type {any} */ step, /** @type {number} */ index) => {
      if (typeof step.uses !== 'string' || !ACTION_USES.test(step.uses)) return;
      found.push({
        file: path.basename(file),
        job,
        index,
        id: step.id,
        with: stringValues(step.with ?? {}),
        env: {
          ...stringValues(doc.env ?? {}),
          ...stringValues(spec.env ?? {}),
          ...stringValues(step.env ?? {}),
        },
      });
    });
  }
  return found;
}

/** YAML scalars as the runner hands them to an action: strings. */
function stringValues(/** @type {Record<string, unknown>} */ map) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(map)) out[k] = String(v);
  return out;
}

/**
 * Expands `${{ context.name }}` in a value, for the contexts given (e.g. { env: {...}, secrets: {...},
 * github: { run_id: '1' } }). Anything else — another context, a name not given, an operator or a
 * function — throws: a test must never run a value it could not expand.
 * @param {string} value @param {Record<string, Record<string, string>>} contexts
 */
function expand(value, contexts) {
  return value.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_whole, /** @type {string} */ expression) => {
    const match = /^([a-z_]+)\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(expression);
    const context = match ? contexts[match[1] ?? ''] : undefined;
    const name = match?.[2] ?? '';
    if (!context || !(name in context))
      throw new Error(`cannot expand \${{ ${expression} }} in ${JSON.stringify(value)}`);
    return context[name] ?? '';
  });
}

/** A step's inputs and env with their expressions expanded. @param {ActionStep} step @param {Record<string, Record<string, string>>} contexts */
function expandStep(step, contexts) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [k, v] of Object.entries(step.env)) env[k] = expand(v, { ...contexts, env });
  /** @type {Record<string, string>} */
  const inputs = {};
  for (const [k, v] of Object.entries(step.with)) inputs[k] = expand(v, { ...contexts, env });
  return { inputs, env };
}

module.exports = {
  exampleWorkflowFiles,
  actionSteps,
  expand,
  expandStep,
  ACTION_USES,
  EXAMPLES,
  PENDING_INPUTS,
};
