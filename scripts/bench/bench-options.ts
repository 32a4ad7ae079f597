/**
 * One option parser for every benchmark script: `node:util` `parseArgs` in strict mode (an unknown option, a
 * missing value or a stray argument prints the usage and exits 2; `--help` prints it and exits 0) and each value
 * read by a valibot schema, so that a mistyped option stops the run before it seeds anything.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isNativeError } from 'node:util/types';
import * as v from 'valibot';

/** How an option's text becomes its value; the schema's message says what the option takes. */
export type OptionValue<TValue> = v.GenericSchema<string, TValue>;

/** An option that takes a value (`--devices 5000`); without a default it is undefined when absent. */
export interface ValueOption<TValue> {
  value: OptionValue<TValue>;
  default?: TValue;
  /** The value's name in the usage (`N`, `FILE`). */
  placeholder: string;
  description: string;
}

/** An option without a value (`--profile`): true when given. */
export interface FlagOption {
  flag: true;
  description: string;
}

export type BenchOptionSpec = Record<string, ValueOption<unknown> | FlagOption>;

/** The options as the bench reads them: each by its name as typed (`'fan-out'`). */
export type BenchOptions<TSpec extends BenchOptionSpec> = {
  -readonly [K in keyof TSpec]: TSpec[K] extends FlagOption
    ? boolean
    : TSpec[K] extends { value: OptionValue<infer TValue>; default: unknown }
      ? TValue
      : TSpec[K] extends { value: OptionValue<infer TValue> }
        ? TValue | undefined
        : never;
};

/** What a bench is, for its usage text. */
export interface BenchUsage {
  /** The script as it is run (`dist/scripts/bench/jobs-bench.js`). */
  script: string;
  summary: string;
}

/** The outcome of reading argv: the options, or what to print and the exit code. */
export type OptionsRead<TSpec extends BenchOptionSpec> =
  { options: BenchOptions<TSpec> } | { exitCode: 0 | 2; output: string };

const numberText = (message: string) => v.pipe(v.string(), v.transform(Number), v.number(message));

/** A whole number of at least `min` (`Number`'s reading of the text). */
export function wholeNumberFrom(min: number): OptionValue<number> {
  const message = `must be a whole number of at least ${min}`;
  return v.pipe(numberText(message), v.integer(message), v.minValue(min, message));
}

/** A number greater than 0, fractions allowed. */
export const positiveNumber: OptionValue<number> = v.pipe(
  numberText('must be a number greater than 0'),
  v.finite('must be a number greater than 0'),
  v.gtValue(0, 'must be a number greater than 0'),
);

/** A file path, resolved against the working directory. */
export const filePath: OptionValue<string> = v.pipe(
  v.string(),
  v.nonEmpty('must name a file'),
  v.transform((file) => path.resolve(file)),
);

/** A comma-separated list of some of `choices`. */
export function choicesOf<const TChoice extends string>(
  choices: readonly TChoice[],
): OptionValue<Set<TChoice>> {
  const message = `takes one or more of ${choices.join(',')}, separated by commas`;
  return v.pipe(
    v.string(),
    v.transform((text) => text.split(',')),
    v.array(v.picklist(choices, message), message),
    v.transform((parts) => new Set(parts)),
  );
}

const describeDefault = (value: unknown): string =>
  value instanceof Set ? [...(value as Set<unknown>)].join(',') : String(value);

/** The usage text: the command, what it measures, and each option with its default. */
export function usageText(usage: BenchUsage, spec: BenchOptionSpec): string {
  const rows = Object.entries(spec).map(([name, option]) => {
    const left = 'flag' in option ? `--${name}` : `--${name} ${option.placeholder}`;
    const fallback =
      'flag' in option || option.default === undefined ? '' : ` (default ${describeDefault(option.default)})`;
    return [left, `${option.description}${fallback}`];
  });
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([left]) => left?.length ?? 0)) + 2;
  return [
    `Usage: node ${usage.script}${Object.keys(spec).length > 0 ? ' [options]' : ''}`,
    '',
    usage.summary,
    '',
    'Options:',
    ...rows.map(([left = '', right = '']) => `  ${left.padEnd(width)}${right}`),
  ].join('\n');
}

/** Reads `argv` against `spec` without side effects (see {@link benchOptions}). */
export function readBenchOptions<const TSpec extends BenchOptionSpec>(
  usage: BenchUsage,
  spec: TSpec,
  argv: string[],
): OptionsRead<TSpec> {
  const help = usageText(usage, spec);
  const refuse = (problem: string) => ({ exitCode: 2 as const, output: `${problem}\n\n${help}` });
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(
          Object.entries(spec).map(([name, option]) => [
            name,
            { type: 'flag' in option ? 'boolean' : 'string' },
          ]),
        ),
      },
    });
  } catch (error: unknown) {
    return refuse(isNativeError(error) ? error.message : String(error));
  }
  if (parsed.values.help === true) return { exitCode: 0, output: help };
  const options: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(spec)) {
    const given = parsed.values[name];
    if ('flag' in option) {
      options[name] = given === true;
      continue;
    }
    if (typeof given !== 'string') {
      options[name] = option.default;
      continue;
    }
    const read = v.safeParse(option.value, given, { abortEarly: true });
    if (!read.success) return refuse(`--${name} ${read.issues[0].message} (got ${JSON.stringify(given)}).`);
    options[name] = read.output;
  }
  return { options: options as BenchOptions<TSpec> };
}

/**
 * The bench's options from `process.argv`; prints the usage and exits (0 for `--help`, 2 for a wrong option or
 * value) otherwise. Call it before the bench starts anything.
 */
export function benchOptions<const TSpec extends BenchOptionSpec>(
  summary: string,
  spec: TSpec,
  argv: string[] = process.argv.slice(2),
): BenchOptions<TSpec> {
  const script = path.relative(process.cwd(), process.argv[1] ?? 'bench.js');
  const read = readBenchOptions({ script, summary }, spec, argv);
  if ('options' in read) return read.options;
  if (read.exitCode === 0) console.log(read.output);
  else console.error(read.output);
  process.exit(read.exitCode);
}
