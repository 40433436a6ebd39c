/**
 * How every AWS client talks: region, endpoint, the one retry policy, per-request timeouts and the
 * proxy — set here once, for STS, S3 and IAM alike.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, MiddlewareStack, RequestHandler } from '@smithy/types';
import type { Config } from '../inputs/config';
import type { Credentials, MustFinish } from '../names';
import { ClassifiedRetryStrategy, type RetryNotice } from './retry';

/** A request that has not connected, or not answered, by then is abandoned and retried. */
export const CONNECT_TIMEOUT_MS = 3000;
export const REQUEST_TIMEOUT_MS = 5000;

export type Service = 'sts' | 's3' | 'iam';

type TransportConfig = Pick<Config, 'region' | 'retry' | 'proxy'>;

/**
 * What sends a client's HTTP requests. Absent: Node's, with the timeouts and proxy below. Tests give a
 * fake that answers as AWS would, so the step's branches run without a network.
 */
// biome-ignore lint/suspicious/noExplicitAny: the SDK's own handler type is RequestHandler<any, any, ...>
export type HttpSender = RequestHandler<any, any, HttpHandlerOptions>;

/**
 * What the step plugs into every client: who hears of each retry and of each request under way (by who
 * is asked: 'STS', 'S3', 'IAM'; it returns what to call when the attempt ends), and (in tests) what sends
 * requests.
 */
export interface Hooks {
  onRetry?: ((notice: RetryNotice) => void) | undefined;
  onRequest?: ((who: string) => () => void) | undefined;
  /** Work the step lets finish past its deadline (see MustFinish). */
  mustFinish?: ((finishing: MustFinish) => void) | undefined;
  sender?: HttpSender | undefined;
}

/** A client's transport: its settings, its service and endpoint, and the step's hooks. */
export interface Transport {
  config: TransportConfig;
  service: Service;
  endpoint: string | undefined;
  hooks: Hooks;
}

/** Where a client's requests go, for the no-proxy decision: the custom endpoint or AWS's own. */
function targetUrl(config: TransportConfig, service: Service, endpoint: string | undefined): string {
  if (endpoint !== undefined) return endpoint;
  if (service === 'iam') return 'https://iam.amazonaws.com';
  return `https://${service}.${config.region}.amazonaws.com`;
}

/** Options every client gets: retries, timeouts and (when configured and not bypassed) the proxy. */
export function transportOptions({ config, service, endpoint, hooks }: Transport) {
  const proxy = config.proxy;
  const requestHandler =
    hooks.sender ??
    new NodeHttpHandler(async () => {
      const timeouts = {
        connectionTimeout: CONNECT_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        // Without this a breached requestTimeout is only logged, and a hung request hangs the step.
        throwOnRequestTimeout: true,
      };
      if (proxy === undefined) return timeouts;
      // Proxy libraries are loaded only when a proxy is configured.
      const { getProxyForUrl } = await import('proxy-from-env');
      const target = targetUrl(config, service, endpoint);
      const proxyUrl = getProxyForUrl(target);
      if (proxyUrl === '') return timeouts;
      const [{ HttpsProxyAgent }, { HttpProxyAgent }] = await Promise.all([
        import('https-proxy-agent'),
        import('http-proxy-agent'),
      ]);
      return {
        ...timeouts,
        httpsAgent: new HttpsProxyAgent(proxyUrl),
        httpAgent: new HttpProxyAgent(proxyUrl),
      };
    });
  return {
    region: config.region,
    endpoint,
    // Each retry is told as this service's.
    retryStrategy: new ClassifiedRetryStrategy({
      ...config.retry,
      service: service.toUpperCase(),
      onRetry: (notice) => hooks.onRetry?.({ ...notice, service }),
    }),
    requestHandler,
  };
}

/** An STS client signing with `signer`, or with the SDK's default credential chain when absent. */
export function createStsClient(
  config: TransportConfig & Pick<Config, 'stsEndpoint'>,
  signer: Credentials | undefined,
  hooks: Hooks,
): STSClient {
  const client = new STSClient({
    ...transportOptions({ config, service: 'sts', endpoint: config.stsEndpoint, hooks }),
    credentials: signer,
  });
  return watchRequests(client, 'sts', hooks);
}

/** Tells hooks.onRequest of every attempt a client makes, and of its end (the deadline names who is asked). */
// biome-ignore lint/suspicious/noExplicitAny: every client's stack, whatever its input and output types
export function watchRequests<C extends { middlewareStack: MiddlewareStack<any, any> }>(
  client: C,
  service: Service,
  hooks: Hooks,
): C {
  const onRequest = hooks.onRequest;
  if (onRequest === undefined) return client;
  client.middlewareStack.add(
    (next) => async (args) => {
      const answered = onRequest(service.toUpperCase());
      try {
        return await next(args);
      } finally {
        answered();
      }
    },
    // Inside the retry middleware (finalizeRequest): once per attempt, around sending it.
    { step: 'deserialize', name: 'requestUnderWay' },
  );
  return client;
}

/**
 * Runs `work` once the next HTTP request this process starts is written out (or has ended), so that work
 * on the CPU (loading a client) fills the wait for that request's answer instead of delaying the request.
 * Returns what stops waiting for that request (when none may follow: a test's fake sender sends none).
 */
export function whenNextRequestSent(work: () => void): () => void {
  const CHANNEL = 'http.client.request.start';
  const stop = () => unsubscribe(CHANNEL, started);
  const started = (message: unknown) => {
    stop();
    const { request } = message as { request: ClientRequest };
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      work();
    };
    request.once('finish', once);
    request.once('close', once);
  };
  subscribe(CHANNEL, started);
  return stop;
}
