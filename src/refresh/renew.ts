/**
 * One renewal: the main step's request again, with what the main step used to sign it. A GitHub OIDC token
 * is fetched afresh with the request variables of the calling step's environment (never stored), a token
 * file is read again (EKS rotates it), the keys come from the store. The same code as the main step's
 * (aws/obtain.ts), so a refusal is explained in the same words. Loaded only when the cache is due.
 */
import type { Hooks } from '../aws/clients';
import { type Io, obtain } from '../aws/obtain';
import { idTokenIo } from '../aws/web-identity';
import type { Config } from '../inputs/config';
import { checkAccount } from '../inputs/fields';
import type { Plan } from '../inputs/plan';
import { proxyEnvironment } from '../inputs/proxy';
import { type Credentials, type Env, ReadEnv, StsOperation } from '../names';
import { DeadlineError, InFlight, withinDeadline } from '../runner/deadline';
import { type Paths, readKeys, renewalLimitMs, type Settings } from './store';

/** What unit tests put in place of AWS and of GitHub's token service. */
export type RenewSeams = Pick<Hooks, 'sender'> & Pick<Io, 'fetchIdToken'>;

export interface Renewal {
  settings: Settings;
  paths: Paths;
  /** The calling step's environment (this process's): the OIDC request variables and the proxy. */
  env: Env;
  /** Filled with every secret handled, so a failure's sentence can leave them out. */
  secrets: string[];
  seams?: RenewSeams;
}

export async function renew({ settings, paths, env, secrets, seams = {} }: Renewal): Promise<Credentials> {
  const { source } = settings;
  const limitMs = renewalLimitMs(settings.config);
  const deadline = Date.now() + limitMs;
  const keys = source.kind === StsOperation.AssumeRole ? readKeys(paths) : undefined;
  secrets.push(keys?.accessKeyId ?? '', keys?.secretAccessKey ?? '', keys?.sessionToken ?? '');
  const config: Config = { ...settings.config, keys, retry: { ...settings.config.retry, deadline } };
  const plan: Plan =
    source.kind === StsOperation.AssumeRole
      ? { kind: source.kind, role: source.role, signer: keys && { from: 'inputs', keys } }
      : source;
  if (plan.kind === StsOperation.AssumeRoleWithWebIdentity && plan.token.kind === 'github-oidc')
    requireOidcRequest(env);
  // As in the main step: our clients and the OIDC token request read the proxy from the environment.
  if (config.proxy)
    for (const [name, value] of Object.entries(proxyEnvironment(config.proxy, env))) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
  const inFlight = new InFlight(); // who is asked, for the message when time runs out
  const given: Io = {
    mask: (...values) => secrets.push(...values.filter((value): value is string => Boolean(value))),
    fetchIdToken: seams.fetchIdToken,
    group: () => undefined,
    hooks: { sender: seams.sender, onRequest: inFlight.hooks.onRequest },
  };
  const obtained = async () => {
    // GitHub's token service (unless a test gives a fetcher), asked before the STS client loads.
    const io = await idTokenIo({ plan, config, env, io: given });
    return obtain(config, plan, io);
  };
  try {
    const issued = await withinDeadline(obtained(), { deadline, limitMs, inFlight });
    checkAccount(
      { allowed: config.allowedAccountIds, masked: config.maskAccountId },
      issued.identity.accountId,
    );
    return issued.credentials;
  } catch (error) {
    if (!(error instanceof DeadlineError)) throw error;
    const why = config.timeoutMs === undefined ? 'the limit of a renewal' : 'action-timeout-s';
    const who = inFlight.waitingFor.join(' and ') || 'STS';
    throw new Error(`${who} did not answer within ${limitMs / 1000} s (${why}); no credentials were renewed`);
  }
}

/**
 * GitHub gives every step of a job with `permissions: id-token: write` the two variables that ask for a token;
 * the credential process reads them from the step that runs it, and they are never written anywhere.
 */
function requireOidcRequest(env: Env): void {
  const missing = [ReadEnv.OidcRequestUrl, ReadEnv.OidcRequestToken].filter((name) => !env[name]);
  if (missing.length === 0) return;
  throw new Error(
    `it renews with a GitHub OIDC token, and ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not ` +
      "set in this step's environment: GitHub sets them in every step of a job with `permissions: id-token: " +
      'write`, so a tool that starts the AWS client with a cleared environment (env -i, sudo, a container) must ' +
      'pass them on',
  );
}
