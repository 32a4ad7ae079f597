/** The registry and jobs benchmark's options, shared with `run-benches.ts` (which passes them on to it). */
import { benchOptions, choicesOf, filePath, wholeNumberFrom } from './bench-options';

export const DEFAULT_DEVICES = 100_000;

export const PARTS = ['queries', 'method', 'twin', 'slow', 'burst'] as const;
export type Part = (typeof PARTS)[number];

export const JOBS_BENCH_OPTIONS = {
  devices: {
    value: wholeNumberFrom(1),
    default: DEFAULT_DEVICES,
    placeholder: 'N',
    description: 'devices in the fleet',
  },
  'slow-devices': {
    value: wholeNumberFrom(1),
    default: 4_000,
    placeholder: 'N',
    description: 'devices of the latency-bound job (500 ms each)',
  },
  'host-heap-mb': {
    value: wholeNumberFrom(1),
    default: 384,
    placeholder: 'N',
    description: "the host's --max-old-space-size",
  },
  'azurite-heap-mb': {
    value: wholeNumberFrom(1),
    default: 8192,
    placeholder: 'N',
    description: "Azurite's --max-old-space-size (in memory it holds every entity)",
  },
  report: {
    value: filePath,
    placeholder: 'FILE',
    description:
      "the section as it stands, rewritten as each step ends (default: in the run's temporary folder)",
  },
  'profile-azurite': {
    flag: true,
    description: 'CPU profiles of Azurite by 100,000 devices seeded (and by job), summarized in the output',
  },
  only: {
    value: choicesOf(PARTS),
    default: new Set(PARTS),
    placeholder: 'PARTS',
    description: 'the parts to run; with a subset the figures are printed and BENCHMARKS.md is left alone',
  },
} as const;

export const JOBS_BENCH_SUMMARY =
  'The registry and jobs benchmark: the app on the real func-local CLI over an in-memory Azurite; seeds the fleet, ' +
  "times twin queries, a method job, a twin job, a latency-bound job and a burst against Azurite's own rates, and " +
  'writes BENCHMARKS.md.';

export interface JobsBenchOptions {
  devices: number;
  slowDevices: number;
  /** V8's old-space limit of the host (`--max-old-space-size`): without one V8 lets garbage pile up. */
  hostHeapMb: number;
  /**
   * V8's old-space limit of Azurite's node: an in-memory Azurite keeps every entity in its heap (at 1,000,000
   * devices several GB), beyond V8's default limit.
   */
  azuriteHeapMb: number;
  /** Where the section is rewritten as each step ends. */
  report?: string;
  /** CPU profiles of Azurite by 100,000 devices seeded (and by job), summarized in the output. */
  profileAzurite: boolean;
  /** The parts to run; BENCHMARKS.md is written only when all of them ran. */
  only: Set<Part>;
}

/** The jobs benchmark's options from `process.argv` (usage and exit on `--help` or a wrong option). */
export function jobsBenchOptions(): JobsBenchOptions {
  const read = benchOptions(JOBS_BENCH_SUMMARY, JOBS_BENCH_OPTIONS);
  return {
    devices: read.devices,
    slowDevices: read['slow-devices'],
    hostHeapMb: read['host-heap-mb'],
    azuriteHeapMb: read['azurite-heap-mb'],
    ...(read.report === undefined ? {} : { report: read.report }),
    profileAzurite: read['profile-azurite'],
    only: read.only,
  };
}
