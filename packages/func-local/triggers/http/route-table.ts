import type { RouteParameter, RouteSegment, RouteTemplate } from './route-template';

/** The result of looking a request up in a route table. */
export type RouteMatch<T> =
  { kind: 'matched'; target: T; params: Record<string, string> } | { kind: 'not-found' };

interface RouteEntry<T> {
  template: RouteTemplate;
  /** Upper-case methods; undefined accepts every method. */
  methods: ReadonlySet<string> | undefined;
  target: T;
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Splits a URL path into decoded segments, ignoring the leading and one trailing slash. */
export function pathSegments(pathname: string): string[] {
  const trimmed = pathname.replace(/^\/+/, '').replace(/\/$/, '');
  return trimmed === '' ? [] : trimmed.split('/').map(decodeSegment);
}

function satisfies(parameter: RouteParameter, value: string): boolean {
  return parameter.constraints.every((constraint) => constraint(value));
}

function bindAbsent(parameter: RouteParameter, params: Record<string, string>): boolean {
  if (parameter.defaultValue !== undefined) {
    params[parameter.name] = parameter.defaultValue;
    return true;
  }
  return parameter.optional;
}

/** Whether one path segment matches one template segment; binds its route values into `params`. */
export function matchSegment(segment: RouteSegment, value: string, params: Record<string, string>): boolean {
  const [only] = segment.parts;
  if (segment.parts.length === 1 && only) {
    if (only.kind === 'literal') return only.text.toLowerCase() === value.toLowerCase();
    if (value === '' || !satisfies(only.parameter, value)) return false;
    params[only.parameter.name] = value;
    return true;
  }
  for (const { pattern, parameters } of segment.alternatives) {
    const found = pattern.exec(value);
    if (!found) continue;
    const values = parameters.map((parameter, index) => ({ parameter, value: found[index + 1] ?? '' }));
    if (!values.every(({ parameter, value: captured }) => satisfies(parameter, captured))) continue;
    for (const bound of values) params[bound.parameter.name] = bound.value;
    return true;
  }
  return false;
}

/** Matches decoded path segments against a template; returns the route values or undefined. */
export function matchTemplate(
  template: RouteTemplate,
  segments: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, segment] of template.segments.entries()) {
    const [only] = segment.parts;
    if (only?.kind === 'parameter' && only.parameter.catchAll) {
      const rest = segments.slice(index).join('/');
      if (rest === '') return bindAbsent(only.parameter, params) ? params : undefined;
      if (!satisfies(only.parameter, rest)) return undefined;
      params[only.parameter.name] = rest;
      return params;
    }
    const value = segments[index];
    if (value === undefined) {
      if (segment.parts.length !== 1 || only?.kind !== 'parameter' || !bindAbsent(only.parameter, params)) {
        return undefined;
      }
      continue;
    }
    if (!matchSegment(segment, value, params)) return undefined;
  }
  return segments.length > template.segments.length ? undefined : params;
}

/**
 * The HTTP routes of an app in the order the Functions host adds them. As on Azure, the first route whose
 * template matches the path and whose methods include the request's method wins: literal segments are not ranked
 * above parameters, and a path whose routes all exclude the method is not found (404), not "method not allowed".
 */
export class RouteTable<T> {
  private readonly entries: RouteEntry<T>[] = [];

  add(template: RouteTemplate, methods: readonly string[] | undefined, target: T): void {
    this.entries.push({
      template,
      methods: methods ? new Set(methods.map((m) => m.toUpperCase())) : undefined,
      target,
    });
  }

  match(method: string, pathname: string): RouteMatch<T> {
    const segments = pathSegments(pathname);
    const upper = method.toUpperCase();
    for (const entry of this.entries) {
      if (entry.methods && !entry.methods.has(upper)) continue;
      const params = matchTemplate(entry.template, segments);
      if (params) return { kind: 'matched', target: entry.target, params };
    }
    return { kind: 'not-found' };
  }
}
