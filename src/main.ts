/**
 * The main step: read and check every input, get credentials, gate on bucket access, export them masked.
 * All side effects on the runner (masks, logs, env, outputs, state, summary, failure) happen in this file.
 */
import { type Config, getConfig, SECRET_INPUTS } from './config';
import { ExportedEnv, Output, State } from './constants';
import { describeError } from './errors';
import { type GateResult, verifyBucket } from './gate';
import { choosePlan, type Plan } from './plan';
import { Runner } from './runner';
import type { Issued } from './sts';
import { renderSummary } from './summary';

const core = new Runner();

export async function run(): Promise<void> {
  try {
    const read = (name: string) => core.getInput(name);
    mask(...SECRET_INPUTS.map(read));
    const config = getConfig(read, process.env);
    const plan = choosePlan(config, process.env);

    // The STS client is loaded only once the inputs are known to be good.
    const { obtain } = await import('./obtain');
    const group = (title: string, lines: string[]) => core.group(title, lines);
    const issued = await obtain(config, plan, { mask, fetchIdToken, group });
    mask(issued.credentials.accessKeyId, issued.credentials.secretAccessKey, issued.credentials.sessionToken);
    if (config.maskAccountId) mask(issued.identity.accountId);

    const gate = config.verify ? await verifyBucket(config, config.verify, issued) : undefined;
    const holds = gate !== undefined && !gate.ok && gate.check.required;
    if (gate?.ok) {
      const where = `s3://${gate.check.bucket}/${gate.check.prefix}`;
      core.group(
        `${gate.objects.length} objects listed in ${where}`,
        gate.objects.map((o) => `${o.key} => ${o.etag}`),
      );
    }
    if (!holds) exportCredentials(config, issued);
    if (gate) reportGate(gate, holds);
    if (config.jobSummary) writeSummary(config, plan, issued, gate, !holds);
    if (holds && gate && !gate.ok) throw new Error(gate.reason);
  } catch (error) {
    core.setFailed(describeError(error));
  }
}

/**
 * The one place secrets are masked: every value, and every line of a multi-line value, goes through
 * setSecret before anything prints or exports it.
 */
function mask(...secrets: (string | undefined)[]): void {
  for (const secret of secrets) {
    if (!secret) continue;
    core.setSecret(secret);
    const lines = secret.split(/\r?\n/).filter((line) => line.trim() !== '' && line !== secret);
    for (const line of lines) core.setSecret(line);
  }
}

/** GitHub's OIDC token, through @actions/core, loaded only on this path. */
async function fetchIdToken(audience: string): Promise<string> {
  const actions = await import('@actions/core');
  return actions.getIDToken(audience);
}

/** Exports the (already masked) credentials to later steps and sets the outputs. */
function exportCredentials(config: Config, { credentials, identity }: Issued): void {
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = credentials;
  const exported: string[] = [];
  const setEnv = (name: ExportedEnv, value: string | undefined) => {
    if (value !== undefined) {
      core.exportVariable(name, value);
      exported.push(name);
    } else if (process.env[name]) {
      // A value left by an earlier step would not belong to these credentials: clear it.
      core.exportVariable(name, '');
      exported.push(name);
    }
  };
  const expiresAt = expiration?.toISOString();
  setEnv(ExportedEnv.AccessKeyId, accessKeyId);
  setEnv(ExportedEnv.SecretAccessKey, secretAccessKey);
  setEnv(ExportedEnv.SessionToken, sessionToken);
  setEnv(ExportedEnv.Region, config.region);
  setEnv(ExportedEnv.DefaultRegion, config.region);
  setEnv(ExportedEnv.CredentialExpiration, expiresAt);
  core.saveState(State.Exported, JSON.stringify(exported));

  core.setOutput(Output.AwsAccountId, identity.accountId);
  core.setOutput(Output.AuthenticatedArn, identity.arn);
  core.setOutput(Output.AwsExpiration, expiresAt ?? '');
  if (config.outputCredentials) {
    core.setOutput(Output.AwsAccessKeyId, accessKeyId);
    core.setOutput(Output.AwsSecretAccessKey, secretAccessKey);
    if (sessionToken !== undefined) core.setOutput(Output.AwsSessionToken, sessionToken);
  }
  const until = expiresAt === undefined ? 'long-term keys, no expiry' : `valid until ${expiresAt}`;
  core.info(`Credentials for ${identity.arn} in ${config.region} exported (${until}).`);
}

/** Outputs of the gate; when it is only reporting, a failure is a warning. */
function reportGate(gate: GateResult, holds: boolean): void {
  if (holds) return;
  core.setOutput(Output.BucketAccessible, String(gate.ok));
  core.setOutput(Output.BucketObjectCount, String(gate.ok ? gate.objects.length : 0));
  if (!gate.ok) core.warning(`${gate.reason} (verify-required is false: credentials were exported anyway)`);
}

const OPERATION: Record<Plan['kind'], string> = {
  'assume-role': 'AssumeRole',
  'web-identity': 'AssumeRoleWithWebIdentity',
  'static-keys': 'keys as given (checked with GetCallerIdentity)',
  'session-token': 'GetSessionToken',
  'federation-token': 'GetFederationToken',
};

function writeSummary(
  config: Config,
  plan: Plan,
  issued: Issued,
  gate: GateResult | undefined,
  exported: boolean,
): void {
  const roleSession = plan.kind === 'assume-role' || plan.kind === 'web-identity';
  const markdown = renderSummary({
    operation: OPERATION[plan.kind],
    identityArn: issued.identity.arn,
    accountId: issued.identity.accountId,
    maskAccount: config.maskAccountId,
    region: config.region,
    ...(roleSession ? { sessionName: config.sessionName } : {}),
    ...(issued.credentials.expiration ? { expiration: issued.credentials.expiration } : {}),
    ...(gate ? { gate } : {}),
    exported,
    now: new Date(),
  });
  try {
    core.appendSummary(markdown);
  } catch (error) {
    core.warning(`Could not write the job summary: ${describeError(error)}`);
  }
}
