#!/usr/bin/env node
import { createSasToken, parseConnectionString } from '@device-jobs/client';
import { nodeCryptoHmac } from '@device-jobs/client/node';
import { defaultConnectionString } from './local-connection';

/**
 * Prints an `Authorization` header value for the local app: a SharedAccessSignature of the iothubowner policy of
 * local.settings.json (or the sample), valid for the given seconds (default 3600).
 */
const seconds = Number(process.argv[2] ?? 3600);
const connectionString = defaultConnectionString();
if (!connectionString || !Number.isInteger(seconds) || seconds < 1) {
  console.error(
    'usage: npm run -s sas [seconds]   (needs local.settings.json or local.settings.sample.json)',
  );
  process.exit(1);
}
void createSasToken(
  parseConnectionString(connectionString),
  Math.ceil(Date.now() / 1000) + seconds,
  nodeCryptoHmac,
).then((token) => console.log(token));
