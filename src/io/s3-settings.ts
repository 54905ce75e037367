/**
 * The S3 endpoint chosen on the command line (`--s3-endpoint`), kept apart from src/io/s3.ts so that
 * setting it at start-up loads nothing of the AWS SDK.
 */
let endpointFlag: string | undefined;

/** `--s3-endpoint URL` (undefined when absent). */
export function setS3Endpoint(url: string | undefined): void {
  endpointFlag = url || undefined;
}

export function s3EndpointFlag(): string | undefined {
  return endpointFlag;
}
