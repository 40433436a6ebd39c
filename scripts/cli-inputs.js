// @ts-check
/**
 * Writes src/cli/inputs.ts, the command line's table of flags, from action.yml's inputs: their names,
 * descriptions and defaults, in action.yml's order. `npm run build` runs it first, so the CLI's --help
 * and defaults cannot drift from the action's; __tests__/unit/cli.test.ts fails when the committed table
 * and action.yml differ.
 *
 *   node scripts/cli-inputs.js
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..');
const TARGET = path.join(ROOT, 'src', 'cli', 'inputs.ts');

/** The table's TypeScript source for an action.yml text. @param {string} actionYml */
function render(actionYml) {
  /** @type {{ inputs?: Record<string, { description?: string, default?: unknown } | null> }} */
  const action = YAML.parse(actionYml);
  const rows = Object.entries(action.inputs ?? {}).map(([name, spec]) => {
    const fields = [
      `    name: ${JSON.stringify(name)},`,
      `    description: ${JSON.stringify((spec?.description ?? '').trim())},`,
    ];
    if (spec?.default !== undefined && spec.default !== null)
      fields.push(`    default: ${JSON.stringify(String(spec.default))},`);
    return ['  {', ...fields, '  },'].join('\n');
  });
  return [
    '// Generated from action.yml by scripts/cli-inputs.js (run by `npm run build`): do not edit.',
    "import type { Input } from '../names';",
    '',
    '/** An input of the action, as the command line offers it: a flag `--name`. */',
    'export interface InputSpec {',
    `  name: \`\${Input}\`;`,
    '  description: string;',
    "  /** The default action.yml declares (the runner's); absent when the action applies its own. */",
    '  default?: string;',
    '}',
    '',
    "/** action.yml's inputs, in its order. */",
    'export const INPUTS: readonly InputSpec[] = [',
    ...rows,
    '];',
    '',
  ].join('\n');
}

/** Source as the project's formatter writes it, so `biome check` passes on the generated file. @param {string} text */
function formatted(text) {
  const biome = path.join(ROOT, 'node_modules', '.bin', 'biome');
  return execFileSync(biome, ['format', `--stdin-file-path=${path.relative(ROOT, TARGET)}`], {
    cwd: ROOT,
    input: text,
    encoding: 'utf8',
  });
}

if (require.main === module) {
  const text = formatted(render(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')));
  const before = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, 'utf8') : '';
  if (text !== before) fs.writeFileSync(TARGET, text);
}

module.exports = { render, TARGET };
