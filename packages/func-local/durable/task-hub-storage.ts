import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { HistoryTable } from './history-table';
import { InstanceTable } from './instance-table';
import { QueueTransport } from './queue-transport';

/**
 * Names of a task hub's tables and queues on func-local. They differ from the Azure Storage provider's
 * (`<hub>Instances`, `<hub>History`, `<hub>-control-NN`, `<hub>-workitems`), whose layout func-local does not
 * share: no provider name ends in `LocalState` or `LocalEvents`, and a provider queue name never has a hyphen
 * before `-control-` or `-workitems` (task hub names are letters and digits), so neither can read the other's.
 */
export function taskHubNames(hubName: string, partitionCount: number) {
  const lower = hubName.toLowerCase();
  return {
    instances: `${hubName}LocalState`,
    history: `${hubName}LocalEvents`,
    workItems: `${lower}-local-workitems`,
    controlQueues: Array.from(
      { length: partitionCount },
      (_, i) => `${lower}-local-control-${String(i).padStart(2, '0')}`,
    ),
    /** A queue the Azure Storage provider creates for every task hub (and func-local did before its own layout). */
    providerControlQueue: `${lower}-control-00`,
  };
}

/** A task hub on Azure Storage: its instance table, its history table and its queues. */
export class TaskHubStorage {
  readonly instances: InstanceTable;
  readonly history: HistoryTable;
  readonly queues: QueueTransport;
  private readonly queueService: QueueServiceClient;

  constructor(
    connectionString: string,
    readonly hubName: string,
    readonly partitionCount: number,
    warn: (message: string) => void = () => undefined,
  ) {
    const names = taskHubNames(hubName, partitionCount);
    // One quick retry per call: the engine retries with its own back-off and reports an outage (the SDKs'
    // defaults retry for up to half a minute, during which the engine would neither work nor say why).
    const options = {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1_000 },
    };
    this.instances = new InstanceTable(
      TableClient.fromConnectionString(connectionString, names.instances, options),
    );
    this.history = new HistoryTable(
      TableClient.fromConnectionString(connectionString, names.history, options),
    );
    this.queueService = QueueServiceClient.fromConnectionString(connectionString, {
      retryOptions: { maxTries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1_000, tryTimeoutInMs: 30_000 },
    });
    this.queues = new QueueTransport(
      this.queueService.getQueueClient(names.workItems),
      names.controlQueues.map((name) => this.queueService.getQueueClient(name)),
      warn,
    );
  }

  async ensure(): Promise<void> {
    await Promise.all([
      this.instances.table.createTable(),
      this.history.table.createTable(),
      this.queues.workItems.createIfNotExists(),
      ...this.queues.controlQueues.map((queue) => queue.createIfNotExists()),
    ]);
  }

  /** Whether the account also holds a task hub of this name in the Azure Storage provider's layout. */
  async hasProviderTaskHub(): Promise<boolean> {
    return this.queueService.getQueueClient(taskHubNames(this.hubName, 1).providerControlQueue).exists();
  }
}
