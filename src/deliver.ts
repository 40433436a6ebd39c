/**
 * The main step's last stage, once the gate has spoken: new credentials go out (profile, environment,
 * outputs), kept ones are confirmed, the gate's outcome is logged and set, and the summary is written.
 */
import { InputError } from './errors';
import type { Batch } from './inputs/batch';
import type { Config } from './inputs/config';
import { onLine, type ProfileEntry } from './inputs/profiles';
import { type Env, ExportedEnv, Input, OPERATION_API, type ProfileIssued } from './names';
import { LockDeadlineError } from './profile/lock';
import {
  type CheckOptions,
  checkProfile,
  type ProfileFiles,
  profileFiles,
  secretsToRestore,
  writeProfile,
  writeProfiles,
} from './profile/profile';
import { checkToWrite, profileToWrite, standInReason } from './profile/stand-in';
import { checkRefresh, makeStores, removeStores, setUpRefresh } from './refresh/setup';
import type { Restore } from './restore';
import { deadlineReached } from './runner/deadline';
import type { Exports } from './runner/exports';
import type { Runner } from './runner/protocol';
import { type Outcome, profilesReport, writeSummary } from './runner/summary';

/** Where the step delivers: the runner, the environment, its exports and the record the post step undoes. */
export interface Delivery {
  runner: Runner;
  env: Env;
  exports: Exports;
  restore: Restore;
}

/**
 * Every profile the step will write (aws-profile's or the stand-in, and each of profiles), checked before
 * AWS is asked for anything: the files must be writable, a profile that exists is refused unless
 * overwrite-aws-profile, and refresh-credentials needs a place for its cache.
 */
export function checkWrites(config: Config, env: Env): void {
  const files = profileFiles(env);
  const profile = profileToWrite(config, env);
  if (profile) checkToWrite(profile, files, env);
  if (config.refresh) checkRefresh(env);
  for (const entry of config.profiles ?? []) {
    // (aws-profile's name is refused by checkCompanions; the stand-in's only now that env is known.)
    if (entry.name === profile?.name) {
      throw new InputError(
        Input.Profiles,
        `${onLine(entry.line)} names the profile this step writes for AWS_PROFILE: ${standInReason(env)}.`,
      );
    }
    checkProfile(profileOptions(config, entry, files));
  }
}

/** How one profile of profiles is written: overwrite-aws-profile applies, and a refusal names its line. */
function profileOptions(config: Config, entry: ProfileEntry, files: ProfileFiles): CheckOptions {
  const taken = (where: string) =>
    new InputError(
      Input.Profiles,
      `${onLine(entry.line)} names profile ${JSON.stringify(entry.name)}, which already exists in ${where}; ` +
        'set overwrite-aws-profile: true to replace it.',
    );
  return { name: entry.name, files, overwrite: config.overwriteProfiles, taken };
}

/** Nothing goes out when the gate holds (it failed and is required: `exported` is false). */
export function deliver(to: Delivery, outcome: Outcome): void {
  const { config, issued, fresh, gate, profiles } = outcome;
  const holds = !outcome.exported;
  if (!holds && profiles && outcome.batch) {
    const done = { config, batch: outcome.batch, profiles };
    onTime(config, () => writeNamedProfiles(to, done));
  }
  if (!holds && fresh) onTime(config, () => exportCredentials(to, outcome));
  if (!holds && !fresh) to.exports.kept(config, issued);
  if (gate) to.exports.gate(gate, { holds });
  if (config.jobSummary) writeSummary(to.runner, outcome);
}

/**
 * New credentials go out: to the profile (or, with refresh-credentials, one that renews them), the
 * environment and the outputs, as the inputs say.
 */
function exportCredentials(to: Delivery, { config, plan, issued }: Outcome): void {
  const { runner, env, exports, restore } = to;
  if (runner.isSealed) return; // the step timed out: nothing is exported, the profile included
  // The aws-profile profile, or the stand-in for AWS_PROFILE to name (see profile/stand-in.ts).
  const profile = profileToWrite(config, env);
  if (config.refresh && plan) setUpRefresh(to, { config, plan, issued });
  else if (profile) {
    const files = profileFiles(env);
    const { deadline } = config.retry;
    restore.profile = writeProfile({ ...profile, files, credentials: issued.credentials, deadline });
    exports.mask(...secretsToRestore(restore.profile));
    // Said before AWS_PROFILE changes: the stand-in's reason names the profile it replaces.
    runner.info(
      profile.standIn
        ? `${standInReason(env)}.`
        : `Profile ${profile.name} written to ${files.credentialsFile}.`,
    );
    exports.set(ExportedEnv.Profile, profile.name);
    exports.clearShadowing(config);
  }
  if (config.outputEnvCredentials) exports.credentials(config, issued);
  exports.outputs(config, issued);
}

/** profiles without role-to-assume: the profiles are written, and said in the outputs and the summary. */
export function deliverProfiles(to: Delivery, done: ProfilesDone): void {
  const { config, batch, profiles } = done;
  onTime(config, () => writeNamedProfiles(to, done));
  if (config.jobSummary) writeSummary(to.runner, profilesReport(config, OPERATION_API[batch.kind], profiles));
}

/**
 * Writing profiles within action-timeout-s: the lock of a shared file is waited for synchronously, so the
 * deadline's timer cannot end that wait; the wait ends itself at the deadline (see profile/lock.ts), and the
 * step fails as it does when its timer fires, naming the lock.
 */
function onTime(config: Config, write: () => void): void {
  try {
    write();
  } catch (error) {
    if (!(error instanceof LockDeadlineError)) throw error;
    throw deadlineReached(config.timeoutMs ?? 0, `the lock on ${error.file}, held by ${error.holder}`);
  }
}

/** The profiles of profiles, obtained, and how (refresh-credentials renews each the same way). */
interface ProfilesDone {
  config: Config;
  batch: Batch;
  profiles: ProfileIssued[];
}

/**
 * Each profile of profiles written (all or none), the profiles output set; AWS_PROFILE is left alone. With
 * refresh-credentials each gets a store of its own and a credential_process instead of keys.
 */
function writeNamedProfiles(to: Delivery, { config, batch, profiles }: ProfilesDone): void {
  const { runner, env, exports, restore } = to;
  if (runner.isSealed) return; // the step timed out: nothing is written
  const files = profileFiles(env);
  const stores = config.refresh ? makeStores(env, { config, batch, profiles }) : undefined;
  const entries = new Map((config.profiles ?? []).map((entry) => [entry.name, entry]));
  try {
    restore.profiles = writeProfiles(
      profiles.map(({ name, issued }) => {
        const entry = entries.get(name) ?? { name, role: { name }, line: 0 };
        const credentialProcess = stores?.get(name)?.credentialProcess;
        const credentials = credentialProcess === undefined ? issued.credentials : undefined;
        return {
          ...profileOptions(config, entry, files),
          credentials,
          credentialProcess,
          region: config.region,
          deadline: config.retry.deadline,
        };
      }),
    );
  } catch (error) {
    removeStores(env, [...(stores?.values() ?? [])]);
    throw error;
  }
  restore.stores = stores && [...stores.values()].map(({ dir }) => ({ dir }));
  exports.mask(...restore.profiles.flatMap(secretsToRestore));
  const file = config.refresh ? files.configFile : files.credentialsFile;
  exports.profiles(profiles, { file, renews: config.refresh });
}
