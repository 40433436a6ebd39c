/**
 * The step's web identity token in its STS requests: asked for once (not awaited), while the client and
 * its requests are made ready with a placeholder; each attempt gets the token as it is sent, and with
 * GitHub OIDC a fresh one when the one it holds is about to expire.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer } from '@smithy/types';
import type { TokenSource } from '../inputs/plan';
import { decodeJwtClaims, loggableClaims } from './explain';
import type { Io } from './role';
import { expiresSoon, getWebIdentityToken } from './web-identity';

/** Holds the token's place in a request until the token is in (URL-safe, as a JWT is). */
export const TOKEN_PENDING = 'web-identity-token-pending';

/** The step's web identity token: the first one and its claims once in, and what puts it into requests. */
export interface WebToken {
  /** The first token (masked, its claims logged) and its claims; rejects with the token's own failure. */
  ready: Promise<{ first: string; claims: Record<string, unknown> | undefined }>;
  /**
   * Every attempt of the client's requests gets the token as it is sent, so the client and the request
   * are made ready while the first token is on its way; with GitHub OIDC, one not about to expire.
   */
  renewIn(sts: STSClient): void;
}

/** Asks for the token once, for every role of the step (not awaited: see WebToken). */
export function webIdentityToken(source: TokenSource, io: Io): WebToken {
  const fetchToken = async () => {
    const token = await getWebIdentityToken(source, io.fetchIdToken);
    io.mask(token);
    return token;
  };
  const ready = fetchToken().then((first) => {
    const claims = decodeJwtClaims(first);
    if (claims) io.group('Web identity token claims', loggableClaims(claims));
    return { first, claims };
  });
  ready.catch(() => undefined); // reported where the token is needed (assumeWithToken)
  let current: string | undefined;
  let renewing: Promise<string> | undefined;
  // One renewal at a time, shared by every request that finds the token about to expire.
  const fresh = () => {
    renewing ??= fetchToken().then(
      (token) => {
        current = token;
        renewing = undefined;
        return token;
      },
      (error: unknown) => {
        renewing = undefined;
        throw error;
      },
    );
    return renewing;
  };
  const renews = source.kind === 'github-oidc';
  const sent = new Set<string>();
  return {
    ready,
    renewIn: (sts) => {
      renewPerAttempt(sts, async (used) => {
        const { first } = await ready;
        current ??= first;
        const now = current;
        const pending = used === TOKEN_PENDING;
        if (!pending && !sent.has(used)) return undefined;
        // A retry of a request that holds a token still good: sent as it is.
        if (!pending && !(renews && expiresSoon(used))) return undefined;
        const next = renews && expiresSoon(now) ? await fresh() : now;
        sent.add(next);
        return next;
      });
    },
  };
}

/**
 * Every attempt (retries included) of the client's requests gets its token here: the placeholder is
 * replaced by the token, and a token close to expiry by a fresh one. Runs after the SDK's retry
 * middleware, so once per attempt, and after everything that makes the request ready.
 */
function renewPerAttempt(sts: STSClient, replacement: (used: string) => Promise<string | undefined>): void {
  sts.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<object, MetadataBearer>) => async (args: FinalizeHandlerArguments<object>) => {
      const request = args.request as { body?: unknown; headers?: Record<string, string> };
      // The form body's WebIdentityToken parameter, and that one only (another may hold the same text).
      const params = typeof request.body === 'string' ? request.body.split('&') : [];
      const at = params.findIndex((param) => param.startsWith(TOKEN_PARAM));
      const used = at < 0 ? undefined : decodeURIComponent(params[at]?.slice(TOKEN_PARAM.length) ?? '');
      const token = used === undefined ? undefined : await replacement(used);
      if (token !== undefined) {
        // Encoded as the SDK encodes a form value: a token file's token need not be URL-safe as a JWT is.
        params[at] = `${TOKEN_PARAM}${formValue(token)}`;
        const body = params.join('&');
        request.body = body;
        if (request.headers) request.headers['content-length'] = String(Buffer.byteLength(body));
      }
      return next(args);
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'freshWebIdentityToken' },
  );
}

/** The token's parameter in AssumeRoleWithWebIdentity's form body. */
const TOKEN_PARAM = 'WebIdentityToken=';

/** A form value as the SDK writes one: percent-encoded, !'()* included. */
function formValue(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
