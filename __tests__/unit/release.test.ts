/**
 * The release process: CHANGELOG.md's form, and .github/workflows/release.yml read as the runner would
 * run it. Its shell steps that need no network are run here, with bash as the runner runs them
 * (`bash --noprofile --norc -eo pipefail`), on fixture changelogs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';

const ROOT = path.join(__dirname, '..', '..');
const workflow = YAML.parse(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8'));
const changelog = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}

const stepsOf = (job: string): Step[] => workflow.jobs[job].steps;
const stepNamed = (job: string, name: string): Step => {
  const step = stepsOf(job).find((s) => s.name === name);
  if (!step) throw new Error(`release.yml: no step '${name}' in job ${job}`);
  return step;
};

/** GitHub's filter patterns: `[…]` a class, `+` one or more of what is before it, anything else literal. */
function filterPattern(pattern: string): RegExp {
  const source = pattern.replace(/[.^$(){}|\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${source}$`);
}

/** Runs a step's script as the runner does, in a directory holding `files`. */
function runStep(step: Step, files: Record<string, string>, env: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-'));
  const temp = path.join(dir, 'runner-temp');
  fs.mkdirSync(temp);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  try {
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run ?? ''], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RUNNER_TEMP: temp, ...env },
      encoding: 'utf8',
    });
    const notes = path.join(temp, 'notes.md');
    return {
      status: result.status,
      stdout: result.stdout,
      notes: fs.existsSync(notes) ? fs.readFileSync(notes, 'utf8') : undefined,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const FIXTURE = [
  '# Changelog',
  '',
  '## [Unreleased]',
  '',
  '- Not yet.',
  '',
  '## [1.2.0] - 2027-01-15',
  '',
  '### Added',
  '',
  '- `verify-access`.',
  '',
  '## [1.0.0] - 2026-12-20',
  '',
  '### Added',
  '',
  '- The first release.',
  '',
  '[unreleased]: https://github.com/OWNER/aws-credentials-gate/compare/v1.2.0...HEAD',
  '[1.2.0]: https://github.com/OWNER/aws-credentials-gate/compare/v1.0.0...v1.2.0',
  '[1.0.0]: https://github.com/OWNER/aws-credentials-gate/releases/tag/v1.0.0',
  '',
].join('\n');

describe('CHANGELOG.md', () => {
  test('is a Keep a Changelog file: a title, an Unreleased section, then versions with dates, newest first', () => {
    const headings = changelog.split('\n').filter((line) => line.startsWith('## '));
    expect(changelog.startsWith('# Changelog\n')).toBe(true);
    expect(headings[0]).toBe('## [Unreleased]');
    const versions = headings.slice(1).map((heading) => {
      const match = /^## \[(\d+)\.(\d+)\.(\d+)\] - \d{4}-\d{2}-\d{2}$/.exec(heading);
      if (!match) throw new Error(`CHANGELOG.md: heading '${heading}' is not '## [X.Y.Z] - YYYY-MM-DD'`);
      return match.slice(1).map(Number);
    });
    const keys = versions.map(([major = 0, minor = 0, patch = 0]) => major * 1e6 + minor * 1e3 + patch);
    expect(keys).toEqual([...keys].sort((a, b) => b - a));
  });
});

describe('.github/workflows/release.yml', () => {
  test('runs on tags vX.Y.Z and no others', () => {
    const patterns = (workflow.on.push.tags as string[]).map(filterPattern);
    const matched = (tag: string) => patterns.some((p) => p.test(tag));
    expect(['v1.0.0', 'v12.3.45'].filter((tag) => !matched(tag))).toEqual([]);
    expect(['v1', 'v1.2', 'v1.2.3-rc.1', '1.2.3', 'release'].filter(matched)).toEqual([]);
    expect(workflow.on.push.branches).toBeUndefined();
  });

  test('releases only after the checks: dist/ fresh and npm test, in a job the release needs', () => {
    const runs = stepsOf('verify').map((s) => s.run ?? '');
    expect(
      runs.some((run) => run.includes('npm run build') && run.includes('git status --porcelain -- dist')),
    ).toBe(true);
    expect(runs).toContain('npm test');
    expect(workflow.jobs.release.needs).toBe('verify');
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.release.permissions).toEqual({
      contents: 'write',
      'id-token': 'write',
      attestations: 'write',
    });
  });

  test('attests every JavaScript file of dist/', () => {
    const attest = stepsOf('release').find((s) => s.uses?.startsWith('actions/attest-build-provenance@'));
    const globs = (attest?.with?.['subject-path'] ?? '').split('\n').filter(Boolean);
    const matching = (glob: string) => {
      const dir = path.dirname(glob);
      const name = filterPattern(path.basename(glob));
      return fs
        .readdirSync(path.join(ROOT, dir))
        .filter((file) => name.test(file))
        .map((file) => `${dir}/${file}`);
    };
    const attested = globs.flatMap(matching).sort();
    const built = ['main', 'post']
      .flatMap((entry) =>
        fs.readdirSync(path.join(ROOT, 'dist', entry)).map((file) => `dist/${entry}/${file}`),
      )
      .filter((file) => file.endsWith('.js'))
      .sort();
    expect(attested).toEqual(built);
    expect(attested).toEqual(expect.arrayContaining(['dist/main/index.js', 'dist/post/index.js']));
  });

  describe('the release notes step', () => {
    const step = stepNamed('release', 'Release notes from CHANGELOG.md');

    test.each([
      ['a version between two others', 'v1.2.0', '### Added\n\n- `verify-access`.'],
      ['the oldest version, before the link definitions', 'v1.0.0', '### Added\n\n- The first release.'],
    ])('takes the section of %s', (_case, tag, notes) => {
      const result = runStep(step, { 'CHANGELOG.md': FIXTURE }, { TAG: tag });
      expect(result.status).toBe(0);
      expect(result.notes?.trim()).toBe(notes);
    });

    test('fails with an ::error:: when the version has no section', () => {
      const result = runStep(step, { 'CHANGELOG.md': FIXTURE }, { TAG: 'v1.1.0' });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('::error::The CHANGELOG.md section for 1.1.0 is empty.');
    });
  });

  test('moves the major tag of the release: v1 for v1.2.3', () => {
    const step = stepNamed('release', 'Move the major tag to this release');
    const fakeGit = 'git() { echo "git $*"; }\n';
    const result = runStep(
      { run: fakeGit + (step.run ?? '') },
      {},
      { TAG: 'v1.2.3', GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567' },
    );
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'git tag --force v1 0123456789abcdef0123456789abcdef01234567',
      'git push --force origin refs/tags/v1',
    ]);
  });
});
