/**
 * The main step: read and check every input, get credentials, gate on bucket access, export them masked.
 * All side effects on the runner (masks, logs, env, outputs, state, files, summary, failure) happen here.
 */
import {
  type Config,
  getConfig,
  keysFromEnv,
  noProxyEntries,
  PROXY_VARIABLES,
  proxySecrets,
  SECRET_INPUTS,
  withProxyScheme,
} from './config';
import { CREDENTIAL_ENV, ExportedEnv, Input, Output, State } from './constants';
import { describeError } from './errors';
import { type GateResult, verifyBucket } from './gate';
import { exportedEarlier, recordExport } from './ledger';
import { choosePlan, type Plan } from './plan';
import { checkProfile, profileFiles, secretsToRestore, writeProfile } from './profile';
import { describeRetry, type RetryNotice } from './retry';
import { exitWhenFlushed, Runner } from './runner';
import type { Issued } from './sts';
import { renderSummary } from './summary';

const core = new Runner();

/** What the post step needs to put the job back as it was. */
export interface Restore {
  /** Every variable the main step changed, with its value before (null: it was not set). */
  env: Record<string, string | null>;
  /** The profile written, to be removed (see profile.ts). */
  profile?: ReturnType<typeof writeProfile>;
}

const restore: Restore = { env: {} };

export async function run(): Promise<void> {
  // Until the inputs are read, as readConfig would read this one (the input, else its variable).
  let maskAccounts = /^\s*true\s*$/i.test(
    core.getInput(Input.MaskAwsAccountId) || (process.env.MASK_AWS_ACCOUNT_ID ?? ''),
  );
  try {
    const read = (name: string) => core.getInput(name);
    mask(...SECRET_INPUTS.map(read), ...proxySecrets(read, process.env));
    const parsed = getConfig(read, process.env);
    // The role's account is in what is printed before STS answers (and in any refusal).
    maskAccounts = parsed.maskAccountId;
    if (maskAccounts) mask(...accountsIn(parsed.roleArn ?? ''));
    const deadline = parsed.timeoutMs === undefined ? undefined : Date.now() + parsed.timeoutMs;
    const retry = { ...parsed.retry, ...(deadline ? { deadline } : {}), onRetry: logRetry };
    const config: Config = { ...parsed, retry };
    const plan = choosePlan(config, process.env);

    if (deadline === undefined) await act(config, plan);
    else await withinDeadline(act(config, plan), deadline, config.timeoutMs ?? 0);
  } catch (error) {
    const message = describeError(error);
    // A refusal names ARNs (the role, the caller): with mask-aws-account-id their accounts go first.
    if (maskAccounts) mask(...accountsIn(message));
    core.setFailed(message);
  } finally {
    saveRestore();
  }
}

/** Every retry is logged, so a slow step says why it is slow. */
function logRetry(notice: RetryNotice): void {
  core.info(describeRetry(notice));
}

/** Hands the post step what it needs to undo this step, if this step changed anything. */
function saveRestore(): void {
  if (Object.keys(restore.env).length > 0 || restore.profile)
    core.saveState(State.Restore, JSON.stringify(restore));
}

/** action-timeout-s: fail the step once the deadline passes; nothing more is exported after that. */
async function withinDeadline(work: Promise<void>, deadline: number, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([work, expired]);
  } catch (error) {
    if (!(error instanceof Error && error.message === 'timeout')) throw error;
    core.setFailed(
      `action-timeout-s: the step did not finish within ${limitMs / 1000} s (AWS did not answer in time); ` +
        'no credentials were exported.',
    );
    saveRestore();
    // Requests still in flight must not export anything now: the runner is sealed, then the process ends
    // as soon as the log is out.
    core.seal();
    exitWhenFlushed(1);
    await new Promise(() => {});
  } finally {
    clearTimeout(timer);
  }
}

async function act(config: Config, plan: Plan): Promise<void> {
  // A profile that cannot be written is refused before AWS is asked for anything.
  if (config.profile)
    checkProfile({
      profile: config.profile.name,
      files: profileFiles(process.env),
      overwrite: config.profile.overwrite,
    });
  if (config.proxy) useProxy(config.proxy);
  if (config.unsetCurrentCredentials) {
    for (const name of CREDENTIAL_ENV) {
      if (process.env[name]) setEnv(name, '');
      delete process.env[name];
    }
  }
  // The STS client is loaded only once the inputs are known to be good.
  const { obtain, existingIdentity } = await import('./obtain');
  if (config.useExistingCredentials) {
    const existing = await existingIdentity(config, process.env);
    if (existing) {
      // Kept as they are, but held to the same account list, masking and bucket check as new ones.
      const credentials = keysFromEnv(process.env);
      if (credentials) return finish(config, plan, { credentials, identity: existing }, false);
    }
    core.info('No valid credentials in the environment; getting new ones.');
  }

  const group = (title: string, lines: string[]) => core.group(title, lines);
  const issued = await obtain(config, plan, { mask, fetchIdToken, group });
  mask(issued.credentials.accessKeyId, issued.credentials.secretAccessKey, issued.credentials.sessionToken);
  await finish(config, plan, issued, true);
}

/**
 * Credentials in hand (new ones, or valid ones already in the environment): the account checks, the
 * bucket gate, then exports (`fresh`) or outputs only, and the summary.
 */
async function finish(config: Config, plan: Plan, issued: Issued, fresh: boolean): Promise<void> {
  if (config.maskAccountId) mask(issued.identity.accountId);
  checkAccount(config, issued);

  const gate = config.verify ? await verifyBucket(config, config.verify, issued) : undefined;
  const holds = gate !== undefined && !gate.ok && gate.check.required;
  if (gate?.ok) {
    const where = `s3://${gate.check.bucket}/${gate.check.prefix}`;
    core.group(
      `${gate.objects.length} object${gate.objects.length === 1 ? '' : 's'} listed in ${where}`,
      gate.objects.map((o) => `${o.key} => ${o.etag}`),
    );
  }
  if (!holds && fresh) exportCredentials(config, issued);
  if (!holds && !fresh) keepCredentials(config, issued);
  if (gate) reportGate(gate, holds);
  if (config.jobSummary) writeSummary(config, plan, issued, gate, !holds, fresh);
  if (holds && gate && !gate.ok) throw new Error(gate.reason);
}

/** When credentials kept from the environment expire, as an earlier step said (AWS_CREDENTIAL_EXPIRATION). */
function keptExpiry(): Date | 'unknown' {
  const at = Date.parse(process.env[ExportedEnv.CredentialExpiration] ?? '');
  return Number.isNaN(at) ? 'unknown' : new Date(at);
}

/** use-existing-credentials, when they are valid: nothing exported; the identity outputs are set. */
function keepCredentials(config: Config, { identity }: Issued): void {
  core.setOutput(Output.AwsAccountId, identity.accountId);
  core.setOutput(Output.AuthenticatedArn, identity.arn);
  core.setOutput(Output.AwsExpiration, process.env[ExportedEnv.CredentialExpiration] ?? '');
  core.info(
    `Credentials already in the environment are valid (${identity.arn}) in ${config.region}; nothing new exported.`,
  );
}

/** The account ids in the ARNs a text holds. */
function accountsIn(text: string): string[] {
  return [...text.matchAll(/arn:[^:\s]*:[^:\s]*:[^:\s]*:(\d{12}):/g)].map((m) => m[1] ?? '');
}

/**
 * The one place secrets are masked: every value, and every line of a multi-line value, goes through
 * setSecret before anything prints or exports it.
 */
function mask(...secrets: (string | undefined | null)[]): void {
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

/**
 * The proxy settings, for this process: our clients (through proxy-from-env) and @actions/core's OIDC
 * client read them from the environment. Both spellings are set, since the lower case wins where both
 * are read; a proxy variable given as host:port gets http:// (proxy-from-env would give it the request's
 * https://); no-proxy is joined with commas, the one separator both readers take.
 */
function useProxy(proxy: NonNullable<Config['proxy']>): void {
  const set = (name: string, value: string) => {
    process.env[name.toLowerCase()] = value;
    process.env[name] = value;
  };
  if (proxy.url !== undefined)
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY']) set(name, proxy.url);
  for (const name of [...PROXY_VARIABLES, 'no_proxy', 'NO_PROXY']) {
    const value = process.env[name]?.trim();
    if (value === undefined) continue;
    // A blank value would be taken as a proxy by proxy-from-env, which does not trim: drop it.
    if (value === '') delete process.env[name];
    else process.env[name] = PROXY_VARIABLES.includes(name) ? withProxyScheme(value) : value;
  }
  // @actions/core's OIDC client reads only HTTPS_PROXY: give it ALL_PROXY when that is all there is.
  const all = process.env.all_proxy || process.env.ALL_PROXY;
  if (all && !process.env.https_proxy && !process.env.HTTPS_PROXY) set('HTTPS_PROXY', all);
  const noProxy = noProxyEntries(proxy.noProxy);
  if (noProxy.length > 0) set('NO_PROXY', noProxy.join(','));
}

function checkAccount(config: Config, { identity }: Issued): void {
  if (config.allowedAccountIds.length === 0 || config.allowedAccountIds.includes(identity.accountId)) return;
  const account = config.maskAccountId ? 'an account' : `account ${identity.accountId}`;
  throw new Error(
    `The credentials are for ${account}, which is not in allowed-account-ids; nothing was exported.`,
  );
}

/**
 * Exports a variable for later steps, remembering its value before for the post step. A credential is
 * remembered only when an earlier use of this action exported it (see ledger.ts): any other may be the
 * step's own `env:`, and the post step clears it rather than widen it to the whole job.
 */
function setEnv(name: string, value: string): void {
  const credential = CREDENTIAL_ENV.includes(name);
  if (!(name in restore.env)) {
    const before = process.env[name];
    if (credential) mask(before);
    const handBack = !credential || !before || exportedEarlier(process.env, name, before);
    restore.env[name] = handBack ? (before ?? null) : null;
  }
  core.exportVariable(name, value);
  if (credential) recordExport(process.env, name, value);
}

/** Exports the (already masked) credentials to later steps, writes the profile, sets the outputs. */
function exportCredentials(config: Config, { credentials, identity }: Issued): void {
  if (core.isSealed) return; // the step timed out: nothing is exported, the profile included
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = credentials;
  const expiresAt = expiration?.toISOString();
  if (config.profile) {
    restore.profile = writeProfile({
      profile: config.profile.name,
      files: profileFiles(process.env),
      credentials,
      region: config.region,
      overwrite: config.profile.overwrite,
    });
    mask(...secretsToRestore(restore.profile));
    setEnv(ExportedEnv.Profile, config.profile.name);
    core.info(`Profile ${config.profile.name} written to ${restore.profile.files.credentialsFile}.`);
    // Credentials left in the environment by an earlier step win over AWS_PROFILE in the aws-cli and
    // boto3: later steps would go on using them. Cleared; the post step hands them back only if this
    // action exported them (see setEnv).
    const shadowing = CREDENTIAL_ENV.filter((name) => process.env[name]);
    if (!config.outputEnvCredentials && shadowing.length > 0) {
      for (const name of shadowing) setEnv(name, '');
      core.info(`Cleared ${shadowing.join(', ')}: the aws-cli and boto3 would prefer them to AWS_PROFILE.`);
    }
  }
  if (config.outputEnvCredentials) {
    // The AWS SDK for JavaScript prefers a profile AWS_PROFILE names to these variables: an earlier
    // one (a use with aws-profile) would win in later Node steps. Cleared; the post step puts it back.
    if (!config.profile && process.env[ExportedEnv.Profile]) {
      setEnv(ExportedEnv.Profile, '');
      core.info(
        'Cleared AWS_PROFILE: the AWS SDK for JavaScript would prefer it to the exported credentials.',
      );
    }
    // A value an earlier step left would not belong to these credentials: clear it.
    const orClear = (value: string | undefined, name: string) =>
      value ?? (process.env[name] ? '' : undefined);
    const values: [ExportedEnv, string | undefined][] = [
      [ExportedEnv.AccessKeyId, accessKeyId],
      [ExportedEnv.SecretAccessKey, secretAccessKey],
      [ExportedEnv.SessionToken, orClear(sessionToken, ExportedEnv.SessionToken)],
      [ExportedEnv.Region, config.region],
      [ExportedEnv.DefaultRegion, config.region],
      [ExportedEnv.CredentialExpiration, orClear(expiresAt, ExportedEnv.CredentialExpiration)],
    ];
    for (const [name, value] of values) if (value !== undefined) setEnv(name, value);
  }

  core.setOutput(Output.AwsAccountId, identity.accountId);
  core.setOutput(Output.AuthenticatedArn, identity.arn);
  core.setOutput(Output.AwsExpiration, expiresAt ?? '');
  if (config.outputCredentials) {
    core.setOutput(Output.AwsAccessKeyId, accessKeyId);
    core.setOutput(Output.AwsSecretAccessKey, secretAccessKey);
    if (sessionToken !== undefined) core.setOutput(Output.AwsSessionToken, sessionToken);
  }
  const until = expiresAt === undefined ? 'long-term keys, no expiry' : `valid until ${expiresAt}`;
  const where = config.outputEnvCredentials ? 'exported' : 'ready (not exported to the environment)';
  core.info(`Credentials for ${identity.arn} in ${config.region} ${where} (${until}).`);
}

/**
 * Outputs of the gate, set whether it holds or not (a later step of a `continue-on-error` job can read
 * bucket-accessible: false); when it is only reporting, a failure is a warning.
 */
function reportGate(gate: GateResult, holds: boolean): void {
  core.setOutput(Output.BucketAccessible, String(gate.ok));
  core.setOutput(Output.BucketObjectCount, String(gate.ok ? gate.objects.length : 0));
  if (!gate.ok && !holds)
    core.warning(`${gate.reason} (verify-required is false: credentials were exported anyway)`);
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
  fresh: boolean,
): void {
  const exportedTo = !exported
    ? []
    : !fresh
      ? ['environment (already there)']
      : [
          ...(config.outputEnvCredentials ? ['environment'] : []),
          ...(config.profile ? [`profile ${config.profile.name}`] : []),
          ...(config.outputCredentials ? ['step outputs'] : []),
        ];
  const roleSession = fresh && (plan.kind === 'assume-role' || plan.kind === 'web-identity');
  const markdown = renderSummary({
    operation: fresh
      ? OPERATION[plan.kind]
      : 'credentials already in the environment (use-existing-credentials)',
    identityArn: issued.identity.arn,
    accountId: issued.identity.accountId,
    maskAccount: config.maskAccountId,
    region: config.region,
    ...(roleSession ? { sessionName: config.sessionName } : {}),
    ...(issued.credentials.expiration
      ? { expiration: issued.credentials.expiration }
      : !fresh && issued.credentials.sessionToken
        ? { expiration: keptExpiry() }
        : {}),
    ...(gate ? { gate } : {}),
    exportedTo,
    now: new Date(),
  });
  try {
    core.appendSummary(markdown);
  } catch (error) {
    core.warning(`Could not write the job summary: ${describeError(error)}`);
  }
}
