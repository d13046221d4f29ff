import { type AddressInfo, type Server } from 'node:net';

/** Listens on 127.0.0.1, on a port the OS picks, and returns `http://127.0.0.1:<port>`. */
export async function listenLocally(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/**
 * Points the AWS SDK's clients of one service at a local server through its endpoint variable
 * (e.g. `AWS_ENDPOINT_URL_LAMBDA`), with dummy credentials and a Region where none are set, so a
 * handler module imported afterwards creates working clients unchanged.
 */
export function pointSdkAt(endpointVariable: `AWS_ENDPOINT_URL_${string}`, endpoint: string): void {
  Object.assign(process.env, {
    [endpointVariable]: endpoint,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'LOCAL',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'LOCAL',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  });
}
