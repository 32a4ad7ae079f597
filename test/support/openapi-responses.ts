import fs from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import type { LoggedResponse } from '../../packages/func-local/host/response-log';

type Operation = { responses: Record<string, { content?: Record<string, { schema?: object }> }> };

const DOCUMENT = path.resolve(__dirname, '../../docs/openapi.json');

interface Route {
  pattern: RegExp;
  parameters: number;
  item: Record<string, Operation>;
}

let routes: Route[] | undefined;
const ajv = new Ajv2020({ strict: false, allErrors: false });
const validators = new Map<string, ValidateFunction>();

function documentRoutes(): Route[] {
  const document = JSON.parse(fs.readFileSync(DOCUMENT, 'utf8')) as {
    paths: Record<string, Record<string, Operation>>;
  };
  return Object.entries(document.paths)
    .map(([template, item]) => ({
      pattern: new RegExp(
        `^${template
          .split(/\{[^}]+\}/)
          .map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
          .join(template.startsWith('/dashboard/') ? '(.*)' : '([^/]+)')}$`,
        'i',
      ),
      parameters: (template.match(/\{/g) ?? []).length,
      item,
    }))
    .sort((a, b) => a.parameters - b.parameters);
}

/** Why a recorded answer does not match the document; undefined when it does (or is not the app's). */
function mismatch(response: LoggedResponse): string | undefined {
  routes ??= documentRoutes();
  const method = response.method.toLowerCase();
  const route = routes.find((candidate) => candidate.pattern.test(response.path) && candidate.item[method]);
  // Not an operation of the app: the host's own answers (durable management API, unknown routes).
  if (!route) return undefined;
  const operation = route.item[method] as Operation;
  const status = String(response.status);
  // `default` documents the errors (IoT Hub's error body); a success must be listed by its status.
  const answer =
    operation.responses[status] ?? (response.status >= 400 ? operation.responses.default : undefined);
  if (!answer) return `status ${status} is not documented`;
  const json = answer.content?.['application/json'];
  if (!json?.schema || response.bodyOmitted || response.status === 204) return undefined;
  if (!response.contentType?.startsWith('application/json'))
    return `content type ${String(response.contentType)}`;
  const key = `${route.pattern.source} ${method} ${operation.responses[status] ? status : 'default'}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(json.schema);
    validators.set(key, validate);
  }
  let body: unknown;
  try {
    body = JSON.parse(response.body ?? '');
  } catch {
    return 'the body is not JSON';
  }
  return validate(body) ? undefined : ajv.errorsText(validate.errors);
}

/**
 * Checks every answer a host recorded against docs/openapi.json; throws listing the mismatches (at most 10),
 * so that the suite whose host answered them fails.
 */
export function checkRecordedResponses(logFile: string): number {
  if (!fs.existsSync(logFile)) return 0;
  const lines = fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
  const problems: string[] = [];
  for (const line of lines) {
    const response = JSON.parse(line) as LoggedResponse;
    const problem = mismatch(response);
    if (problem) problems.push(`${response.method} ${response.path} → ${response.status}: ${problem}`);
  }
  if (problems.length > 0) {
    throw new Error(
      `${problems.length} of ${lines.length} answers do not match docs/openapi.json:\n${problems.slice(0, 10).join('\n')}`,
    );
  }
  return lines.length;
}
