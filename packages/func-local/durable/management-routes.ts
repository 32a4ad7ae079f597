import type { HostHttpRequest, HostHttpResponse } from '../host/extension';
import { InstanceServiceError, normalizeJsonBody, type InstanceService } from './instance-service';

export const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask/';
const CONTINUATION_HEADER = 'x-ms-continuation-token';
const DEFAULT_PAGE_SIZE = 100;

function json(status: number, body: unknown, headers: Record<string, string> = {}): HostHttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

function flag(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  return value === null ? fallback : value.toLowerCase() === 'true';
}

function date(query: URLSearchParams, name: string): Date | undefined {
  const value = query.get(name);
  if (!value) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime()))
    throw new InstanceServiceError('BadRequest', 400, `${name} is not a date: ${value}`);
  return parsed;
}

function statuses(query: URLSearchParams): string[] | undefined {
  const value = query.get('runtimeStatus');
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

/**
 * The management API at `/runtime/webhooks/durabletask/...`: both the routes `createCheckStatusResponse`
 * hands out and the ones the SDK's DurableClient calls at `rpcBaseUrl` (they are the same here).
 */
export async function routeManagement(
  request: HostHttpRequest,
  service: InstanceService,
  managementPayload: (instanceId: string, origin: string) => Record<string, string>,
): Promise<HostHttpResponse | undefined> {
  const { pathname } = request.url;
  if (!pathname.startsWith(WEBHOOK_PREFIX)) return undefined;
  const parts = pathname.slice(WEBHOOK_PREFIX.length).split('/').map(decodeURIComponent);
  const query = request.url.searchParams;
  const method = request.method.toUpperCase();
  const body = request.body.toString('utf8');
  try {
    const [area, first, action, extra] = parts;
    if (area === 'orchestrators' && first && method === 'POST') {
      const id = await service.start(first, normalizeJsonBody(body), action || undefined);
      return json(
        202,
        { id, ...managementPayload(id, request.url.origin) },
        {
          location: managementPayload(id, request.url.origin).statusQueryGetUri ?? '',
        },
      );
    }
    if (area === 'entities')
      return json(501, { message: 'Durable entities are not supported by the local host.' });
    if (area !== 'instances') return json(404, { message: `Unknown durable task route ${pathname}` });
    if (!first) {
      if (method === 'GET') {
        const page = await service.list({
          statuses: statuses(query),
          createdFrom: date(query, 'createdTimeFrom'),
          createdTo: date(query, 'createdTimeTo'),
          pageSize: Number(query.get('top') ?? DEFAULT_PAGE_SIZE) || DEFAULT_PAGE_SIZE,
          continuationToken: request.headers[CONTINUATION_HEADER] || undefined,
          showInput: flag(query, 'showInput', false),
        });
        const headers: Record<string, string> = page.continuationToken
          ? { [CONTINUATION_HEADER]: page.continuationToken }
          : {};
        return json(200, page.statuses, headers);
      }
      if (method === 'DELETE') {
        const deleted = await service.purgeBy({
          statuses: statuses(query),
          createdFrom: date(query, 'createdTimeFrom'),
          createdTo: date(query, 'createdTimeTo'),
        });
        return deleted === 0 ? json(404, { instancesDeleted: 0 }) : json(200, { instancesDeleted: deleted });
      }
    }
    if (first && !action) {
      if (method === 'GET') {
        const status = await service.status(first, {
          showHistory: flag(query, 'showHistory', false),
          showHistoryOutput: flag(query, 'showHistoryOutput', false),
          showInput: flag(query, 'showInput', true),
        });
        if (!status) return json(404, { message: `No instance with ID '${first}' found.` });
        const code = ['Completed'].includes(status.runtimeStatus)
          ? 200
          : ['Failed', 'Terminated'].includes(status.runtimeStatus)
            ? 400
            : 202;
        return json(code, status);
      }
      if (method === 'DELETE') {
        const deleted = await service.purge(first);
        return deleted === 0 ? json(404, { instancesDeleted: 0 }) : json(200, { instancesDeleted: deleted });
      }
    }
    if (first && method === 'POST') {
      const reason = query.get('reason') ?? '';
      if (action === 'raiseEvent' && extra) {
        await service.signal(first, {
          kind: 'EventRaised',
          instanceId: first,
          name: extra,
          input: normalizeJsonBody(body),
        });
        return { status: 202 };
      }
      if (action === 'terminate' || action === 'suspend' || action === 'resume') {
        const kind = action === 'terminate' ? 'Terminate' : action === 'suspend' ? 'Suspend' : 'Resume';
        await service.signal(first, { kind, instanceId: first, reason });
        return { status: 202 };
      }
      if (action === 'rewind' || action === 'restart') {
        return json(501, { message: `${action} is not supported by the local host.` });
      }
    }
    return json(404, { message: `Unknown durable task route ${method} ${pathname}` });
  } catch (error: unknown) {
    if (error instanceof InstanceServiceError)
      return json(error.status, { message: error.message, code: error.code });
    throw error;
  }
}
