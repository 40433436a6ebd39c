/**
 * A later step of a job, for the refresh-credentials tests: the environment the runner gives it (every step's
 * variables plus what GITHUB_ENV set), a working directory of its own, and the AWS tools it runs there — the
 * aws-cli, boto3 and the AWS SDK for JavaScript v3 — each using the profile through AWS_PROFILE alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeBinary, prepareStep, ROOT, runChild } from '../harness/runner';

export const BUCKET = 'refresh-bucket';

/** What a later `run:` step sees: the runner's variables, the job's env as GITHUB_ENV left it, and `more`. */
export function laterStepEnv(
  job: { dir: string; visibleEnv(): Record<string, string | undefined> },
  more: Record<string, string | undefined> = {},
): Record<string, string> {
  const { env } = prepareStep(job.dir, { env: { ...job.visibleEnv(), ...more } });
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('INPUT_')));
}

/** A working directory of the later step's own, away from the workspace. */
export function elsewhere(jobDir: string): string {
  const dir = path.join(jobDir, 'elsewhere');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Seen {
  arn: string;
  keys: string[];
}

/** How a tool ran, for a failed expectation. */
export function shown(run: ToolRun): string {
  return `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
}

/** The aws-cli: `sts get-caller-identity` and `s3api list-objects-v2`, against moto. */
export async function awsCli(endpoint: string, env: Record<string, string>, cwd: string): Promise<ToolRun> {
  const cli = (args: string[]) =>
    runChild('aws', [...args, '--endpoint-url', endpoint, '--output', 'json'], {
      env,
      cwd,
      timeoutMs: 90_000,
    });
  const identity = await cli(['sts', 'get-caller-identity']);
  if (identity.code !== 0) return identity;
  const listing = await cli(['s3api', 'list-objects-v2', '--bucket', BUCKET]);
  if (listing.code !== 0) return listing;
  const seen: Seen = {
    arn: JSON.parse(identity.stdout).Arn,
    keys: (JSON.parse(listing.stdout).Contents ?? []).map((o: { Key: string }) => o.Key),
  };
  return { ...listing, stdout: JSON.stringify(seen) };
}

const BOTO3 = `
import json, sys, boto3
session = boto3.Session()
sts = session.client("sts", endpoint_url=sys.argv[1])
s3 = session.client("s3", endpoint_url=sys.argv[1])
arn = sts.get_caller_identity()["Arn"]
keys = [o["Key"] for o in s3.list_objects_v2(Bucket=sys.argv[2]).get("Contents", [])]
print(json.dumps({"arn": arn, "keys": keys}))
`;

/** boto3: GetCallerIdentity and ListObjectsV2, against moto. */
export function boto3(endpoint: string, env: Record<string, string>, cwd: string): Promise<ToolRun> {
  return runChild('python3', ['-c', BOTO3, endpoint, BUCKET], { env, cwd, timeoutMs: 90_000 });
}

const JS_SDK = `
const [sts, s3] = ['client-sts', 'client-s3'].map((name) => require(process.argv[1] + '/node_modules/@aws-sdk/' + name));
const endpoint = process.argv[2];
(async () => {
  const identity = await new sts.STSClient({ endpoint }).send(new sts.GetCallerIdentityCommand({}));
  const listing = await new s3.S3Client({ endpoint, forcePathStyle: true }).send(
    new s3.ListObjectsV2Command({ Bucket: process.argv[3] }),
  );
  console.log(JSON.stringify({ arn: identity.Arn, keys: (listing.Contents ?? []).map((o) => o.Key) }));
})().catch((error) => { console.error(error.message); process.exit(1); });
`;

/** The AWS SDK for JavaScript v3: GetCallerIdentity and ListObjectsV2, against moto, on Node 24. */
export function jsSdk(endpoint: string, env: Record<string, string>, cwd: string): Promise<ToolRun> {
  return runChild(nodeBinary(), ['-e', JS_SDK, ROOT, endpoint, BUCKET], { env, cwd, timeoutMs: 90_000 });
}

const JS_PROCESS_PROVIDER = `
const { fromProcess } = require(process.argv[1] + '/node_modules/@aws-sdk/credential-provider-process');
fromProcess({ profile: process.env.AWS_PROFILE })().then(
  (credentials) => console.log(JSON.stringify({ accessKeyId: credentials.accessKeyId })),
  (error) => { console.error(error.message); process.exit(1); },
);
`;

/** The AWS SDK for JavaScript v3's credential_process provider on its own (fromProcess), on Node 24. */
export function jsProcessProvider(
  _endpoint: string,
  env: Record<string, string>,
  cwd: string,
): Promise<ToolRun> {
  return runChild(nodeBinary(), ['-e', JS_PROCESS_PROVIDER, ROOT], { env, cwd, timeoutMs: 90_000 });
}

/** The profile's credential_process line, as the config file holds it. */
export function credentialProcessLine(configFile: string, profile: string): string {
  const text = fs.readFileSync(configFile, 'utf8');
  const section = text.split(/^\[/m).find((part) => part.startsWith(`profile ${profile}]`)) ?? '';
  return /^credential_process = (.*)$/m.exec(section)?.[1] ?? '';
}

/**
 * Runs the profile's credential_process as botocore does: its line split as a POSIX shell splits it (by
 * /bin/sh here, which is what the AWS SDK for JavaScript runs it with), in `env`.
 */
export function runCredentialProcess(
  line: string,
  env: Record<string, string>,
  cwd: string,
): Promise<ToolRun> {
  return runChild('/bin/sh', ['-c', line], { env, cwd, timeoutMs: 90_000 });
}

/** The store directory under RUNNER_TEMP that the main step made. */
export function storeDir(runnerTemp: string): string {
  const found = fs.readdirSync(runnerTemp).filter((name) => name.startsWith('aws-credentials-gate-refresh-'));
  if (found.length !== 1) throw new Error(`expected one store in ${runnerTemp}, found ${found.join(', ')}`);
  return path.join(runnerTemp, found[0] ?? '');
}
