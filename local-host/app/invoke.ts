import { randomUUID } from 'node:crypto';
import type { RegisteredFunction } from './capture';
import type { InvocationRequest, InvocationResponse, LogLevel, ProgrammingModel } from './core-api';

export type FunctionLogger = (functionName: string, level: LogLevel, message: string) => void;

/**
 * Invokes one registered function through the programming model exactly as the worker does:
 * getInvocationModel → getArguments → invokeFunction → getResponse.
 */
export async function invokeRegistered(
  model: ProgrammingModel,
  fn: RegisteredFunction,
  request: InvocationRequest,
  log: FunctionLogger,
): Promise<InvocationResponse> {
  const invocation = model.getInvocationModel({
    invocationId: randomUUID(),
    metadata: fn.metadata,
    request,
    log: (level, _category, message) => log(fn.metadata.name, level, message),
    state: 'invocation',
  });
  const { context, inputs } = await invocation.getArguments();
  const result = await invocation.invokeFunction(context, inputs, fn.callback);
  return invocation.getResponse(context, result);
}
