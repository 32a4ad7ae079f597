/** Reads the `.cpuprofile` files `node --cpu-prof` wrote and lists where the CPU time went (self time). */
import fs from 'node:fs';

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
