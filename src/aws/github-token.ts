/**
 * GitHub's OIDC token service (ACTIONS_ID_TOKEN_REQUEST_URL), asked with Node's own HTTP client and,
 * behind a proxy, the proxy agents the AWS clients use. Not @actions/core: its getIDToken cannot be had
 * without its own HTTP stack (undici), which costs about as much to load as a bare Node start, for one GET.
 *
 * Held to the discipline of an AWS request: a per-attempt timeout; retries with backoff on timeouts,
 * resets, 429 and 5xx, bounded by retry-max-attempts and action-timeout-s (decideRetry, the one policy),
 * each one told; a refusal (401, 403) is final. The token itself is never part of a message.
 */
import type { Agent } from 'node:http';
import { type Classified, classifyAwsError } from './classify';
import { decideRetry, type RetryClock, type RetryPolicy, TOKEN_SERVICE } from './retry';

/**
 * Per attempt: 3 s to connect (as for AWS), then 5 s to answer. The token service is a small JSON GET on
 * GitHub's side, near the runner: it connects in milliseconds and answers in well under a second, so a
 * slow but working service is not cut off, while one that accepts and never answers costs 5 s an
 * attempt: with the default 12 attempts and their backoff (at most 36.3 s in all), 96 s at most.
 */
export const TOKEN_TIMEOUTS = { connectMs: 3000, answerMs: 5000 } as const;

/**
 * Said to the token service as the runner's own toolkit says it (actions/oidc-client), and who asks: a
 * request without one is the kind a service may refuse or throttle first.
 */
const USER_AGENT = 'actions/oidc-client aws-credentials-gate';

/** A token is a JWT of a few KB: an answer much larger than this is not the token service's. */
const MAX_ANSWER_BYTES = 256 * 1024;

/** Where to ask, with what, and for which audience. */
export interface TokenAsk {
  /** ACTIONS_ID_TOKEN_REQUEST_URL. */
  url: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  bearer: string;
  audience: string;
}

/** How the token is asked for: the retry policy, who hears of each request, and (tests) time itself. */
export interface TokenRequestOptions {
  retry: RetryPolicy;
  /**
   * Whether the step's AWS requests go through a proxy (config.proxy: http-proxy, or proxy variables not
   * all bypassed by no-proxy); then, as for them, the proxy variables the step set say which, per URL.
   */
  proxied: boolean;
  /** A request to `who` is under way; the function it returns is called when that attempt ends. */
  onRequest?: ((who: string) => () => void) | undefined;
  /** Called once the first attempt's request is written out, or has ended (may be called again). */
  onSent?: (() => void) | undefined;
  timeouts?: { connectMs: number; answerMs: number };
  sleep?: (ms: number) => Promise<void>;
  clock?: RetryClock;
}

/** No token: what the last attempt met, and how many attempts were made. */
export class TokenServiceError extends Error {
  override name = 'TokenServiceError';
  constructor(
    readonly failure: Classified,
    readonly attempts: number,
  ) {
    const tries = attempts > 1 ? `, ${attempts} attempts in all` : '';
    super(`${TOKEN_SERVICE.name} ${failure.message}${tries}`);
  }
}

/** An attempt ran out of time: to connect, or (connected) to answer. */
class AttemptTimeout extends Error {
  constructor(
    readonly phase: 'connect' | 'answer',
    readonly ms: number,
  ) {
    super(`${phase} timeout`);
  }
}

/** The token service answered, but not with a token. */
class AnswerError extends Error {
  constructor(readonly failure: Classified) {
    super(failure.message);
  }
}

/** GitHub's OIDC token for `ask.audience`, asked as often as the policy allows; else TokenServiceError. */
export async function requestGithubToken(ask: TokenAsk, options: TokenRequestOptions): Promise<string> {
  if (ask.bearer === '') throw new Error('ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set');
  const url = tokenUrl(ask);
  const clock = options.clock ?? { random: Math.random, now: Date.now };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const timeouts = options.timeouts ?? TOKEN_TIMEOUTS;
  for (let attempt = 1; ; attempt++) {
    const answered = options.onRequest?.(TOKEN_SERVICE.name);
    let failure: Classified;
    try {
      const agent = options.proxied ? await proxyAgent(url) : undefined;
      return await askOnce(url, { bearer: ask.bearer, timeouts, agent, onSent: options.onSent });
    } catch (error) {
      failure = classifyTokenFailure(error);
    } finally {
      answered?.();
      options.onSent?.();
    }
    const next = decideRetry(options.retry, { attempt, failure }, clock);
    if ('stop' in next) throw new TokenServiceError(failure, attempt);
    await sleep(next.delayMs);
  }
}

/** As @actions/core builds it: the audience appended to the runner's URL, which has a query already. */
function tokenUrl({ url, audience }: TokenAsk): URL {
  const full = `${url}${url.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`;
  if (URL.canParse(full)) return new URL(full);
  const message = 'has no usable URL (ACTIONS_ID_TOKEN_REQUEST_URL)';
  throw new TokenServiceError({ kind: 'other', code: 'InvalidUrl', message, retriable: false }, 1);
}

/** One GET, within the connect and answer timeouts. */
async function askOnce(
  url: URL,
  how: {
    bearer: string;
    timeouts: { connectMs: number; answerMs: number };
    agent: Agent | undefined;
    onSent?: (() => void) | undefined;
  },
): Promise<string> {
  const { agent } = how;
  const { request } = url.protocol === 'http:' ? await import('node:http') : await import('node:https');
  return new Promise<string>((resolve, reject) => {
    const req = request(url, {
      agent: agent ?? false,
      headers: {
        Accept: 'application/json',
        Authorization: `Bearer ${how.bearer}`,
        'User-Agent': USER_AGENT,
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const limit = (phase: AttemptTimeout['phase'], ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => req.destroy(new AttemptTimeout(phase, ms)), ms);
    };
    limit('connect', how.timeouts.connectMs);
    req.once('socket', (socket) => {
      // Through a proxy agent the socket comes connected (the tunnel is part of connecting).
      if (!socket.connecting) limit('answer', how.timeouts.answerMs);
      else socket.once('connect', () => limit('answer', how.timeouts.answerMs));
    });
    req.once('finish', () => how.onSent?.());
    req.once('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        else
          req.destroy(new AnswerError(final('other', res.statusCode, 'answered with far more than a token')));
      });
      res.on('error', reject);
      res.once('end', () => {
        clearTimeout(timer);
        try {
          resolve(readAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.end();
  });
}

/**
 * The proxy the AWS clients would use for this URL: proxy-from-env reads the proxy variables (which the
 * step set from http-proxy and no-proxy), loaded only when the step has a proxy.
 */
async function proxyAgent(url: URL): Promise<Agent | undefined> {
  const { getProxyForUrl } = await import('proxy-from-env');
  const proxy = getProxyForUrl(url.href);
  if (proxy === '') return undefined;
  if (url.protocol === 'http:') return new (await import('http-proxy-agent')).HttpProxyAgent(proxy);
  return new (await import('https-proxy-agent')).HttpsProxyAgent(proxy);
}

function final(kind: Classified['kind'], status: number | undefined, message: string): Classified {
  return {
    kind,
    code: status === undefined ? 'NoToken' : `HTTP${status}`,
    status,
    message,
    retriable: false,
  };
}

/** The token from a 2xx answer, or why there is none: a refusal is final; 429 and 5xx are worth retrying. */
function readAnswer(status: number, text: string): string {
  if (status >= 200 && status < 300) {
    const value = jsonField(text, 'value');
    if (value !== undefined && value !== '') return value;
    throw new AnswerError(final('other', status, `answered HTTP ${status} without a token`));
  }
  const said = shown(jsonField(text, 'message'));
  const http = `HTTP ${status}${said === '' ? '' : `: ${said}`}`;
  if (status === 401 || status === 403)
    throw new AnswerError(final('denied', status, `refused the request (${http})`));
  if (status === 429 || status >= 500) {
    const kind = status === 429 ? 'throttled' : 'unavailable';
    throw new AnswerError({ ...final(kind, status, `answered ${http}`), retriable: true });
  }
  throw new AnswerError(final('other', status, `answered ${http}`));
}

/** A string field of a JSON object, or undefined. */
function jsonField(text: string, field: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    const value =
      typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[field] : undefined;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Text the service chose, as shown: one line of printable characters, short. */
function shown(text: string | undefined): string {
  const line = (text ?? '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .trim();
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/** What failed an attempt, in plain words that follow the service's name. */
function classifyTokenFailure(error: unknown): Classified {
  if (error instanceof AnswerError) return error.failure;
  if (error instanceof AttemptTimeout) {
    const seconds = `${error.ms / 1000} s`;
    const message =
      error.phase === 'connect'
        ? `accepted no connection within ${seconds}`
        : `did not answer within ${seconds}`;
    return { kind: 'unavailable', code: 'ETIMEDOUT', message, retriable: true };
  }
  // Node's own errors, classified as for AWS: resets are retried, a refused connection or a TLS
  // certificate Node does not accept are final.
  const { kind, code, retriable } = classifyAwsError(error, TOKEN_SERVICE.name);
  const said: Partial<Record<Classified['kind'], string>> = {
    unavailable:
      code === 'EAI_AGAIN' ? 'could not be looked up for now' : 'closed the connection without an answer',
    unreachable: 'could not be reached',
    tls: 'could not be trusted: Node did not accept its TLS certificate',
  };
  const message = `${said[kind] ?? `could not be asked: ${shown(String((error as Error)?.message ?? error))}`} (${code})`;
  return { kind, code, message, retriable };
}
