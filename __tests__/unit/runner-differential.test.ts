/**
 * WorkflowRunner (src/runner/protocol.ts) against @actions/core 3.x, the library it stands in for to keep
 * undici off the start-up path. The same calls go through both, and what is compared is what the runner
 * would read: the GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE files parsed as the runner parses them
 * (name -> value), the job summary's lines, stdout read as the runner reads it (commands with their
 * properties and unescaped messages, plain lines, stop-commands fences), the exit code, the exported
 * variables in the step's own environment, and inputs and state read back. Never raw bytes: heredoc
 * delimiters and stop tokens are random on both sides.
 *
 * A difference is a bug in WorkflowRunner unless its case says under `intended` why it is wanted.
 *
 * @actions/core is ESM-only (its package exports only an `import` condition): Jest's CommonJS runtime
 * cannot require it, and a real import() here would need Jest started with --experimental-vm-modules.
 * So its side runs in a child Node process (__tests__/harness/actions-core.mjs), which imports it as
 * any ES module and reports each run's stdout, files, exit code and environment.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Env } from '../../src/names';
import { WorkflowRunner } from '../../src/runner/protocol';
import { nodeBinary, parseFileCommand, readLines, readLog } from '../harness/runner';

type Call =
  | ['getInput' | 'getState', string]
  | ['setSecret' | 'appendSummary' | 'info' | 'debug' | 'warning' | 'setFailed', string]
  | ['exportVariable' | 'setOutput' | 'saveState', string, string]
  | ['group', string, string[]];

interface Run {
  /** Added to the step's environment (INPUT_*, STATE_*). */
  env?: Record<string, string>;
  /** GITHUB_* file variables left unset. */
  unset?: string[];
  calls: Call[];
}

interface Case extends Run {
  name: string;
  /** A wanted difference: why, and what WorkflowRunner's reading is, given @actions/core's. */
  intended?: { why: string; ours: (core: Reading) => Reading };
}

/** One run as it happened (the driver's RunResult). */
interface Raw {
  stdout: string;
  files: Record<string, string>;
  exitCode: number;
  processEnv: Record<string, string | null>;
  reads: string[];
  error: string | null;
}

type Entry =
  | { command: string; props: Record<string, string>; message: string }
  | { text: string }
  | { fence: true };

/** A run as the runner (and a later step) sees it. */
interface Reading {
  log: Entry[];
  env: Record<string, string>;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string[];
  exitCode: number;
  processEnv: Record<string, string | null>;
  reads: string[];
  threw: boolean;
}

const FILES = ['GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY'] as const;

/** Values with every character the protocols escape or split at, and some that they must not touch. */
const AWKWARD = [
  ['plain', 'eu-west-1'],
  ['multiline', 'line 1\nline 2\nline 3'],
  ['crlf', 'a\r\nb\rc'],
  ['specials', '100% a:b,c=d %25 %0A %3A <<EOF ::x:: ##[y]'],
  ['empty', ''],
  ['trailing-lf', 'x\n'],
  ['trailing-cr', 'x\r'],
  ['unicode', 'héllo ✓ 🙂 \u2028 \u00a0 日本'],
  ['delimiter-like', 'EOF\nghadelimiter_x\n'],
] as const;

const text = (line: string): Entry => ({ text: line });
const fenced = (lines: string[]): Entry[] => [{ fence: true }, ...lines.map(text), { fence: true }];

const LOOK_LIKE_COMMANDS = [
  '::add-mask::not-a-secret',
  '  ::warning title=a%3Ab::indented',
  '\u00a0::error::after a no-break space',
  'key ##[error]old form, mid-line',
  '::Add-Mask::any case',
  '::stop-commands::x',
];

const CASES: Case[] = [
  {
    name: 'masks',
    calls: [
      ['setSecret', 'AKIAIOSFODNN7EXAMPLE'],
      ['setSecret', 'multi\nline\r\nsecret'],
      ['setSecret', '50% of a:b,c'],
      ['setSecret', ' padded '],
      ['setSecret', '🙂 ✓'],
      ['setSecret', ''],
    ],
  },
  { name: 'outputs', calls: AWKWARD.map(([name, value]): Call => ['setOutput', name, value]) },
  {
    name: 'env',
    calls: [
      ...AWKWARD.map(([name, value]): Call => ['exportVariable', `V_${name.replace(/-/g, '_')}`, value]),
      ['exportVariable', 'V_plain', 'again'],
    ],
  },
  { name: 'state', calls: AWKWARD.map(([name, value]): Call => ['saveState', name, value]) },
  {
    name: 'summary',
    calls: [
      ['appendSummary', '### Title\n\n| a | b |\n|---|---|\n| 1 | 50% |\n'],
      ['appendSummary', '<b>✓</b> CR\r\nLF\nlone CR\rend'],
      ['appendSummary', 'no newline at the end'],
    ],
  },
  {
    name: 'warnings and debug',
    calls: [
      ['warning', '50% done: a,b'],
      ['warning', 'multi\nline\r\nwarning\r'],
      ['warning', '::add-mask::inside a message'],
      ['warning', 'literal %0A %25 %3A'],
      ['debug', 'debug: ::x:: 100%'],
      ['debug', 'a\nb'],
      ['debug', ''],
    ],
  },
  {
    name: 'groups',
    calls: [
      ['group', 'Title: 50%, a,b', ['line 1', 'line: two, 100%', 'unicode ✓']],
      ['group', 'multi\nline title', []],
    ],
  },
  { name: 'failure', calls: [['setFailed', 'failed: 50% a,b\nsecond line\r\nthird']] },
  {
    name: 'plain log lines',
    calls: [
      ['info', 'hello: 50% a,b'],
      ['info', 'a\nb\r\nc\rd'],
      ['info', ''],
      ['info', 'ends with LF\n'],
      ['info', 'ends with CR\r'],
      ['info', 'ends with CRLF\r\n'],
      ['info', 'unicode ✓ 🙂 日本 \u2028 é'],
      ['info', 'tab\tinside'],
      ['info', 'has :: in the middle, and # [x]'],
    ],
  },
  {
    name: 'inputs and state read back',
    env: {
      'INPUT_ROLE-TO-ASSUME': '  arn:aws:iam::123456789012:role/deploy \n',
      INPUT_A_B: 'x',
      STATE_token: 'v\nw',
    },
    calls: [
      ['getInput', 'role-to-assume'],
      ['getInput', 'a b'],
      ['getInput', 'missing'],
      ['getState', 'token'],
      ['getState', 'nothing'],
    ],
  },
  {
    name: 'log lines that look like commands',
    calls: [['info', LOOK_LIKE_COMMANDS.join('\n')]],
    intended: {
      why:
        'info() prints text others chose (S3 keys, AWS messages). @actions/core writes it as it is, so the ' +
        'runner would act on these lines (a mask, annotations, stopping commands for the rest of the step); ' +
        'WorkflowRunner prints them between ::stop-commands:: and its token, as text.',
      ours: (core) => ({ ...core, log: fenced(LOOK_LIKE_COMMANDS) }),
    },
  },
  {
    name: 'group lines that look like commands',
    calls: [['group', '3 objects', ['site/a.html', '::error::pwned', 'b\r::add-mask::eu-west-1']]],
    intended: {
      why: 'the same for the lines of a group; a lone CR ends a line for the runner too',
      ours: (core) => ({
        ...core,
        log: [
          { command: 'group', props: {}, message: '3 objects' },
          ...fenced(['site/a.html', '::error::pwned', 'b', '::add-mask::eu-west-1']),
          { command: 'endgroup', props: {}, message: '' },
        ],
      }),
    },
  },
  {
    name: 'control characters in log lines',
    calls: [
      ['info', 'bell\u0007 esc\u001b[31mred\u001b[0m del\u007f csi\u009b'],
      ['info', '\u0085::notice::after a NEL'],
    ],
    intended: {
      why:
        'WorkflowRunner shows control characters as \\xNN: an escape sequence in a key cannot recolour or ' +
        'hide log text, and a NEL (white space to .NET, so to the runner) cannot start a command',
      ours: (core) => ({
        ...core,
        log: [
          text('bell\\x07 esc\\x1b[31mred\\x1b[0m del\\x7f csi\\x9b'),
          text('\\x85::notice::after a NEL'),
        ],
      }),
    },
  },
  {
    name: 'an output outside a job step (no GITHUB_OUTPUT)',
    unset: ['GITHUB_OUTPUT'],
    calls: [['setOutput', 'x', 'v']],
    intended: {
      why:
        'the runner always names the files; WorkflowRunner refuses to run without them instead of falling ' +
        'back, as @actions/core does, to the ::set-output:: command GitHub deprecated',
      ours: (core) => ({ ...core, log: [], threw: true }),
    },
  },
];

/** Every case without a wanted difference, as one run: the calls must also add up in order. */
const SEQUENCE: Run = {
  env: Object.assign({}, ...CASES.map((c) => (c.intended ? {} : c.env))),
  calls: CASES.flatMap((c) => (c.intended ? [] : c.calls)),
};

function read(raw: Raw): Reading {
  return {
    log: readLog(raw.stdout).map(({ kind, raw: line, name = '', props = {}, message = '' }): Entry => {
      if (kind === 'command') return { command: name, props, message };
      return kind === 'fence' ? { fence: true } : text(line);
    }),
    env: parseFileCommand(raw.files.GITHUB_ENV ?? ''),
    outputs: parseFileCommand(raw.files.GITHUB_OUTPUT ?? ''),
    state: parseFileCommand(raw.files.GITHUB_STATE ?? ''),
    summary: readLines(raw.files.GITHUB_STEP_SUMMARY ?? ''),
    exitCode: raw.exitCode,
    processEnv: raw.processEnv,
    reads: raw.reads,
    threw: raw.error !== null,
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-differential-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The calls through WorkflowRunner, printing to this process's stdout (captured) as it does in a step. */
function runOurs(run: Run, id: string): Raw {
  const files = Object.fromEntries(FILES.map((name) => [name, path.join(dir, `ours-${id}-${name}`)]));
  for (const file of Object.values(files)) fs.writeFileSync(file, '');
  const env: Env = { ...files, ...run.env };
  for (const name of run.unset ?? []) delete env[name];
  const runner = new WorkflowRunner(env);
  const reads: string[] = [];
  let error: string | null = null;
  let stdout = '';
  const exitCodeBefore = process.exitCode;
  process.exitCode = undefined;
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof write;
  try {
    for (const call of run.calls) {
      if (call[0] === 'getInput' || call[0] === 'getState') reads.push(runner[call[0]](call[1]));
      else if (call[0] === 'group') runner.group(call[1], call[2]);
      else if (call.length === 3) runner[call[0]](call[1], call[2]);
      else runner[call[0]](call[1]);
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    process.stdout.write = write;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = exitCodeBefore;
  const exported = run.calls.flatMap((call) => (call[0] === 'exportVariable' ? [call[1]] : []));
  const processEnv = Object.fromEntries(exported.map((name) => [name, env[name] ?? null]));
  const texts = Object.fromEntries(FILES.map((name) => [name, fs.readFileSync(files[name] ?? '', 'utf8')]));
  return { stdout, files: texts, exitCode, processEnv, reads, error };
}

/** The calls through @actions/core, every run in one child process (see the header). */
function runCore(runs: Run[]): Raw[] {
  const files = Object.fromEntries(FILES.map((name) => [name, path.join(dir, `core-${name}`)]));
  const spec = path.join(dir, 'spec.json');
  const report = path.join(dir, 'report.json');
  const specRuns = runs.map((run) => ({ env: run.env ?? {}, unset: run.unset ?? [], calls: run.calls }));
  fs.writeFileSync(spec, JSON.stringify({ files, runs: specRuns }));
  const driver = path.join(__dirname, '..', 'harness', 'actions-core.mjs');
  execFileSync(nodeBinary(), [driver, spec, report], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 30_000,
  });
  return JSON.parse(fs.readFileSync(report, 'utf8'));
}

let core: Raw[] = [];
beforeAll(() => {
  core = runCore([...CASES, SEQUENCE]);
});

describe.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
  if (!c.intended) {
    test('reads the same through WorkflowRunner as through @actions/core', () => {
      const theirs = read(core[i] as Raw);
      expect(theirs.threw).toBe(false);
      expect(read(runOurs(c, String(i)))).toEqual(theirs);
    });
  } else {
    const { why, ours } = c.intended;
    test(`differs as intended: ${why}`, () => {
      const theirs = read(core[i] as Raw);
      const mine = read(runOurs(c, String(i)));
      expect(mine).toEqual(ours(theirs));
      expect(mine).not.toEqual(theirs); // else the case is no longer a difference: drop `intended`
    });
  }
});

test('every case without a wanted difference, in one run, reads the same', () => {
  const theirs = read(core[CASES.length] as Raw);
  // The run is what it claims to be: @actions/core's log in one run is the cases' logs end to end.
  expect(theirs.log).toEqual(CASES.flatMap((c, i) => (c.intended ? [] : read(core[i] as Raw).log)));
  expect(read(runOurs(SEQUENCE, 'sequence'))).toEqual(theirs);
});
