import { DeviceJobsClient, parseConnectionString, SasAuthorizer } from '@device-jobs/client';
import { nodeCryptoHmac } from '@device-jobs/client/node';
import { UsageError } from '../errors';

/**
 * The client of the service named by an IoT Hub-style service connection string and an optional base URL (default
 * `https://<HostName>`). Tokens are signed for the connection string's HostName, as the service checks `sr` against
 * its own host name, whatever URL reaches it.
 */
export function createClient(
  connectionString: string | undefined,
  url: string | undefined,
  pageSize: number,
): DeviceJobsClient {
  if (!connectionString) {
    throw new UsageError(
      'No connection string: pass --connection-string or set DEVICE_JOBS_CONNECTION_STRING.',
    );
  }
  let connection: ReturnType<typeof parseConnectionString>;
  try {
    connection = parseConnectionString(connectionString);
  } catch (error: unknown) {
    throw new UsageError(
      `${(error as Error).message} The connection string needs HostName, SharedAccessKeyName and SharedAccessKey ` +
        '(HostName=…;SharedAccessKeyName=…;SharedAccessKey=…).',
    );
  }
  return new DeviceJobsClient({
    baseUrl: parseBaseUrl(url ?? `https://${connection.hostName}`),
    authorizer: new SasAuthorizer(connection, nodeCryptoHmac),
    pageSize,
  });
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url '${value}' is not a URL (e.g. http://localhost:7071).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--url '${value}' must be an http or https URL.`);
  return url;
}
