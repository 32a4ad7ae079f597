// The SDK's own parser and signer, imported from their modules: the package's index loads every transport (≈ 0.5 s).
import * as ConnectionString from 'azure-iothub/dist/connection_string';
import * as SharedAccessSignature from 'azure-iothub/dist/shared_access_signature';
import { UsageError } from '../errors';

/** Where the service is and how to sign requests for it. */
export interface Connection {
  baseUrl: URL;
  /** A fresh `Authorization` header value (SharedAccessSignature of the connection string's policy). */
  authorization(): string;
}

const TOKEN_LIFETIME_SECONDS = 3600;

/**
 * Builds the connection from an IoT Hub-style service connection string and an optional base URL (default
 * `https://<HostName>`). Tokens are signed for the connection string's HostName, as the service checks `sr` against
 * its own host name, whatever URL reaches it.
 */
export function createConnection(connectionString: string | undefined, url: string | undefined): Connection {
  if (!connectionString) {
    throw new UsageError(
      'No connection string: pass --connection-string or set DEVICE_JOBS_CONNECTION_STRING.',
    );
  }
  let fields: ReturnType<typeof ConnectionString.parse>;
  try {
    // The SDK's service parser: HostName, SharedAccessKeyName and SharedAccessKey are required.
    fields = ConnectionString.parse(connectionString);
  } catch {
    throw new UsageError(
      'The connection string needs HostName, SharedAccessKeyName and SharedAccessKey ' +
        '(HostName=…;SharedAccessKeyName=…;SharedAccessKey=…).',
    );
  }
  const host = fields.HostName ?? '';
  const policy = fields.SharedAccessKeyName ?? '';
  const key = fields.SharedAccessKey ?? '';
  return {
    baseUrl: parseBaseUrl(url ?? `https://${host}`),
    authorization: () =>
      SharedAccessSignature.create(
        host,
        policy,
        key,
        Math.ceil(Date.now() / 1000) + TOKEN_LIFETIME_SECONDS,
      ).toString(),
  };
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
