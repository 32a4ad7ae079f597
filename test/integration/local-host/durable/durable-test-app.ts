import { InvocationContext } from '@azure/functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { RegisteredFunction } from '../../../../packages/func-local/app/capture';
import type { InvocationResponse, RpcTypedData } from '../../../../packages/func-local/app/core-api';
import {
  readDurableSettings,
  type DurableSettings,
} from '../../../../packages/func-local/durable/durable-settings';

type Listener = (trigger: unknown, context: InvocationContext) => Promise<unknown>;

/**
 * The SDK's replay engine as `df.app.orchestration` wraps a handler. The host normally reaches it through the
 * programming model of a loaded app; Jest's module sandbox cannot load an app the way the host does.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Orchestrator } = require('durable-functions/lib/src/orchestrations/Orchestrator') as {
  Orchestrator: new (handler: OrchestrationHandler) => { listen(): Listener };
};

/** `Sequence`: calls `SayHello` once per name of its input, one after another. */
function* sequence(context: OrchestrationContext): Generator<unknown, unknown[], unknown> {
  const out: unknown[] = [];
  for (const name of context.df.getInput<string[]>())
    out.push(yield context.df.callActivity('SayHello', name));
  return out;
}

const orchestrators = new Map<string, Listener>([
  ['Sequence', new Orchestrator(sequence as OrchestrationHandler).listen()],
]);

export function findOrchestrator(name: string): RegisteredFunction | undefined {
  if (!orchestrators.has(name)) return undefined;
  return {
    metadata: { name, bindings: { context: { type: 'orchestrationTrigger', direction: 'in' } } },
    callback: () => undefined,
  } as unknown as RegisteredFunction;
}

/** Invokes an orchestrator with the trigger payload the engine built, answering as the programming model does. */
export async function invokeOrchestrator(
  fn: RegisteredFunction,
  data: RpcTypedData | null,
): Promise<InvocationResponse> {
  const listener = orchestrators.get(fn.metadata.name);
  if (!listener || typeof data?.json !== 'string') throw new Error(`cannot invoke ${fn.metadata.name}`);
  const state = await listener(
    JSON.parse(data.json),
    new InvocationContext({ functionName: fn.metadata.name }),
  );
  return { returnValue: { json: JSON.stringify(state) } };
}

export function testSettings(hubName: string, overrides: Partial<DurableSettings> = {}): DurableSettings {
  return { ...readDurableSettings({ extensions: { durableTask: { hubName } } }, {}, 1), ...overrides };
}
