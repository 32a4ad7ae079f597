/**
 * The registry's storage layout at scale (issue 22): seeds the demo fleet through the bulk API (1,000 devices per
 * call, 4 calls in flight, as `npm run seed`) in steps of 50,000 and prints the seconds of each step, so a cost per
 * device that grows with the fleet shows; after the steps that reach `--query-at` devices (and at the end), the
 * selective 1 % query through the twin index against the same query as a full scan.
 *
 * Usage: node dist/scripts/bench/index-layout-bench.js [--devices 200000] [--query-at 100000] [--step 50000]
 * Azurite's CPU per step: run with `NODE_OPTIONS=--require=<dist>/scripts/bench/profile-on-signal.js` and
 * `CPU_PROFILE_DIR=<dir>` (Azurite, a child, inherits both): each step is one profile window, summarized here.
 * Prints figures; BENCHMARKS.md is written by hand from them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bulkCreateDevices } from '@device-jobs/client';
import { demoFleet } from '../../shared/devices/simulated/demo-fleet';
import { commitId, loadAverage, machineDescription, runAppBenchmark } from './bench-start';
import { summarizeProfileFile } from './cpu-profile';
import { benchOptions, wholeNumberFrom } from './bench-options';

const options = benchOptions(
  "The registry at scale: seeds the demo fleet by steps, printing each step's seconds, and the selective 1 % query indexed against a scan.",
  {
    devices: {
      value: wholeNumberFrom(1),
      default: 200_000,
      placeholder: 'N',
      description: 'devices seeded in all',
    },
    'query-at': {
      value: wholeNumberFrom(1),
      default: 100_000,
      placeholder: 'N',
      description: 'the fleet size after which the queries are timed (and at the end)',
    },
    step: {
      value: wholeNumberFrom(1),
      default: 50_000,
      placeholder: 'N',
      description: 'devices seeded per step',
    },
  },
);
const { devices, 'query-at': queryAt, step: STEP } = options;
const profileDir = process.env.CPU_PROFILE_DIR;

/** Waits for profile-on-signal to write a window's profile, then summarizes it. */
async function profileSummary(window: number): Promise<string> {
  if (!profileDir) return '';
  const file = path.join(profileDir, `window-${window}.cpuprofile`);
  for (let waited = 0; !fs.existsSync(file) && waited < 60_000; waited += 200)
    await new Promise((resolve) => setTimeout(resolve, 200));
  const { busySeconds, lines } = summarizeProfileFile(file, 8);
  return `  Azurite busy ${busySeconds.toFixed(1)} s:\n${lines.map((line) => `    ${line}`).join('\n')}`;
}

runAppBenchmark(async ({ azurite, startApp }) => {
  console.log(`${machineDescription()}; commit ${commitId()}; load ${loadAverage()}`);
  const { client } = await startApp('IndexLayout');
  const fleet = demoFleet({ devices, offlineRate: 0 });
  const selective = "SELECT * FROM devices WHERE tags.building = '43' AND tags.floor IN [0, 1, 2, 3]";
  let window = 0;
  for (let start = 0; start < devices; start += STEP) {
    const slice = fleet.slice(start, start + STEP);
    if (profileDir) azurite.process.kill('SIGUSR2');
    const started = performance.now();
    const { created } = await bulkCreateDevices(client.client, slice, { batch: 1000, parallel: 4 });
    const seconds = (performance.now() - started) / 1000;
    if (profileDir) azurite.process.kill('SIGUSR2');
    console.log(
      `Seeded ${start + 1}–${start + slice.length}: ${created} created in ${seconds.toFixed(1)} s ` +
        `(${Math.round(slice.length / seconds)} devices/s; load ${loadAverage()})`,
    );
    if (profileDir) console.log(await profileSummary(++window));
    const reached = start + slice.length;
    if (reached === devices || (reached >= queryAt && reached - slice.length < queryAt)) {
      const indexed = await client.queryAll(selective);
      const scanned = await client.queryAll(`${selective} OR STARTSWITH(deviceId, 'no-such-device')`);
      console.log(
        `At ${reached} devices, selective query: ${indexed.rows} rows in ${indexed.seconds.toFixed(2)} s ` +
          `indexed, ${scanned.rows} rows in ${scanned.seconds.toFixed(2)} s scanned: ratio ` +
          `${(indexed.seconds / scanned.seconds).toFixed(3)} (load ${loadAverage()})`,
      );
    }
  }
});
