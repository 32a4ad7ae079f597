import path from 'node:path';
import {
  EventType,
  eventTypeName,
  type HistoryEvent,
} from '../../../../packages/func-local/durable/history-event';
import { TaskHubStorage } from '../../../../packages/func-local/durable/task-hub-storage';
import { waitFor } from '../../../support/wait-for';

export const DURABLE_APP = path.resolve(__dirname, '../../../fixtures/durable-app');
export const WEBHOOKS = '/runtime/webhooks/durabletask';

export interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The management API key a host printed at start (a fresh one per start, required as `code=`). */
export function managementKey(host: { output: string[] }): string {
  for (const line of host.output) {
    const key = /Management API key of this start: ([A-Za-z0-9_-]+)/.exec(line)?.[1];
    if (key) return key;
  }
  throw new Error(`The host printed no management API key. Output:\n${host.output.join('\n')}`);
}

/** A management API URL of the host with its key as `code=`. */
export function managementUrl(host: { baseUrl: string; output: string[] }, route: string): string {
  const url = new URL(`${host.baseUrl}${route}`);
  url.searchParams.set('code', managementKey(host));
  return url.toString();
}

/** Talks to one running host: starts instances through the app's HTTP starter and reads status over HTTP. */
export class DurableHostClient {
  readonly baseUrl: string;

  constructor(private readonly host: { baseUrl: string; output: string[] }) {
    this.baseUrl = host.baseUrl;
  }

  async start(name: string, input?: unknown, instanceId?: string): Promise<string> {
    const response = await fetch(`${this.baseUrl}/api/start/${name}${instanceId ? `/${instanceId}` : ''}`, {
      method: 'POST',
      body: input === undefined ? '' : JSON.stringify(input),
    });
    if (response.status !== 202)
      throw new Error(`start ${name}: HTTP ${response.status} ${await response.text()}`);
    return ((await response.json()) as { id: string }).id;
  }

  async status(instanceId: string, query = ''): Promise<Status | undefined> {
    const response = await fetch(managementUrl(this.host, `${WEBHOOKS}/instances/${instanceId}${query}`));
    if (response.status === 404) return undefined;
    return (await response.json()) as Status;
  }

  async waitFor(
    instanceId: string,
    statuses: string[] = ['Completed', 'Failed', 'Terminated'],
    timeoutMs = 30_000,
  ): Promise<Status> {
    return waitFor(
      `${instanceId} to reach ${statuses.join('/')}`,
      () => this.status(instanceId).catch(() => undefined),
      (status): status is Status => status !== undefined && statuses.includes(status.runtimeStatus),
      { timeoutMs },
    );
  }

  async post(route: string, body?: unknown): Promise<Response> {
    const url = route.startsWith(WEBHOOKS) ? managementUrl(this.host, route) : `${this.baseUrl}${route}`;
    return fetch(url, {
      method: 'POST',
      body: body === undefined ? '' : JSON.stringify(body),
    });
  }
}

/** Reads the stored history of an instance's current execution straight from the task hub tables. */
export async function storedHistory(
  connectionString: string,
  hubName: string,
  instanceId: string,
): Promise<HistoryEvent[]> {
  const storage = new TaskHubStorage(connectionString, hubName, 1);
  const record = await storage.instances.read(instanceId);
  if (!record) throw new Error(`No instance ${instanceId}`);
  return storage.history.load(record);
}

export function typesOf(events: HistoryEvent[]): string[] {
  return events.map((e) => eventTypeName(e.EventType));
}

/** Scheduled or answered ids that occur more than once: a duplicated history event. */
export function duplicatedEvents(events: HistoryEvent[]): string[] {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const event of events) {
    let key: string | undefined;
    if (
      [EventType.TaskScheduled, EventType.TimerCreated, EventType.SubOrchestrationInstanceCreated].includes(
        event.EventType,
      )
    ) {
      key = `scheduled:${event.EventId}`;
    } else if (event.TaskScheduledId !== undefined) key = `answered:${event.TaskScheduledId}`;
    else if (event.TimerId !== undefined) key = `fired:${event.TimerId}`;
    else if (event.EventType === EventType.ExecutionStarted) key = 'started';
    else if (event.EventType === EventType.ExecutionCompleted) key = 'completed';
    if (key === undefined) continue;
    if (seen.has(key)) duplicates.push(key);
    seen.add(key);
  }
  return duplicates;
}
