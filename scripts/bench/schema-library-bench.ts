/**
 * Chooses the schema library by measurement (issue 17.3): for each candidate, the time to validate a job body of
 * 100,000 device ids (the `deviceIds` extension field of `PUT /jobs/v2/{jobId}`) and the bytes it adds to a minified
 * browser bundle built as the dashboard builds (esbuild, ESM, ES2022). The candidates are installed with npm into a
 * scratch folder, so that only the chosen one becomes a dependency of the project.
 *
 *   npm run bench:schema
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { loadAverage, machineDescription, writeBenchmarkSection } from './bench-support';
import { benchOptions } from './bench-options';

benchOptions(
  'Chooses the schema library by measurement: validation time of a 100,000-id job body and bundle bytes per candidate (installed with npm into a scratch folder).',
  {},
);

const CANDIDATE_PACKAGES = [
  'zod@4.6.7',
  'valibot@1.5.0',
  '@valibot/to-json-schema@1.8.0',
  'typebox@1.4.3',
  'arktype@2.2.10',
  'esbuild@0.28.2',
];

const DEVICE_COUNT = 100_000;
const RUNS = 15;

// The id rules of @device-jobs/client, inlined so that every candidate validates the same thing.
const DEVICE_ID = String.raw`^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$`;
const JOB_ID = String.raw`^[A-Za-z0-9\-._~]{1,128}$`;

/** One entry module per candidate: the same job body schema, exporting `check(body) → boolean`. */
const ENTRIES: Record<string, string> = {
  'hand-written (today)': `
    const deviceId = new RegExp(${JSON.stringify(DEVICE_ID)});
    const jobId = new RegExp(${JSON.stringify(JOB_ID)});
    const obj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
    const int = (v, min, max) => Number.isInteger(v) && v >= min && v <= max;
    export function check(b) {
      if (!obj(b)) return false;
      if (b.jobId !== undefined && !(typeof b.jobId === 'string' && jobId.test(b.jobId))) return false;
      if (typeof b.type !== 'string') return false;
      if (!Array.isArray(b.deviceIds) || b.deviceIds.length < 1 || b.deviceIds.length > 1000000) return false;
      for (const id of b.deviceIds) if (typeof id !== 'string' || !deviceId.test(id)) return false;
      const m = b.cloudToDeviceMethod;
      if (!obj(m) || typeof m.methodName !== 'string') return false;
      if (m.responseTimeoutInSeconds !== undefined && !int(m.responseTimeoutInSeconds, 5, 300)) return false;
      if (m.connectTimeoutInSeconds !== undefined && !int(m.connectTimeoutInSeconds, 0, 300)) return false;
      if (b.maxExecutionTimeInSeconds !== undefined && !int(b.maxExecutionTimeInSeconds, 1, 604800)) return false;
      return b.startTime === undefined || b.startTime === null || typeof b.startTime === 'string';
    }`,
  'zod 4 (classic)': `
    import { z } from 'zod';
    const schema = z.object({
      jobId: z.string().regex(new RegExp(${JSON.stringify(JOB_ID)})).optional(),
      type: z.string(),
      deviceIds: z.array(z.string().regex(new RegExp(${JSON.stringify(DEVICE_ID)}))).min(1).max(1000000),
      cloudToDeviceMethod: z.object({
        methodName: z.string(),
        payload: z.unknown(),
        responseTimeoutInSeconds: z.int().min(5).max(300).optional(),
        connectTimeoutInSeconds: z.int().min(0).max(300).optional(),
      }),
      maxExecutionTimeInSeconds: z.int().min(1).max(604800).optional(),
      startTime: z.string().nullable().optional(),
    });
    export const check = (b) => schema.safeParse(b).success;`,
  'zod 4 (zod/mini)': `
    import * as z from 'zod/mini';
    const schema = z.object({
      jobId: z.optional(z.string().check(z.regex(new RegExp(${JSON.stringify(JOB_ID)})))),
      type: z.string(),
      deviceIds: z.array(z.string().check(z.regex(new RegExp(${JSON.stringify(DEVICE_ID)})))).check(z.minLength(1), z.maxLength(1000000)),
      cloudToDeviceMethod: z.object({
        methodName: z.string(),
        payload: z.unknown(),
        responseTimeoutInSeconds: z.optional(z.int().check(z.minimum(5), z.maximum(300))),
        connectTimeoutInSeconds: z.optional(z.int().check(z.minimum(0), z.maximum(300))),
      }),
      maxExecutionTimeInSeconds: z.optional(z.int().check(z.minimum(1), z.maximum(604800))),
      startTime: z.optional(z.nullable(z.string())),
    });
    export const check = (b) => schema.safeParse(b).success;`,
  'valibot 1': `
    import * as v from 'valibot';
    const int = (min, max) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
    const schema = v.object({
      jobId: v.optional(v.pipe(v.string(), v.regex(new RegExp(${JSON.stringify(JOB_ID)})))),
      type: v.string(),
      deviceIds: v.pipe(v.array(v.pipe(v.string(), v.regex(new RegExp(${JSON.stringify(DEVICE_ID)})))), v.minLength(1), v.maxLength(1000000)),
      cloudToDeviceMethod: v.object({
        methodName: v.string(),
        payload: v.unknown(),
        responseTimeoutInSeconds: v.optional(int(5, 300)),
        connectTimeoutInSeconds: v.optional(int(0, 300)),
      }),
      maxExecutionTimeInSeconds: v.optional(int(1, 604800)),
      startTime: v.nullish(v.string()),
    });
    export const check = (b) => v.safeParse(schema, b).success;`,
  'TypeBox 1 (compiled)': `
    import Type from 'typebox';
    import { Compile } from 'typebox/compile';
    const int = (minimum, maximum) => Type.Integer({ minimum, maximum });
    const schema = Type.Object({
      jobId: Type.Optional(Type.String({ pattern: ${JSON.stringify(JOB_ID)} })),
      type: Type.String(),
      deviceIds: Type.Array(Type.String({ pattern: ${JSON.stringify(DEVICE_ID)} }), { minItems: 1, maxItems: 1000000 }),
      cloudToDeviceMethod: Type.Object({
        methodName: Type.String(),
        payload: Type.Unknown(),
        responseTimeoutInSeconds: Type.Optional(int(5, 300)),
        connectTimeoutInSeconds: Type.Optional(int(0, 300)),
      }),
      maxExecutionTimeInSeconds: Type.Optional(int(1, 604800)),
      startTime: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    });
    const compiled = Compile(schema);
    export const check = (b) => compiled.Check(b);`,
  'arktype 2': `
    import { type } from 'arktype';
    const schema = type({
      'jobId?': type.string.matching(new RegExp(${JSON.stringify(JOB_ID)})),
      type: 'string',
      deviceIds: type.string.matching(new RegExp(${JSON.stringify(DEVICE_ID)})).array().atLeastLength(1).atMostLength(1000000),
      cloudToDeviceMethod: {
        methodName: 'string',
        payload: 'unknown',
        'responseTimeoutInSeconds?': '5 <= number.integer <= 300',
        'connectTimeoutInSeconds?': '0 <= number.integer <= 300',
      },
      'maxExecutionTimeInSeconds?': '1 <= number.integer <= 604800',
      'startTime?': 'string | null',
    });
    export const check = (b) => !(schema(b) instanceof type.errors);`,
};

interface Figures {
  name: string;
  validMs: number;
  invalidMs: number;
  minifiedBytes: number;
  gzipBytes: number;
}

function installCandidates(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  console.log(`Installing the candidates into ${dir} …`);
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-package-lock', '--silent', ...CANDIDATE_PACKAGES],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
}

function jobBody(badIndex?: number): Record<string, unknown> {
  const deviceIds = Array.from(
    { length: DEVICE_COUNT },
    (_, index) => `device-${String(index).padStart(6, '0')}`,
  );
  if (badIndex !== undefined) deviceIds[badIndex] = 'not a device id';
  // Through JSON, as the API receives it.
  return JSON.parse(
    JSON.stringify({
      jobId: 'bench-job',
      type: 'scheduleDeviceMethod',
      deviceIds,
      cloudToDeviceMethod: { methodName: 'reboot', payload: { delay: 1 }, responseTimeoutInSeconds: 30 },
      maxExecutionTimeInSeconds: 3600,
    }),
  ) as Record<string, unknown>;
}

function medianMs(run: () => unknown): number {
  for (let warm = 0; warm < 3; warm++) run();
  const times: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  // SCHEMA_BENCH_DIR keeps the candidates' install between runs (it is not removed afterwards).
  const kept = process.env.SCHEMA_BENCH_DIR;
  const dir = kept ?? path.join(os.tmpdir(), `device-jobs-schema-bench-${process.pid}`);
  try {
    installCandidates(dir);
    const esbuild = (await import(
      path.join(dir, 'node_modules/esbuild/lib/main.js')
    )) as typeof import('esbuild');
    const valid = jobBody();
    const invalid = jobBody(DEVICE_COUNT - 1);
    const figures: Figures[] = [];
    for (const [name, source] of Object.entries(ENTRIES)) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      const entry = path.join(dir, `${slug}.mjs`);
      fs.writeFileSync(entry, source);
      const browser = await esbuild.build({
        entryPoints: [entry],
        bundle: true,
        format: 'esm',
        target: 'es2022',
        minify: true,
        write: false,
        logLevel: 'error',
      });
      const bytes = browser.outputFiles[0]?.contents ?? new Uint8Array();
      const nodeFile = path.join(dir, `${slug}.cjs`);
      await esbuild.build({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: nodeFile,
        logLevel: 'error',
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { check } = require(nodeFile) as { check: (body: unknown) => boolean };
      if (!check(valid) || check(invalid))
        throw new Error(`${name}: the schema does not check what it should`);
      figures.push({
        name,
        validMs: medianMs(() => check(valid)),
        invalidMs: medianMs(() => check(invalid)),
        minifiedBytes: bytes.byteLength,
        gzipBytes: zlib.gzipSync(bytes).byteLength,
      });
      console.log(`${name}: done`);
    }
    const base = figures[0];
    if (!base) throw new Error('no figures');
    const rows = figures.map(
      (figure) =>
        `| ${figure.name} | ${figure.validMs.toFixed(1)} | ${(figure.validMs / base.validMs).toFixed(2)}× | ` +
        `${figure.invalidMs.toFixed(1)} | ${figure.minifiedBytes.toLocaleString('en-US')} | ` +
        `${figure.gzipBytes.toLocaleString('en-US')} |`,
    );
    const section = [
      '## Schema library: validation cost and browser bundle (issue 17.3)',
      '',
      `\`npm run bench:schema\` on ${new Date().toISOString().slice(0, 10)}, ${machineDescription()}, load average ` +
        `${loadAverage()} (a shared machine: ratios within the run matter, not absolute ms). A job body of ` +
        `${DEVICE_COUNT.toLocaleString('en-US')} device ids (\`deviceIds\`, parsed from JSON) checked by the same ` +
        `schema in each library; median of ${RUNS} runs after 3 warm-ups. "Invalid" has one bad id, the last. ` +
        'Bundle: the schema and one check, bundled by esbuild (ESM, ES2022, minified) as the dashboard builds.',
      '',
      '| library | valid body (ms) | vs hand-written | invalid body (ms) | minified bytes | gzip bytes |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      `Candidates: ${CANDIDATE_PACKAGES.filter((pkg) => !pkg.startsWith('esbuild')).join(', ')}.`,
    ].join('\n');
    console.log(section);
    await writeBenchmarkSection('schema-library', section);
  } finally {
    if (!kept) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
