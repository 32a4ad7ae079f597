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

/** Talks to one running host: starts instances through the app's HTTP starter and reads status over HTTP. */
export class DurableHostClient {
  constructor(public baseUrl: string) {}

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
    const response = await fetch(`${this.baseUrl}${WEBHOOKS}/instances/${instanceId}${query}`);
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
    return fetch(`${this.baseUrl}${route}`, {
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
