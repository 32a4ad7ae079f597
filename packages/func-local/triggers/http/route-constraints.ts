/** Checks one route value against one constraint of a route template, like ASP.NET's route constraints. */
export type RouteConstraint = (value: string) => boolean;

export class RouteConstraintError extends Error {
  override name = 'RouteConstraintError';
  readonly code = 'InvalidRouteConstraint';
}

const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const GUID_DIGITS = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f]{32}$/i;

/** The formats .NET's Guid.TryParse accepts: D, N, and D wrapped in braces (B) or parentheses (P). */
function isGuid(value: string): boolean {
  const wrapped = /^\{(.*)\}$|^\((.*)\)$/.exec(value);
  if (wrapped)
    return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(
      wrapped[1] ?? wrapped[2] ?? '',
    );
  return GUID_DIGITS.test(value);
}

function integerArgument(name: string, raw: string | undefined): number {
  if (raw === undefined || !INTEGER.test(raw.trim())) {
    throw new RouteConstraintError(`Route constraint "${name}" needs a whole number argument.`);
  }
  return Number(raw.trim());
}

function numberArguments(name: string, args: string[], count: number): number[] {
  if (args.length !== count) {
    throw new RouteConstraintError(`Route constraint "${name}" takes ${count} argument(s).`);
  }
  return args.map((arg) => integerArgument(name, arg));
}

function inInt64Range(value: string): boolean {
  const big = BigInt(value);
  return big >= -(2n ** 63n) && big < 2n ** 63n;
}

/**
 * Builds a constraint from its name and the text between its parentheses (undefined when it has none).
 * Throws a RouteConstraintError for an unknown name or bad arguments.
 */
export function createRouteConstraint(name: string, argumentText: string | undefined): RouteConstraint {
  const args = argumentText === undefined ? [] : argumentText.split(',');
  const lower = name.toLowerCase();
  const noArguments = () => {
    if (argumentText !== undefined) {
      throw new RouteConstraintError(`Route constraint "${name}" takes no argument.`);
    }
  };
  switch (lower) {
    case 'int':
      noArguments();
      return (v) => INTEGER.test(v) && Number(v) >= INT32.min && Number(v) <= INT32.max;
    case 'long':
      noArguments();
      return (v) => INTEGER.test(v) && inInt64Range(v);
    case 'double':
    case 'float':
    case 'decimal':
      noArguments();
      return (v) => DECIMAL.test(v);
    case 'bool':
      noArguments();
      return (v) => /^(true|false)$/i.test(v);
    case 'guid':
      noArguments();
      return isGuid;
    case 'alpha':
      noArguments();
      return (v) => /^[a-z]+$/i.test(v);
    case 'datetime':
      noArguments();
      return (v) => !Number.isNaN(Date.parse(v));
    case 'minlength': {
      const [min = 0] = numberArguments(name, args, 1);
      return (v) => v.length >= min;
    }
    case 'maxlength': {
      const [max = 0] = numberArguments(name, args, 1);
      return (v) => v.length <= max;
    }
    case 'length': {
      if (args.length === 1) {
        const [exact = 0] = numberArguments(name, args, 1);
        return (v) => v.length === exact;
      }
      const [min = 0, max = 0] = numberArguments(name, args, 2);
      return (v) => v.length >= min && v.length <= max;
    }
    case 'min': {
      const [min = 0] = numberArguments(name, args, 1);
      return (v) => INTEGER.test(v) && inInt64Range(v) && Number(v) >= min;
    }
    case 'max': {
      const [max = 0] = numberArguments(name, args, 1);
      return (v) => INTEGER.test(v) && inInt64Range(v) && Number(v) <= max;
    }
    case 'range': {
      const [min = 0, max = 0] = numberArguments(name, args, 2);
      return (v) => INTEGER.test(v) && inInt64Range(v) && Number(v) >= min && Number(v) <= max;
    }
    case 'regex': {
      if (argumentText === undefined) {
        throw new RouteConstraintError('Route constraint "regex" needs a pattern argument.');
      }
      let pattern: RegExp;
      try {
        pattern = new RegExp(argumentText, 'i');
      } catch (error: unknown) {
        throw new RouteConstraintError(
          `Route constraint regex(${argumentText}) is not a valid regular expression: ${String(error)}`,
        );
      }
      return (v) => pattern.test(v);
    }
    default:
      throw new RouteConstraintError(`Unknown route constraint "${name}".`);
  }
}
