/**
 * What the main step hands to later steps, and the record of it the post step undoes: masks first, then
 * variables (each with its value before), outputs and log lines. The one place credentials are exported.
 */
import type { Config } from '../inputs/config';
import {
  Access,
  CREDENTIAL_ENV,
  type Env,
  ExportedEnv,
  type GateResult,
  type Issued,
  Output,
  type ProfileIssued,
  type Proof,
} from '../names';
import { visible } from '../text';
import { exportedEarlier, recordExport } from './ledger';
import type { Runner } from './protocol';

/** A variable that carries credentials, and its value; undefined: none, so a value left from before must go. */
export type Assignment = [name: ExportedEnv, value: string | undefined];

/**
 * The variables later steps (or a shell, or a command the CLI runs) read credentials and region from, in the
 * order they are set: the one list of them.
 */
export function credentialVariables(config: Pick<Config, 'region'>, { credentials }: Issued): Assignment[] {
  return [
    [ExportedEnv.AccessKeyId, credentials.accessKeyId],
    [ExportedEnv.SecretAccessKey, credentials.secretAccessKey],
    [ExportedEnv.SessionToken, credentials.sessionToken],
    [ExportedEnv.Region, config.region],
    [ExportedEnv.DefaultRegion, config.region],
    [ExportedEnv.CredentialExpiration, credentials.expiration?.toISOString()],
  ];
}

export class Exports {
  /** Every variable changed, with its value before (null: it was not set, or is not to be handed back). */
  readonly before: Record<string, string | null> = {};

  constructor(
    private readonly runner: Runner,
    private readonly env: Env,
  ) {}

  /**
   * Registers secrets with the runner: every value, and every line of a multi-line value, before
   * anything prints or exports it.
   */
  mask(...secrets: (string | undefined | null)[]): void {
    for (const secret of secrets) {
      if (!secret) continue;
      this.runner.setSecret(secret);
      const lines = secret.split(/\r?\n/).filter((line) => line.trim() !== '' && line !== secret);
      for (const line of lines) this.runner.setSecret(line);
    }
  }

  /**
   * Exports a variable, remembering its value before for the post step. A credential is remembered only
   * when an earlier use of this action exported it (see ledger.ts): any other may be the step's own
   * `env:`, and the post step clears it rather than widen it to the whole job.
   */
  set(name: string, value: string): void {
    const credential = CREDENTIAL_ENV.includes(name);
    if (!(name in this.before)) {
      const before = this.env[name];
      if (credential) this.mask(before);
      const handBack = !credential || !before || exportedEarlier(this.env, name, before);
      this.before[name] = handBack ? (before ?? null) : null;
    }
    this.runner.exportVariable(name, value);
    if (credential) recordExport(this.env, name, value);
  }

  /** Sets and removes variables of this process's environment only (later steps are not told). */
  applyHere(edits: Env): void {
    for (const [name, value] of Object.entries(edits)) {
      if (value === undefined) delete this.env[name];
      else this.env[name] = value;
    }
  }

  /** unset-current-credentials: the credential variables emptied for later steps and gone from this one. */
  unsetCredentials(): void {
    for (const name of CREDENTIAL_ENV) {
      if (this.env[name]) this.set(name, '');
      delete this.env[name];
    }
  }

  /**
   * AWS_PROFILE points at a profile just written. Credentials an earlier step left in the environment
   * win over it in the aws-cli and boto3, so later steps would go on using them: they are cleared (the
   * post step hands them back only if this action exported them), unless they are exported anew.
   */
  clearShadowing(config: Config): void {
    const shadowing = CREDENTIAL_ENV.filter((variable) => this.env[variable]);
    if (config.outputEnvCredentials || shadowing.length === 0) return;
    for (const variable of shadowing) this.set(variable, '');
    this.runner.info(
      `Cleared ${shadowing.join(', ')}: the aws-cli and boto3 would prefer them to AWS_PROFILE.`,
    );
  }

  /** Exports the (already masked) credentials and region to the environment of later steps. */
  credentials(config: Config, issued: Issued): void {
    // (AWS_PROFILE, if set, already names a profile with these credentials: see profile/stand-in.ts.)
    // A value an earlier step left would not belong to these credentials: clear it.
    for (const [name, value] of credentialVariables(config, issued)) {
      if (value !== undefined) this.set(name, value);
      else if (this.env[name]) this.set(name, '');
    }
  }

  /** The step outputs, and the log line that says where the credentials went. */
  outputs(config: Config, { credentials, identity }: Issued): void {
    const expiresAt = credentials.expiration?.toISOString();
    this.identityOutputs(identity, expiresAt ?? '');
    if (config.outputCredentials) {
      this.runner.setOutput(Output.AwsAccessKeyId, credentials.accessKeyId);
      this.runner.setOutput(Output.AwsSecretAccessKey, credentials.secretAccessKey);
      if (credentials.sessionToken !== undefined)
        this.runner.setOutput(Output.AwsSessionToken, credentials.sessionToken);
    }
    const until = expiresAt === undefined ? 'long-term keys, no expiry' : `valid until ${expiresAt}`;
    const where = config.outputEnvCredentials ? 'exported' : 'ready (not exported to the environment)';
    this.runner.info(`Credentials for ${identity.arn} in ${config.region} ${where} (${until}).`);
  }

  /**
   * The profiles output, JSON: each profile's name -> whose its credentials are and until when; and a log
   * line for each profile, written to `file` (with refresh-credentials, `renews`: a credential_process).
   */
  profiles(list: ProfileIssued[], { file, renews }: { file: string; renews: boolean }): void {
    const described = list.map(({ name, issued: { identity, credentials } }) => {
      const expiration = credentials.expiration?.toISOString() ?? '';
      return [name, { arn: identity.arn, 'account-id': identity.accountId, expiration }] as const;
    });
    this.runner.setOutput(Output.Profiles, JSON.stringify(Object.fromEntries(described)));
    for (const [name, { arn, expiration }] of described) {
      const until = expiration === '' ? 'long-term keys, no expiry' : `valid until ${expiration}`;
      const renewed = renews ? '; its credential_process renews them' : '';
      this.runner.info(`Profile ${name} written to ${file}: ${arn} (${until}${renewed}).`);
    }
  }

  /** use-existing-credentials, when they are valid: nothing exported; the identity outputs are set. */
  kept(config: Config, { identity }: Issued): void {
    this.identityOutputs(identity, this.env[ExportedEnv.CredentialExpiration] ?? '');
    this.runner.info(
      `Credentials already in the environment are valid (${identity.arn}) in ${config.region}; nothing new exported.`,
    );
  }

  private identityOutputs(identity: Issued['identity'], expiration: string): void {
    this.runner.setOutput(Output.AwsAccountId, identity.accountId);
    this.runner.setOutput(Output.AuthenticatedArn, identity.arn);
    this.runner.setOutput(Output.AwsExpiration, expiration);
  }

  /**
   * The gate's verdicts in the log (each listing's keys and ETags in a group, each other proof a line, the
   * rest warnings: see gateWarnings), and its outputs, set whether it holds or not (a later step of a
   * `continue-on-error` job can read them).
   */
  gate(gate: GateResult, { holds }: { holds: boolean }): void {
    for (const bucket of gate.buckets) {
      const where = `s3://${bucket.bucket}/${visible(bucket.prefix)}`;
      for (const check of bucket.checks) {
        if (check.proved !== true) continue;
        if (check.access !== Access.List) {
          this.runner.info(visible(check.said));
          continue;
        }
        const count = `${bucket.objects.length} object${bucket.objects.length === 1 ? '' : 's'}`;
        const lines = bucket.objects.map((o) => `${visible(o.key)} => ${visible(o.etag)}`);
        this.runner.group(`${count} listed in ${where}`, lines);
      }
    }
    for (const warning of gateWarnings(gate, { holds, anyway: 'credentials were exported anyway' }))
      this.runner.warning(warning);
    const access = gate.buckets.map((bucket) => {
      const proofs: Record<string, Proof> = {};
      for (const check of bucket.checks) proofs[check.access] = check.proved;
      return [`${bucket.bucket}/${bucket.prefix}`, proofs] as const;
    });
    const count = gate.buckets.reduce((sum, bucket) => sum + bucket.objects.length, 0);
    this.runner.setOutput(Output.BucketAccessible, String(gate.accessible));
    this.runner.setOutput(Output.BucketAccess, JSON.stringify(Object.fromEntries(access)));
    this.runner.setOutput(Output.BucketObjectCount, String(count));
  }
}

/**
 * What the gate says as warnings, with hidden characters escaped (as in the summary): a failed check when
 * the gate does not hold (`anyway` says what was done all the same; when it holds the step's error says
 * why), a check that could not be proved unless another check of its bucket failed, and anything a check
 * left behind, always.
 */
export function gateWarnings(
  gate: GateResult,
  { holds, anyway }: { holds: boolean; anyway: string },
): string[] {
  return gate.buckets.flatMap((bucket) => {
    const failed = bucket.checks.some((check) => check.proved === false);
    return bucket.checks.flatMap((check) => {
      const said = visible(check.said);
      const warnings: string[] = [];
      if (check.proved === false && !holds) warnings.push(`${said} (verify-required is false: ${anyway})`);
      if (check.proved === null && !failed) warnings.push(said);
      if (check.leftover !== undefined) warnings.push(visible(check.leftover));
      return warnings;
    });
  });
}
