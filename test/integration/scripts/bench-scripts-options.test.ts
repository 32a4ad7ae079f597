import { execFile } from 'node:child_process';
import path from 'node:path';

const BENCH_DIR = path.resolve(__dirname, '../../../dist/scripts/bench');
/** Every benchmark a user runs (package.json's bench scripts and the ones run by hand). */
const BENCHES = [
  'run-benches',
  'jobs-bench',
  'durable-bench',
  'stop-bench',
  'burst-bench',
  'budget-bench',
  'estimate-bench',
  'registry-jobs-bench',
  'devices-bench',
  'schema-library-bench',
  'continuous-join-bench',
  'index-layout-bench',
];

function run(bench: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(BENCH_DIR, `${bench}.js`), ...args],
      { timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// Twelve node processes at once: seconds on a loaded machine, although each exits as soon as it read argv.
jest.setTimeout(60_000);

describe('every benchmark script, before it starts anything', () => {
  it('prints its usage for --help and exits 0', async () => {
    const answers = await Promise.all(BENCHES.map((bench) => run(bench, ['--help'])));
    answers.forEach((answer, i) => {
      expect({ bench: BENCHES[i], code: answer.code }).toEqual({ bench: BENCHES[i], code: 0 });
      expect(answer.stdout).toContain(`Usage: node `);
      expect(answer.stdout).toContain(`${BENCHES[i]}.js`);
    });
  });

  it('refuses an unknown option with its usage and exit code 2 (it used to start a 100,000-device run)', async () => {
    const answers = await Promise.all(BENCHES.map((bench) => run(bench, ['--devcies', '10'])));
    answers.forEach((answer, i) => {
      expect({ bench: BENCHES[i], code: answer.code }).toEqual({ bench: BENCHES[i], code: 2 });
      expect(answer.stderr).toContain("Unknown option '--devcies'");
      expect(answer.stderr).toContain('Usage: node ');
    });
  });
});
