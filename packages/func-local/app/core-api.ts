/**
 * The slice of the worker's virtual module `@azure/functions-core` that the programming model library uses.
 * The real definitions live in the worker; these mirror the fields the local host reads and writes.
 */

/** Typed data exchanged with the programming model, as the worker's RPC protocol carries it. */
export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  int?: number | null;
  double?: number | null;
  http?: RpcHttpData | null;
}

/** HTTP request or response as the worker carries it. */
export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  query?: Record<string, string> | null;
  params?: Record<string, string> | null;
  body?: RpcTypedData | null;
  statusCode?: string | null;
  /** Response cookies, as `@azure/functions` writes them. */
  cookies?: RpcHttpCookie[] | null;
}

/** A nullable wrapper of the worker's protocol (`{ value }`). */
export interface RpcNullable<T> {
  value?: T | null;
}

/** A response cookie as the worker carries it. */
export interface RpcHttpCookie {
  name?: string | null;
  value?: string | null;
  domain?: RpcNullable<string> | null;
  path?: RpcNullable<string> | null;
  expires?: RpcNullable<{ seconds?: number | null }> | null;
  secure?: RpcNullable<boolean> | null;
  httpOnly?: RpcNullable<boolean> | null;
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone' | null;
  maxAge?: RpcNullable<number> | null;
}

/** One binding of a function, as `@azure/functions` registers it. */
export interface BindingInfo {
  type: string;
  direction: 'in' | 'out' | 'inout';
  name?: string;
  [property: string]: unknown;
}

/** What `registerFunction` receives for each function. */
export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

/** The invocation request the host hands to the programming model. */
export interface InvocationRequest {
  inputData: { name: string; data: RpcTypedData | null }[];
  triggerMetadata: Record<string, RpcTypedData>;
}

/** What the programming model answers for an invocation. */
export interface InvocationResponse {
  invocationId?: string;
  outputData?: { name: string; data: RpcTypedData | null | undefined }[];
  returnValue?: RpcTypedData | null;
}

export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

/** The invocation model of the programming model library for one call. */
export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<InvocationResponse>;
}

/** The programming model `@azure/functions` installs with `setProgrammingModel`. */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: {
    invocationId: string;
    metadata: FunctionMetadata;
    request: InvocationRequest;
    log: (level: LogLevel, category: string, message: string) => void;
    state?: string;
  }): InvocationModel;
  getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}
