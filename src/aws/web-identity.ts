/**
 * Gets the web identity token a plan asks for: from a file, or from GitHub's OIDC provider.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors';
import type { TokenSource } from '../inputs/plan';
import { Input } from '../names';
import { decodeJwtClaims } from './explain';

/** Fetches a GitHub OIDC token for an audience (core.getIDToken in the action). */
export type IdTokenFetcher = (audience: string) => Promise<string>;

export async function getWebIdentityToken(
  source: TokenSource,
  fetchIdToken: IdTokenFetcher,
): Promise<string> {
  if (source.kind === 'file') return readTokenFile(source.path);
  try {
    return await fetchIdToken(source.audience);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    // Asked only when the runner offers a token (ACTIONS_ID_TOKEN_REQUEST_URL is set), which it does
    // only with `permissions: id-token: write`: the permission is there; the token service failed.
    throw new Error(
      `Could not get a GitHub OIDC token for audience "${source.audience}": ${why}. ` +
        "The runner offered a token, so the job has the permission: GitHub's token service refused or failed the request.",
    );
  }
}

async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
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

/** GitHub's OIDC token, through @actions/core, loaded only on this path. */
export async function githubIdToken(audience: string): Promise<string> {
  const actions = await import('@actions/core');
  return actions.getIDToken(audience);
}
