import { createRouteConstraint, type RouteConstraint } from './route-constraints';

/** A `{name...}` part of a route template. */
export interface RouteParameter {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue: string | undefined;
  constraints: RouteConstraint[];
}

export type RoutePart = { kind: 'literal'; text: string } | { kind: 'parameter'; parameter: RouteParameter };

/** One `/`-separated segment of a template: literals and parameters. */
export interface RouteSegment {
  parts: RoutePart[];
  /** For segments mixing literals and parameters: the ways to match the whole segment, tried in order. */
  alternatives: ComplexAlternative[];
}

/** A regular expression over a whole segment and the parameters its groups capture, in order. */
export interface ComplexAlternative {
  pattern: RegExp;
  parameters: RouteParameter[];
}

/** A parsed route template such as `products/{category:alpha}/{id:int?}`. */
export interface RouteTemplate {
  text: string;
  segments: RouteSegment[];
}

export class RouteTemplateError extends Error {
  override name = 'RouteTemplateError';
  readonly code = 'InvalidRouteTemplate';
}

/** Splits on `/` outside braces. */
function splitSegments(template: string): string[] {
  const segments: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of template) {
    if (char === '{') depth += 1;
    else if (char === '}') depth = Math.max(0, depth - 1);
    if (char === '/' && depth === 0) {
      segments.push(current);
      current = '';
    } else current += char;
  }
  segments.push(current);
  return segments;
}

/** Reads the parameter body starting after `{`; returns its text and the index after the closing `}`. */
function readParameterBody(segment: string, start: number, template: string): { body: string; end: number } {
  let parens = 0;
  let body = '';
  for (let i = start; i < segment.length; i += 1) {
    const char = segment[i];
    const next = segment[i + 1];
    if ((char === '{' || char === '}') && next === char) {
      body += char;
      i += 1;
    } else if (char === '(') {
      parens += 1;
      body += char;
    } else if (char === ')') {
      parens = Math.max(0, parens - 1);
      body += char;
    } else if (char === '}' && parens === 0) return { body, end: i + 1 };
    else body += char;
  }
  throw new RouteTemplateError(`Route template "${template}" has a "{" without its "}".`);
}

function parseParameter(body: string, template: string): RouteParameter {
  const catchAll = /^\*{1,2}/.exec(body);
  let rest = catchAll ? body.slice(catchAll[0].length) : body;
  const nameMatch = /^[^:?=]+/.exec(rest);
  if (!nameMatch)
    throw new RouteTemplateError(`Route template "${template}" has a parameter without a name.`);
  const name = nameMatch[0].trim();
  rest = rest.slice(nameMatch[0].length);
  const constraints: RouteConstraint[] = [];
  while (rest.startsWith(':')) {
    const constraintName = /^:([A-Za-z]+)/.exec(rest);
    if (!constraintName?.[1]) {
      throw new RouteTemplateError(
        `Route template "${template}": parameter "${name}" has an empty constraint.`,
      );
    }
    rest = rest.slice(constraintName[0].length);
    let argumentText: string | undefined;
    if (rest.startsWith('(')) {
      let depth = 0;
      let end = -1;
      for (let i = 0; i < rest.length; i += 1) {
        if (rest[i] === '(') depth += 1;
        else if (rest[i] === ')') {
          depth -= 1;
          if (depth === 0) {
            end = i;
            break;
          }
        }
      }
      if (end < 0) throw new RouteTemplateError(`Route template "${template}": unclosed "(" in "${body}".`);
      argumentText = rest.slice(1, end);
      rest = rest.slice(end + 1);
    }
    try {
      constraints.push(createRouteConstraint(constraintName[1], argumentText));
    } catch (error: unknown) {
      throw new RouteTemplateError(
        `Route template "${template}": ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  let optional = false;
  let defaultValue: string | undefined;
  if (rest === '?') optional = true;
  else if (rest.startsWith('=')) defaultValue = rest.slice(1);
  else if (rest !== '') {
    throw new RouteTemplateError(`Route template "${template}": cannot read parameter "{${body}}".`);
  }
  if (catchAll && optional) {
    throw new RouteTemplateError(`Route template "${template}": a catch-all parameter cannot be optional.`);
  }
  return {
    name,
    optional: optional || catchAll !== null,
    catchAll: catchAll !== null,
    defaultValue,
    constraints,
  };
}

function parseSegment(segment: string, template: string): RoutePart[] {
  const parts: RoutePart[] = [];
  let literal = '';
  for (let i = 0; i < segment.length; i += 1) {
    const char = segment[i] ?? '';
    const next = segment[i + 1];
    if ((char === '{' || char === '}') && next === char) {
      literal += char;
      i += 1;
    } else if (char === '{') {
      if (literal) parts.push({ kind: 'literal', text: literal });
      literal = '';
      const { body, end } = readParameterBody(segment, i + 1, template);
      parts.push({ kind: 'parameter', parameter: parseParameter(body, template) });
      i = end - 1;
    } else if (char === '}') {
      throw new RouteTemplateError(`Route template "${template}" has a "}" without its "{".`);
    } else literal += char;
  }
  if (literal) parts.push({ kind: 'literal', text: literal });
  return parts;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A regular expression matching a whole segment, one greedy group per parameter (ASP.NET splits from the right). */
function complexPattern(parts: RoutePart[]): ComplexAlternative {
  const source = parts.map((part) => (part.kind === 'literal' ? escapeRegExp(part.text) : '(.+)')).join('');
  const parameters = parts.flatMap((part) => (part.kind === 'parameter' ? [part.parameter] : []));
  return { pattern: new RegExp(`^${source}$`, 'is'), parameters };
}

/** With an optional last parameter (`{name}.{ext?}`), the segment also matches without its literal and value. */
function complexAlternatives(parts: RoutePart[]): ComplexAlternative[] {
  const last = parts[parts.length - 1];
  const withTail = complexPattern(parts);
  if (last?.kind !== 'parameter' || !last.parameter.optional) return [withTail];
  return [withTail, complexPattern(parts.slice(0, -2))];
}

/**
 * Parses a route template with ASP.NET's syntax as Azure Functions uses it: literal segments, `{name}`,
 * constraints `{id:int}`, `{id:min(1):max(9)}`, optional `{name?}`, defaults `{name=x}`, catch-all `{*rest}`.
 */
export function parseRouteTemplate(text: string): RouteTemplate {
  const trimmed = text.replace(/^~?\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return { text, segments: [] };
  const rawSegments = splitSegments(trimmed);
  const names = new Set<string>();
  const segments = rawSegments.map((raw, index): RouteSegment => {
    if (raw === '') throw new RouteTemplateError(`Route template "${text}" has an empty segment.`);
    const parts = parseSegment(raw, text);
    parts.forEach((part, partIndex) => {
      if (part.kind !== 'parameter') return;
      const { parameter } = part;
      const key = parameter.name.toLowerCase();
      if (names.has(key)) {
        throw new RouteTemplateError(`Route template "${text}" uses parameter "${parameter.name}" twice.`);
      }
      names.add(key);
      if (parameter.catchAll && (index !== rawSegments.length - 1 || parts.length !== 1)) {
        throw new RouteTemplateError(
          `Route template "${text}": catch-all "${parameter.name}" must be the whole last segment.`,
        );
      }
      if (parameter.optional && !parameter.catchAll && partIndex !== parts.length - 1) {
        throw new RouteTemplateError(
          `Route template "${text}": optional "${parameter.name}" must end its segment.`,
        );
      }
      if (parts[partIndex + 1]?.kind === 'parameter') {
        throw new RouteTemplateError(
          `Route template "${text}": a segment cannot hold two parameters without a literal between them.`,
        );
      }
    });
    return {
      parts,
      alternatives: parts.length > 1 ? complexAlternatives(parts) : [],
    };
  });
  return { text, segments };
}

/** Joins the host's route prefix and a function's route into one template. */
export function joinRoute(prefix: string, route: string): string {
  return [prefix, route]
    .map((part) => part.replace(/^~?\/+/, '').replace(/\/+$/, ''))
    .filter((part) => part !== '')
    .join('/');
}
