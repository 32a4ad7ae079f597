import type { RouteParameter, RouteSegment, RouteTemplate } from './route-template';

/** The result of looking a request up in a route table. */
export type RouteMatch<T> =
  | { kind: 'matched'; target: T; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

interface RouteEntry<T> {
  template: RouteTemplate;
  /** Upper-case methods; undefined accepts every method. */
  methods: ReadonlySet<string> | undefined;
  target: T;
  order: number;
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

function matchSegment(segment: RouteSegment, value: string, params: Record<string, string>): boolean {
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

/** Orders templates as ASP.NET does: segment by segment, literals before parameters before catch-alls. */
function comparePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i += 1) {
    const difference = (a.segments[i]?.precedence ?? 0) - (b.segments[i]?.precedence ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * The HTTP routes of an app. A request goes to the most specific template that matches its path and accepts its
 * method; a path that only matches templates of other methods gives "method not allowed".
 */
export class RouteTable<T> {
  private entries: RouteEntry<T>[] = [];

  add(template: RouteTemplate, methods: readonly string[] | undefined, target: T): void {
    this.entries.push({
      template,
      methods: methods ? new Set(methods.map((m) => m.toUpperCase())) : undefined,
      target,
      order: this.entries.length,
    });
    this.entries.sort((a, b) => comparePrecedence(a.template, b.template) || a.order - b.order);
  }

  match(method: string, pathname: string): RouteMatch<T> {
    const segments = pathSegments(pathname);
    const upper = method.toUpperCase();
    const allowed = new Set<string>();
    for (const entry of this.entries) {
      const params = matchTemplate(entry.template, segments);
      if (!params) continue;
      if (!entry.methods || entry.methods.has(upper))
        return { kind: 'matched', target: entry.target, params };
      for (const m of entry.methods) allowed.add(m);
    }
    return allowed.size > 0 ? { kind: 'method-not-allowed', allowed: [...allowed] } : { kind: 'not-found' };
  }
}
