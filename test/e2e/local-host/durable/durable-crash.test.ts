import path from 'node:path';
import { startAzurite, type RunningAzurite } from '../../../../packages/func-local/storage/azurite';
import { startHostProcess, type HostProcess } from '../../../support/local-host-process';
import {
  DURABLE_APP,
  DurableHostClient,
  duplicatedEvents,
  sleep,
  storedHistory,
  typesOf,
  WEBHOOKS,
} from './durable-test-kit';

jest.setTimeout(120_000);

let azurite: RunningAzurite;
const hosts: HostProcess[] = [];

async function host(env: Record<string, string>, appDir = DURABLE_APP): Promise<HostProcess> {
  const started = await startHostProcess({ appDir, storageConnectionString: azurite.connectionString, env });
  hosts.push(started);
  return started;
}

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
}, 60_000);

afterAll(async () => {
  for (const h of hosts) await h.kill();
  await azurite?.stop();
});

async function expectCleanHistory(hub: string, id: string): Promise<void> {
  const events = await storedHistory(azurite.connectionString, hub, id);
  expect(duplicatedEvents(events)).toEqual([]);
  expect(typesOf(events).filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
}

describe('crash safety', () => {
  it('completes every instance after SIGKILL mid fan-out and during a pending timer, without duplicated events', async () => {
    const hub = 'Crash';
    const first = await host({ TASKHUB_NAME: hub });
    const client = new DurableHostClient(first);
    const fanOut = await client.start('SlowFanOut', { count: 120, ms: 400 }, 'crash-fan-out');
    const timer = await client.start('Timer', 5000, 'crash-timer');
    const sequence = await client.start('Sequence', ['k', 'i', 'l', 'l'], 'crash-sequence');
    await first.waitForOutput(/slow activity/);
    for (let i = 0; i < 100; i++) {
      const scheduledSoFar = await storedHistory(azurite.connectionString, hub, fanOut).catch(() => []);
      if (typesOf(scheduledSoFar).filter((t) => t === 'TaskScheduled').length === 120) break;
      await sleep(50);
    }
    await sleep(200);
    await first.kill();
    const before = await storedHistory(azurite.connectionString, hub, fanOut);
    const completedBefore = typesOf(before).filter((t) => t === 'TaskCompleted').length;
    expect(completedBefore).toBeLessThan(120);
    expect(typesOf(before).filter((t) => t === 'TaskScheduled')).toHaveLength(120);
    const timerBefore = await storedHistory(azurite.connectionString, hub, timer);
    const pendingTimers = timerBefore.filter(
      (e) => typesOf([e])[0] === 'TimerCreated' && !timerBefore.some((f) => f.TimerId === e.EventId),
    );
    expect(pendingTimers).toHaveLength(1);
    expect(typesOf(timerBefore)).not.toContain('ExecutionCompleted');

    const second = await host({ TASKHUB_NAME: hub });
    const after = new DurableHostClient(second);
    const expectedSum = Array.from({ length: 120 }, (_, i) => 400 + (i % 7)).reduce((a, b) => a + b, 0);
    expect(await after.waitFor(fanOut, undefined, 60_000)).toMatchObject({
      runtimeStatus: 'Completed',
      output: expectedSum,
    });
    expect(await after.waitFor(timer, undefined, 60_000)).toMatchObject({
      runtimeStatus: 'Completed',
      output: 'fired after 5000',
    });
    expect(await after.waitFor(sequence, undefined, 60_000)).toMatchObject({
      runtimeStatus: 'Completed',
      output: ['Hello k', 'Hello i', 'Hello l', 'Hello l'],
    });
    for (const id of [fanOut, timer, sequence]) await expectCleanHistory(hub, id);
    const fanOutEvents = await storedHistory(azurite.connectionString, hub, fanOut);
    expect(typesOf(fanOutEvents).filter((t) => t === 'TaskCompleted')).toHaveLength(120);
    await second.stop();
  });

  it('shares one task hub between two host processes without corrupting an instance', async () => {
    const hub = 'TwoHosts';
    const [a, b] = await Promise.all([host({ TASKHUB_NAME: hub }), host({ TASKHUB_NAME: hub })]);
    const clientA = new DurableHostClient(a);
    const clientB = new DurableHostClient(b);
    const ids = await Promise.all([
      clientA.start('SlowFanOut', { count: 150, ms: 20 }, 'shared-fan-out-1'),
      clientB.start('SlowFanOut', { count: 150, ms: 20 }, 'shared-fan-out-2'),
      ...[0, 1, 2, 3].map((i) =>
        (i % 2 ? clientA : clientB).start('Sequence', ['a', 'b', 'c'], `shared-seq-${i}`),
      ),
    ]);
    const expectedSum = Array.from({ length: 150 }, (_, i) => 20 + (i % 7)).reduce((x, y) => x + y, 0);
    for (const id of ids) {
      const done = await clientA.waitFor(id, undefined, 60_000);
      expect(done.runtimeStatus).toBe('Completed');
      if (id.startsWith('shared-fan-out')) expect(done.output).toBe(expectedSum);
      else expect(done.output).toEqual(['Hello a', 'Hello b', 'Hello c']);
      await expectCleanHistory(hub, id);
    }
    const ran = (h: HostProcess) => h.output.filter((line) => line.includes('slow activity')).length;
    expect(ran(a)).toBeGreaterThan(0);
    expect(ran(b)).toBeGreaterThan(0);
    expect(ran(a) + ran(b)).toBeGreaterThanOrEqual(300);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('fails an instance whose orchestrator code changed while it was in flight (NonDeterministic)', async () => {
    const hub = 'Versions';
    const app = path.resolve(__dirname, '../../../fixtures/durable-nondeterminism-app');
    const original = await host({ TASKHUB_NAME: hub, ORCHESTRATOR_VERSION: 'original' }, app);
    const client = new DurableHostClient(original);
    const start = await client.post(`${WEBHOOKS}/orchestrators/Workflow/in-flight`);
    expect(start.status).toBe(202);
    const unchanged = await client.post(`${WEBHOOKS}/orchestrators/Workflow/unchanged`);
    expect(unchanged.status).toBe(202);
    for (const id of ['in-flight', 'unchanged']) {
      for (let i = 0; i < 100; i++) {
        const types = typesOf(await storedHistory(azurite.connectionString, hub, id).catch(() => []));
        if (types.includes('TaskCompleted')) break;
        await sleep(100);
      }
    }
    await client.post(`${WEBHOOKS}/instances/unchanged/raiseEvent/Approve`, 'ok');
    expect((await client.waitFor('unchanged')).output).toEqual(['prepared job', 'finished ok']);
    await original.stop();

    const changed = await host({ TASKHUB_NAME: hub, ORCHESTRATOR_VERSION: 'changed' }, app);
    const after = new DurableHostClient(changed);
    await after.post(`${WEBHOOKS}/instances/in-flight/raiseEvent/Approve`, 'yes');
    const failed = await after.waitFor('in-flight');
    expect(failed.runtimeStatus).toBe('Failed');
    expect(failed.output).toMatch(/Non-Deterministic workflow detected/);
    expect(failed.output).toMatch(
      /CallActivity "Audit" at action 0 where history has TaskScheduled "Prepare"/,
    );
    expect(typesOf(await storedHistory(azurite.connectionString, hub, 'in-flight'))).not.toContain(
      'ExecutionCompleted',
    );
    await changed.stop();
  });
});
