/**
 * dist/ must be what `npm run build` makes from src/: rebuild in a scratch copy and compare.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function files(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(prefix, entry.name);
    return entry.isDirectory() ? files(path.join(dir, entry.name), rel) : [rel];
  });
}

test('rebuilding dist/ from src/ changes nothing', () => {
  const built = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-dist-'));
  try {
    // Built from this checkout (module ids depend on the paths), into a scratch output directory.
    execFileSync('npm', ['run', '--silent', 'build'], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, DIST: built },
    });
    const committed = path.join(ROOT, 'dist');
    expect(files(committed).sort()).toEqual(files(built).sort());
    const stale = files(built).filter(
      (file) => !fs.readFileSync(path.join(built, file)).equals(fs.readFileSync(path.join(committed, file))),
    );
    if (stale.length > 0) {
      throw new Error(`dist/ is stale (${stale.join(', ')}): run \`npm run build\` and commit dist/`);
    }
  } finally {
    fs.rmSync(built, { recursive: true, force: true });
  }
}, 180_000);

/** Bytes of JavaScript under dist/<bundle>/. */
function jsBytes(bundle: string): number {
  const dir = path.join(ROOT, 'dist', bundle);
  const js = files(dir).filter((file) => file.endsWith('.js'));
  return js.reduce((sum, file) => sum + fs.statSync(path.join(dir, file)).size, 0);
}

test("the action's JavaScript (main and post) stays within the 1.9 MB budget, and the post step loads no AWS SDK", () => {
  const dist = path.join(ROOT, 'dist');
  expect(jsBytes('main') + jsBytes('post')).toBeLessThanOrEqual(1_900_000);
  const post = fs.readFileSync(path.join(dist, 'post', 'index.js'), 'utf8');
  // The post step's start-up is what matters (npm run bench: post ratio); the bytes are its proxy. It grew
  // from 14 KB to 24 KB with the lock and claims on the shared AWS files and the AWS_PROFILE stand-in.
  expect(post.length).toBeLessThan(30_000);
  expect(post).not.toMatch(/node:https|smithy|aws-sdk/);
});

test('the main bundle keeps only the S3 operations the gate sends, not the whole S3 client', () => {
  // The S3 client's CommonJS entry is one 269 KB module, every operation's schema in it, that V8 compiles
  // as one function: 4 MB to parse it, and in about half the runs 3.6 MiB more peak RSS for the gate's
  // steps (see src/aws/s3-es.d.ts). Bundled from the SDK's ES modules, only what the gate uses is kept.
  const main = path.join(ROOT, 'dist', 'main');
  const js = files(main)
    .filter((file) => file.endsWith('.js'))
    .map((file) => fs.readFileSync(path.join(main, file), 'utf8'))
    .join('\n');
  const sent = [
    'ListObjectsV2',
    'GetObject',
    'HeadObject',
    'CreateMultipartUpload',
    'AbortMultipartUpload',
    'ListMultipartUploads',
  ];
  for (const operation of sent) expect(js).toContain(`"${operation}"`);
  const never = ['ListBuckets', 'DeleteObjects', 'RestoreObject', 'SelectObjectContent', 'PutBucketPolicy'];
  expect(never.filter((operation) => js.includes(operation))).toEqual([]);
});

test('the command line is one executable bundle of its own, within 1.4 MB, that the action never loads', () => {
  const entry = path.join(ROOT, 'dist', 'cli', 'index.js');
  expect(fs.readFileSync(entry, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  expect(fs.statSync(entry).mode & 0o111).not.toBe(0);
  expect(jsBytes('cli')).toBeLessThanOrEqual(1_400_000);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.bin).toEqual({ 'aws-credentials-gate': 'dist/cli/index.js' });
  const cliOnly = 'cannot be given together: choose one output';
  expect(fs.readFileSync(entry, 'utf8')).toContain(cliOnly);
  expect(fs.readFileSync(path.join(ROOT, 'dist', 'main', 'index.js'), 'utf8')).not.toContain(cliOnly);
});
