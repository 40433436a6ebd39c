import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { command, escapeData, fileCommand, WorkflowRunner } from '../../src/runner/protocol';
import { parseCommands, parseFileCommand } from '../harness/runner';

test.each([
  ['plain', 'plain'],
  ['100%', '100%25'],
  ['a\nb', 'a%0Ab'],
  ['a\r\nb', 'a%0D%0Ab'],
])('escapeData(%j)', (raw, escaped) => {
  expect(escapeData(raw)).toBe(escaped);
});

test('a command round-trips through the runner-side parser', () => {
  const message = 'multi\nline 50% done';
  const [parsed] = parseCommands(command('warning', message));
  expect(parsed).toMatchObject({ name: 'warning', message });
});

test('a file command round-trips, and a value holding the delimiter is refused', () => {
  const text = fileCommand('NAME', 'line 1\nline 2', 'DELIM');
  expect(text).toBe(`NAME<<DELIM${os.EOL}line 1\nline 2${os.EOL}DELIM${os.EOL}`);
  expect(parseFileCommand(fileCommand('A', 'x=y\nz'))).toEqual({ A: 'x=y\nz' });
  expect(() => fileCommand('NAME', 'has DELIM inside', 'DELIM')).toThrow('contains the delimiter');
});

describe('Runner', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-unit-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function make(extra: Record<string, string> = {}) {
    const lines: string[] = [];
    const env: Record<string, string | undefined> = {
      GITHUB_ENV: path.join(dir, 'env'),
      GITHUB_OUTPUT: path.join(dir, 'out'),
      ...extra,
    };
    for (const f of ['env', 'out']) fs.writeFileSync(path.join(dir, f), '');
    return { runner: new WorkflowRunner(env, (line) => lines.push(line)), lines, env };
  }

  test('inputs are read as the runner names them, trimmed', () => {
    const { runner } = make({ 'INPUT_ROLE-TO-ASSUME': '  arn \n', INPUT_A_B: 'x' });
    expect(runner.getInput('role-to-assume')).toBe('arn');
    expect(runner.getInput('a b')).toBe('x');
    expect(runner.getInput('missing')).toBe('');
  });

  test('exports reach the file and this process env', () => {
    const { runner, env } = make();
    runner.exportVariable('AWS_REGION', 'eu-west-1');
    expect(env.AWS_REGION).toBe('eu-west-1');
    expect(parseFileCommand(fs.readFileSync(path.join(dir, 'env'), 'utf8'))).toEqual({
      AWS_REGION: 'eu-west-1',
    });
  });

  test('a missing GITHUB_* file is a clear error', () => {
    const runner = new WorkflowRunner({}, () => {});
    expect(() => runner.saveState('x', 'y')).toThrow('GITHUB_STATE is not set');
  });

  test('ordinary log text is written as it is', () => {
    const { runner, lines } = make();
    runner.info('Credentials for arn:aws:sts::123456789012:assumed-role/deploy/x exported.');
    runner.group('2 objects', ['site/a.html => "e1"', 'site/b.css => "e2"']);
    expect(lines).toEqual([
      'Credentials for arn:aws:sts::123456789012:assumed-role/deploy/x exported.',
      '::group::2 objects',
      'site/a.html => "e1"',
      'site/b.css => "e2"',
      '::endgroup::',
    ]);
  });

  test('log text that others chose can never run as a command', () => {
    const { runner, lines } = make();
    const keys = [
      '::error title=x::pwned',
      'a\n  ::add-mask::eu-west-1',
      'b\r::stop-commands::t',
      'bell\u0007',
      '\u0085::warning::after a NEL',
      'k ##[add-mask]eu-west-1',
    ];
    runner.group('6 objects', keys);
    runner.info('::warning::from a message');
    const stdout = lines.join('\n');
    // The runner sees only the group: no error, mask, warning, or stop that outlives its block.
    expect(parseCommands(stdout).map((c) => c.name)).toEqual(['group', 'endgroup']);
    const start = lines.indexOf('::group::6 objects') + 1;
    const token = /^::stop-commands::(.+)$/.exec(lines[start] ?? '')?.[1] ?? '';
    expect(token).not.toBe('');
    expect(lines.slice(start + 1, start + 9)).toEqual([
      '::error title=x::pwned',
      'a',
      '  ::add-mask::eu-west-1',
      'b',
      '::stop-commands::t',
      'bell\\x07',
      '\\x85::warning::after a NEL',
      'k ##[add-mask]eu-west-1',
    ]);
    expect(lines[start + 9]).toBe(`::${token}::`);
    expect(lines.at(-1)).toMatch(/^::log_\w+::$/);
  });

  // The runner matches the stop token in any case, by .NET's OrdinalIgnoreCase (which upper-cases ı to I),
  // and in either command form. The first token drawn here is log_ii.
  test.each(['::LOG_II::', 'x ##[log_ıı]'])(
    'a line holding the stop token as %j cannot end the fence',
    (key) => {
      const random = jest.spyOn(Math, 'random').mockReturnValueOnce(0.5).mockReturnValueOnce(0.5);
      try {
        const { runner, lines } = make();
        runner.group('keys', [key, '::add-mask::eu-west-1']);
        expect(random).toHaveBeenCalled();
        expect(lines[1]).toMatch(/^::stop-commands::log_\w+$/);
        expect(parseCommands(lines.join('\n')).map((c) => c.name)).toEqual(['group', 'endgroup']);
      } finally {
        random.mockRestore();
      }
    },
  );

  test('once sealed, nothing more is written or exported', () => {
    const { runner, lines, env } = make();
    runner.info('before');
    runner.seal();
    runner.info('after');
    runner.setOutput('late', 'x');
    runner.exportVariable('AWS_SESSION_TOKEN', 'late');
    expect(lines).toEqual(['before']);
    expect(fs.readFileSync(path.join(dir, 'out'), 'utf8')).toBe('');
    expect(fs.readFileSync(path.join(dir, 'env'), 'utf8')).toBe('');
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
  });

  test('setFailed prints one ::error:: and sets the exit code', () => {
    const { runner, lines } = make();
    const before = process.exitCode;
    runner.setFailed('bad\nthing');
    expect(lines).toEqual(['::error::bad%0Athing']);
    expect(process.exitCode).toBe(1);
    process.exitCode = before;
  });
});
