/**
 * Preloaded into the benchmarked host (`node --require`), never into the app: SIGUSR2 starts a CPU profile, the
 * next SIGUSR2 stops it and writes `window-<n>.cpuprofile` into CPU_PROFILE_DIR, so the benchmark profiles one
 * job at a time instead of the whole run. Peak resident memory of each window is written beside it
 * (`window-<n>.rss`, MB), sampled every 100 ms.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

const dir = process.env.CPU_PROFILE_DIR;

if (dir) {
  const session = new inspector.Session();
  session.connect();
  let window = 0;
  let sampler: NodeJS.Timeout | undefined;
  let peakRss = 0;
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  let profiling = false;
  process.on('SIGUSR2', () => {
    if (!profiling) {
      profiling = true;
      window += 1;
      peakRss = process.memoryUsage.rss();
      sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
      void post('Profiler.enable').then(() => post('Profiler.start'));
      return;
    }
    profiling = false;
    clearInterval(sampler);
    const name = path.join(dir, `window-${window}`);
    void post('Profiler.stop').then((result) => {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(`${name}.cpuprofile`, JSON.stringify((result as { profile: unknown }).profile));
      fs.writeFileSync(`${name}.rss`, String(Math.round(peakRss / 1024 / 1024)));
    });
  });
}
