/**
 * The main step, as a story: read the inputs, plan, obtain credentials, gate on the bucket, export,
 * report. It is given the runner and the environment (index.ts passes the real ones, the command line its
 * own runner, tests fakes), and every side effect goes through them.
 */
import { accountsIn } from './aws/arn';
import type { Hooks } from './aws/clients';
import type { Io } from './aws/obtain';
import { describeRetry, type RetryNotice } from './aws/retry';
import { idTokenIo } from './aws/web-identity';
import { checkWrites, deliver, deliverProfiles } from './deliver';
import { describeError } from './errors';
import { planBatch, profileRoleArns } from './inputs/batch';
import { noValidCredentials, planUnlessKept } from './inputs/choose';
import { type Config, getConfig } from './inputs/config';
import { keysFromEnv, SECRET_INPUTS } from './inputs/env';
import { checkAccount } from './inputs/fields';
import type { Plan } from './inputs/plan';
import { proxyEnvironment, proxySecrets } from './inputs/proxy';
import { type Env, Input } from './names';
import { type Restore, saveRestore } from './restore';
import { DeadlineError, InFlight, outOfTime, withinDeadline } from './runner/deadline';
import { Exports } from './runner/exports';
import type { Runner } from './runner/protocol';
import type { Outcome } from './runner/summary';
import { visible } from './text';

/** What tests put in place of the real world (a fake AWS, GitHub's OIDC token service); handOver: see Step. */
export type Seams = Pick<Hooks, 'sender'> & Pick<Io, 'fetchIdToken'> & Pick<Step, 'handOver'>;

/** One run of the step: the runner, the environment, and the record of what it changed. */
interface Step {
  runner: Runner;
  env: Env;
  exports: Exports;
  restore: Restore;
  io: Io;
  /** Given (the command line), the outcome goes here instead: nothing is exported, output or summarised. */
  handOver?: ((outcome: Outcome) => void) | undefined;
}

export async function run(runner: Runner, env: Env, seams: Seams = {}): Promise<void> {
  const exports = new Exports(runner, env);
  const inFlight = new InFlight(); // who is asked, and what must finish: see action-timeout-s
  const onRetry = (notice: RetryNotice) => runner.info(describeRetry(notice));
  const io: Io = {
    mask: (...secrets) => exports.mask(...secrets),
    fetchIdToken: seams.fetchIdToken,
    group: (title, lines) => runner.group(title, lines),
    hooks: { sender: seams.sender, onRetry, ...inFlight.hooks },
  };
  const step: Step = { runner, env, exports, restore: { env: exports.before }, io, handOver: seams.handOver };
  // Until the inputs are read, as getConfig would read this one (the input, else its variable).
  let maskAccounts = /^\s*true\s*$/i.test(
    runner.getInput(Input.MaskAwsAccountId) || (env.MASK_AWS_ACCOUNT_ID ?? ''),
  );
  try {
    const config = readInputs(step);
    maskAccounts = config.maskAccountId;
    const limit = { ...config.retry, limitMs: config.timeoutMs, inFlight };
    await withinDeadline(act(step, config, planUnlessKept(config, env)), limit);
  } catch (error) {
    if (error instanceof DeadlineError) {
      // Requests still in flight must not export anything now: the runner is sealed (see outOfTime).
      saveRestore(runner, step.restore);
      return outOfTime(runner, error, inFlight);
    }
    const message = describeError(error);
    // A refusal names ARNs (the role, the caller): with mask-aws-account-id their accounts go first.
    if (maskAccounts) exports.mask(...accountsIn(message));
    runner.setFailed(message, error);
  } finally {
    saveRestore(runner, step.restore);
  }
}

/** Every input, checked, with secrets masked before anything can print them; the deadline starts here. */
function readInputs({ runner, env, exports }: Step): Config {
  const read = (name: string) => runner.getInput(name);
  exports.mask(...SECRET_INPUTS.map(read), ...proxySecrets(read, env));
  const config = getConfig(read, env);
  // The role's account is in what is printed before STS answers (and in any refusal).
  if (config.maskAccountId)
    exports.mask(...accountsIn([config.roleArn, ...profileRoleArns(config)].join(' ')));
  if (config.timeoutMs === undefined) return config;
  return { ...config, retry: { ...config.retry, deadline: Date.now() + config.timeoutMs } };
}

async function act(step: Step, config: Config, plan: Plan | undefined): Promise<void> {
  const { runner, env, exports } = step;
  // A profile that cannot be written, or a role of profiles that cannot be asked for, is refused first.
  checkWrites(config, env);
  const batch = planBatch(config, env, plan);
  if (config.proxy) exports.applyHere(proxyEnvironment(config.proxy, env));
  if (config.unsetCurrentCredentials) exports.unsetCredentials();
  // GitHub's OIDC token, if needed, is on its way before the STS client loads (only once the inputs are good).
  const io = await idTokenIo({ plan, batch, config, env, io: step.io });
  if (batch) {
    // Every role at once, role-to-assume's included (masked as they come); all of them, or none.
    const { main, profiles } = await (await import('./aws/profiles')).obtainBatch(config, batch, io);
    if (main) return finish(step, { config, plan, issued: main, profiles, batch, fresh: true });
    return deliverProfiles(step, { config, batch, profiles });
  }
  const { obtain, existingIdentity } = await import('./aws/obtain');
  if (config.useExistingCredentials) {
    const identity = await existingIdentity(config, env, io);
    const credentials = keysFromEnv(env);
    // Kept as they are, but held to the same account list, masking and bucket check as new ones.
    if (identity && credentials) return finish(step, { config, plan, issued: { credentials, identity } });
    if (plan) runner.info('No valid credentials in the environment; getting new ones.');
  }
  if (plan === undefined) throw noValidCredentials();
  const issued = await obtain(config, plan, io);
  const { accessKeyId, secretAccessKey, sessionToken } = issued.credentials;
  exports.mask(accessKeyId, secretAccessKey, sessionToken);
  await finish(step, { config, plan, issued, fresh: true });
}

/**
 * Credentials in hand (new ones, or valid ones already in the environment): the account check, the
 * bucket gate, then exports (new) or outputs only (kept), and the summary; or all of it handed over.
 */
async function finish(
  step: Step,
  done: Pick<Outcome, 'config' | 'plan' | 'issued' | 'profiles' | 'batch'> & { fresh?: boolean },
) {
  const { runner, env, exports, io } = step;
  const { config, issued, fresh = false } = done;
  if (config.maskAccountId) exports.mask(issued.identity.accountId);
  checkAccount(
    { allowed: config.allowedAccountIds, masked: config.maskAccountId },
    issued.identity.accountId,
  );
  const settings = config.verify;
  // The gate (and its S3 client) is loaded only when verify-bucket is set.
  const gate = settings
    ? await (await import('./aws/gate')).verifyBuckets({ config, settings, issued, hooks: io.hooks })
    : undefined;
  const holds = gate !== undefined && gate.failures.length > 0 && gate.required;
  const outcome: Outcome = { ...done, gate, exported: !holds, fresh, env };
  if (!step.handOver) deliver(step, outcome);
  else if (!runner.isSealed) step.handOver(outcome);
  if (holds) throw new Error(visible(gate.failures.join(' ')));
}
