import type { Config } from '../../config/load.js';

export type AwsConfig = Pick<Config, 'STORE_TIMEOUT_MS' | 'AWS_REGION' | 'AWS_ENDPOINT_URL' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'>;

/**
 * Returns the endpoint of a store: the URL's `?endpoint=` (one store on a local server while
 * another uses AWS), else AWS_ENDPOINT_URL, else undefined for the SDK default.
 */
export function endpointOf(url: URL, config: AwsConfig): string | undefined {
  const endpoint = url.searchParams.get('endpoint') ?? config.AWS_ENDPOINT_URL;
  return endpoint !== '' ? endpoint : undefined;
}

/** Builds the SDK client options shared by the DynamoDB and S3 stores: region, endpoint, credentials and time limits. */
export function awsClientOptions(url: URL, config: AwsConfig) {
  const credentials =
    config.AWS_ACCESS_KEY_ID !== '' && config.AWS_SECRET_ACCESS_KEY !== ''
      ? { accessKeyId: config.AWS_ACCESS_KEY_ID, secretAccessKey: config.AWS_SECRET_ACCESS_KEY }
      : undefined;
  return {
    region: config.AWS_REGION,
    endpoint: endpointOf(url, config),
    credentials,
    // The SDK retries throttling and network errors itself; two attempts keep a failing call within the store time limit.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: config.STORE_TIMEOUT_MS, requestTimeout: config.STORE_TIMEOUT_MS, throwOnRequestTimeout: true },
  };
}

/** Formats the store URL for errors, with the endpoint when one is set (a local server or a proxy). */
export function describeAwsUrl(url: URL, config: AwsConfig): string {
  const endpoint = endpointOf(url, config);
  return endpoint !== undefined && !url.searchParams.has('endpoint') ? `${url.toString()} (endpoint ${endpoint})` : url.toString();
}
