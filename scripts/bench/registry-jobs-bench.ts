/**
 * Import and export jobs at scale, as ratios to Azurite's own blob and table rates measured in the same run.
 *
 * Usage: npm run bench:registry-jobs [-- --devices N]   (default 100,000)
 *
 * 1. Azurite's rates: devices.txt-sized lines staged as 1,000-line blocks and committed (blob write), read back in
 *    1 MB ranges (blob read); entities shaped like registry rows inserted in batch transactions of 100 over 32
 *    partitions, 8 in flight (table write), as the registry's creates go.
 * 2. An import job of N `create` lines (tags like the demo fleet's), from the create to `completed`.
 * 3. An export job of those N devices, from the create to `completed`.
 */
import { BlobServiceClient, ContainerSASPermissions, type ContainerClient } from '@azure/storage-blob';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import * as bench from './bench-start';
import { peakRssMb } from './bench-support';
import { benchOptions, wholeNumberFrom } from './bench-options';

interface RegistryJobView {
  jobId: string;
  status: string;
  deviceCount: number;
  failedCount?: number;
  failureReason?: string;
}

const { devices } = benchOptions(
  "Import and export jobs at scale, as ratios to Azurite's own blob and table rates in the same run; writes BENCHMARKS.md.",
  {
    devices: {
      value: wholeNumberFrom(1),
      default: 100_000,
      placeholder: 'N',
      description: 'devices imported and exported',
    },
  },
);

const line = (i: number) =>
  JSON.stringify({
    id: `bench-${String(i).padStart(6, '0')}`,
    importMode: 'create',
    status: 'enabled',
    tags: { building: String(1 + (i % 50)), floor: i % 8, region: ['eu-west', 'us-east'][i % 2] },
  });

async function sasUri(container: ContainerClient): Promise<string> {
  await container.createIfNotExists();
  return container.generateSasUrl({
    permissions: ContainerSASPermissions.parse('racwdl'),
    expiresOn: new Date(Date.now() + 6 * 3_600_000),
  });
}

/** Blob write and read rates of Azurite for `devices` lines of an export's size, lines per second. */
async function blobRates(
  blobs: BlobServiceClient,
  devices: number,
): Promise<{ write: number; read: number }> {
  const container = blobs.getContainerClient('bench-baseline');
  await container.createIfNotExists();
  const blob = container.getBlockBlobClient('baseline.txt');
  // An export line is about 400 bytes (keys, twin, metadata): pad the import line to that.
  const padded = (i: number) => `${line(i).slice(0, -1)},"pad":"${'x'.repeat(220)}"}`;
  const started = performance.now();
  const ids: string[] = [];
  for (let from = 0; from < devices; from += 1000) {
    const text = Array.from({ length: Math.min(1000, devices - from) }, (_, k) => padded(from + k)).join(
      '\n',
    );
    const id = Buffer.from(`block-${String(ids.length).padStart(6, '0')}`).toString('base64');
    await blob.stageBlock(id, text, Buffer.byteLength(text));
    ids.push(id);
  }
  await blob.commitBlockList(ids);
  const write = devices / ((performance.now() - started) / 1000);
  const size = (await blob.getProperties()).contentLength ?? 0;
  const readStarted = performance.now();
  for (let offset = 0; offset < size; offset += 1024 * 1024) {
    await blob.downloadToBuffer(offset, Math.min(1024 * 1024, size - offset));
  }
  return { write, read: devices / ((performance.now() - readStarted) / 1000) };
}

/** Azurite's batched insert rate of registry-shaped rows (one entity per device), entities per second. */
async function tableRate(connectionString: string, devices: number): Promise<number> {
  const table = TableClient.fromConnectionString(connectionString, 'benchbaseline', {
    allowInsecureConnection: true,
  });
  await table.createTable();
  const record = 'x'.repeat(900);
  const batches: TransactionAction[][] = [];
  for (let partition = 0; partition < 32; partition += 1) {
    let batch: TransactionAction[] = [];
    for (let i = partition; i < devices; i += 32) {
      batch.push([
        'create',
        { partitionKey: `d${partition}`, rowKey: `bench-${i}`, record0: record, recordParts: 1 },
      ]);
      if (batch.length === 100) {
        batches.push(batch);
        batch = [];
      }
    }
    if (batch.length > 0) batches.push(batch);
  }
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) await table.submitTransaction(batches[next++] ?? []);
    }),
  );
  return devices / ((performance.now() - started) / 1000);
}

async function runJob(
  app: bench.AppClient,
  body: unknown,
): Promise<{ job: RegistryJobView; seconds: number }> {
  const started = performance.now();
  const created = (await app.call('POST', '/jobs/create?api-version=2021-04-12', body))
    .json as RegistryJobView;
  let last = '';
  for (;;) {
    const job = (await app.call('GET', `/jobs/${created.jobId}`)).json as RegistryJobView;
    if (['completed', 'failed', 'cancelled'].includes(job.status)) {
      return { job, seconds: (performance.now() - started) / 1000 };
    }
    const progress = `${job.status} ${job.deviceCount}`;
    if (progress !== last) process.stdout.write(`\r  ${progress}        `);
    last = progress;
    await bench.sleep(500);
  }
}

bench.runAppBenchmark(async ({ azurite, startApp }) => {
  const loadBefore = bench.loadAverage();
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  console.log(`Azurite baselines for ${devices} lines …`);
  const blob = await blobRates(blobs, devices);
  const table = await tableRate(azurite.connectionString, devices);
  console.log(
    `  blob write ${blob.write.toFixed(0)}/s, blob read ${blob.read.toFixed(0)}/s, table ${table.toFixed(0)}/s`,
  );

  const { host, client: app } = await startApp('RegistryJobsBench');

  const input = blobs.getContainerClient('bench-import');
  const inputUri = await sasUri(input);
  const text = Array.from({ length: devices }, (_, i) => line(i)).join('\n');
  await input.getBlockBlobClient('devices.txt').upload(text, Buffer.byteLength(text));
  const outputUri = await sasUri(blobs.getContainerClient('bench-import-report'));
  console.log(`Import of ${devices} lines …`);
  const imported = await runJob(app, {
    type: 'import',
    inputBlobContainerUri: inputUri,
    outputBlobContainerUri: outputUri,
  });
  console.log(`\n  ${imported.job.status} in ${imported.seconds.toFixed(1)} s`);
  if (
    imported.job.status !== 'completed' ||
    imported.job.deviceCount !== devices ||
    imported.job.failedCount
  ) {
    throw new Error(`The import did not import every line: ${JSON.stringify(imported.job)}`);
  }

  const exportUri = await sasUri(blobs.getContainerClient('bench-export'));
  console.log(`Export of ${devices} devices …`);
  const exported = await runJob(app, {
    type: 'export',
    outputBlobContainerUri: exportUri,
    excludeKeysInExport: false,
  });
  console.log(`\n  ${exported.job.status} in ${exported.seconds.toFixed(1)} s`);
  if (exported.job.status !== 'completed' || exported.job.deviceCount !== devices) {
    throw new Error(`The export did not export every device: ${JSON.stringify(exported.job)}`);
  }
  const rss = peakRssMb(host.child.pid);
  const importRate = devices / imported.seconds;
  const exportRate = devices / exported.seconds;
  const ratio = (a: number, b: number) => `${Number((a / b).toPrecision(2))}×`;
  // An imported device is four table entities: its row and one index entry per tag (three tags here).
  const entitiesPerDevice = 4;
  const section = [
    '## Import and export jobs',
    '',
    `\`node dist/scripts/bench/registry-jobs-bench.js --devices ${devices}\` on ${new Date().toISOString().slice(0, 16)} UTC, ` +
      `${bench.machineDescription()}; load average ${loadBefore} at the start, ${bench.loadAverage()} at the end (other sessions ` +
      'shared the cores). One func-local host, one in-memory Azurite; job creation to `completed`, polled every 0.5 s.',
    '',
    '| Measured in the same run | devices/s | ÷ Azurite blob write | ÷ Azurite blob read | ÷ Azurite table batch insert |',
    '| --- | --- | --- | --- | --- |',
    `| Azurite blob write (1,000-line blocks) | ${blob.write.toFixed(0)} | 1× | | |`,
    `| Azurite blob read (1 MB ranges) | ${blob.read.toFixed(0)} | | 1× | |`,
    `| Azurite table batch insert (100 per transaction, 8 in flight) | ${table.toFixed(0)} | | | 1× |`,
    `| Import job, ${devices} \`create\` lines (device + 3 tag index entries each) | ${importRate.toFixed(0)} | | ${ratio(importRate, blob.read)} | ${ratio(importRate, table)} |`,
    `| Export job, ${devices} devices (with keys) | ${exportRate.toFixed(0)} | ${ratio(exportRate, blob.write)} | | ${ratio(exportRate, table)} |`,
    '',
    `Import ${imported.seconds.toFixed(1)} s, export ${exported.seconds.toFixed(1)} s; peak resident memory of the host ` +
      `${rss ?? '?'} MB (chunks of 1,000 devices: memory does not grow with the fleet). The import writes ` +
      `${entitiesPerDevice} table entities per device: ${(importRate * entitiesPerDevice).toFixed(0)} entities/s, ` +
      `${ratio(importRate * entitiesPerDevice, table)} of Azurite's batch-insert rate; the export reads the registry in ` +
      'pages of 1,000 and stages one block per page.',
  ].join('\n');
  console.log(section);
  await bench.writeBenchmarkSection('registry-jobs', section);
});
