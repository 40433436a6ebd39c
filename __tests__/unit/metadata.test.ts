/**
 * action.yml, the names in src/constants.ts and README's tables must say the same thing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { Input, Output } from '../../src/names';

const ROOT = path.resolve(__dirname, '..', '..');
type Spec = { description?: string; default?: string; required?: boolean };
const action = YAML.parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, Spec>;
  outputs: Record<string, Spec>;
  runs: { using: string; main: string; post: string };
};
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** Rows of the markdown table that follows `heading`: first cell (unquoted) -> second cell. */
function table(heading: string): Map<string, string> {
  const start = readme.indexOf(heading);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const rows = new Map<string, string>();
  const lines = readme.slice(start).split('\n').slice(1);
  let seen = false;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      if (seen) break;
      continue;
    }
    seen = true;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const name = (cells[0] ?? '').replace(/`/g, '');
    if (name === '' || name === 'Input' || name === 'Output' || /^-+$/.test(name)) continue;
    rows.set(name, (cells[1] ?? '').replace(/`/g, ''));
  }
  return rows;
}

test('runs on node24 with a main and a post bundle', () => {
  expect(action.runs.using).toBe('node24');
  expect(action.runs.main).toBe('dist/main/index.js');
  expect(action.runs.post).toBe('dist/post/index.js');
});

test('every input in action.yml is a name in src/constants.ts, and the other way round', () => {
  expect(Object.keys(action.inputs).sort()).toEqual(Object.values(Input).sort());
});

test('every output in action.yml is a name in src/constants.ts, and the other way round', () => {
  expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Output).sort());
});

/** The default an input's description states: "Default X." ('' for none), or 'required'. */
function statedDefault(description: string): string {
  if (/(^|\. )Required/.test(description)) return 'required';
  const match = /Default ([^ ]+)/.exec(description);
  if (!match) throw new Error(`no "Default ..." in: ${description}`);
  const value = (match[1] ?? '').replace(/[.,;]$/, '');
  return value === 'none' ? '' : value;
}

test.each(Object.entries(action.inputs))('input %s states its default in its description', (_name, spec) => {
  const stated = statedDefault(spec.description ?? '');
  // A default in action.yml is the runner's; every other default is applied in src/config.ts (unit-tested).
  if (spec.default !== undefined) expect(stated).toBe(spec.default);
});

test('README inputs table lists every input with the default its description states', () => {
  const rows = table('### Inputs');
  expect([...rows.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
  for (const [name, spec] of Object.entries(action.inputs)) {
    expect(`${name}: ${rows.get(name)}`).toBe(`${name}: ${statedDefault(spec.description ?? '')}`);
  }
});

test('README outputs table lists every output', () => {
  expect([...table('### Outputs').keys()].sort()).toEqual(Object.keys(action.outputs).sort());
});
