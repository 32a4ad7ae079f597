import type { ContainerClient } from '@azure/storage-blob';
import { waitFor } from '../../support/wait-for';
import { seedFleet, type JobsHost } from '../jobs/jobs-host';
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

  it('leaves the keys out with excludeKeysInExport', async () => {
    const { container, uri } = await sasContainer(world, 'export-nokeys');
    const created = (await host().registry.exportDevicesToBlob(uri, true)) as unknown as RegistryJob;
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
      (_, i) => `{"id":"big-${i}","importMode":"create","tags":{"batch":"big","n":${i}}}`,
    ).join('\n');
    await input.getBlockBlobClient('devices.txt').upload(text, Buffer.byteLength(text));
    const { uri: outputUri } = await sasContainer(world, 'import-big-out');
    const created = (await host().registry.importDevicesFromBlob(
      inputUri,
      outputUri,
    )) as unknown as RegistryJob;
    await jobWhen(host().registry, created.jobId, (job) => job.deviceCount >= 250);
    const cancelled = (await host().registry.cancelJob(created.jobId)) as unknown as RegistryJob;
    expect(cancelled.status).toBe('cancelled');

    // The step applying a chunk when the cancel came finishes that chunk, records it and stops.
    const settled = await waitFor(
      'the cancelled import to settle',
      async () => [await count("tags.batch = 'big'"), await count("tags.batch = 'big'")] as const,
      ([a, b]) => a === b,
      { intervalMs: 1_500 },
    );
    const job = await jobWhen(host().registry, created.jobId);
    expect(job.status).toBe('cancelled');
    expect(settled[0]).toBeLessThan(100_000);
    expect(job.deviceCount).toBe(settled[0]);
    // Whole devices: the indexed count equals a full scan's count.
    expect(await count("tags.batch = 'big' AND tags.n >= 0")).toBe(settled[0]);
    expect(await count('tags.n >= 0 AND is_defined(tags.batch)')).toBe(settled[0]);
  });
});
