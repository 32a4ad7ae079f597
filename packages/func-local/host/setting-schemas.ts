import * as v from 'valibot';
import { parseTimeSpan } from './time-span';

/**
 * The host's settings (host.json, package.json, local.settings.json, command-line options) as valibot schemas.
 * A message is a function of the value read, so each setting's error names the setting and what was found.
 */
export type SettingMessage = (value: unknown) => string;

const quoted = (message: SettingMessage) => (issue: v.BaseIssue<unknown>) => message(issue.input);

/** Parses `value` with `schema`; the first issue's message becomes the reader's own error. */
export function readSetting<TSchema extends v.GenericSchema>(
  schema: TSchema,
  value: unknown,
  toError: (message: string) => Error,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (!result.success) throw toError(result.issues[0].message);
  return result.output;
}

/** A whole number from `min` to `max`. */
export const wholeNumberSetting = (min: number, max: number, message: SettingMessage) =>
  v.pipe(
    v.number(quoted(message)),
    v.integer(quoted(message)),
    v.minValue(min, quoted(message)),
    v.maxValue(max, quoted(message)),
  );

function milliseconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  return typeof value === 'string' ? parseTimeSpan(value) : undefined;
}

/** A duration: a .NET TimeSpan (`[d.]hh:mm[:ss[.fffffff]]`, or whole days) or milliseconds; read as milliseconds. */
export const durationSetting = (message: SettingMessage) =>
  v.pipe(
    v.unknown(),
    v.check((value) => milliseconds(value) !== undefined, quoted(message)),
    v.transform((value) => milliseconds(value) ?? 0),
  );

/** One of `values`. */
export const choiceSetting = <const TValues extends readonly string[]>(
  values: TValues,
  message: SettingMessage,
) => v.picklist(values, quoted(message));

/** A TCP port: 0 (any free port) to 65535, written as a number in text (`Number`'s reading). */
export const PortTextSchema = v.pipe(
  v.string(),
  v.transform(Number),
  wholeNumberSetting(0, 65_535, () => 'must be a whole number from 0 to 65535.'),
);
