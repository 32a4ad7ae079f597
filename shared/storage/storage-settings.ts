import { keyPath } from '@device-jobs/client/schemas';
import * as v from 'valibot';
import { readSettings, settingGroup, textSetting, type Env } from '../setting-schemas';

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

const PREFIX = 'AzureWebJobsStorage';

/** A service endpoint: an https URL, its trailing slashes dropped; absent or blank is `undefined`. */
const HttpsUriSetting = v.pipe(
  textSetting,
  v.check(
    (raw) => raw === undefined || URL.canParse(raw),
    (issue) => `must be a URL like https://<account>.table.core.windows.net (got "${String(issue.input)}").`,
  ),
  v.check((raw) => raw === undefined || new URL(raw).protocol === 'https:', 'must be an https URL.'),
  v.transform((raw) => raw?.replace(/\/+$/, '')),
);

/** Where an identity-based connection finds the tables and queues: set outright, or the account's public endpoints. */
const EndpointSettingsSchema = v.pipe(
  settingGroup({
    AzureWebJobsStorage__accountName: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.regex(/^[a-z0-9]{3,24}$/, 'must be a storage account name (3-24 lower-case letters and digits).'),
      ),
    ),
    AzureWebJobsStorage__tableServiceUri: HttpsUriSetting,
    AzureWebJobsStorage__queueServiceUri: HttpsUriSetting,
  }),
  // One step derives the endpoints and refuses a missing table endpoint, so the output's table URI is a string.
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const settings = dataset.value;
    const account = settings.AzureWebJobsStorage__accountName;
    const fromAccount = (service: string) =>
      account ? `https://${account}.${service}.core.windows.net` : undefined;
    const tableServiceUri = settings.AzureWebJobsStorage__tableServiceUri ?? fromAccount('table');
    if (tableServiceUri === undefined) {
      addIssue({
        message:
          'is missing: set a connection string, or AzureWebJobsStorage__accountName (or __tableServiceUri) for an identity-based connection.',
        path: keyPath(PREFIX),
      });
      return NEVER;
    }
    return {
      tableServiceUri,
      queueServiceUri: settings.AzureWebJobsStorage__queueServiceUri ?? fromAccount('queue'),
    };
  }),
);

const CredentialSettingsSchema = settingGroup({
  AzureWebJobsStorage__credential: v.pipe(
    textSetting,
    v.transform((raw) => raw?.toLowerCase()),
    v.check(
      (credential) => credential === undefined || credential === 'managedidentity',
      'must be "managedidentity" when set.',
    ),
    v.transform((credential) => (credential === 'managedidentity' ? credential : undefined)),
  ),
  AzureWebJobsStorage__clientId: textSetting,
});

/**
 * As on Azure, a connection string in `AzureWebJobsStorage` wins; otherwise the identity-based settings are used,
 * `__accountName` standing for the public cloud's endpoints of that account. An invalid one is a {@link ConfigError}.
 */
export function readStorageSettings(env: Env): StorageSettings {
  const connectionString = env[PREFIX]?.trim();
  if (connectionString) return { kind: 'connectionString', connectionString };
  const { tableServiceUri, queueServiceUri } = readSettings(EndpointSettingsSchema, env);
  const credentials = readSettings(CredentialSettingsSchema, env);
  return {
    kind: 'identity',
    tableServiceUri,
    queueServiceUri,
    credential: credentials.AzureWebJobsStorage__credential,
    clientId: credentials.AzureWebJobsStorage__clientId,
  };
}
