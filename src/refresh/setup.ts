/**
 * refresh-credentials in the main step: checked before any request; then, once the credentials are in hand,
 * the store (settings, the keys that sign renewals, the cache seeded with these credentials, so the first use
 * makes no request) and the profile whose credential_process runs this action's bundle again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { Batch } from '../inputs/batch';
import type { Config } from '../inputs/config';
import type { Plan } from '../inputs/plan';
import { type RenewablePlan, renewable } from '../inputs/renewable';
import {
  type Credentials,
  DEFAULT_REFRESH_PROFILE,
  type Env,
  ExportedEnv,
  Input,
  type Issued,
  type ProfileIssued,
  ReadEnv,
  StsOperation,
} from '../names';
import { profileFiles, secretsToRestore, writeProfile } from '../profile/profile';
import type { Restore } from '../restore';
import type { Exports } from '../runner/exports';
import type { Runner } from '../runner/protocol';
import { CREDENTIAL_PROCESS_ARG, commandLine } from './command';
import {
  credentialProcessJson,
  DIR_PREFIX,
  pathsIn,
  type RefreshRecord,
  removeStore,
  type Source,
  writePrivate,
} from './store';

/** The command of the profile: the node binary this step runs on, this bundle, the store's directory. */
function commandWords(dir: string): string[] {
  return [process.execPath, path.resolve(process.argv[1] ?? ''), CREDENTIAL_PROCESS_ARG, dir];
}

/** Before any request: RUNNER_TEMP is there for the store, and the command can be written as it is. */
export function checkRefresh(env: Env): void {
  commandLine(commandWords(path.join(runnerTemp(env), `${DIR_PREFIX}XXXXXX`)));
}

function runnerTemp(env: Env): string {
  const temp = env[ReadEnv.RunnerTemp] ?? '';
  if (!path.isAbsolute(temp))
    throw new InputError(
      Input.RefreshCredentials,
      `Input '${Input.RefreshCredentials}' keeps its cache under ${ReadEnv.RunnerTemp}, which is ` +
        `${temp ? `"${temp}", not an absolute path` : 'not set'}: run it as a step of a GitHub Actions job.`,
    );
  const workspace = env[ReadEnv.Workspace];
  const inside = workspace && !path.relative(path.resolve(workspace), path.resolve(temp)).startsWith('..');
  if (inside)
    throw new InputError(
      Input.RefreshCredentials,
      `Input '${Input.RefreshCredentials}' keeps its cache (and any key file) under ${ReadEnv.RunnerTemp}, ` +
        `and ${temp} is inside ${ReadEnv.Workspace}, which later steps may upload or cache: give the runner ` +
        'a temp directory outside the workspace.',
    );
  return path.resolve(temp);
}

/** What of the main step the set-up changes: the runner's log, the exports, and the record for the post step. */
export interface RefreshStep {
  runner: Runner;
  env: Env;
  exports: Exports;
  restore: Restore;
}

export function setUpRefresh(step: RefreshStep, done: { config: Config; plan: Plan; issued: Issued }): void {
  const { runner, env, exports, restore } = step;
  const { config, plan, issued } = done;
  const profile = config.profile ?? { name: DEFAULT_REFRESH_PROFILE, overwrite: false };
  const files = profileFiles(env);
  const store = makeStore(env, {
    config,
    profile: profile.name,
    renewal: renewable(plan),
    credentials: issued.credentials,
  });
  restore.refresh = { dir: store.dir };
  try {
    const { credentialProcess } = store;
    restore.profile = writeProfile({
      ...profile,
      files,
      region: config.region,
      credentialProcess,
      deadline: config.retry.deadline,
    });
  } catch (error) {
    removeStore(store.dir, runnerTemp(env));
    restore.refresh = undefined;
    throw error;
  }
  exports.mask(...secretsToRestore(restore.profile));
  exports.set(ExportedEnv.Profile, profile.name);
  exports.clearShadowing(config);
  exports.set(ExportedEnv.Region, config.region);
  exports.set(ExportedEnv.DefaultRegion, config.region);
  runner.info(
    `Profile ${profile.name} written to ${files.configFile}: its credential_process renews the credentials ` +
      `when 15 minutes or less are left; ${config.keys ? 'the cache and the key file are' : 'the cache is'} in ${store.dir}.`,
  );
}

/** What one store is made for: the profile it serves, how it renews, and the credentials it starts with. */
interface StoreFor {
  config: Config;
  profile: string;
  renewal: RenewablePlan;
  credentials: Credentials;
}

/**
 * A store of its own under RUNNER_TEMP for one profile: the settings, the keys that sign its renewals (keys ->
 * AssumeRole), the cache seeded with the credentials; and the credential_process line that serves from it.
 */
function makeStore(
  env: Env,
  { config, profile, renewal, credentials }: StoreFor,
): RefreshRecord & {
  credentialProcess: string;
} {
  const { keys, ...settled } = config;
  // What renews: the plan without its keys, which get a file of their own.
  const source: Source =
    renewal.kind === StsOperation.AssumeRole ? { kind: renewal.kind, role: renewal.role } : renewal;
  const temp = runnerTemp(env);
  const paths = pathsIn(fs.mkdtempSync(path.join(temp, DIR_PREFIX)));
  try {
    writePrivate(paths.settings, JSON.stringify({ version: 1, profile, config: settled, source }));
    if (renewal.kind === StsOperation.AssumeRole)
      writePrivate(paths.keys, JSON.stringify(renewal.signer.keys));
    writePrivate(paths.cache, credentialProcessJson(credentials));
    return { dir: paths.dir, credentialProcess: commandLine(commandWords(paths.dir)) };
  } catch (error) {
    removeStore(paths.dir, temp);
    throw error;
  }
}

/**
 * refresh-credentials with profiles: a store for each profile, renewing its own role the way the batch
 * obtained it (the keys given, or a web identity token got afresh). All or none: when one cannot be made,
 * those made are removed. Returns each profile's store with its credential_process line, by profile name.
 */
export function makeStores(
  env: Env,
  { config, batch, profiles }: { config: Config; batch: Batch; profiles: ProfileIssued[] },
): Map<string, RefreshRecord & { credentialProcess: string }> {
  const issuedFor = new Map(profiles.map(({ name, issued }) => [name, issued]));
  const made = new Map<string, RefreshRecord & { credentialProcess: string }>();
  try {
    for (const { profile, role } of batch.targets) {
      const issued = profile === undefined ? undefined : issuedFor.get(profile);
      if (profile === undefined || issued === undefined) continue; // role-to-assume: setUpRefresh's
      const renewal: RenewablePlan =
        batch.kind === StsOperation.AssumeRole
          ? renewable({ kind: batch.kind, role, signer: batch.signer })
          : { kind: batch.kind, roleArn: 'arn' in role ? role.arn : '', token: batch.token };
      made.set(profile, makeStore(env, { config, profile, renewal, credentials: issued.credentials }));
    }
  } catch (error) {
    removeStores(env, [...made.values()]);
    throw error;
  }
  return made;
}

/** Removes stores this step made (the profiles that named them are gone, or were never written). */
export function removeStores(env: Env, stores: RefreshRecord[]): string[] {
  return stores.flatMap((store) => removeStore(store.dir, env[ReadEnv.RunnerTemp]));
}
