import { SingleBar } from 'cli-progress';
import type { JobResponse } from '@device-jobs/client';
import { finishedCount, formatDuration, isFinished, paintStatus, percentDone } from './job-format';
import type { Terminal } from './terminal';
import { ThroughputMeter } from './throughput';

/** Shows a job while it runs: a live bar on a terminal, one line per change when piped, JSON lines with --json. */
export interface JobProgressView {
  update(job: JobResponse, at: number): void;
  stop(): void;
}

const BAR_WIDTH = 20;

interface Figures {
  job: JobResponse;
  rate: number | undefined;
  eta: number | undefined;
}

function measure(meter: ThroughputMeter, job: JobResponse, at: number): Figures {
  meter.add(at, finishedCount(job));
  const stats = job.deviceJobStatistics;
  const rate = meter.rate();
  const resolved = stats.deviceCount > 0;
  const eta = isFinished(job) ? 0 : resolved ? meter.eta(stats.runningCount + stats.pendingCount) : undefined;
  return { job, rate, eta };
}

function rateText({ rate }: Figures): string {
  return rate === undefined ? '- devices/s' : `${rate.toFixed(1)} devices/s`;
}

function etaText({ job, eta }: Figures): string {
  if (isFinished(job)) return 'done';
  if (job.status === 'scheduled' || job.status === 'queued') return `starts ${job.startTime}`;
  return eta === undefined ? 'ETA -' : `ETA ${formatDuration(eta)}`;
}

/** The plain line of one state: also what the piped view prints. */
export function progressLine(figures: Figures): string {
  const { job } = figures;
  const s = job.deviceJobStatistics;
  return (
    `${job.status.padEnd(9)} ${percentDone(job)}% ` +
    `succeeded ${s.succeededCount} failed ${s.failedCount} running ${s.runningCount} pending ${s.pendingCount} ` +
    `of ${s.deviceCount}, ${rateText(figures)}, ${etaText(figures)}`
  );
}

/** Succeeded cells green, failed red, the rest grey: one bar that shows both outcomes. */
function barCells(terminal: Terminal, job: JobResponse): string {
  const s = job.deviceJobStatistics;
  const total = Math.max(s.deviceCount, 1);
  const succeeded = Math.round((s.succeededCount / total) * BAR_WIDTH);
  const failed = Math.min(BAR_WIDTH - succeeded, Math.round((s.failedCount / total) * BAR_WIDTH));
  return (
    terminal.paint('green', '█'.repeat(succeeded)) +
    terminal.paint('red', '█'.repeat(failed)) +
    terminal.paint('gray', '░'.repeat(BAR_WIDTH - succeeded - failed))
  );
}

class LiveBarView implements JobProgressView {
  private readonly meter = new ThroughputMeter();
  private readonly bar: SingleBar;
  private started = false;
  private figures: Figures | undefined;

  constructor(private readonly terminal: Terminal) {
    this.bar = new SingleBar({
      stream: terminal.out,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      linewrap: false,
      fps: 5,
      format: () => this.render(),
    });
  }

  private render(): string {
    if (!this.figures) return '';
    const { job } = this.figures;
    const s = job.deviceJobStatistics;
    const t = this.terminal;
    return (
      `${paintStatus(t, job.status.padEnd(9))} ${barCells(t, job)} ${String(percentDone(job)).padStart(3)}% | ` +
      `${t.paint('green', `${s.succeededCount} ok`)} ${t.paint('red', `${s.failedCount} failed`)} ` +
      `${s.runningCount + s.pendingCount} pending of ${s.deviceCount} | ${rateText(this.figures)} | ${etaText(this.figures)}`
    );
  }

  update(job: JobResponse, at: number): void {
    this.figures = measure(this.meter, job, at);
    const total = Math.max(job.deviceJobStatistics.deviceCount, 1);
    if (!this.started) {
      this.bar.start(total, finishedCount(job));
      this.started = true;
    } else {
      this.bar.setTotal(total);
      this.bar.update(finishedCount(job));
    }
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}

class PlainLinesView implements JobProgressView {
  private readonly meter = new ThroughputMeter();
  private last = '';

  constructor(private readonly terminal: Terminal) {}

  update(job: JobResponse, at: number): void {
    const figures = measure(this.meter, job, at);
    const key = JSON.stringify([job.status, job.deviceJobStatistics]);
    if (key === this.last) return;
    this.last = key;
    this.terminal.line(progressLine(figures));
  }

  stop(): void {}
}

class JsonLinesView implements JobProgressView {
  private last = '';

  constructor(private readonly terminal: Terminal) {}

  update(job: JobResponse): void {
    const text = JSON.stringify(job);
    if (text === this.last) return;
    this.last = text;
    this.terminal.line(text);
  }

  stop(): void {}
}

export function createJobProgressView(terminal: Terminal, json: boolean): JobProgressView {
  if (json) return new JsonLinesView(terminal);
  return terminal.interactive ? new LiveBarView(terminal) : new PlainLinesView(terminal);
}
