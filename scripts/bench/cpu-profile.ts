/** Reads the `.cpuprofile` files `node --cpu-prof` wrote and lists where the CPU time went (self time). */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, a file of this repository, or the runtime. */
function placeOf(url: string): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage?.[1]) return inPackage[1];
  const own = /\/(dist\/)?((?:shared|functions|local-host|scripts)\/.*)$/.exec(url);
  if (own?.[2]) return own[2].replace(/\.js$/, '.ts');
  return url.startsWith('node:') ? url : '(runtime)';
}

/** CPU time the process spent busy (not idle), and the summary lines of one `.cpuprofile` file. */
export function summarizeProfileFile(file: string, top: number): { busySeconds: number; lines: string[] } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const frame = nodes.get(id)?.callFrame;
    const delta = profile.timeDeltas[index] ?? 0;
    if (!frame) return;
    total += delta;
    const place = placeOf(frame.url);
    const name = `${frame.functionName || '(anonymous)'} (${place})`;
    byPlace.set(place, (byPlace.get(place) ?? 0) + delta);
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
  });
  const share = (value: number) => `${((100 * value) / total).toFixed(1).padStart(5)} %`;
  const largest = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const idle = byFunction.get('(idle) ((runtime))') ?? 0;
  return {
    busySeconds: (total - idle) / 1e6,
    lines: [
      `${(total / 1e6).toFixed(1)} s of samples, ${((total - idle) / 1e6).toFixed(1)} s busy; by place:`,
      ...largest(byPlace).map(([place, value]) => `${share(value)}  ${place}`),
      'top functions:',
      ...largest(byFunction).map(([name, value]) => `${share(value)}  ${name}`),
    ],
  };
}

export interface WindowProfile {
  /** CPU seconds the process spent busy in the window. */
  busySeconds: number;
  /** Peak resident memory of the process in the window. */
  peakRssMb: number;
  lines: string[];
}

/** Profiles one stretch of a child process's work through its preloaded profile-on-signal (CPU_PROFILE_DIR=dir). */
export class SignalProfiler {
  private windows = 0;

  constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  start(): void {
    this.child.kill('SIGUSR2');
  }

  async stop(top = 12): Promise<WindowProfile> {
    this.windows += 1;
    this.child.kill('SIGUSR2');
    const base = path.join(this.dir, `window-${this.windows}`);
    // The memory figure is written after the profile: once it exists, both are complete.
    for (let waited = 0; !fs.existsSync(`${base}.rss`); waited += 100) {
      if (waited > 60_000) throw new Error(`The process wrote no profile ${base}.`);
      await sleep(100);
    }
    const { busySeconds, lines } = summarizeProfileFile(`${base}.cpuprofile`, top);
    return { busySeconds, lines, peakRssMb: Number(fs.readFileSync(`${base}.rss`, 'utf8')) };
  }
}
