import { TableClient, TableServiceClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { OUTAGE_CLIENT_OPTIONS } from './storage-availability';
import type { StorageSettings } from './storage-settings';

/** A storage account: a connection string (Azurite, account keys) or settings of an identity-based connection. */
export type StorageAccount = string | StorageSettings;

/** The credential of an identity-based connection, as the Functions host picks it from `__credential`/`__clientId`. */
export function storageCredential(settings: {
  credential: 'managedidentity' | undefined;
  clientId: string | undefined;
}): TokenCredential {
  const { credential, clientId } = settings;
  if (credential === 'managedidentity') {
    return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : undefined);
}

function connectionStringOf(account: StorageAccount): string | undefined {
  if (typeof account === 'string') return account;
  return account.kind === 'connectionString' ? account.connectionString : undefined;
}

const credentials = new WeakMap<object, TokenCredential>();

function credentialOf(settings: Extract<StorageSettings, { kind: 'identity' }>): TokenCredential {
  let credential = credentials.get(settings);
  if (!credential) {
    credential = storageCredential(settings);
    credentials.set(settings, credential);
  }
  return credential;
}

/**
 * Azurite and other local emulators speak plain HTTP; the SDK refuses shared-key auth over HTTP unless told. Any
 * connection string naming an http endpoint, the http protocol or development storage is such a local account.
 */
export function isLocalConnection(connectionString: string): boolean {
  return /DefaultEndpointsProtocol=http;|UseDevelopmentStorage=true|=\s*http:\/\//i.test(connectionString);
}

/** A client of one table of the account. */
export function tableClientFor(account: StorageAccount, tableName: string): TableClient {
  const connectionString = connectionStringOf(account);
  if (connectionString !== undefined) {
    return TableClient.fromConnectionString(connectionString, tableName, {
      allowInsecureConnection: isLocalConnection(connectionString),
      ...OUTAGE_CLIENT_OPTIONS,
    });
  }
  const settings = account as Extract<StorageSettings, { kind: 'identity' }>;
  return new TableClient(settings.tableServiceUri, tableName, credentialOf(settings), OUTAGE_CLIENT_OPTIONS);
}

/** A client of the account's table service (creating tables). */
export function tableServiceClientFor(account: StorageAccount): TableServiceClient {
  const connectionString = connectionStringOf(account);
  if (connectionString !== undefined) {
    return TableServiceClient.fromConnectionString(connectionString, {
      allowInsecureConnection: isLocalConnection(connectionString),
      ...OUTAGE_CLIENT_OPTIONS,
    });
  }
  const settings = account as Extract<StorageSettings, { kind: 'identity' }>;
  return new TableServiceClient(settings.tableServiceUri, credentialOf(settings), OUTAGE_CLIENT_OPTIONS);
}

/** A client of one queue of the account. */
export function queueClientFor(account: StorageAccount, queueName: string): QueueClient {
  const connectionString = connectionStringOf(account);
  if (connectionString !== undefined) return new QueueClient(connectionString, queueName);
  const settings = account as Extract<StorageSettings, { kind: 'identity' }>;
  if (!settings.queueServiceUri) {
    throw new Error(
      'App setting AzureWebJobsStorage__queueServiceUri (or __accountName) is missing: the job events queue needs it.',
    );
  }
  return new QueueClient(`${settings.queueServiceUri}/${queueName}`, credentialOf(settings));
}

/**
 * Sends JSON messages to one queue, Base64-encoded (what a Functions queue trigger decodes by default); the queue
 * is created on first use.
 */
export function queueJsonSender(
  account: StorageAccount,
  queueName: string,
): (message: unknown) => Promise<void> {
  const client = queueClientFor(account, queueName);
  let ready: Promise<unknown> | undefined;
  return async (message) => {
    ready ??= client.createIfNotExists().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    await ready;
    await client.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
  };
}
