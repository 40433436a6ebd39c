/**
 * Gets the web identity token a plan asks for: from a file, or from GitHub's OIDC token service — asked
 * early, so that its round trip runs while the STS client loads.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors';
import type { Batch } from '../inputs/batch';
import type { Config } from '../inputs/config';
import type { Plan, TokenSource } from '../inputs/plan';
import { type Env, Input, ReadEnv, StsOperation } from '../names';
import type { Hooks } from './clients';
import { decodeJwtClaims } from './explain';
import { TOKEN_SERVICE } from './retry';
import type { Io } from './role';

/** Fetches a GitHub OIDC token for an audience; `sent` is called once the request is on its way. */
export type IdTokenFetcher = NonNullable<Io['fetchIdToken']>;

export async function getWebIdentityToken(
  source: TokenSource,
  fetchIdToken: IdTokenFetcher | undefined,
): Promise<string> {
  if (source.kind === 'file') return readTokenFile(source.path);
  if (fetchIdToken === undefined) throw new Error('No way to ask for a GitHub OIDC token (see idTokenIo).');
  try {
    return await fetchIdToken(source.audience);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    // Asked only when the runner offers a token (ACTIONS_ID_TOKEN_REQUEST_URL is set), which it does
    // only with `permissions: id-token: write`: the permission is there; the token service failed.
    // (By name: github-token.ts is loaded only when the token service is asked.)
    const service =
      error instanceof Error && error.name === 'TokenServiceError'
        ? " The runner offered a token, so the job has the permission: GitHub's token service refused or failed the request."
        : '';
    throw new Error(`Could not get a GitHub OIDC token for audience "${source.audience}": ${why}.${service}`);
  }
}

/**
 * The Io a plan (or the batch of a step with profiles) needs for GitHub's OIDC token: the tests' fetcher,
 * else GitHub's token service at the runner's address in `env`. Unless use-existing-credentials may make
 * the token needless, it is asked for at once, and this resolves when that request is on its way:
 * whatever loads next (the STS client) then loads during its round trip instead of before or after it.
 */
export async function idTokenIo(step: {
  plan: Plan | undefined;
  batch?: Batch | undefined;
  config: Config;
  env: Env;
  io: Io;
}): Promise<Io> {
  const { plan, batch, config, env, io } = step;
  const web = StsOperation.AssumeRoleWithWebIdentity;
  const source = batch?.kind === web ? batch.token : plan?.kind === web ? plan.token : undefined;
  if (source?.kind !== 'github-oidc') return io;
  const fetch = io.fetchIdToken ?? githubTokenFetcher(env, config, io.hooks);
  if (config.useExistingCredentials) return { ...io, fetchIdToken: fetch };
  const { audience } = source;
  let sent = () => {};
  const onItsWay = new Promise<void>((resolve) => {
    sent = resolve;
  });
  let early: Promise<string> | undefined = fetch(audience, sent);
  // Handled here, reported when obtain asks for the token (a refusal included).
  early.then(sent, sent);
  await onItsWay;
  const fetchIdToken: IdTokenFetcher = (asked, onSent) => {
    const answer = asked === audience ? early : undefined;
    early = undefined;
    return answer ?? fetch(asked, onSent);
  };
  return { ...io, fetchIdToken };
}

/** GitHub's token service, at the address and with the request token the runner gives the job. */
function githubTokenFetcher(env: Env, config: Config, hooks: Hooks): IdTokenFetcher {
  const onRetry = hooks.onRetry;
  return async (audience, onSent) => {
    // In a chunk of its own, loaded only on this path.
    const { requestGithubToken } = await import('./github-token');
    return requestGithubToken(
      { url: env[ReadEnv.OidcRequestUrl] ?? '', bearer: env[ReadEnv.OidcRequestToken] ?? '', audience },
      {
        retry: {
          ...config.retry,
          onRetry: onRetry && ((notice) => onRetry({ ...notice, service: TOKEN_SERVICE.id })),
        },
        // As the step's AWS requests: through the proxy only when they go through one.
        proxied: config.proxy !== undefined,
        onRequest: hooks.onRequest,
        onSent,
      },
    );
  };
}

async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    // Sync, and node:fs rather than node:fs/promises: main loads this module, and fs/promises would cost
    // every step ~15 more of Node's own modules at start-up for one small file on one path.
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError(
      Input.WebIdentityTokenFile,
      `Input '${Input.WebIdentityTokenFile}': cannot read ${path} (${code}).`,
    );
  }
  const token = text.trim();
  if (token === '') {
    throw new InputError(
      Input.WebIdentityTokenFile,
      `Input '${Input.WebIdentityTokenFile}': ${path} is empty.`,
    );
  }
  return token;
}

/** A token with less than this left is replaced before an attempt uses it. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

/** Epoch ms at which a JWT expires (its exp claim), or undefined when it has none. */
export function tokenExpiry(token: string): number | undefined {
  const exp = decodeJwtClaims(token)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/** Whether a token is close enough to expiry that an attempt should not use it. */
export function expiresSoon(token: string, now: number = Date.now()): boolean {
  const expiry = tokenExpiry(token);
  return expiry !== undefined && expiry - now < TOKEN_REFRESH_MARGIN_MS;
}
