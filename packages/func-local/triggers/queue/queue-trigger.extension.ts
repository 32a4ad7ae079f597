import { QueueServiceClient, type DequeuedMessageItem } from '@azure/storage-queue';
import { expandSettings } from '../../app/app-folder';
import type { RegisteredFunction } from '../../app/capture';
import type { BindingInfo, RpcTypedData } from '../../app/core-api';
import { findTrigger } from '../../host/bindings';
import type { ExtensionContext, HostExtension } from '../../host/extension';
import { QueueListener } from './queue-listener';
import { readQueueOptions } from './queue-options';

const DEFAULT_CONNECTION = 'AzureWebJobsStorage';
const DEVELOPMENT_STORAGE = /^\s*UseDevelopmentStorage=true\s*;?\s*$/i;
const QUEUE_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

export class QueueTriggerError extends Error {
  override name = 'QueueTriggerError';
  readonly code = 'InvalidQueueTrigger';
}

/** The queue a trigger listens to, `%SETTING%` expanded and checked against Azure's naming rules. */
export function queueNameOf(fn: RegisteredFunction, binding: BindingInfo, env: NodeJS.ProcessEnv): string {
  const raw = typeof binding.queueName === 'string' ? binding.queueName : '';
  const name = expandSettings(raw, env);
  if (!QUEUE_NAME.test(name)) {
    throw new QueueTriggerError(
      `Function "${fn.metadata.name}": queue name "${name}"${raw !== name ? ` (from "${raw}")` : ''} is invalid: ` +
        'use 3–63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.',
    );
  }
  return name;
}

/**
 * The storage connection string a trigger names: the setting `connection` (or `AzureWebJobs<connection>`),
 * AzureWebJobsStorage by default. Development storage means the storage the host runs on.
 */
export function queueConnectionOf(
  fn: RegisteredFunction,
  binding: BindingInfo,
  context: ExtensionContext,
): string {
  const setting =
    typeof binding.connection === 'string' && binding.connection !== ''
      ? binding.connection
      : DEFAULT_CONNECTION;
  if (setting === DEFAULT_CONNECTION) return context.storageConnectionString;
  const value = context.env[setting] ?? context.env[`AzureWebJobs${setting}`];
  if (!value) {
    throw new QueueTriggerError(
      `Function "${fn.metadata.name}": the queue trigger's connection setting "${setting}" is not set ` +
        '(local.settings.json Values or the environment).',
    );
  }
  return DEVELOPMENT_STORAGE.test(value) ? context.storageConnectionString : value;
}

/** The trigger metadata the Functions host sends with a queue message (camel-cased by `@azure/functions`). */
export function queueTriggerMetadata(
  message: DequeuedMessageItem,
  body: string,
): Record<string, RpcTypedData> {
  const time = (date: Date | undefined) => ({ string: date ? date.toISOString() : '' });
  return {
    QueueTrigger: { string: body },
    DequeueCount: { json: String(message.dequeueCount) },
    Id: { string: message.messageId },
    InsertionTime: time(message.insertedOn),
    ExpirationTime: time(message.expiresOn),
    NextVisibleTime: time(message.nextVisibleOn),
    PopReceipt: { string: message.popReceipt },
  };
}

/**
 * Storage queue triggers over `@azure/storage-queue`: one listener per function, on the queue of its binding
 * (created when missing), with host.json `extensions.queues` settings.
 */
export class QueueTriggerExtension implements HostExtension {
  readonly name = 'queue';
  readonly triggerTypes = ['queueTrigger'];
  readonly inputBindingTypes: string[] = [];
  readonly outputBindingTypes: string[] = [];
  private readonly listeners: QueueListener[] = [];

  validate(
    fn: RegisteredFunction,
    _bindingName: string,
    binding: BindingInfo,
    context: ExtensionContext,
  ): void {
    readQueueOptions(context.folder.hostJson);
    queueNameOf(fn, binding, context.env);
    queueConnectionOf(fn, binding, context);
  }

  async start(context: ExtensionContext): Promise<void> {
    const options = readQueueOptions(context.folder.hostJson);
    for (const fn of context.app.functions) {
      const binding = findTrigger(fn, 'queueTrigger')?.[1];
      if (!binding) continue;
      const name = fn.metadata.name;
      const service = QueueServiceClient.fromConnectionString(queueConnectionOf(fn, binding, context));
      const queueName = queueNameOf(fn, binding, context.env);
      const queue = service.getQueueClient(queueName);
      await queue.createIfNotExists();
      const listener = new QueueListener({
        queue,
        poison: service.getQueueClient(`${queueName}-poison`),
        options,
        process: async (message, body) => {
          await context.invoke(fn, { data: { string: body }, metadata: queueTriggerMetadata(message, body) });
        },
        log: (level, message) =>
          context.log(
            name,
            level,
            level === 'error' ? `Executed 'Functions.${name}' (Failed): ${message}` : message,
          ),
      });
      this.listeners.push(listener);
      listener.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.listeners.map((listener) => listener.stop()));
  }
}
