/**
 * AWS clients, built in one place so endpoint, region and retry behaviour are set once.
 */
import { STSClient } from '@aws-sdk/client-sts';
import type { Config, Keys } from './config';

/** An STS client for the configured region and endpoint, signing with `signer` when given. */
export function createStsClient(config: Pick<Config, 'region' | 'stsEndpoint'>, signer?: Keys): STSClient {
  return new STSClient({
    region: config.region,
    ...(config.stsEndpoint === undefined ? {} : { endpoint: config.stsEndpoint }),
    ...(signer === undefined ? {} : { credentials: signer }),
  });
}
