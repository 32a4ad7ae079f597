import { DurableExtension } from './durable/durable-extension';
import type { HostExtension } from './host/extension';
import { HttpTriggerExtension } from './triggers/http/http-trigger.extension';
import { QueueTriggerExtension } from './triggers/queue/queue-trigger.extension';
import { TimerTriggerExtension } from './triggers/timer/timer-trigger.extension';

/**
 * The binding extensions the local host ships, in HTTP routing order. Extensions serving host-owned routes
 * (such as the durable webhooks under /runtime/) go before the HTTP trigger, whose app routes may catch all.
 */
export function createExtensions(): HostExtension[] {
  return [
    new DurableExtension(),
    new HttpTriggerExtension(),
    new TimerTriggerExtension(),
    new QueueTriggerExtension(),
  ];
}
