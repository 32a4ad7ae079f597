import type { DryRunResponse, JobResponse, JobTemplate, RolloutConfig } from '@device-jobs/client';
import type { Terminal } from './terminal';

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

export function isFinished(job: JobResponse): boolean {
  return FINISHED.has(job.status);
}

export function finishedCount(job: JobResponse): number {
  return job.deviceJobStatistics.succeededCount + job.deviceJobStatistics.failedCount;
}

export function percentDone(job: JobResponse): number {
  const { deviceCount } = job.deviceJobStatistics;
  if (deviceCount === 0) return isFinished(job) ? 100 : 0;
  return Math.floor((finishedCount(job) / deviceCount) * 100);
}

export function paintStatus(terminal: Terminal, status: string): string {
  if (status === 'completed') return terminal.paint('green', status);
  if (status === 'failed') return terminal.paint('red', status);
  if (status === 'cancelled' || status === 'canceled') return terminal.paint('yellow', status);
  if (status === 'running') return terminal.paint('cyan', status);
  return status;
}

export function operationOf(job: {
  type: string;
  cloudToDeviceMethod?: { methodName: string };
  rollbackOf?: string;
}): string {
  if (job.type === 'scheduleDeviceMethod') return `method ${job.cloudToDeviceMethod?.methodName ?? ''}`;
  return job.rollbackOf === undefined ? 'twin update' : `twin rollback of ${job.rollbackOf}`;
}

/** `1h 02m 05s`, `4m 10s`, `12s`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

function rampText(ramp: NonNullable<RolloutConfig['exponentialRate']>): string {
  const criteria = ramp.rateIncreaseCriteria;
  const every =
    'numberOfSucceededDevices' in criteria
      ? `${criteria.numberOfSucceededDevices} more succeeded`
      : `${criteria.numberOfNotifiedDevices} more started`;
  return `starting at ${ramp.baseRatePerMinute} a minute, ×${ramp.incrementFactor} each time ${every}`;
}

export function controls(
  job: Pick<
    JobTemplate,
    | 'rolloutConfig'
    | 'abortConfig'
    | 'retryConfig'
    | 'completionCondition'
    | 'countMethodErrorsAsFailures'
    | 'priority'
  >,
): string[] {
  const lines: string[] = [];
  if (job.priority !== undefined) lines.push(`priority ${job.priority} in the device-operation budget`);
  const rollout = job.rolloutConfig;
  if (rollout) {
    const parts = [
      rollout.maximumPerMinute !== undefined && `at most ${rollout.maximumPerMinute} devices a minute`,
      rollout.maxConcurrency !== undefined && `at most ${rollout.maxConcurrency} at once`,
      rollout.exponentialRate && rampText(rollout.exponentialRate),
    ].filter(Boolean);
    if (parts.length > 0) lines.push(parts.join(', '));
  }
  for (const rule of job.abortConfig?.criteriaList ?? [])
    lines.push(
      `abort${rule.action === 'rollback' ? ' and roll back' : ''} when ${rule.thresholdPercentage}% of at least ${rule.minNumberOfExecutedDevices} executed devices failed (${rule.failureType})`,
    );
  for (const rule of job.retryConfig?.criteriaList ?? [])
    lines.push(`retry ${rule.numberOfRetries} time(s) on ${rule.failureType} failures`);
  const until = job.completionCondition;
  if (until) lines.push(`a device is done when ${until.condition} (within ${until.timeoutInSeconds} s)`);
  if (job.countMethodErrorsAsFailures) lines.push('a device answering with status 400 or more fails');
  return lines;
}

/** A job's maintenance windows, one line each, and what happens at their end. */
export function windowLines(job: Pick<JobTemplate, 'schedulingConfig'>): string[] {
  const config = job.schedulingConfig;
  if (!config) return [];
  const end = config.endBehavior === 'cancel' ? 'cancel the job' : 'wait for the next';
  return config.maintenanceWindows.map(
    (window) =>
      `'${window.schedule}' (${config.timeZone}) for ${formatDuration(window.durationInMinutes * 60)}; at its end ${end}`,
  );
}

/** The human view of one job: what, whom, when, how far, and why it ended as it did. */
export function printJob(terminal: Terminal, job: JobResponse): void {
  const stats = job.deviceJobStatistics;
  const rows: [string, string][] = [
    ['Job', job.jobId],
    ['Operation', operationOf(job)],
    [
      'Targets',
      job.rollbackOf === undefined
        ? `${job.queryCondition ?? 'a list of device ids'}${job.targetSelection === 'continuous' ? ' (continuous: devices that come to match join)' : ''}`
        : `the devices ${job.rollbackOf} completed`,
    ],
    ['Status', `${paintStatus(terminal, job.status)}${job.statusMessage ? ` (${job.statusMessage})` : ''}`],
    [
      'Devices',
      `${stats.deviceCount} total: ${stats.succeededCount} succeeded, ${stats.failedCount} failed, ` +
        `${stats.runningCount} running, ${stats.pendingCount} pending (${percentDone(job)}% done)`,
    ],
    ['Created', job.createdTime],
    ['Start', job.startTime],
    ['End', job.endTime ?? '-'],
    ['Max time', formatDuration(job.maxExecutionTimeInSeconds)],
  ];
  for (const control of controls(job)) rows.push(['Controls', control]);
  for (const line of windowLines(job)) rows.push(['Windows', line]);
  if (job.nextWindowStart) rows.push(['Opens at', job.nextWindowStart]);
  for (const wave of job.waveStatistics ?? [])
    rows.push([
      'Wave',
      `${wave.name}: ${wave.state}, ${wave.succeededCount} of ${wave.deviceCount} succeeded, ${wave.failedCount} failed`,
    ]);
  if (job.lastControlAction) {
    const { action, by, reason, time } = job.lastControlAction;
    rows.push([
      action === 'pause' ? 'Paused by' : 'Resumed by',
      `${by} at ${time}${reason ? `: ${reason}` : ''}`,
    ]);
  }
  if (job.parentJobId && job.rollbackOf === undefined) rows.push(['Rerun of', job.parentJobId]);
  if (job.rollbackJobId) rows.push(['Rollback', job.rollbackJobId]);
  if (job.failureReason) rows.push(['Reason', terminal.paint('red', job.failureReason)]);
  for (const [key, value] of rows) terminal.line(`${key.padEnd(10)} ${value}`);
}

export function printDryRun(terminal: Terminal, dryRun: DryRunResponse): void {
  terminal.line(`Dry run of ${dryRun.jobId}: nothing was created.`);
  terminal.line(`Devices    ${dryRun.deviceCount}`);
  terminal.line(`Estimate   ${formatDuration(dryRun.estimatedDurationInSeconds)}`);
  if (dryRun.sampleDeviceIds.length > 0)
    terminal.line(
      `Sample     ${dryRun.sampleDeviceIds.join(', ')}${dryRun.deviceCount > dryRun.sampleDeviceIds.length ? ', …' : ''}`,
    );
  for (const warning of dryRun.warnings ?? [])
    terminal.line(`Warning    ${terminal.paint('yellow', warning.message)}`);
}

/** A ten-cell bar on a terminal, the percentage alone elsewhere. */
export function progressCell(terminal: Terminal, job: JobResponse): string {
  const percent = percentDone(job);
  if (!terminal.interactive) return `${percent}%`;
  const filled = Math.round(percent / 10);
  return `${'█'.repeat(filled)}${terminal.paint('gray', '░'.repeat(10 - filled))} ${String(percent).padStart(3)}%`;
}

export function printJobTable(terminal: Terminal, jobs: readonly JobResponse[]): void {
  terminal.table(
    ['JOB', 'OPERATION', 'STATUS', 'PROGRESS', 'DEVICES', 'SUCCEEDED', 'FAILED', 'CREATED', 'START', 'END'],
    jobs.map((job) => [
      job.jobId,
      operationOf(job),
      paintStatus(terminal, job.status),
      progressCell(terminal, job),
      String(job.deviceJobStatistics.deviceCount),
      String(job.deviceJobStatistics.succeededCount),
      String(job.deviceJobStatistics.failedCount),
      job.createdTime,
      job.startTime,
      job.endTime ?? '-',
    ]),
  );
}
