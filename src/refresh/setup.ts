/**
 * refresh-credentials in the main step: checked before any request; then, once the credentials are in hand,
 * the store (settings, the keys that sign renewals, the cache seeded with these credentials, so the first use
 * makes no request) and the profile whose credential_process runs this action's bundle again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { Config } from '../inputs/config';
import { type Plan, renewable } from '../inputs/plan';
import {
  DEFAULT_REFRESH_PROFILE,
  type Env,
  ExportedEnv,
  Input,
  type Issued,
  ReadEnv,
  StsOperation,
} from '../names';
import { profileFiles, secretsToRestore, writeProfile } from '../profile/profile';
import type { Restore } from '../restore';
import type { Exports } from '../runner/exports';
import type { Runner } from '../runner/protocol';
import { CREDENTIAL_PROCESS_ARG, commandLine } from './command';
import { credentialProcessJson, DIR_PREFIX, pathsIn, removeStore, type Source, writePrivate } from './store';

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
  const { keys, ...settled } = config;
  const profile = config.profile ?? { name: DEFAULT_REFRESH_PROFILE, overwrite: false };
  // What renews: the plan without its keys, which get a file of their own.
  const renewal = renewable(plan);
  const source: Source =
    renewal.kind === StsOperation.AssumeRole ? { kind: renewal.kind, role: renewal.role } : renewal;
  const temp = runnerTemp(env);
  const paths = pathsIn(fs.mkdtempSync(path.join(temp, DIR_PREFIX)));
  restore.refresh = { dir: paths.dir };
  const files = profileFiles(env);
  try {
    const settings = { version: 1, profile: profile.name, config: settled, source };
    writePrivate(paths.settings, JSON.stringify(settings));
    if (renewal.kind === StsOperation.AssumeRole)
      writePrivate(paths.keys, JSON.stringify(renewal.signer.keys));
    writePrivate(paths.cache, credentialProcessJson(issued.credentials));
    const credentialProcess = commandLine(commandWords(paths.dir));
    restore.profile = writeProfile({ ...profile, files, region: config.region, credentialProcess });
  } catch (error) {
    removeStore(paths.dir, temp);
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
      `when 15 minutes or less are left; ${keys ? 'the cache and the key file are' : 'the cache is'} in ${paths.dir}.`,
  );
}
