import type { ContainerClient } from '@azure/storage-blob';
import { waitFor } from '../../support/wait-for';
import { runCli } from '../cli/cli-runner';
import { seedFleet, sleep, type JobsHost } from '../jobs/jobs-host';
import {
  blobText,
  jobWhen,
  sasContainer,
  startRegistryJobsWorld,
  type RegistryJob,
  type RegistryJobsWorld,
} from './registry-jobs-host';

/**
 * Import and export jobs through azure-iothub's Registry against func-local and Azurite's blob service, and the
 * wire details official clients rely on (numeric job ids, `queued` on create, IoT Edge scopes, outcomes).
 */
jest.setTimeout(120_000);

let world: RegistryJobsWorld;
const host = (): JobsHost => world.host;

beforeAll(async () => {
  world = await startRegistryJobsWorld();
  await seedFleet(
    host(),
    Array.from({ length: 300 }, (_, i) => ({
      id: `exp-${String(i).padStart(3, '0')}`,
      tags: { fleet: 'export', n: i },
      ...(i === 7 ? { simulation: { offline: true } } : {}),
    })),
  );
}, 90_000);

afterAll(async () => {
  await world?.stop();
});

interface Line {
  id: string;
  eTag: string;
  status: string;
  authentication: { type: string; symmetricKey: { primaryKey: string | null; secondaryKey: string | null } };
  twinETag: string;
  tags: Record<string, unknown>;
  properties: { desired: Record<string, unknown>; reported: Record<string, unknown> };
  capabilities: { iotEdge: boolean };
  deviceScope?: string;
  parentScopes?: string[];
  simulation?: Record<string, unknown>;
}

const linesOf = (text: string): Line[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);

/** Every device identity (`GET /devices/{id}` shape) of the registry whose id starts with `prefix`, by query. */
async function deviceIds(where = ''): Promise<string[]> {
  const ids: string[] = [];
  let continuation: string | null = null;
  do {
    const headers: Record<string, string> = { 'x-ms-max-item-count': '1000' };
    if (continuation) headers['x-ms-continuation'] = continuation;
    const response = await host().http('POST', '/devices/query?api-version=2021-04-12', {
      body: { query: `SELECT deviceId FROM devices ${where}` },
      headers,
    });
    expect(response.status).toBe(200);
    ids.push(...((await response.json()) as { deviceId: string }[]).map((row) => row.deviceId));
    continuation = response.headers.get('x-ms-continuation');
  } while (continuation);
  return ids;
}

async function count(where: string): Promise<number> {
  const response = await host().http('POST', '/devices/query?api-version=2021-04-12', {
    body: { query: `SELECT COUNT() AS n FROM devices WHERE ${where}` },
  });
  return ((await response.json()) as { n: number }[])[0]?.n ?? -1;
}

describe('export jobs', () => {
  let withKeys: RegistryJob;

  it('exports every device with its keys, twin and simulation profile to devices.txt', async () => {
    const { container, uri } = await sasContainer(world, 'export-keys');
    const created = (await host().registry.exportDevicesToBlob(uri, false)) as unknown as RegistryJob;
    expect(created).toMatchObject({ type: 'export', status: 'enqueued', progress: 0 });
    expect(created.outputBlobContainerUri).not.toContain('sig=');
    withKeys = await jobWhen(host().registry, created.jobId);
    expect(withKeys).toMatchObject({ status: 'completed', progress: 100, deviceCount: 300 });

    const lines = linesOf(await blobText(container, 'devices.txt'));
    expect(lines).toHaveLength(300);
    const { responseBody: identities } = await host().registry.list();
    const byId = new Map(identities.map((device) => [device.deviceId, device]));
    for (const line of lines) {
      const identity = byId.get(line.id);
      expect(line.eTag).toBe(identity?.etag);
      expect(line.authentication.symmetricKey).toEqual(identity?.authentication?.symmetricKey);
      expect(line.status).toBe('enabled');
    }
    const { responseBody: twin } = await host().registry.getTwin('exp-007');
    const line7 = lines.find((line) => line.id === 'exp-007');
    expect(line7).toMatchObject({
      twinETag: twin.etag,
      tags: { fleet: 'export', n: 7 },
      properties: { desired: {}, reported: {} },
      capabilities: { iotEdge: false },
      simulation: { offline: true },
    });
  });

  it('leaves the keys out with excludeKeysInExport, reaching a container without SAS by the app identity', async () => {
    const { container } = await sasContainer(world, 'export-nokeys');
    // identityBased: no SAS in the URI; offline the app's identity is AzureWebJobsStorage's account key.
    const created = (await host().registry.exportDevicesToBlobByIdentity(
      container.url,
      true,
    )) as unknown as RegistryJob;
    expect(created).toMatchObject({ storageAuthenticationType: 'identityBased' });
    expect(await jobWhen(host().registry, created.jobId)).toMatchObject({
      status: 'completed',
      deviceCount: 300,
    });
    const lines = linesOf(await blobText(container, 'devices.txt'));
    expect(lines.map((line) => line.id).sort()).toEqual((await deviceIds()).sort());
    for (const line of lines) {
      expect(line.authentication).toEqual({
        type: 'sas',
        symmetricKey: { primaryKey: null, secondaryKey: null },
      });
    }
  });

  it('lists jobs newest first and reads one by id; an unknown id is JobNotFound', async () => {
    const { responseBody: jobs } = await host().registry.listJobs();
    const listed = jobs as RegistryJob[];
    expect(listed.length).toBeGreaterThanOrEqual(2);
    expect(listed[1]?.jobId).toBe(withKeys.jobId);
    expect(await host().registry.getJob(withKeys.jobId)).toMatchObject({
      jobId: withKeys.jobId,
      status: 'completed',
    });
    await expect(host().registry.getJob('no-such-job')).rejects.toMatchObject({
      response: { statusCode: 404 },
    });
  });
});

describe('import jobs', () => {
  let input: ContainerClient;
  let inputUri: string;

  beforeAll(async () => {
    ({ container: input, uri: inputUri } = await sasContainer(world, 'import-in'));
  });

  it('creates, updates and deletes devices, and reports the one bad line in importErrors.log', async () => {
    const { responseBody: before } = await host().registry.get('exp-001');
    const lines = [
      JSON.stringify({
        id: 'imp-new-1',
        importMode: 'create',
        status: 'enabled',
        tags: { fleet: 'imported' },
      }),
      JSON.stringify({ id: 'imp-new-2', importMode: 'createOrUpdate', status: 'disabled' }),
      JSON.stringify({ id: 'exp-001', importMode: 'update', status: 'enabled', tags: { fleet: 'updated' } }),
      JSON.stringify({ id: 'exp-002', importMode: 'delete' }),
      '{"id": "broken", "importMode": ',
      JSON.stringify({ id: 'exp-003', importMode: 'updateTwin', properties: { desired: { fw: '2.0' } } }),
    ];
    await input
      .getBlockBlobClient('devices.txt')
      .upload(lines.join('\n'), Buffer.byteLength(lines.join('\n')));
    const { uri: outputUri, container: output } = await sasContainer(world, 'import-out');
    const created = (await host().registry.importDevicesFromBlob(
      inputUri,
      outputUri,
    )) as unknown as RegistryJob;
    expect(created).toMatchObject({ type: 'import', status: 'enqueued' });
    const done = await jobWhen(host().registry, created.jobId);
    expect(done).toMatchObject({ status: 'completed', progress: 100, deviceCount: 6, failedCount: 1 });

    const errors = linesOf(await blobText(output, 'importErrors.log')) as unknown as {
      deviceId?: string;
      errorCode: number;
      errorStatus: string;
    }[];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ errorCode: 400012 });
    expect(errors[0]?.errorStatus).toMatch(/^Invalid device format in line 5/);

    expect((await host().registry.getTwin('imp-new-1')).responseBody.tags).toEqual({ fleet: 'imported' });
    expect((await host().registry.get('imp-new-2')).responseBody.status).toBe('disabled');
    const { responseBody: after } = await host().registry.get('exp-001');
    expect(after.authentication?.symmetricKey).toEqual(before.authentication?.symmetricKey);
    expect((await host().registry.getTwin('exp-001')).responseBody.tags).toEqual({ fleet: 'updated' });
    await expect(host().registry.get('exp-002')).rejects.toMatchObject({ name: 'DeviceNotFoundError' });
    expect((await host().registry.getTwin('exp-003')).responseBody.properties.desired).toMatchObject({
      fw: '2.0',
    });
    // The twin index follows the import: the indexed query finds the updated and new devices.
    expect(await count("tags.fleet = 'updated'")).toBe(1);
    expect(await count("tags.fleet = 'imported'")).toBe(1);
  });

  it('stops a running 100,000-line import on cancelJob; what it imported is whole and counted', async () => {
    const text = Array.from(
      { length: 100_000 },
      (_, i) => `{"id":"big-${i}","importMode":"create","tags":{"batch":"big","group":${i % 10}}}`,
    ).join('\n');
    await input.getBlockBlobClient('devices.txt').upload(text, Buffer.byteLength(text));
    const { uri: outputUri } = await sasContainer(world, 'import-big-out');
    const created = (await host().registry.importDevicesFromBlob(
      inputUri,
      outputUri,
    )) as unknown as RegistryJob;
    await jobWhen(host().registry, created.jobId, (job) => job.deviceCount >= 100);
    const cancelled = (await host().registry.cancelJob(created.jobId)) as unknown as RegistryJob;
    expect(cancelled.status).toBe('cancelled');

    // The step applying a chunk when the cancel came finishes that chunk, records it in the job and stops.
    const settled = await waitFor(
      'the cancelled import to record its last chunk',
      async () => ({
        devices: await count("tags.batch = 'big'"),
        job: await jobWhen(host().registry, created.jobId),
      }),
      ({ devices, job }) => devices === job.deviceCount,
      { intervalMs: 300 },
    );
    expect(settled.job.status).toBe('cancelled');
    expect(settled.devices).toBeLessThan(100_000);
    expect(settled.devices % 100).toBe(0);
    await sleep(1_000);
    expect(await count("tags.batch = 'big'")).toBe(settled.devices);
    // Whole devices: the twin index (the count above) agrees with a full scan.
    expect(await count('tags.group >= 0 AND is_defined(tags.batch)')).toBe(settled.devices);
  });
});

describe('IoT Edge scopes', () => {
  it('gives an edge device its scope, keeps a child edge and a leaf under it, refuses an unowned scope', async () => {
    const { registry } = host();
    const { responseBody: edge } = await registry.create({
      deviceId: 'edge-1',
      capabilities: { iotEdge: true },
    });
    const scope = `ms-azure-iot-edge://edge-1-${edge.generationId}`;
    expect(edge).toMatchObject({ deviceScope: scope, parentScopes: [] });

    const { responseBody: child } = await registry.create({
      deviceId: 'edge-1-child',
      capabilities: { iotEdge: true },
      parentScopes: [scope],
    });
    expect(child).toMatchObject({
      deviceScope: `ms-azure-iot-edge://edge-1-child-${child.generationId}`,
      parentScopes: [scope],
    });
    const { responseBody: leaf } = await registry.create({ deviceId: 'leaf-1', deviceScope: scope });
    expect(leaf).toMatchObject({ deviceScope: scope, parentScopes: [scope] });

    // The SDK's get-then-update keeps the scopes.
    const { responseBody: read } = await registry.get('leaf-1');
    const { responseBody: updated } = await registry.update({ ...read, status: 'disabled' });
    expect(updated).toMatchObject({ status: 'disabled', deviceScope: scope, parentScopes: [scope] });
    const refused = registry.update({ ...updated, deviceScope: 'ms-azure-iot-edge://nobody-123' });
    await expect(refused).rejects.toMatchObject({ response: { statusCode: 400 } });
    expect(((await registry.get('leaf-1')).responseBody as { deviceScope?: string }).deviceScope).toBe(scope);
  });
});

describe('wire details of JobClient', () => {
  it('takes a numeric job id on every endpoint; a create with a future start answers queued', async () => {
    const { jobClient } = host();
    const later = new Date(Date.now() + 3_600_000);
    const method = { methodName: 'reboot', payload: null, responseTimeoutInSeconds: 10 };
    const created = (await jobClient.scheduleDeviceMethod(42, "deviceId = 'exp-010'", method, later, 600))
      .jobStatus as { jobId: string; status: string };
    expect(created).toMatchObject({ jobId: '42', status: 'queued' });
    expect(((await jobClient.getJob(42)).jobStatus as { status: string }).status).toBe('scheduled');
    expect(((await jobClient.cancelJob(42)).jobStatus as { status: string }).status).toBe('cancelled');
  });

  it('answers outcome.deviceMethodResponse null for the devices of a twin job, as IoT Hub documents', async () => {
    const { jobClient, registry } = host();
    await jobClient.scheduleTwinUpdate('twin-outcome', "deviceId = 'exp-011'", { etag: '*', tags: { x: 1 } });
    const rows = await waitFor(
      'the twin job to finish',
      async () =>
        (
          await registry
            .createQuery("SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'twin-outcome'")
            .next()
        ).result as { status: string; outcome: unknown }[],
      (result) => result[0]?.status === 'completed',
    );
    expect(rows[0]?.outcome).toEqual({ deviceMethodResponse: null });
  });
});

describe('the device-jobs CLI', () => {
  it('exports with --watch (the job progress display), lists and cancels import and export jobs, and reports an unknown job', async () => {
    const env = {
      DEVICE_JOBS_CONNECTION_STRING: host().running.connectionString,
      DEVICE_JOBS_URL: host().running.host.baseUrl,
    };
    const cli = (...args: string[]) => runCli(args, env);
    const { container, uri } = await sasContainer(world, 'export-cli');
    const exported = await cli(
      'registry',
      'export',
      '--container-url',
      uri,
      '--exclude-keys',
      '--watch',
      '--interval',
      '0.2',
    );
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^Created export job [0-9a-f-]{36}\.$/m);
    expect(exported.stdout).toMatch(/^completed 100% succeeded \d+ failed 0 running 0 pending 0 of \d+, /m);
    expect(exported.stdout).toMatch(/^Status +completed$/m);
    expect(exported.stdout).not.toContain('sig=');
    expect(linesOf(await blobText(container, 'devices.txt')).length).toBeGreaterThanOrEqual(300);

    const listed = JSON.parse((await cli('registry', 'jobs', 'list', '--json')).stdout) as RegistryJob[];
    const newest = listed[0];
    expect(newest).toMatchObject({ type: 'export', status: 'completed', progress: 100 });
    const cancelled = await cli('registry', 'jobs', 'cancel', newest?.jobId ?? '', '--json');
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ status: 'completed' });
    const missing = await cli('registry', 'jobs', 'show', 'no-such-job');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/JobNotFound/);
  });
});

describe('an export on a host killed mid-way', () => {
  it('resumes on the next host: devices.txt is complete and holds each device once', async () => {
    const { container, uri } = await sasContainer(world, 'export-crash');
    const created = (await host().registry.exportDevicesToBlob(uri, false)) as unknown as RegistryJob;
    // On an idle machine this fleet exports in well under a second: poll fast and kill as soon as the job has
    // left the queue (usually mid-way; if the kill lands after the last block, the file must still be whole).
    await jobWhen(host().registry, created.jobId, (job) => job.status !== 'enqueued', 20_000, 5);
    const restarted = await world.restartHost(true);
    const done = await jobWhen(restarted.registry, created.jobId, undefined, 40_000);
    const ids = linesOf(await blobText(container, 'devices.txt')).map((line) => line.id);
    const registryIds = await deviceIds();
    expect(done).toMatchObject({ status: 'completed', deviceCount: registryIds.length });
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(registryIds.sort());
  });
});
