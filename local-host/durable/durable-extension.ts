import os from 'node:os';
import type { RegisteredFunction } from '../app/capture';
import type { BindingInfo, RpcTypedData } from '../app/core-api';
import type { ExtensionContext, HostExtension, HostHttpRequest, HostHttpResponse } from '../host/extension';
import { ActivityWorker } from './activity-worker';
import { readDurableSettings, type DurableSettings } from './durable-settings';
import { EpisodeRunner } from './episode-runner';
import { InstanceService } from './instance-service';
import { routeManagement, WEBHOOK_PREFIX } from './management-routes';
import type { ControlMessage, OutgoingMessage, WorkItem, WorkItemMessage } from './messages';
import { OrchestrationDispatcher } from './orchestration-dispatcher';
import { runLimited } from './run-limited';
import { StorageHealth } from './storage-health';
import { TaskHubStorage } from './task-hub-storage';

const SOURCE = 'durable';

interface Running {
  context: ExtensionContext;
  settings: DurableSettings;
  storage: TaskHubStorage;
  dispatcher: OrchestrationDispatcher;
  worker: ActivityWorker;
  service: InstanceService;
  timers: Set<NodeJS.Timeout>;
}

const ITEMS_PER_MESSAGE = 32;
const CHARS_PER_MESSAGE = 40_000;

/** Groups activity calls into work-item messages of at most 32 calls and about 40 KB. */
export function batchWorkItems(items: WorkItem[]): WorkItemMessage[] {
  const batches: WorkItemMessage[] = [];
  let current: WorkItem[] = [];
  let chars = 0;
  for (const item of items) {
    const size = JSON.stringify(item).length;
    if (current.length > 0 && (current.length >= ITEMS_PER_MESSAGE || chars + size > CHARS_PER_MESSAGE)) {
      batches.push({ items: current });
      current = [];
      chars = 0;
    }
    current.push(item);
    chars += size;
  }
  if (current.length > 0) batches.push({ items: current });
  return batches;
}

function triggerType(fn: RegisteredFunction): string | undefined {
  return Object.values(fn.metadata.bindings)
    .find((binding) => /trigger$/i.test(binding.type))
    ?.type.toLowerCase();
}

/**
 * The Durable Functions extension of the local host: orchestrations, activities and durable clients on a task
 * hub in Azure Storage (Tables and Queues), with the management API under /runtime/webhooks/durabletask/.
 */
export class DurableExtension implements HostExtension {
  readonly name = 'durable';
  readonly triggerTypes = ['orchestrationTrigger', 'activityTrigger', 'entityTrigger'] as const;
  readonly inputBindingTypes = ['durableClient', 'orchestrationClient'] as const;
  readonly outputBindingTypes = [] as const;
  private running: Running | undefined;

  async start(context: ExtensionContext): Promise<void> {
    const durableTypes = [...this.triggerTypes, ...this.inputBindingTypes].map((t) => t.toLowerCase());
    const usesDurable = context.app.functions.some((fn) =>
      Object.values(fn.metadata.bindings).some((binding) =>
        durableTypes.includes(binding.type.toLowerCase()),
      ),
    );
    // An app without durable functions gets no task hub (no tables or queues created in its storage).
    if (!usesDurable) return;
    const settings = readDurableSettings(context.folder.hostJson, context.env, os.cpus().length);
    const log = (level: 'information' | 'warning' | 'error', message: string) =>
      context.log(SOURCE, level, message);
    const storage = new TaskHubStorage(
      context.storageConnectionString,
      settings.hubName,
      settings.partitionCount,
      (message) => log('warning', message),
    );
    await storage.ensure();
    if (await storage.hasProviderTaskHub()) {
      log(
        'warning',
        `This storage account also holds a task hub "${settings.hubName}" in the Azure Storage provider's layout ` +
          `(queue ${settings.hubName.toLowerCase()}-control-00; func-local used that layout too before it had its own ` +
          `names). func-local keeps its own tables and queues (${settings.hubName}LocalState, ` +
          `${settings.hubName}LocalEvents, ${settings.hubName.toLowerCase()}-local-*): ` +
          `it neither reads nor changes that hub's instances, and they do not see this host's.`,
      );
    }
    const health = new StorageHealth(log);
    if (context.env.WEBSITE_HOSTNAME === undefined)
      context.env.WEBSITE_HOSTNAME = new URL(context.baseUrl).host;
    const find = (type: string) => (name: string) =>
      context.app.functions.find(
        (fn) => triggerType(fn) === type && fn.metadata.name.toLowerCase() === name.toLowerCase(),
      );
    const findOrchestrator = find('orchestrationtrigger');
    const findActivity = find('activitytrigger');
    const timers = new Set<NodeJS.Timeout>();

    const live: { dispatcher?: OrchestrationDispatcher; worker?: ActivityWorker } = {};
    const sendControl = async (message: ControlMessage, fireAt?: string) => {
      const delay = fireAt ? Math.max(0, Date.parse(fireAt) - Date.now()) : 0;
      const capped = Math.min(delay, settings.maxMessageDelayMs);
      const queue = storage.queues.controlQueueFor(message.instanceId);
      const sent = await storage.queues.send(queue, message, capped);
      if (capped === 0) live.dispatcher?.accept(queue, { ...sent, dequeueCount: 0, body: message });
      else if (capped < 60_000) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          live.dispatcher?.wake(message.instanceId);
        }, capped + 50);
        timer.unref();
        timers.add(timer);
      }
    };
    const send = async (messages: OutgoingMessage[]) => {
      const items: WorkItem[] = [];
      const control: Extract<OutgoingMessage, { target: 'control' }>[] = [];
      for (const message of messages) {
        if (message.target === 'workItem') items.push(message.body);
        else control.push(message);
      }
      const batches = batchWorkItems(items);
      await runLimited<WorkItemMessage | (typeof control)[number]>(
        [...batches, ...control],
        16,
        async (message) => {
          if (!('items' in message)) return sendControl(message.body, message.fireAt);
          const worker = live.worker;
          if (worker?.hasRoom()) {
            // Run it here at once; other hosts see it only if this one dies (like a received work item).
            const sent = await storage.queues.send(
              storage.queues.workItems,
              message,
              settings.workItemQueueVisibilityMs,
            );
            worker.take({ ...sent, dequeueCount: 0, body: message });
          } else await storage.queues.send(storage.queues.workItems, message);
        },
      );
      if (batches.length > 0) live.worker?.wake();
    };
    const runner = new EpisodeRunner({
      storage,
      settings,
      findOrchestrator,
      invoke: (fn, data) => context.invoke(fn, { data }),
      send,
      log,
    });
    const dispatcher = new OrchestrationDispatcher(
      storage,
      settings,
      runner,
      (message, fireAt) => sendControl(message, fireAt),
      log,
      health,
    );
    const worker = new ActivityWorker({
      storage,
      settings,
      findActivity,
      invoke: (fn, data: RpcTypedData | null) => context.invoke(fn, { data }),
      sendControl: (message) => sendControl(message),
      log,
      health,
    });
    live.dispatcher = dispatcher;
    live.worker = worker;
    const service = new InstanceService(
      storage,
      (name) => findOrchestrator(name)?.metadata.name,
      (message) => sendControl(message),
    );
    for (const fn of context.app.functions) {
      if (triggerType(fn) === 'entitytrigger') {
        log(
          'warning',
          `Entity function "${fn.metadata.name}": durable entities are not supported by the local host.`,
        );
      }
    }
    this.running = { context, settings, storage, dispatcher, worker, service, timers };
    dispatcher.start();
    worker.start();
    log(
      'information',
      `Durable task hub "${settings.hubName}" ready (${settings.partitionCount} control queues).`,
    );
  }

  inputData(_fn: RegisteredFunction, _binding: BindingInfo): Promise<RpcTypedData | null> {
    const running = this.requireRunning();
    return Promise.resolve({ string: JSON.stringify(this.clientData(running)) });
  }

  async handleHttp(request: HostHttpRequest): Promise<HostHttpResponse | undefined> {
    if (!request.url.pathname.startsWith(WEBHOOK_PREFIX) || !this.running) return undefined;
    const running = this.running;
    return routeManagement(request, running.service, (id, origin) =>
      this.managementUrls(running, id, origin),
    );
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    for (const timer of running.timers) clearTimeout(timer);
    await Promise.all([running.dispatcher.stop(), running.worker.stop()]);
  }

  private requireRunning(): Running {
    if (!this.running) throw new Error('The durable extension is not running.');
    return this.running;
  }

  private base(running: Running, origin?: string): string {
    return `${origin ?? running.context.baseUrl}${WEBHOOK_PREFIX.replace(/\/$/, '')}`;
  }

  private query(running: Running): string {
    return `taskHub=${running.settings.hubName}&connection=Storage`;
  }

  private managementUrls(running: Running, id: string, origin?: string): Record<string, string> {
    const base = `${this.base(running, origin)}/instances/${encodeURIComponent(id)}`;
    const q = this.query(running);
    return {
      id,
      statusQueryGetUri: `${base}?${q}`,
      sendEventPostUri: `${base}/raiseEvent/{eventName}?${q}`,
      terminatePostUri: `${base}/terminate?reason={text}&${q}`,
      rewindPostUri: `${base}/rewind?reason={text}&${q}`,
      purgeHistoryDeleteUri: `${base}?${q}`,
      restartPostUri: `${base}/restart?${q}`,
      suspendPostUri: `${base}/suspend?reason={text}&${q}`,
      resumePostUri: `${base}/resume?reason={text}&${q}`,
    };
  }

  private clientData(running: Running): Record<string, unknown> {
    const base = this.base(running);
    const q = this.query(running);
    return {
      taskHubName: running.settings.hubName,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${q}`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${q}`,
      },
      managementUrls: this.managementUrls(running, 'INSTANCEID'),
      baseUrl: base,
      requiredQueryStringParameters: q,
      rpcBaseUrl: `${base}/`,
    };
  }
}
