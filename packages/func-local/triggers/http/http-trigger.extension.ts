import type { RegisteredFunction } from '../../app/capture';
import type { BindingInfo, InvocationResponse, RpcTypedData } from '../../app/core-api';
import { findTrigger } from '../../host/bindings';
import { errorText } from '../../host/error-text';
import { DRAIN_TIMEOUT_MS, InFlight } from '../../host/in-flight';
import type {
  ExtensionContext,
  HostExtension,
  HostHttpRequest,
  HostHttpResponse,
} from '../../host/extension';
import { fromRpcHttpResponse, toRpcHttpRequest } from './http-conversion';
import { describeShadowing, findConflict, findShadowings, inHostOrder } from './route-order';
import { RouteTable } from './route-table';
import { joinRoute, parseRouteTemplate, type RouteTemplate } from './route-template';

const DEFAULT_ROUTE_PREFIX = 'api';

/** A function's HTTP route as the host serves it: prefix and route joined, methods upper-cased. */
export interface HttpRoute {
  template: RouteTemplate;
  /** Undefined when the binding lists no methods: every method is accepted. */
  methods: string[] | undefined;
}

export class HttpRouteError extends Error {
  override name = 'HttpRouteError';
  readonly code = 'InvalidHttpRoute';
}

export function routePrefixOf(context: Pick<ExtensionContext, 'folder'>): string {
  const prefix = context.folder.hostJson.extensions?.http?.routePrefix;
  return typeof prefix === 'string' ? prefix : DEFAULT_ROUTE_PREFIX;
}

/** Reads the route of an httpTrigger binding; throws naming the function when it is invalid. */
export function httpRouteOf(fn: RegisteredFunction, binding: BindingInfo, routePrefix: string): HttpRoute {
  const route = typeof binding.route === 'string' ? binding.route : fn.metadata.name;
  let template: RouteTemplate;
  try {
    template = parseRouteTemplate(joinRoute(routePrefix, route));
  } catch (error: unknown) {
    throw new HttpRouteError(
      `Function "${fn.metadata.name}": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const methods = Array.isArray(binding.methods)
    ? binding.methods.map((method) => String(method).toUpperCase())
    : undefined;
  return { template, methods };
}

/** The function's HTTP output: the `$return` binding or a named `http` output binding. */
function httpOutput(fn: RegisteredFunction, response: InvocationResponse): RpcTypedData | null | undefined {
  const outputName = Object.entries(fn.metadata.bindings).find(
    ([, b]) => b.direction === 'out' && b.type.toLowerCase() === 'http',
  )?.[0];
  if (outputName === undefined || outputName === '$return') return response.returnValue;
  return response.outputData?.find((output) => output.name === outputName)?.data;
}

/**
 * HTTP triggers: serves each function's route under host.json's `extensions.http.routePrefix` in Azure's route
 * order (warning at start about every route another one shadows), binds route parameters, and turns the function's HTTP output into the response. `authLevel` is not enforced, as with
 * `func start`.
 */
export class HttpTriggerExtension implements HostExtension {
  readonly name = 'http';
  readonly triggerTypes = ['httpTrigger'];
  readonly inputBindingTypes: string[] = [];
  readonly outputBindingTypes = ['http'];
  private readonly routes = new RouteTable<RegisteredFunction>();
  private context: ExtensionContext | undefined;
  private readonly inFlight = new InFlight();

  validate(
    fn: RegisteredFunction,
    _bindingName: string,
    binding: BindingInfo,
    context: ExtensionContext,
  ): void {
    if (binding.type.toLowerCase() === 'httptrigger') httpRouteOf(fn, binding, routePrefixOf(context));
  }

  start(context: ExtensionContext): Promise<void> {
    const prefix = routePrefixOf(context);
    const routes = inHostOrder(
      context.app.functions.flatMap((fn) => {
        const trigger = findTrigger(fn, 'httpTrigger');
        if (!trigger) return [];
        return [{ fn, functionName: fn.metadata.name, ...httpRouteOf(fn, trigger[1], prefix) }];
      }),
    );
    const conflict = findConflict(routes);
    if (conflict) {
      const [first, second] = conflict;
      throw new HttpRouteError(
        `HttpRoutesConflict: functions "${first.functionName}" and "${second.functionName}" both serve route ` +
          `"${first.template.text}" for the same method; the Functions host refuses to start with this.`,
      );
    }
    for (const shadowing of findShadowings(routes))
      context.log('host', 'warning', describeShadowing(shadowing));
    for (const route of routes) this.routes.add(route.template, route.methods, route.fn);
    this.context = context;
    return Promise.resolve();
  }

  async handleHttp(request: HostHttpRequest): Promise<HostHttpResponse | undefined> {
    const context = this.context;
    if (!context) return { status: 503, body: '' };
    const found = this.routes.match(request.method, request.url.pathname);
    if (found.kind === 'not-found') return undefined;
    const fn = found.target;
    try {
      const response = await this.inFlight.track(
        context.invoke(fn, { data: toRpcHttpRequest(request, found.params) }),
      );
      return fromRpcHttpResponse(httpOutput(fn, response));
    } catch (error: unknown) {
      context.log(
        fn.metadata.name,
        'error',
        `Executed 'Functions.${fn.metadata.name}' (Failed): ${errorText(error)}`,
      );
      return { status: 500, body: '' };
    }
  }

  async stop(): Promise<void> {
    this.context = undefined;
    await this.inFlight.drain(DRAIN_TIMEOUT_MS);
  }
}
