import http from 'node:http';
import { startAzurite, type RunningAzurite } from '../../../../packages/func-local/storage/azurite';
import { startHostProcess, type HostProcess } from '../../../support/local-host-process';
import {
  DURABLE_APP,
  DurableHostClient,
  duplicatedEvents,
  managementUrl,
  sleep,
  storedHistory,
  typesOf,
  WEBHOOKS,
} from './durable-test-kit';

jest.setTimeout(60_000);

const HUB = 'Features';
let azurite: RunningAzurite;
let host: HostProcess;
let client: DurableHostClient;
const history = (id: string) => storedHistory(azurite.connectionString, HUB, id);

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  host = await startHostProcess({
    appDir: DURABLE_APP,
    storageConnectionString: azurite.connectionString,
    env: { TASKHUB_NAME: HUB },
  });
  client = new DurableHostClient(host);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

describe('orchestrations through the real CLI', () => {
  it('runs a sequence started by df.getClient and answers createCheckStatusResponse links', async () => {
    const response = await client.post('/api/start/Sequence', ['a', 'b', 'c']);
    expect(response.status).toBe(202);
    const links = (await response.json()) as {
      id: string;
      statusQueryGetUri: string;
      sendEventPostUri: string;
    };
    expect(response.headers.get('location')).toBe(links.statusQueryGetUri);
    expect(links.statusQueryGetUri).toContain(
      `${host.baseUrl}${WEBHOOKS}/instances/${links.id}?taskHub=${HUB}`,
    );
    const done = await client.waitFor(links.id);
    expect(done).toMatchObject({
      runtimeStatus: 'Completed',
      input: ['a', 'b', 'c'],
      output: ['Hello a', 'Hello b', 'Hello c'],
    });
    const polled = await fetch(links.statusQueryGetUri);
    expect(polled.status).toBe(200);
    expect(typesOf(await history(links.id))).toEqual([
      'OrchestratorStarted',
      'ExecutionStarted',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'ExecutionCompleted',
      'OrchestratorCompleted',
    ]);
  });

  it('round-trips string, null-free object and number inputs exactly', async () => {
    const ids = await Promise.all([
      client.start('EchoInput', 'plain string'),
      client.start('EchoInput', { nested: { list: [1, 'two', null] } }),
      client.start('EchoInput', 42),
    ]);
    const outputs = await Promise.all(ids.map(async (id) => (await client.waitFor(id)).output));
    expect(outputs).toEqual([
      { input: 'plain string', echoed: 'plain string', type: 'string' },
      {
        input: { nested: { list: [1, 'two', null] } },
        echoed: { nested: { list: [1, 'two', null] } },
        type: 'object',
      },
      { input: 42, echoed: 42, type: 'number' },
    ]);
  });

  it('fans out 300 activities and fans in their results', async () => {
    const id = await client.start('FanOut', 300);
    const done = await client.waitFor(id);
    expect(done.output).toBe(300 * 301);
    const events = await history(id);
    expect(events.filter((e) => typesOf([e])[0] === 'TaskScheduled')).toHaveLength(300);
    expect(events.filter((e) => typesOf([e])[0] === 'TaskCompleted')).toHaveLength(300);
    expect(duplicatedEvents(events)).toEqual([]);
  });

  it('runs at most maxConcurrentActivityFunctions activities at once', async () => {
    const id = await client.start('ConcurrencyProbe');
    const peak = (await client.waitFor(id)).output as number;
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(16);
  });

  it('fires a durable timer no earlier than asked', async () => {
    const started = Date.now();
    const id = await client.start('Timer', 1200);
    const done = await client.waitFor(id);
    expect(done.output).toBe('fired after 1200');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
    expect(typesOf(await history(id))).toEqual([
      'OrchestratorStarted',
      'ExecutionStarted',
      'TimerCreated',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TimerFired',
      'ExecutionCompleted',
      'OrchestratorCompleted',
    ]);
  });

  it('re-arms a timer whose delay exceeds the longest queue visibility delay', async () => {
    const started = Date.now();
    const id = await client.start('Timer', 1900);
    expect((await client.waitFor(id)).output).toBe('fired after 1900');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(typesOf(await history(id)).filter((t) => t.startsWith('Timer'))).toEqual([
      'TimerCreated',
      'TimerFired',
    ]);
  });

  it('gives timer-triggered functions a working durable client', async () => {
    expect(await client.waitFor('from-timer')).toMatchObject({
      runtimeStatus: 'Completed',
      output: ['Hello timer'],
    });
  });

  it('keeps an external event raised before it is awaited, and shows custom status', async () => {
    const id = await client.start('WaitEvent');
    const raised = await client.post(`/api/client/raise/${id}`, {
      name: 'Approval',
      data: { approved: 'yes' },
    });
    expect(raised.status).toBe(202);
    const done = await client.waitFor(id);
    expect(done.output).toEqual({ approved: 'yes' });
    expect(done.customStatus).toEqual({ stage: 'done' });
  });

  it('answers waitForCompletionOrCreateCheckStatusResponse with the output', async () => {
    const response = await client.post('/api/run/Sequence', ['w']);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(['Hello w']);
  });

  it('retries an activity with back-off and records attempts and retry timers (golden history)', async () => {
    const [ok, exhausted] = await Promise.all([
      client.start('Retry', { key: 'retry-ok', failures: 2, maxAttempts: 4 }),
      client.start('Retry', { key: 'retry-exhausted', failures: 9, maxAttempts: 2 }),
    ]);
    expect((await client.waitFor(ok)).output).toBe('succeeded on attempt 3');
    expect((await client.waitFor(exhausted)).output).toBe('gave up: Flaky failure 2');
    const okEvents = (await history(ok)).filter((e) => !typesOf([e])[0]?.startsWith('Orchestrator'));
    expect(
      okEvents.map((e) => [typesOf([e])[0], e.EventId >= 0 ? e.EventId : (e.TaskScheduledId ?? e.TimerId)]),
    ).toEqual([
      ['ExecutionStarted', undefined],
      ['TaskScheduled', 0],
      ['TaskFailed', 0],
      ['TimerCreated', 1],
      ['TimerFired', 1],
      ['TaskScheduled', 2],
      ['TaskFailed', 2],
      ['TimerCreated', 3],
      ['TimerFired', 3],
      ['TaskScheduled', 4],
      ['TaskCompleted', 4],
      ['ExecutionCompleted', undefined],
    ]);
    const timers = okEvents.filter((e) => typesOf([e])[0] === 'TimerCreated');
    const delays = timers.map((t) => Date.parse(t.FireAt ?? '') - Date.parse(t.Timestamp));
    expect(delays).toEqual([100, 200]);
    expect(
      typesOf((await history(exhausted)).filter((e) => !typesOf([e])[0]?.startsWith('Orchestrator'))),
    ).toEqual([
      'ExecutionStarted',
      'TaskScheduled',
      'TaskFailed',
      'TimerCreated',
      'TimerFired',
      'TaskScheduled',
      'TaskFailed',
      'TimerCreated',
      'TimerFired',
      'ExecutionCompleted',
    ]);
  });

  it('splits a long timer into segments (golden history)', async () => {
    const id = await client.start('LongTimer');
    expect((await client.waitFor(id)).output).toBe('long timer fired');
    const events = await history(id);
    expect(typesOf(events)).toEqual([
      'OrchestratorStarted',
      'ExecutionStarted',
      'TimerCreated',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TimerFired',
      'TimerCreated',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TimerFired',
      'TimerCreated',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TimerFired',
      'ExecutionCompleted',
      'OrchestratorCompleted',
    ]);
    const created = events.filter((e) => typesOf([e])[0] === 'TimerCreated');
    expect(created.map((e) => e.EventId)).toEqual([0, 1, 2]);
    const last = created[2];
    expect(last?.FireAt).toBe(last?.FinalFireAt);
  });

  it('lets an event beat a timer in Task.any and a timer beat a missing event (golden histories)', async () => {
    const eventWins = await client.start('RaceTimer', 1500);
    await client.post(`${WEBHOOKS}/instances/${eventWins}/raiseEvent/Go`, 'fast');
    const timerWins = await client.start('RaceTimer', 300);
    expect((await client.waitFor(eventWins)).output).toBe('event:fast');
    expect((await client.waitFor(timerWins)).output).toBe('timeout');
    const eventTypes = typesOf(await history(eventWins));
    expect(eventTypes.slice(0, 4)).toEqual([
      'OrchestratorStarted',
      'ExecutionStarted',
      'TimerCreated',
      'OrchestratorCompleted',
    ]);
    expect(eventTypes.slice(-2)).toEqual(['ExecutionCompleted', 'OrchestratorCompleted']);
    expect(eventTypes).toContain('EventRaised');
    expect(eventTypes).not.toContain('TimerFired');
    expect(typesOf(await history(timerWins))).toEqual([
      'OrchestratorStarted',
      'ExecutionStarted',
      'TimerCreated',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TimerFired',
      'ExecutionCompleted',
      'OrchestratorCompleted',
    ]);
  });

  it('runs sub-orchestrations with and without retry', async () => {
    const id = await client.start('Parent', undefined, 'parent-1');
    const done = await client.waitFor(id);
    expect(done.output).toEqual({
      greetings: ['Hello x', 'Hello y'],
      failure: "Orchestrator function 'Failing' failed: boom sub",
    });
    expect(await client.status('parent-1-child')).toMatchObject({
      runtimeStatus: 'Completed',
      output: ['Hello x', 'Hello y'],
    });
    const types = typesOf(await history(id)).filter((t) => t.startsWith('SubOrchestration'));
    expect(types).toEqual([
      'SubOrchestrationInstanceCreated',
      'SubOrchestrationInstanceCompleted',
      'SubOrchestrationInstanceCreated',
      'SubOrchestrationInstanceFailed',
      'SubOrchestrationInstanceCreated',
      'SubOrchestrationInstanceFailed',
    ]);
  });

  it('continues as new with fresh history and the new input (golden history)', async () => {
    const id = await client.start('Counter', 0);
    const done = await client.waitFor(id);
    expect(done).toMatchObject({ runtimeStatus: 'Completed', input: 3, output: { n: 3, doubled: 6 } });
    expect(typesOf(await history(id))).toEqual([
      'OrchestratorStarted',
      'ExecutionStarted',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'ExecutionCompleted',
      'OrchestratorCompleted',
    ]);
  });

  it('fails an orchestration that throws, and one that uses entities or callHttp', async () => {
    const [failing, entity, http] = await Promise.all([
      client.start('Failing', 'x'),
      client.start('UsesEntity'),
      client.start('UsesHttp'),
    ]);
    expect(await client.waitFor(failing)).toMatchObject({
      runtimeStatus: 'Failed',
      output: "Orchestrator function 'Failing' failed: boom x",
    });
    expect((await client.waitFor(entity)).output).toMatch(/entities .* not supported by the local host/);
    expect((await client.waitFor(http)).output).toMatch(/callHttp is not supported by the local host/);
    expect(typesOf(await history(failing)).slice(-2)).toEqual(['ExecutionFailed', 'OrchestratorCompleted']);
  });
});

describe('the management API', () => {
  it('suspends, holds events while suspended, resumes, and terminates', async () => {
    const id = await client.start('WaitEvent');
    expect((await client.post(`/api/client/suspend/${id}`, { reason: 'pause' })).status).toBe(202);
    await client.waitFor(id, ['Suspended']);
    await client.post(`/api/client/raise/${id}`, { name: 'Approval', data: 'while suspended' });
    await sleep(1000);
    expect((await client.status(id))?.runtimeStatus).toBe('Suspended');
    await client.post(`/api/client/resume/${id}`, { reason: 'go on' });
    expect(await client.waitFor(id)).toMatchObject({ runtimeStatus: 'Completed', output: 'while suspended' });
    const types = typesOf(await history(id));
    expect(types.indexOf('ExecutionSuspended')).toBeLessThan(types.indexOf('ExecutionResumed'));
    expect(types.indexOf('ExecutionResumed')).toBeLessThan(types.indexOf('EventRaised'));

    const forever = await client.start('Forever');
    await client.waitFor(forever, ['Running']);
    await client.post(`/api/client/terminate/${forever}`, { reason: 'enough' });
    expect(await client.waitFor(forever)).toMatchObject({ runtimeStatus: 'Terminated', output: 'enough' });
    const late = await client.post(`${WEBHOOKS}/instances/${forever}/raiseEvent/Never`, 1);
    expect(late.status).toBe(410);
  });

  it('refuses to start over a running instance and replaces a completed one', async () => {
    await client.start('Forever', undefined, 'fixed-id');
    const again = await client.post(`${WEBHOOKS}/orchestrators/Forever/fixed-id`);
    expect(again.status).toBe(409);
    await client.post(`${WEBHOOKS}/instances/fixed-id/terminate?reason=stop`);
    await client.waitFor('fixed-id');
    await client.start('Sequence', ['again'], 'fixed-id');
    expect(await client.waitFor('fixed-id')).toMatchObject({
      name: 'Sequence',
      runtimeStatus: 'Completed',
      output: ['Hello again'],
    });
    expect(typesOf(await history('fixed-id'))[1]).toBe('ExecutionStarted');
    expect(typesOf(await history('fixed-id')).filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
  });

  it('shows history and input on request, and lists by status and created time with paging', async () => {
    const from = new Date();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await client.start('Sequence', [`p${i}`], `page-${i}`));
    await Promise.all(ids.map((id) => client.waitFor(id)));
    const withHistory = (await (
      await fetch(
        managementUrl(
          host,
          `${WEBHOOKS}/instances/page-0?showHistory=true&showHistoryOutput=true&showInput=false`,
        ),
      )
    ).json()) as { input: unknown; historyEvents: { EventType: string; Result?: unknown }[] };
    expect(withHistory.input).toBeNull();
    expect(withHistory.historyEvents.map((e) => e.EventType)).toEqual([
      'ExecutionStarted',
      'TaskScheduled',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
    expect(withHistory.historyEvents[2]?.Result).toBe('Hello p0');

    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const response: Response = await fetch(
        managementUrl(
          host,
          `${WEBHOOKS}/instances?runtimeStatus=Completed&createdTimeFrom=${from.toISOString()}&top=2`,
        ),
        { headers: token ? { 'x-ms-continuation-token': token } : {} },
      );
      const page = (await response.json()) as { instanceId: string; input: unknown; output: unknown }[];
      for (const status of page) {
        expect(status.input).toBeNull();
        seen.push(status.instanceId);
      }
      token = response.headers.get('x-ms-continuation-token');
      pages++;
    } while (token);
    expect(seen.sort()).toEqual(ids.sort());
    expect(pages).toBeGreaterThanOrEqual(3);

    const viaSdk = (await (
      await client.post('/api/client/statusBy', {
        runtimeStatus: ['Completed'],
        createdTimeFrom: from.toISOString(),
      })
    ).json()) as { instanceId: string }[];
    expect(viaSdk.map((s) => s.instanceId).sort()).toEqual(ids.sort());
    const none = (await (
      await client.post('/api/client/statusBy', {
        runtimeStatus: ['Running'],
        createdTimeFrom: from.toISOString(),
      })
    ).json()) as unknown[];
    expect(none).toEqual([]);

    const sdkStatus = (await (
      await client.post('/api/client/status/page-1', { showHistory: true })
    ).json()) as { output: unknown; history: unknown[] };
    expect(sdkStatus.output).toEqual(['Hello p1']);
    expect(sdkStatus.history).toHaveLength(4);
  });

  it('purges one instance and instances by filter', async () => {
    const from = new Date();
    const ids = await Promise.all(
      [0, 1, 2].map((i) => client.start('Sequence', [`purge${i}`], `purge-${i}`)),
    );
    await Promise.all(ids.map((id) => client.waitFor(id)));
    const one = (await (await client.post('/api/client/purge/purge-0')).json()) as {
      instancesDeleted: number;
    };
    expect(one.instancesDeleted).toBe(1);
    expect(await client.status('purge-0')).toBeUndefined();
    const many = (await (
      await client.post('/api/client/purgeBy', {
        runtimeStatus: ['Completed'],
        createdTimeFrom: from.toISOString(),
      })
    ).json()) as { instancesDeleted: number };
    expect(many.instancesDeleted).toBe(2);
    expect(await client.status('purge-1')).toBeUndefined();
    await expect(storedHistory(azurite.connectionString, HUB, 'purge-2')).rejects.toThrow('No instance');
  });
});

describe('the management API takes no one on their word', () => {
  /** A raw request (fetch would not let a test choose Host or Sec-Fetch-Site). */
  const send = (method: string, route: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) => {
      const base = new URL(host.baseUrl);
      const request = http.request(
        { host: '127.0.0.1', port: base.port, path: route, method, headers: { host: base.host, ...headers } },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.end();
    });
  const withCode = (route: string) =>
    new URL(managementUrl(host, route)).pathname + new URL(managementUrl(host, route)).search;

  it('answers 401 without the per-start key, or with another one', async () => {
    const id = await client.start('Sequence', ['key'], 'guarded');
    await client.waitFor(id);
    expect(await send('GET', `${WEBHOOKS}/instances/${id}`)).toBe(401);
    expect(await send('GET', `${WEBHOOKS}/instances/${id}?code=${'A'.repeat(43)}`)).toBe(401);
    expect(await send('POST', `${WEBHOOKS}/instances/${id}/terminate?reason=x`)).toBe(401);
    expect(await send('GET', `${WEBHOOKS}/rpc/${'A'.repeat(43)}/instances/${id}`)).toBe(401);
    expect(await send('GET', withCode(`${WEBHOOKS}/instances/${id}`))).toBe(200);
  });

  it('refuses a Host that is not the listening address (DNS rebinding)', async () => {
    const port = new URL(host.baseUrl).port;
    expect(
      await send('GET', withCode(`${WEBHOOKS}/instances/guarded`), { host: `evil.example:${port}` }),
    ).toBe(400);
    expect(await send('GET', withCode(`${WEBHOOKS}/instances/guarded`), { host: `127.0.0.1:${port}` })).toBe(
      200,
    );
  });

  it('refuses cross-site state changes, even with the key', async () => {
    const forever = await client.start('Forever', undefined, 'cross-site');
    const terminate = withCode(`${WEBHOOKS}/instances/${forever}/terminate?reason=csrf`);
    expect(await send('POST', terminate, { origin: 'http://evil.example' })).toBe(403);
    expect(await send('POST', terminate, { 'sec-fetch-site': 'cross-site' })).toBe(403);
    expect(await send('POST', terminate, { 'sec-fetch-site': 'same-site' })).toBe(403);
    expect((await client.status(forever))?.runtimeStatus).not.toBe('Terminated');
    expect(await send('POST', terminate, { origin: host.baseUrl, 'sec-fetch-site': 'same-origin' })).toBe(
      202,
    );
    await client.waitFor(forever, ['Terminated']);
  });
});
