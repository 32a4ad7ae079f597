import os from 'node:os';
import type { RegisteredFunction } from '../app/capture';
import type { BindingInfo, RpcTypedData } from '../app/core-api';
import type { ExtensionContext, HostExtension, HostHttpRequest, HostHttpResponse } from '../host/extension';
import { ActivityWorker } from './activity-worker';
import { readDurableSettings, type DurableSettings } from './durable-settings';
import { EpisodeRunner } from './episode-runner';
import { InstanceService } from './instance-service';
import { ManagementGuard } from './management-guard';
import { routeManagement, WEBHOOK_PREFIX } from './management-routes';
import { type LocalConsumers, MessageSender } from './message-sender';
import type { ControlMessage } from './messages';
import { OrchestrationDispatcher } from './orchestration-dispatcher';
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
  sender: MessageSender;
  guard: ManagementGuard;
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
    const live: LocalConsumers = {};
    const sender = new MessageSender(storage, settings, live, (message) => log('warning', message));
    const sendControl = (message: ControlMessage, fireAt?: string) => sender.sendControl(message, fireAt);
    const runner = new EpisodeRunner({
      storage,
      settings,
      findOrchestrator,
      invoke: (fn, data) => context.invoke(fn, { data }),
      stage: (messages) => sender.stage(messages),
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
    const guard = new ManagementGuard(context.listenAddress, Number(new URL(context.baseUrl).port));
    this.running = { context, settings, storage, dispatcher, worker, service, sender, guard };
    dispatcher.start();
    worker.start();
    log(
      'information',
      `Durable task hub "${settings.hubName}" ready (${settings.partitionCount} control queues). ` +
        `Management API key of this start: ${guard.key} (code=…, as Azure's durabletask_extension system key).`,
    );
  }

  inputData(_fn: RegisteredFunction, _binding: BindingInfo): Promise<RpcTypedData | null> {
    const running = this.requireRunning();
    return Promise.resolve({ string: JSON.stringify(this.clientData(running)) });
  }

  async handleHttp(request: HostHttpRequest): Promise<HostHttpResponse | undefined> {
    if (!request.url.pathname.startsWith(WEBHOOK_PREFIX) || !this.running) return undefined;
    const running = this.running;
    const checked = running.guard.check(request, WEBHOOK_PREFIX);
    if ('refusal' in checked) return checked.refusal;
    return routeManagement(checked.request, running.service, (id, origin) =>
      this.managementUrls(running, id, origin),
    );
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    running.sender.stop();
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
    return `taskHub=${running.settings.hubName}&connection=Storage&code=${running.guard.key}`;
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
      // Azure serves the client's RPC on a listener only the worker reaches (LocalHttpListener, 127.0.0.1:17071);
      // the SDK adds no key to these calls, so here the key travels in the path.
      rpcBaseUrl: `${base}/${running.guard.rpcSegment}`,
    };
  }
}
