import { matchSegment, matchTemplate } from './route-table';
import type { RouteTemplate } from './route-template';

/** A function's route in the host's route table. Undefined methods accept every method. */
export interface OrderedRoute {
  functionName: string;
  template: RouteTemplate;
  methods: readonly string[] | undefined;
}

/** A request both routes accept: the earlier one (`winner`) always takes it from the later one (`shadowed`). */
export interface RouteShadowing {
  winner: OrderedRoute;
  shadowed: OrderedRoute;
  example: { method: string; path: string };
}

/**
 * Compares function names as the Functions host orders them before adding their routes
 * (`FunctionMetadataNameComparer`: `string.Compare(a, b, StringComparison.OrdinalIgnoreCase)`).
 */
export function compareFunctionNames(a: string, b: string): number {
  const left = a.toUpperCase();
  const right = b.toUpperCase();
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

/** Orders routes as the Azure Functions host adds them: by function name, ignoring case. */
export function inHostOrder<R extends { functionName: string }>(routes: readonly R[]): R[] {
  return [...routes].sort((a, b) => compareFunctionNames(a.functionName, b.functionName));
}

function sharedMethods(a: OrderedRoute, b: OrderedRoute): string[] | undefined {
  if (!a.methods && !b.methods) return undefined;
  if (!a.methods) return [...(b.methods ?? [])];
  if (!b.methods) return [...a.methods];
  const other = new Set(b.methods);
  return a.methods.filter((method) => other.has(method));
}

/** Values tried for parameter segments when looking for a path two templates both match. */
const PARAMETER_SAMPLES = [
  'a',
  '1',
  'true',
  '0f8fad5b-d9cb-469f-a165-70867728950e',
  '2024-01-01',
  'a1',
  'a.b',
  '-1',
  '1.5',
];

/** Candidate values of one path position: the literal text both templates hold there, then samples. */
function candidatesAt(index: number, templates: readonly RouteTemplate[]): string[] {
  const candidates = new Set<string>();
  for (const template of templates) {
    const segment = template.segments[index];
    if (!segment) continue;
    const sample = segment.parts
      .map((part) => (part.kind === 'literal' ? part.text : 'x'))
      .join('')
      .trim();
    if (sample !== '') candidates.add(sample);
    for (const part of segment.parts) if (part.kind === 'literal') candidates.add(part.text);
  }
  for (const sample of PARAMETER_SAMPLES) candidates.add(sample);
  return [...candidates];
}

function catchAllIndex(template: RouteTemplate): number {
  return template.segments.findIndex((segment) => {
    const [only] = segment.parts;
    return segment.parts.length === 1 && only?.kind === 'parameter' && only.parameter.catchAll;
  });
}

/** Whether a value may sit at a path position of a template, judged on that segment alone. */
function fitsPosition(template: RouteTemplate, index: number, value: string): boolean {
  const catchAll = catchAllIndex(template);
  if (catchAll >= 0 && index >= catchAll) return true;
  const segment = template.segments[index];
  return segment !== undefined && matchSegment(segment, value, {});
}

const MAX_PATHS_PER_LENGTH = 64;

/** A path (decoded segments) that both templates match, found by probing literals and sample values. */
export function commonPath(a: RouteTemplate, b: RouteTemplate): string[] | undefined {
  const longest = Math.max(a.segments.length, b.segments.length) + 1;
  for (let length = 0; length <= longest; length += 1) {
    const positions: string[][] = [];
    for (let index = 0; index < length; index += 1) {
      const fitting = candidatesAt(index, [a, b]).filter(
        (value) => fitsPosition(a, index, value) && fitsPosition(b, index, value),
      );
      if (fitting.length === 0) break;
      positions.push(fitting);
    }
    if (positions.length < length) continue;
    const choice = positions.map(() => 0);
    for (let tried = 0; tried < MAX_PATHS_PER_LENGTH; tried += 1) {
      const path = positions.map((values, index) => values[choice[index] ?? 0] ?? '');
      if (matchTemplate(a, path) && matchTemplate(b, path)) return path;
      let digit = positions.length - 1;
      while (digit >= 0 && (choice[digit] ?? 0) + 1 >= (positions[digit]?.length ?? 0)) {
        choice[digit] = 0;
        digit -= 1;
      }
      if (digit < 0) break;
      choice[digit] = (choice[digit] ?? 0) + 1;
    }
  }
  return undefined;
}

/**
 * Every pair of routes, in host order, where the earlier route takes some request the later one would also
 * accept (same method, a path both templates match). Found by probing each position with the literals of both
 * templates and typical parameter values, so overlaps only a `regex` constraint's exotic values reach may go
 * unreported.
 */
export function findShadowings(ordered: readonly OrderedRoute[]): RouteShadowing[] {
  const found: RouteShadowing[] = [];
  ordered.forEach((winner, index) => {
    for (const shadowed of ordered.slice(index + 1)) {
      const methods = sharedMethods(winner, shadowed);
      if (methods?.length === 0) continue;
      const path = commonPath(winner.template, shadowed.template);
      if (!path) continue;
      const method = methods?.[0] ?? 'GET';
      found.push({
        winner,
        shadowed,
        example: { method, path: `/${path.map(encodeURIComponent).join('/')}` },
      });
    }
  });
  return found;
}

/** The start-up warning for one shadowing, naming both functions and the winner. */
export function describeShadowing({ winner, shadowed, example }: RouteShadowing): string {
  return (
    `Route "${winner.template.text}" of function "${winner.functionName}" shadows route ` +
    `"${shadowed.template.text}" of function "${shadowed.functionName}" (e.g. ${example.method} ${example.path}): ` +
    `"${winner.functionName}" wins (Azure tries routes in function-name order and takes the first match; to change ` +
    'the winner, rename a function or add a route constraint).'
  );
}

/** Two functions with the same route and a common method: the Functions host refuses to start (HttpRoutesConflict). */
export function findConflict(ordered: readonly OrderedRoute[]): [OrderedRoute, OrderedRoute] | undefined {
  for (const [index, first] of ordered.entries()) {
    for (const second of ordered.slice(index + 1)) {
      const sameTemplate = first.template.text.toLowerCase() === second.template.text.toLowerCase();
      const methods = sharedMethods(first, second);
      if (sameTemplate && methods?.length !== 0) return [first, second];
    }
  }
  return undefined;
}
