import type { Config } from '../../config/load.js';

export type AwsConfig = Pick<Config, 'STORE_TIMEOUT_MS' | 'AWS_REGION' | 'AWS_ENDPOINT_URL' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'>;

/** Builds the SDK client options shared by the DynamoDB and S3 stores: region, endpoint, credentials and time limits. */
export function awsClientOptions(config: AwsConfig) {
  const credentials =
    config.AWS_ACCESS_KEY_ID !== '' && config.AWS_SECRET_ACCESS_KEY !== ''
      ? { accessKeyId: config.AWS_ACCESS_KEY_ID, secretAccessKey: config.AWS_SECRET_ACCESS_KEY }
      : undefined;
  return {
    region: config.AWS_REGION,
    endpoint: config.AWS_ENDPOINT_URL !== '' ? config.AWS_ENDPOINT_URL : undefined,
    credentials,
    // The SDK retries throttling and network errors itself; two attempts keep a failing call within the store time limit.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: config.STORE_TIMEOUT_MS, requestTimeout: config.STORE_TIMEOUT_MS, throwOnRequestTimeout: true },
  };
}

/** Formats the store URL for errors, with the endpoint when one is set (a local server or a proxy). */
export function describeAwsUrl(url: URL, config: AwsConfig): string {
  return config.AWS_ENDPOINT_URL !== '' ? `${url.toString()} (endpoint ${config.AWS_ENDPOINT_URL})` : url.toString();
}
