/**
 * How the app reaches its storage account, read from the same settings the Functions host reads for
 * AzureWebJobsStorage: a connection string, or an identity-based connection (`AzureWebJobsStorage__accountName`,
 * `__tableServiceUri`, `__queueServiceUri`, `__credential`, `__clientId`).
 */
export type StorageSettings =
  | { kind: 'connectionString'; connectionString: string }
  | {
      kind: 'identity';
      tableServiceUri: string;
      queueServiceUri: string | undefined;
      /** `managedidentity`: only the app's managed identity; absent: DefaultAzureCredential's chain. */
      credential: 'managedidentity' | undefined;
      /** A user-assigned identity's client id. */
      clientId: string | undefined;
    };

/** A missing or invalid storage setting, named in the message. */
export class StorageSettingsError extends Error {
  override name = 'StorageSettingsError';
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`App setting ${setting} ${problem}`);
  }
}

const PREFIX = 'AzureWebJobsStorage';

function httpsUri(env: Record<string, string | undefined>, setting: string): string | undefined {
  const raw = env[setting]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StorageSettingsError(
      setting,
      `must be a URL like https://<account>.table.core.windows.net (got "${raw}").`,
    );
  }
  if (url.protocol !== 'https:') throw new StorageSettingsError(setting, 'must be an https URL.');
  return raw.replace(/\/+$/, '');
}

/**
 * As on Azure, a connection string in `AzureWebJobsStorage` wins; otherwise the identity-based settings are used,
 * `__accountName` standing for the public cloud's endpoints of that account.
 */
export function readStorageSettings(env: Record<string, string | undefined>): StorageSettings {
  const connectionString = env[PREFIX]?.trim();
  if (connectionString) return { kind: 'connectionString', connectionString };
  const accountName = env[`${PREFIX}__accountName`]?.trim();
  if (accountName !== undefined && !/^[a-z0-9]{3,24}$/.test(accountName)) {
    throw new StorageSettingsError(
      `${PREFIX}__accountName`,
      'must be a storage account name (3-24 lower-case letters and digits).',
    );
  }
  const fromAccount = (service: string) =>
    accountName ? `https://${accountName}.${service}.core.windows.net` : undefined;
  const tableServiceUri = httpsUri(env, `${PREFIX}__tableServiceUri`) ?? fromAccount('table');
  const queueServiceUri = httpsUri(env, `${PREFIX}__queueServiceUri`) ?? fromAccount('queue');
  if (!tableServiceUri) {
    throw new StorageSettingsError(
      PREFIX,
      'is missing: set a connection string, or AzureWebJobsStorage__accountName (or __tableServiceUri) for an identity-based connection.',
    );
  }
  const credential = env[`${PREFIX}__credential`]?.trim().toLowerCase() || undefined;
  if (credential !== undefined && credential !== 'managedidentity') {
    throw new StorageSettingsError(`${PREFIX}__credential`, 'must be "managedidentity" when set.');
  }
  return {
    kind: 'identity',
    tableServiceUri,
    queueServiceUri,
    credential,
    clientId: env[`${PREFIX}__clientId`]?.trim() || undefined,
  };
}
