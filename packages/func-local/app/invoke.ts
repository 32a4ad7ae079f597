import { randomUUID } from 'node:crypto';
import type { AppHooks } from './app-hooks';
import type { RegisteredFunction } from './capture';
import type { InvocationRequest, InvocationResponse, LogLevel, ProgrammingModel } from './core-api';

export type FunctionLogger = (functionName: string, level: LogLevel, message: string) => void;

/**
 * Invokes one registered function through the programming model exactly as the worker does:
 * getInvocationModel → getArguments → preInvocation hooks → invokeFunction → postInvocation hooks → getResponse.
 * The hooks may replace the inputs and the handler, and the result or the error.
 */
export async function invokeRegistered(
  model: ProgrammingModel,
  fn: RegisteredFunction,
  request: InvocationRequest,
  log: FunctionLogger,
  hooks?: AppHooks,
): Promise<InvocationResponse> {
  const coreContext = {
    invocationId: randomUUID(),
    metadata: fn.metadata,
    request,
    log: (level: LogLevel, _category: string, message: string) => log(fn.metadata.name, level, message),
    state: 'preInvocationHooks',
  };
  const invocation = model.getInvocationModel(coreContext);
  const { context, inputs } = await invocation.getArguments();
  const pre = { invocationContext: context, inputs, functionCallback: fn.callback };
  if (hooks?.has('preInvocation')) await hooks.run('preInvocation', pre);

  coreContext.state = 'invocation';
  let result: unknown;
  let error: unknown;
  let failed = false;
  try {
    result = await invocation.invokeFunction(context, pre.inputs, pre.functionCallback);
  } catch (thrown: unknown) {
    failed = true;
    error = thrown;
  }

  if (hooks?.has('postInvocation')) {
    coreContext.state = 'postInvocationHooks';
    const post = await hooks.run('postInvocation', {
      invocationContext: context,
      inputs: pre.inputs,
      result,
      error,
      hookData: (pre as { hookData?: Record<string, unknown> }).hookData,
    });
    result = post.result;
    error = post.error;
    failed = error !== undefined && error !== null;
  }
  if (failed) throw error;
  return invocation.getResponse(context, result);
}
