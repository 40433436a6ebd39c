/**
 * The layer rule, read from the import lines of src/ (type-only imports included):
 *
 *   entries (index, post, cli) -> steps (main, deliver, cleanup, restore; cli/, refresh/)
 *     -> rooms (aws/, runner/, profile/)
 *     -> inputs/ -> names, errors, text
 *
 * refresh/ is the credential process of refresh-credentials (run by the main bundle, index.ts) and the main
 * and post steps' part in it: it orchestrates rooms as the steps do, so it sits with them.
 *
 * A file imports only from its own folder or a layer below; the rooms do not import one another; nothing
 * imports an entry; inside aws/, explain.ts imports only the leaves arn.ts and classify.ts (which import
 * nothing of aws/), so explanations never pull in a client; and there is no circle anywhere.
 *
 * cli/ is the command line's step: it runs main.ts with a runner of its own, so it sits with the steps
 * (it may import main.ts and the rooms), and only the cli entry imports it: the action's steps never
 * depend on the command line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const SRC = path.join(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** A file's place: 'index.ts', 'aws/sts.ts', ... */
const rel = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

/** The relative imports of a source text (static, dynamic, type-only, re-exports), resolved to src paths. */
function importsOf(file: string, text: string): string[] {
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms),
    ...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g),
  ].map((match) => match[1] ?? '');
  return found.map((spec) => rel(`${path.resolve(path.dirname(file), spec)}.ts`));
}

const ENTRIES = new Set(['index.ts', 'post.ts', 'cli.ts']);
const STEPS = new Set(['main.ts', 'cleanup.ts', 'restore.ts', 'deliver.ts']);
const BASE = new Set(['names.ts', 'errors.ts', 'text.ts']);
const ROOMS = new Set(['aws', 'runner', 'profile']);

/** Higher layers may import lower ones. */
function layerOf(file: string): { rank: number; room: string } {
  if (ENTRIES.has(file)) return { rank: 4, room: file };
  if (STEPS.has(file)) return { rank: 3, room: file };
  const folder = file.split('/')[0] ?? '';
  if (folder === 'cli') return { rank: 3, room: folder };
  if (folder === 'refresh') return { rank: 3, room: folder };
  if (ROOMS.has(folder)) return { rank: 2, room: folder };
  if (folder === 'inputs') return { rank: 1, room: folder };
  if (BASE.has(file)) return { rank: 0, room: 'base' };
  throw new Error(`${file} is in no layer: put it in a folder that says which`);
}

/** Why an import goes the wrong way, or undefined when it is allowed. */
function wrongWay(from: string, to: string): string | undefined {
  if (ENTRIES.has(to)) return `${from} imports the entry ${to}`;
  const a = layerOf(from);
  const b = layerOf(to);
  if (from === 'aws/explain.ts' && to.startsWith('aws/') && !['aws/arn.ts', 'aws/classify.ts'].includes(to))
    return `${from} imports ${to}: explanations may use only the leaves arn.ts and classify.ts`;
  if (b.room === 'cli' && a.room !== 'cli' && from !== 'cli.ts')
    return `${from} imports ${to}: only the cli entry imports the command line`;
  if (a.room === b.room && a.rank <= 3) return undefined;
  if (b.rank < a.rank) return undefined;
  if (a.rank === 3 && b.rank === 3) return undefined; // the steps share the restore record
  if (a.rank === 2 && b.rank === 2) return `${from} imports ${to}: the rooms do not import one another`;
  return `${from} imports ${to}, a layer above it`;
}

/** One circle in an import graph, as a list of files ending where it started; undefined when none. */
function findCircle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') return undefined;
    if (state.get(file) === 'open') return [...trail.slice(trail.indexOf(file)), file];
    state.set(file, 'open');
    trail.push(file);
    for (const next of graph.get(file) ?? []) {
      const circle = visit(next);
      if (circle) return circle;
    }
    trail.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    const circle = visit(file);
    if (circle) return circle;
  }
  return undefined;
}

const graph = new Map(
  sourceFiles(SRC).map((file) => [rel(file), importsOf(file, fs.readFileSync(file, 'utf8'))] as const),
);

describe('the layer rule over src/', () => {
  test('every file is in a layer, and every import resolves to a file', () => {
    for (const [file, imports] of graph) {
      expect(() => layerOf(file)).not.toThrow();
      for (const target of imports)
        expect({ file, target, exists: graph.has(target) }).toMatchObject({ exists: true });
    }
  });

  test('imports go one way: down the layers, never between rooms, never to an entry', () => {
    const wrong = [...graph].flatMap(([file, imports]) =>
      imports.map((target) => wrongWay(file, target)).filter((why) => why !== undefined),
    );
    expect(wrong).toEqual([]);
  });

  test('no circle of imports', () => {
    expect(findCircle(graph)).toBeUndefined();
  });

  test('an optional field is written one way: `name: value` (undefined when absent), never a conditional spread', () => {
    const spreads = [...graph.keys()].filter((file) =>
      /\.\.\.\([^()]*\?\s*\{\}\s*:|:\s*\{\}\s*\)/.test(fs.readFileSync(path.join(SRC, file), 'utf8')),
    );
    expect(spreads).toEqual([]);
  });

  test('a function takes at most three parameters and no boolean flag: more, or a flag, go in one named object', () => {
    const crowded: string[] = [];
    for (const file of graph.keys()) {
      const full = path.join(SRC, file);
      const source = ts.createSourceFile(full, fs.readFileSync(full, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node)) {
          const flags = node.parameters.filter(
            // A boolean default value (parseBoolean's fallback) is a value, not a switch.
            (p) => p.type?.getText() === 'boolean' && p.name.getText() !== 'fallback',
          );
          if (node.parameters.length > 3 || flags.length > 0) {
            const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
            crowded.push(`${file}:${line} ${node.name?.getText() ?? '(anonymous)'}`);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(crowded).toEqual([]);
  });

  test('no file over 300 lines; main.ts under 150', () => {
    const long = [...graph.keys()]
      .map((file) => ({ file, lines: fs.readFileSync(path.join(SRC, file), 'utf8').split('\n').length - 1 }))
      .filter(({ file, lines }) => lines > 300 || (file === 'main.ts' && lines >= 150));
    expect(long).toEqual([]);
  });
});

describe('the rule itself catches what it should', () => {
  test.each([
    ['inputs/config.ts', 'aws/sts.ts'],
    ['inputs/plan.ts', 'runner/protocol.ts'],
    ['aws/gate.ts', 'runner/summary.ts'],
    ['runner/exports.ts', 'profile/profile.ts'],
    ['main.ts', 'index.ts'],
    ['names.ts', 'inputs/config.ts'],
    ['aws/explain.ts', 'aws/iam.ts'],
    ['main.ts', 'cli/program.ts'],
    ['index.ts', 'cli/program.ts'],
    ['runner/summary.ts', 'cli/report.ts'],
    ['cli/program.ts', 'cli.ts'],
    ['profile/profile.ts', 'refresh/store.ts'],
    ['refresh/process.ts', 'index.ts'],
  ])('%s -> %s is refused', (from, to) => {
    expect(wrongWay(from, to)).toBeDefined();
  });

  test.each([
    ['main.ts', 'aws/obtain.ts'],
    ['aws/obtain.ts', 'inputs/config.ts'],
    ['aws/obtain.ts', 'aws/role.ts'],
    ['runner/exports.ts', 'names.ts'],
    ['cleanup.ts', 'restore.ts'],
    ['aws/explain.ts', 'aws/arn.ts'],
    ['cli.ts', 'cli/program.ts'],
    ['cli/program.ts', 'main.ts'],
    ['cli/report.ts', 'runner/summary.ts'],
    ['cli/program.ts', 'cli/report.ts'],
    ['main.ts', 'refresh/setup.ts'],
    ['refresh/renew.ts', 'aws/obtain.ts'],
    ['refresh/setup.ts', 'restore.ts'],
  ])('%s -> %s is allowed', (from, to) => {
    expect(wrongWay(from, to)).toBeUndefined();
  });

  test('a circle is found, and a tree has none', () => {
    const circle = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(findCircle(circle)).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts']);
    expect(
      findCircle(
        new Map([
          ['a.ts', ['b.ts', 'c.ts']],
          ['b.ts', ['c.ts']],
          ['c.ts', []],
        ]),
      ),
    ).toBeUndefined();
  });

  test('import lines of every form are read, type-only and dynamic ones included', () => {
    const text = [
      "import type { A } from './a';",
      "import {\n  B,\n  type C,\n} from '../inputs/b';",
      "export { D } from './d';",
      "const e = await import('./e');",
      "import * as fs from 'node:fs';",
    ].join('\n');
    expect(importsOf(path.join(SRC, 'aws', 'x.ts'), text)).toEqual([
      'aws/a.ts',
      'inputs/b.ts',
      'aws/d.ts',
      'aws/e.ts',
    ]);
  });
});
