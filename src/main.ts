/**
 * The main step: read and check every input, get credentials, export them masked.
 * All side effects on the runner (masks, env, outputs, state, failure) happen in this file.
 */
import * as core from '@actions/core';
import { type Config, getConfig, SECRET_INPUTS } from './config';
import { ExportedEnv, Output, State } from './constants';
import { describeError } from './errors';
import { obtain } from './obtain';
import { choosePlan } from './plan';
import type { Issued } from './sts';

export async function run(): Promise<void> {
  try {
    const read = (name: string) => core.getInput(name);
    mask(...SECRET_INPUTS.map(read));
    const config = getConfig(read, process.env);
    const plan = choosePlan(config, process.env);
    const issued = await obtain(config, plan, {
      mask,
      fetchIdToken: (audience) => core.getIDToken(audience),
      group: (title, lines) => {
        core.startGroup(title);
        for (const line of lines) core.info(line);
        core.endGroup();
      },
    });
    exportCredentials(config, issued);
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
