import { randomUUID } from 'node:crypto';
import { eventTypeName, EventType, isTerminal, type HistoryEvent } from './history-event';
import type { ControlMessage } from './messages';
import { ConcurrencyConflictError, pendingInstance, type InstanceRecord } from './instance-table';
import type { TaskHubStorage } from './task-hub-storage';

/** Errors of the management API, each with the HTTP status it maps to. */
export class InstanceServiceError extends Error {
  override name = 'InstanceServiceError';
  constructor(
    readonly code: 'InstanceNotFound' | 'InstanceAlreadyExists' | 'InstanceCompleted' | 'BadRequest',
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Status of an instance as the management API answers it (input and output are null, never undefined). */
export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Record<string, unknown>[];
  history?: Record<string, unknown>[];
}

export interface StatusQuery {
  statuses?: string[];
  createdFrom?: Date;
  createdTo?: Date;
  pageSize: number;
  continuationToken?: string;
  showInput: boolean;
}

function invalidId(id: string): boolean {
  if (id.length === 0 || id.length > 256) return true;
  for (const char of id) {
    const code = char.charCodeAt(0);
    if ('/\\#?'.includes(char) || code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Accepts a request body as JSON text; a body that is not JSON is taken as a string. */
export function normalizeJsonBody(text: string): string | null {
  if (text.trim() === '') return null;
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

/** What a durable client can do to instances: the operations behind the management API. */
export class InstanceService {
  constructor(
    private readonly storage: TaskHubStorage,
    private readonly hasOrchestrator: (name: string) => string | undefined,
    private readonly sendControl: (message: ControlMessage) => Promise<void>,
  ) {}

  /**
   * Starts an orchestration. An explicit id that exists is refused while the instance is Pending, Running or
   * Suspended; a Completed, Failed or Terminated instance is replaced by a new execution (Azure's defaults).
   */
  async start(name: string, input: string | null, instanceId?: string): Promise<string> {
    const registered = this.hasOrchestrator(name);
    if (!registered) {
      throw new InstanceServiceError(
        'BadRequest',
        400,
        `The function '${name}' doesn't exist, or is not an orchestrator function.`,
      );
    }
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    if (invalidId(id)) {
      throw new InstanceServiceError(
        'BadRequest',
        400,
        `Instance id '${id}' is invalid: 1–256 characters, no / \\ # ? or control characters.`,
      );
    }
    const record = pendingInstance({
      instanceId: id,
      name: registered,
      input,
      executionId: randomUUID().replace(/-/g, ''),
    });
    // Insert first: a new id (the common case) costs one storage round trip, not a read and then a write.
    if (!(await this.tryWrite(record, undefined))) {
      const existing = await this.storage.instances.read(id);
      if (existing && !isTerminal(existing.status)) {
        throw new InstanceServiceError(
          'InstanceAlreadyExists',
          409,
          `An instance with ID '${id}' already exists (${existing.status}).`,
        );
      }
      if (!(await this.tryWrite(record, existing?.etag))) {
        throw new InstanceServiceError(
          'InstanceAlreadyExists',
          409,
          `An instance with ID '${id}' was just started.`,
        );
      }
      if (existing) await this.storage.history.purge(id, record.executionId);
    }
    await this.sendControl({
      kind: 'ExecutionStarted',
      instanceId: id,
      executionId: record.executionId,
      name: registered,
      input,
    });
    return id;
  }

  /** Writes an instance row (see InstanceTable.write); false when another writer got there first. */
  private async tryWrite(record: InstanceRecord, etag: string | undefined): Promise<boolean> {
    try {
      await this.storage.instances.write(record, etag);
      return true;
    } catch (error: unknown) {
      if (error instanceof ConcurrencyConflictError) return false;
      throw error;
    }
  }

  async status(
    instanceId: string,
    options: { showHistory: boolean; showHistoryOutput: boolean; showInput: boolean },
  ): Promise<InstanceStatus | undefined> {
    const record = await this.storage.instances.read(instanceId);
    if (!record) return undefined;
    const status = toStatus(record, options.showInput);
    if (options.showHistory) {
      const events = await this.storage.history.load(record);
      const history = events
        .filter(
          (e) =>
            e.EventType !== EventType.OrchestratorStarted && e.EventType !== EventType.OrchestratorCompleted,
        )
        .map((e) => describeEvent(e, options.showHistoryOutput));
      status.historyEvents = history;
      status.history = history;
    }
    return status;
  }

  async list(query: StatusQuery): Promise<{ statuses: InstanceStatus[]; continuationToken?: string }> {
    const page = await this.storage.instances.list({
      statuses: query.statuses,
      createdFrom: query.createdFrom,
      createdTo: query.createdTo,
      pageSize: query.pageSize,
      continuationToken: query.continuationToken,
    });
    return {
      statuses: page.records.map((r) => toStatus(r, query.showInput)),
      continuationToken: page.continuationToken,
    };
  }

  /** Sends a control operation to a live instance; 404 when unknown, 410 when it already ended. */
  async signal(instanceId: string, message: ControlMessage): Promise<void> {
    const record = await this.storage.instances.read(instanceId);
    if (!record)
      throw new InstanceServiceError('InstanceNotFound', 404, `No instance with ID '${instanceId}' found.`);
    if (isTerminal(record.status)) {
      throw new InstanceServiceError(
        'InstanceCompleted',
        410,
        `Instance '${instanceId}' is ${record.status}.`,
      );
    }
    await this.sendControl(message);
  }

  /** Purges a Completed, Failed or Terminated instance (row and history); returns how many were deleted. */
  async purge(instanceId: string): Promise<number> {
    const record = await this.storage.instances.read(instanceId);
    if (!record || !isTerminal(record.status)) return 0;
    await this.storage.history.purge(instanceId);
    await this.storage.instances.delete(instanceId);
    return 1;
  }

  async purgeBy(query: Omit<StatusQuery, 'pageSize' | 'continuationToken' | 'showInput'>): Promise<number> {
    let deleted = 0;
    let continuationToken: string | undefined;
    do {
      const page = await this.storage.instances.list({ ...query, pageSize: 500, continuationToken });
      for (const record of page.records) deleted += await this.purge(record.instanceId);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return deleted;
  }
}

function toStatus(record: InstanceRecord, showInput: boolean): InstanceStatus {
  return {
    name: record.name,
    instanceId: record.instanceId,
    runtimeStatus: record.status,
    input: showInput ? parse(record.input) : null,
    customStatus: parse(record.customStatus),
    output: parse(record.output),
    createdTime: record.createdTime.toISOString(),
    lastUpdatedTime: record.lastUpdatedTime.toISOString(),
  };
}

function describeEvent(event: HistoryEvent, showOutput: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    EventType: eventTypeName(event.EventType),
    Timestamp: event.Timestamp,
  };
  if (event.EventId >= 0) out.EventId = event.EventId;
  if (event.Name !== undefined) out.Name = event.Name;
  if (event.EventType === EventType.ExecutionStarted || event.EventType === EventType.EventRaised)
    out.Input = parse(event.Input ?? null);
  if (event.TaskScheduledId !== undefined) out.TaskScheduledId = event.TaskScheduledId;
  if (event.TimerId !== undefined) out.TimerId = event.TimerId;
  if (event.FireAt !== undefined) out.FireAt = event.FireAt;
  if (event.InstanceId !== undefined) out.InstanceId = event.InstanceId;
  if (event.OrchestrationStatus !== undefined) out.OrchestrationStatus = event.OrchestrationStatus;
  if (event.Reason !== undefined) out.Reason = event.Reason;
  if (showOutput && event.Result !== undefined) out.Result = parse(event.Result);
  return out;
}
