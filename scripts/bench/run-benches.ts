/**
 * `npm run bench [-- --devices N …]`: every benchmark in turn, each as its own process, the options given passed to
 * the registry and jobs benchmark (the others take none). Stops at the first that fails.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { benchOptions } from './bench-options';
import { JOBS_BENCH_OPTIONS } from './jobs-bench-options';

benchOptions(
  "Every benchmark in turn (durable, jobs, stop, burst, budget, estimates), each as its own process; the options are the jobs benchmark's, passed on to it.",
  JOBS_BENCH_OPTIONS,
);
const options = process.argv.slice(2);
const benches: [string, string[]][] = [
  ['durable-bench.js', []],
  ['jobs-bench.js', options],
  ['stop-bench.js', []],
  ['burst-bench.js', []],
  ['budget-bench.js', []],
  ['estimate-bench.js', []],
];

for (const [script, args] of benches) {
  const result = spawnSync(process.execPath, [path.join(__dirname, script), ...args], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${script} failed (exit code ${String(result.status)}).`);
    process.exit(result.status ?? 1);
  }
}
