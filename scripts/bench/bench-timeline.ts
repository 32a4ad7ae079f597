/**
 * A long benchmark's record as it runs: each step's start (UTC), seconds, the load average and the peak resident
 * memory of the processes it watches when the step ended, and the figures measured so far. Every step's end
 * rewrites a report file (a BENCHMARKS.md section between its markers), so a run that dies at step 4 still leaves
 * steps 1–3 recorded; `record-section.js <file>` copies the section into BENCHMARKS.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadAverage, peakRssMb } from './bench-support';

/** A process whose memory each step records (`pid` read when the step ends: it may start later). */
export interface WatchedProcess {
  name: string;
  pid: () => number | undefined;
}

interface Step {
  name: string;
  startedAt: Date;
  seconds?: number;
  load?: string;
  /** Peak resident memory so far (VmHWM) of each watched process when the step ended, MB. */
  peaks?: (number | undefined)[];
}

export class Timeline {
  private readonly steps: Step[] = [];
  private readonly figures: string[] = [];

  /**
   * @param section the report's marker name (`<!-- section:start -->`)
   * @param heading the section's heading and opening paragraph
   * @param reportFile where the section is rewritten after every step (absent: nothing is written as it runs)
   */
  constructor(
    private readonly section: string,
    private readonly heading: string[],
    private readonly watched: WatchedProcess[],
    readonly reportFile?: string,
  ) {}

  begin(name: string): void {
    this.end();
    this.steps.push({ name, startedAt: new Date() });
    this.write();
  }

  end(): void {
    const current = this.steps.at(-1);
    if (!current || current.seconds !== undefined) return;
    current.seconds = (Date.now() - current.startedAt.getTime()) / 1000;
    current.load = loadAverage();
    current.peaks = this.watched.map((process) => peakRssMb(process.pid()));
    const memory = this.watched.map((process, i) => `${process.name} ${current.peaks?.[i] ?? '?'} MB`);
    console.log(
      `Step "${current.name}": ${current.seconds.toFixed(1)} s, load ${current.load}, peak RSS ${memory.join(', ')}`,
    );
    this.write();
  }

  /** A figure measured, printed now and kept for the report (written with the next step's end, or now). */
  figure(line: string): void {
    console.log(line);
    this.figures.push(line);
    this.write();
  }

  table(): string[] {
    const memory = this.watched.map((process) => `${process.name} peak RSS so far`);
    return [
      `| Step | Started (UTC) | Seconds | Load average (1 min) at its end | ${memory.join(' | ')} |`,
      `| --- | --- | --- | --- | ${memory.map(() => '---').join(' | ')} |`,
      ...this.steps.map((step) => {
        const peaks = this.watched.map((_, i) =>
          step.peaks?.[i] === undefined ? '?' : `${step.peaks[i]} MB`,
        );
        const seconds = step.seconds?.toFixed(1) ?? '(running)';
        return `| ${step.name} | ${step.startedAt.toISOString().slice(11, 19)} | ${seconds} | ${step.load ?? '?'} | ${peaks.join(' | ')} |`;
      }),
    ];
  }

  /** The section as the run stands: its steps and the figures so far. */
  progressSection(): string {
    return [
      ...this.heading,
      '',
      `**Run in progress or stopped** (last written ${new Date().toISOString()}): the steps so far and the figures each printed.`,
      '',
      ...this.table(),
      '',
      ...this.figures.map((line) => `- ${line}`),
    ].join('\n');
  }

  /** Writes `body` (or the progress so far) to the report file, between the section's markers. */
  write(body = this.progressSection()): void {
    if (!this.reportFile) return;
    fs.mkdirSync(path.dirname(this.reportFile), { recursive: true });
    fs.writeFileSync(
      this.reportFile,
      `<!-- ${this.section}:start -->\n${body}\n<!-- ${this.section}:end -->\n`,
    );
  }
}
