/**
 * What the command line prints, from the step's outcome: the plain report (never a secret: each line is
 * printed through CliRunner.line, which hides every registered one), and — only when asked — the
 * credentials as POSIX shell exports or a command's environment (credential_process JSON is
 * refresh/store.ts's, the same the credential process of refresh-credentials prints). Pure.
 */
import type { Plan } from '../inputs/plan';
import { Access, type BucketResult, type Env, ExportedEnv, StsOperation } from '../names';
import { type Assignment, credentialVariables } from '../runner/exports';
import { describeExpiry, formatSize, type Outcome, reportOf } from '../runner/summary';

/** The report: who the credentials are, how they were obtained, until when, and the bucket check. */
export function renderReport(outcome: Outcome, { debug, now }: { debug: boolean; now: Date }): string[] {
  const report = reportOf(outcome);
  const { config, plan } = outcome;
  const expires =
    report.expiration === undefined
      ? 'never (long-term keys)'
      : report.expiration === 'unknown'
        ? 'unknown'
        : describeExpiry(report.expiration, now);
  const rows: [string, string | undefined][] = [
    ['Identity', report.identityArn],
    ['Account', report.accountId],
    ['Operation', report.operation],
    ['Signed by', debug ? signerOf(plan) : undefined],
    ['Region', report.region],
    ['Session', report.sessionName],
    ['Source identity', report.sourceIdentity],
    ['Expires', expires],
    ['STS endpoint', debug ? config.stsEndpoint : undefined],
  ];
  const gate = report.gate;
  for (const bucket of gate?.buckets ?? [])
    rows.push(['Bucket', `s3://${bucket.bucket}/${bucket.prefix} ${bucketVerdict(bucket)}`]);
  if (gate !== undefined) rows.push(['S3 endpoint', debug ? config.s3Endpoint : undefined]);
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined);
  const width = Math.max(...shown.map(([label]) => label.length)) + 3;
  const lines = shown.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
  for (const bucket of gate?.buckets ?? []) {
    for (const o of bucket.objects)
      lines.push(`${o.key} => ${o.etag}${debug ? ` (${formatSize(o.size)})` : ''}`);
    if (bucket.truncated)
      lines.push(
        `(more keys exist: these are the first ${gate?.maxKeys}; --verify-max-keys lists up to 1000)`,
      );
  }
  return lines;
}

/** A bucket's checks in a few words: "accessible: 2 objects listed, read proved", "not accessible: write failed". */
function bucketVerdict(bucket: BucketResult): string {
  const count = bucket.objects.length;
  const said = bucket.checks.map((check) => {
    if (check.proved === false) return `${check.access} failed`;
    if (check.proved === null) return `${check.access} could not be proved`;
    return check.access === Access.List
      ? `${count} object${count === 1 ? '' : 's'} listed`
      : `${check.access} proved`;
  });
  const state = bucket.checks.some((check) => check.proved === false)
    ? 'not accessible'
    : bucket.checks.some((check) => check.proved === null)
      ? 'not proved'
      : 'accessible';
  return `${state}: ${said.join(', ')}`;
}

/** What signed the request that obtained the credentials, as the plan says (-d). */
function signerOf(plan: Plan | undefined): string {
  const chain = "the AWS SDK's default chain (AWS_* variables, AWS_PROFILE, ~/.aws, SSO, web identity)";
  if (plan === undefined) return 'the credentials already in the environment (use-existing-credentials)';
  switch (plan.kind) {
    case StsOperation.AssumeRole:
      if (plan.signer === undefined) return chain;
      if (plan.signer.from === 'profile')
        return `profile ${plan.signer.profile} (AWS_PROFILE, role chaining)`;
      return plan.signer.from === 'inputs' ? '--aws-access-key-id' : 'AWS_ACCESS_KEY_ID (role chaining)';
    case StsOperation.AssumeRoleWithWebIdentity:
      return plan.token.kind === 'file' ? `the token in ${plan.token.path}` : 'a GitHub OIDC token';
    case 'static-keys':
      return '--aws-access-key-id (the keys themselves)';
    default:
      return plan.signer === undefined ? chain : '--aws-access-key-id';
  }
}

/**
 * The variables that carry the credentials, as the action exports them; a value left from before that
 * would not belong to them is to go (undefined). Credentials kept from the environment
 * (use-existing-credentials) leave what is not theirs as it is. AWS_PROFILE goes too, when set: the AWS
 * SDK for JavaScript would prefer the profile it names to these variables.
 */
export function handedVariables(outcome: Outcome, env: Env): Assignment[] {
  const variables = credentialVariables(outcome.config, outcome.issued).filter(
    ([, value]) => outcome.fresh || value !== undefined,
  );
  const profile: Assignment[] = env[ExportedEnv.Profile] ? [[ExportedEnv.Profile, undefined]] : [];
  return [...profile, ...variables];
}

/** A value as one POSIX shell word: single-quoted, a quote inside as '\''. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME='value'` lines (and `unset NAME` for a variable that is to go), for `eval` in a POSIX shell. */
export function exportLines(variables: Assignment[]): string {
  const lines = variables.map(([name, value]) =>
    value === undefined ? `unset ${name}` : `export ${name}=${shellQuote(value)}`,
  );
  return `${lines.join('\n')}\n`;
}

/** The environment a command runs with: this one, with the credentials' variables set (or removed). */
export function commandEnv(env: Env, variables: Assignment[]): Env {
  const result: Env = { ...env };
  for (const [name, value] of variables) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}
