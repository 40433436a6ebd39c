/**
 * The main step's last stage, once the gate has spoken: new credentials go out (profile, environment,
 * outputs), kept ones are confirmed, the gate's outcome is logged and set, and the summary is written.
 */
import { type Env, ExportedEnv } from './names';
import { profileFiles, secretsToRestore, writeProfile } from './profile/profile';
import { profileToWrite, standInReason } from './profile/stand-in';
import { setUpRefresh } from './refresh/setup';
import type { Restore } from './restore';
import type { Exports } from './runner/exports';
import type { Runner } from './runner/protocol';
import { type Outcome, writeSummary } from './runner/summary';

/** Where the step delivers: the runner, the environment, its exports and the record the post step undoes. */
export interface Delivery {
  runner: Runner;
  env: Env;
  exports: Exports;
  restore: Restore;
}

/** Nothing goes out when the gate holds (it failed and is required: `exported` is false). */
export function deliver(to: Delivery, outcome: Outcome): void {
  const { config, issued, fresh, gate } = outcome;
  const holds = !outcome.exported;
  if (!holds && fresh) exportCredentials(to, outcome);
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
    restore.profile = writeProfile({ ...profile, files, credentials: issued.credentials });
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
