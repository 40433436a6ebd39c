/**
 * How every AWS client talks: region, endpoint, the one retry policy, per-request timeouts and the
 * proxy — set here once, for STS, S3 and IAM alike.
 */
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config, Keys } from './config';
import { GateRetryStrategy, type RetryPolicy } from './retry';

/** A request that has not connected, or not answered, by then is abandoned and retried. */
export const CONNECT_TIMEOUT_MS = 3000;
export const REQUEST_TIMEOUT_MS = 5000;

export type Service = 'sts' | 's3' | 'iam';

type TransportConfig = Pick<Config, 'region' | 'retry' | 'proxy'>;

/** Where a client's requests go, for the no-proxy decision: the custom endpoint or AWS's own. */
function targetUrl(config: TransportConfig, service: Service, endpoint: string | undefined): string {
  if (endpoint !== undefined) return endpoint;
  if (service === 'iam') return 'https://iam.amazonaws.com';
  return `https://${service}.${config.region}.amazonaws.com`;
}

/** The policy with its retries told as this service's. */
function withService(policy: RetryPolicy, service: Service): RetryPolicy {
  const { onRetry } = policy;
  return onRetry ? { ...policy, onRetry: (notice) => onRetry({ ...notice, service }) } : policy;
}

/** Options every client gets: retries, timeouts and (when configured and not bypassed) the proxy. */
export function transportOptions(config: TransportConfig, service: Service, endpoint: string | undefined) {
  const proxy = config.proxy;
  const requestHandler = new NodeHttpHandler(async () => {
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
    ...(endpoint === undefined ? {} : { endpoint }),
    retryStrategy: new GateRetryStrategy(withService(config.retry, service)),
    requestHandler,
  };
}

/** An STS client signing with `signer`, or with the SDK's default credential chain when absent. */
export function createStsClient(
  config: TransportConfig & Pick<Config, 'stsEndpoint'>,
  signer?: Keys,
): STSClient {
  return new STSClient({
    ...transportOptions(config, 'sts', config.stsEndpoint),
    ...(signer === undefined ? {} : { credentials: signer }),
  });
}
