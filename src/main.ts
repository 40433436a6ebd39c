/**
 * The main step: read and check every input, get credentials, export them masked.
 * All side effects on the runner (masks, env, outputs, state, failure) happen in this file.
 */
import * as core from '@actions/core';
import { createStsClient } from './clients';
import { type Config, getConfig, SECRET_INPUTS } from './config';
import { ExportedEnv, Output, State } from './constants';
import { describeError } from './errors';
import { choosePlan, type Plan } from './plan';
import { assumeRole, assumeRoleWithWebIdentity, getCallerIdentity, type Issued } from './sts';
import { getWebIdentityToken } from './web-identity';

export async function run(): Promise<void> {
  try {
    const read = (name: string) => core.getInput(name);
    mask(...SECRET_INPUTS.map(read));
    const config = getConfig(read, process.env);
    const plan = choosePlan(config, process.env);
    const issued = await obtain(config, plan);
    exportCredentials(config, issued);
  } catch (error) {
    core.setFailed(describeError(error));
  }
}

/** Runs the plan's STS call and returns the credentials with the identity they belong to. */
async function obtain(config: Config, plan: Plan): Promise<Issued> {
  const role = { sessionName: config.sessionName, durationSeconds: config.durationSeconds };
  switch (plan.kind) {
    case 'assume-role': {
      const sts = createStsClient(config, plan.signer);
      try {
        return await assumeRole(sts, { ...role, roleArn: plan.roleArn });
      } finally {
        sts.destroy();
      }
    }
    case 'web-identity': {
      const webIdentityToken = await getWebIdentityToken(plan.token, (audience) => core.getIDToken(audience));
      mask(webIdentityToken);
      const sts = createStsClient(config);
      try {
        return await assumeRoleWithWebIdentity(sts, { ...role, roleArn: plan.roleArn, webIdentityToken });
      } finally {
        sts.destroy();
      }
    }
    case 'static-keys': {
      const sts = createStsClient(config, plan.keys);
      try {
        return { credentials: plan.keys, identity: await getCallerIdentity(sts) };
      } finally {
        sts.destroy();
      }
    }
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

/** Masks, then exports the credentials to later steps and sets the outputs. */
function exportCredentials(config: Config, { credentials, identity }: Issued): void {
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = credentials;
  mask(accessKeyId, secretAccessKey, sessionToken);

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
