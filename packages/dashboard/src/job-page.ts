import { h, replace, timeCell, uid } from './dom.js';
import {
  DEFAULT_JOB_PRIORITY,
  deviceJobsQuery,
  waitingDeviceJobsQuery,
  type DeviceJobResponse,
  type DeviceJobStatistics,
  type JobResponse,
} from '@device-jobs/client';
import { finishedCount, isActive, percentDone, TYPE_LABELS } from './model.js';
import {
  etaSeconds,
  formatDuration,
  groupFailures,
  ratePerSecond,
  samplesFromDeviceRows,
  statisticsFromRows,
  type ProgressSample,
} from './progress.js';
import { rerunDialog } from './rerun-dialog.js';
import { jobBadges } from './job-badges.js';
import { canRollBack, pauseControlOf, waveSegments } from './job-controls.js';
import { rollbackDialog } from './rollback-dialog.js';
import { Poller, type View, type ViewContext } from './view.js';
import {
  chartLegend,
  dataTable,
  describeError,
  errorBox,
  finishedChart,
  progressBar,
  pagerButtons,
} from './widgets.js';

const JOB_REFRESH_MS = 1500;
/** How often a job with more than ROW_LIMIT rows reads its failed devices again while its counts move. */
const SLOW_REFRESH_MS = 5000;
/** Device rows read to draw the history and group failures; beyond it the page says it shows a part. */
const ROW_LIMIT = 5000;
const PAGE_SIZE = 25;
const DEVICE_STATUSES = ['pending', 'scheduled', 'running', 'completed', 'failed', 'canceled'];
/** The filter's value for running devices that wait for the job's completion condition. */
const WAITING = 'waiting';

const isWaiting = (row: DeviceJobResponse) => row.status === 'running' && row.waitingUntil !== undefined;

function jobLink(jobId: string): HTMLElement {
  return h('a', { href: `#/jobs/${encodeURIComponent(jobId)}` }, jobId);
}

function fact(term: string, value: Node | string, name?: string): HTMLElement {
  return h('div', {}, h('dt', {}, term), h('dd', name ? { 'data-fact': name } : {}, value));
}

function deviceResult(row: DeviceJobResponse): string {
  const retried = row.attempts !== undefined && row.attempts > 1 ? ` (after ${row.attempts} attempts)` : '';
  if (row.error) return `${row.error.code}: ${row.error.description}${retried}`;
  const waiting =
    row.waitingUntil !== undefined
      ? `waiting for the completion condition until ${new Date(row.waitingUntil).toLocaleTimeString()}; `
      : '';
  const answer = row.outcome?.deviceMethodResponse;
  if (waiting)
    return `${waiting}${answer ? `status ${answer.status} ${JSON.stringify(answer.payload ?? null)}` : ''}`;
  if (answer) return `status ${answer.status} ${JSON.stringify(answer.payload ?? null)}${retried}`;
  return '';
}

/** Which device rows the table shows: those of the page's last read of every row, or pages read from the service. */
type TableSource = { kind: 'rows'; rows: readonly DeviceJobResponse[] } | { kind: 'service' };

function deviceRow(row: DeviceJobResponse): HTMLElement {
  return h(
    'tr',
    { 'data-status': row.status, ...(row.waitingUntil !== undefined ? { 'data-waiting': 'true' } : {}) },
    h('th', { scope: 'row' }, row.deviceId),
    h('td', {}, h('span', { class: `badge badge-${row.status}` }, row.status)),
    h('td', {}, timeCell(row.startTimeUtc)),
    h('td', {}, timeCell(row.endTimeUtc)),
    h('td', { class: 'result' }, deviceResult(row)),
  );
}

/**
 * The per-device table: a status filter and pages of 25 rows. While the job's rows are read whole (up to
 * ROW_LIMIT), it pages through that one read, so it shows the moment the counts and failures show; beyond, it pages
 * through `devices.jobs` queries, following continuation tokens.
 */
function deviceTable(jobId: string, { api }: ViewContext) {
  const filterId = uid('device-status');
  const statusSelect = h(
    'select',
    { id: filterId, onchange: () => void show([]) },
    h('option', { value: '' }, 'All'),
    ...DEVICE_STATUSES.map((status) => h('option', { value: status }, status)),
    h('option', { value: WAITING, hidden: true }, WAITING),
  );
  const waitingOption = statusSelect.options[statusSelect.options.length - 1];
  const body = h('tbody', {}, loadingRow());
  const pageInfo = h('span', { class: 'muted', 'aria-live': 'polite' });
  const errors = h('div');
  let source: TableSource | undefined;
  let tokens: (string | undefined)[] = [];
  let next: string | undefined;
  const { previous, nextButton } = pagerButtons(
    () => void show(tokens.slice(0, -1)),
    () => void show([...tokens, next]),
  );

  function loadingRow(): HTMLElement {
    return h('tr', {}, h('td', { colspan: 5, class: 'muted', 'data-state': 'loading' }, 'Loading devices…'));
  }

  function render(items: readonly DeviceJobResponse[], pageText: string, emptyText: string): void {
    replace(errors);
    replace(
      body,
      items.length === 0
        ? h('tr', {}, h('td', { colspan: 5, class: 'muted', 'data-state': 'empty' }, emptyText))
        : items.map(deviceRow),
    );
    pageInfo.textContent = pageText;
    previous.disabled = tokens.length === 0;
    nextButton.disabled = next === undefined;
  }

  function emptyText(status: string): string {
    if (status === WAITING) return 'No device waits for the completion condition.';
    return status ? `No device is ${status}.` : 'No device has a row yet.';
  }

  const matches = (status: string) => (row: DeviceJobResponse) =>
    status === WAITING ? isWaiting(row) : row.status === status;

  /** Option labels with the count of rows in each status (rows mode), so the filter agrees with the counts. */
  function labelOptions(rows: readonly DeviceJobResponse[] | undefined): void {
    const counts = new Map<string, number>();
    for (const row of rows ?? []) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
    counts.set(WAITING, rows?.filter(isWaiting).length ?? 0);
    for (const option of statusSelect.options) {
      const status = option.value;
      const count = status ? (counts.get(status) ?? 0) : (rows?.length ?? 0);
      const label = status === WAITING ? 'waiting for the completion condition' : status || 'All';
      option.textContent = `${label}${rows ? ` (${count})` : ''}`;
      option.dataset.count = rows ? String(count) : '';
    }
  }

  function showRows(rows: readonly DeviceJobResponse[], stack: (string | undefined)[]): void {
    const status = statusSelect.value;
    const matching = status ? rows.filter(matches(status)) : rows;
    const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
    const index = Math.min(stack.length, pages - 1);
    tokens = Array.from({ length: index }, (_, i) => String(i));
    next = index + 1 < pages ? String(index + 1) : undefined;
    const items = matching.slice(index * PAGE_SIZE, (index + 1) * PAGE_SIZE);
    const noun = matching.length === 1 ? 'device' : 'devices';
    render(items, `Page ${index + 1} of ${pages}, ${matching.length} ${noun}`, emptyText(status));
  }

  async function showServicePage(stack: (string | undefined)[]): Promise<void> {
    const status = statusSelect.value;
    const query =
      status === WAITING ? waitingDeviceJobsQuery(jobId) : deviceJobsQuery(jobId, status ? [status] : []);
    try {
      // The service may answer a filtered query in short pages: read on until the table's page is full.
      const page = await api.queryPage<DeviceJobResponse>(query, stack.at(-1), PAGE_SIZE);
      while (page.continuation && page.items.length < PAGE_SIZE) {
        const more = await api.queryPage<DeviceJobResponse>(
          query,
          page.continuation,
          PAGE_SIZE - page.items.length,
        );
        page.items.push(...more.items);
        page.continuation = more.continuation;
      }
      tokens = stack;
      next = page.continuation;
      const noun = page.items.length === 1 ? 'device' : 'devices';
      render(
        page.items,
        `Page ${tokens.length + 1}, ${page.items.length} ${noun}`,
        emptyText(statusSelect.value),
      );
    } catch (error) {
      replace(errors, errorBox(error));
    }
  }

  async function show(stack: (string | undefined)[]): Promise<void> {
    if (source === undefined) return;
    if (source.kind === 'rows') showRows(source.rows, stack);
    else await showServicePage(stack);
  }

  const section = h(
    'section',
    { 'aria-labelledby': 'devices-title' },
    h('h2', { id: 'devices-title' }, 'Devices'),
    h(
      'div',
      { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: filterId }, 'Device status'), statusSelect),
    ),
    errors,
    dataTable('devices', 'Devices of the job', ['Device', 'Status', 'Start', 'End', 'Result'], body),
    h('div', { class: 'pager' }, previous, pageInfo, nextButton),
  );
  return {
    section,
    /**
     * Shows the rows of one read (rows mode), or the service's pages (undefined rows); stays on its page. The
     * filter offers the waiting devices when the job has a completion condition (`waits`).
     */
    update(rows: readonly DeviceJobResponse[] | undefined, waits: boolean): Promise<void> {
      if (waitingOption) waitingOption.hidden = !waits;
      const kind = rows ? 'rows' : 'service';
      if (source?.kind !== kind) tokens = [];
      source = rows ? { kind: 'rows', rows } : { kind: 'service' };
      labelOptions(rows);
      return show(tokens);
    },
  };
}

/** The counts that change while a job runs: when they have not moved, nothing needs reading again. */
function countsKey(job: JobResponse): string {
  const stats = job.deviceJobStatistics;
  return [
    job.status,
    stats.deviceCount,
    stats.succeededCount,
    stats.failedCount,
    stats.runningCount,
    stats.pendingCount,
  ].join('/');
}

/**
 * `#/jobs/{id}`: live statistics, rate and ETA, the history chart, failures by error code, the devices, actions.
 * Every part describes one moment: while the job has at most ROW_LIMIT device rows, each refresh whose counts moved
 * reads every row once, and the counts, the chart, the failure groups and the device table are all drawn from that
 * read (device rows are written before the job's counters, so they are never behind them). Larger jobs show the
 * service's counters and group the first ROW_LIMIT failed devices, read again whenever the counts move.
 */
export const jobPageView: View = (main, context, [id]) => {
  // The router hands over the id already decoded (a malformed link never gets here).
  const jobId = id ?? '';
  const { api, announce } = context;
  let job: JobResponse | undefined;
  /** Every device row of the last read while they fit in ROW_LIMIT; undefined once they do not. */
  let rows: DeviceJobResponse[] | undefined;
  /** Devices waiting for the completion condition, when the job has one: counted up to ROW_LIMIT. */
  let waiting: { count: number; complete: boolean } | undefined;
  let rowsFit = true;
  let detailsKey: string | undefined;
  let lastSlowRead = 0;
  const liveSamples: ProgressSample[] = [];

  const title = h('h1', {}, jobId);
  const badge = h('span');
  const actions = h('div', { class: 'actions' });
  const errors = h('div');
  const summary = h(
    'section',
    { 'aria-labelledby': 'summary-title' },
    h('h2', { id: 'summary-title' }, 'Progress'),
    h('p', { class: 'muted', 'data-state': 'loading' }, 'Loading…'),
  );
  const chart = h('section', { 'aria-labelledby': 'chart-title' });
  const failures = h(
    'section',
    { 'aria-labelledby': 'failures-title' },
    h('h2', { id: 'failures-title' }, 'Failures by error code'),
    h('p', { class: 'muted', 'data-state': 'loading' }, 'Loading the failed devices…'),
  );
  const definition = h('section', { 'aria-labelledby': 'definition-title' });
  const devices = deviceTable(jobId, context);

  const cancelButton = h(
    'button',
    { type: 'button', class: 'danger', onclick: () => void cancel() },
    'Cancel job',
  );
  const rerun = rerunDialog(jobId, context);
  const rerunButton = h('button', { type: 'button', onclick: () => rerun.open() }, 'Rerun…');
  const controlButton = h('button', { type: 'button', onclick: () => void control() }, 'Pause');
  const rollback = rollbackDialog(jobId, context);
  const rollbackButton = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => rollback.open() },
    'Roll back…',
  );
  actions.append(controlButton, cancelButton, rerunButton, rollbackButton, rerun.dialog, rollback.dialog);

  /** Pause, resume, or approve the wave the job waits on. */
  async function control(): Promise<void> {
    const offered = job ? pauseControlOf(job) : undefined;
    if (!offered) return;
    try {
      await api.controlJob(jobId, offered.action);
      announce(`Job ${jobId} ${offered.action === 'pause' ? 'paused' : 'resumed'}.`);
      await jobPoller.refresh();
    } catch (error) {
      replace(errors, errorBox(error));
    }
  }

  async function cancel(): Promise<void> {
    if (!window.confirm(`Cancel job ${jobId}? Devices not started yet will not be started.`)) return;
    try {
      await api.cancelJob(jobId);
      announce(`Job ${jobId} cancelled.`);
      await jobPoller.refresh();
    } catch (error) {
      replace(errors, errorBox(error));
    }
  }

  /** The statistics the page shows: those of its rows when it holds them all, else the service's counters. */
  function shownStatistics(current: JobResponse): DeviceJobStatistics {
    const { deviceCount, runningCount } = current.deviceJobStatistics;
    return rows ? statisticsFromRows(deviceCount, rows, runningCount) : current.deviceJobStatistics;
  }

  function chartSamples(stats: DeviceJobStatistics): ProgressSample[] {
    if (rows) return samplesFromDeviceRows(rows);
    // Too many rows to read whole: the chart grows from what the page saw finish while it was open.
    return liveSamples.filter((sample) => sample.finished > 0 && sample.finished <= finishedCount(stats));
  }

  function renderSummary(current: JobResponse): void {
    const stats = shownStatistics(current);
    const samples = chartSamples(stats);
    const active = isActive(current);
    // While it runs, the rate is measured up to now: a stalled job's rate falls.
    const rate = active
      ? ratePerSecond([
          ...samples,
          { at: Date.now(), finished: finishedCount(stats), failed: stats.failedCount },
        ])
      : averageRate(current, stats);
    const eta = active && current.status === 'running' ? etaSeconds(stats, rate) : undefined;
    replace(badge, ...jobBadges(current));
    replace(
      summary,
      h('h2', { id: 'summary-title' }, 'Progress'),
      h(
        'div',
        { class: 'progress-row' },
        progressBar(stats, `Progress of ${current.jobId}`),
        h('strong', { class: 'percent' }, `${percentDone(stats)}%`),
      ),
      current.waveStatistics ? waveSegments(current.waveStatistics) : null,
      h(
        'dl',
        { class: 'stats' },
        fact('Devices', String(stats.deviceCount), 'deviceCount'),
        fact('Succeeded', String(stats.succeededCount), 'succeededCount'),
        fact('Failed or canceled', String(stats.failedCount), 'failedCount'),
        fact('Running', String(stats.runningCount), 'runningCount'),
        fact('Pending', String(stats.pendingCount), 'pendingCount'),
        ...(current.completionCondition
          ? [
              fact(
                'Waiting for the completion condition',
                waiting === undefined ? '—' : `${waiting.count}${waiting.complete ? '' : '+'}`,
                'waitingCount',
              ),
            ]
          : []),
        fact(
          active ? 'Rate' : 'Average rate',
          rate === undefined ? '—' : `${rate.toFixed(1)} devices/s`,
          'rate',
        ),
        active
          ? fact('Time left (estimate)', eta === undefined ? '—' : formatDuration(eta), 'eta')
          : fact(
              'Duration',
              runSeconds(current) === undefined ? '—' : formatDuration(runSeconds(current) ?? 0),
              'duration',
            ),
      ),
      h(
        'dl',
        { class: 'stats times' },
        fact('Type', TYPE_LABELS[current.type] ?? current.type),
        fact('Created', timeCell(current.createdTime)),
        fact('Start', timeCell(current.startTime)),
        fact('End', timeCell(current.endTime)),
        ...(current.nextWindowStart
          ? [fact('Next window', timeCell(current.nextWindowStart), 'nextWindowStart')]
          : []),
        fact(
          'Priority',
          current.priority === undefined ? `${DEFAULT_JOB_PRIORITY} (default)` : String(current.priority),
          'priority',
        ),
        ...(current.parentJobId
          ? [
              fact(
                current.rollbackOf === undefined ? 'Rerun of' : 'Rollback of',
                jobLink(current.parentJobId),
              ),
            ]
          : []),
        ...(current.rollbackJobId ? [fact('Rolled back by', jobLink(current.rollbackJobId))] : []),
      ),
      current.statusMessage ? h('p', {}, current.statusMessage) : null,
      current.failureReason ? h('p', { class: 'error' }, `Failure reason: ${current.failureReason}`) : null,
    );
    replace(
      chart,
      h('h2', { id: 'chart-title' }, 'Devices finished over time'),
      finishedChart(samples, stats.deviceCount),
      chartLegend(),
      rows
        ? null
        : h(
            'p',
            { class: 'muted' },
            `More than ${ROW_LIMIT} devices: the chart shows what finished while this page was open.`,
          ),
    );
    cancelButton.hidden = !active;
    const offered = pauseControlOf(current);
    controlButton.hidden = offered === undefined;
    controlButton.textContent = offered?.label ?? 'Pause';
    rollbackButton.hidden = !canRollBack(current);
    // A cancelled job is not over until its running devices finish (its endTime): rerun needs an ended job.
    rerunButton.hidden = active || current.endTime === undefined || current.rollbackOf !== undefined;
  }

  /** Seconds from the job's start to its end (undefined before it ended). */
  function runSeconds(current: JobResponse): number | undefined {
    const from = Date.parse(current.startTime ?? current.createdTime ?? '');
    const to = Date.parse(current.endTime ?? '');
    return Number.isFinite(from) && Number.isFinite(to) && to >= from ? (to - from) / 1000 : undefined;
  }

  /** Devices finished per second over the run: the same span as the duration shown beside it. */
  function averageRate(current: JobResponse, stats: DeviceJobStatistics): number | undefined {
    const seconds = runSeconds(current);
    const finished = finishedCount(stats);
    return seconds === undefined || seconds <= 0 || finished === 0 ? undefined : finished / seconds;
  }

  function renderFailures(failedRows: readonly DeviceJobResponse[], complete: boolean): void {
    const groups = groupFailures(failedRows);
    replace(
      failures,
      h('h2', { id: 'failures-title' }, 'Failures by error code'),
      groups.length === 0
        ? h('p', { class: 'muted', 'data-state': 'empty' }, 'No device failed.')
        : dataTable(
            'failures',
            undefined,
            ['Error code', 'Devices', 'Example devices', 'Description'],
            h(
              'tbody',
              {},
              groups.map((group) =>
                h(
                  'tr',
                  { 'data-code': group.code },
                  h('th', { scope: 'row' }, group.code),
                  h('td', {}, String(group.count)),
                  h('td', {}, group.exampleDeviceIds.join(', ')),
                  h('td', {}, group.description),
                ),
              ),
            ),
          ),
      complete ? null : h('p', { class: 'muted' }, `Grouped from the first ${ROW_LIMIT} failed devices.`),
    );
  }

  function renderDefinition(current: JobResponse): void {
    const {
      deviceJobStatistics: _s,
      status: _st,
      statusMessage: _m,
      endTime: _e,
      failureReason: _f,
      ...rest
    } = current;
    replace(
      definition,
      h('h2', { id: 'definition-title' }, 'Definition'),
      h(
        'details',
        {},
        h('summary', {}, 'Show the job as the service returns it'),
        h('pre', {}, JSON.stringify(rest, null, 2)),
      ),
    );
  }

  /** Reads what the counts describe: every row (while they fit), else the failed rows and the table's page. */
  async function loadDetails(): Promise<void> {
    const waits = job?.completionCondition !== undefined;
    if (rowsFit) {
      const all = await api.queryAll<DeviceJobResponse>(deviceJobsQuery(jobId), ROW_LIMIT);
      if (all.complete) {
        rows = all.items;
        waiting = waits ? { count: rows.filter(isWaiting).length, complete: true } : undefined;
        renderFailures(
          rows.filter((row) => row.status === 'failed' || row.status === 'canceled'),
          true,
        );
        await devices.update(rows, waits);
        return;
      }
      rowsFit = false;
      rows = undefined;
    }
    const failed = await api.queryAll<DeviceJobResponse>(
      deviceJobsQuery(jobId, ['failed', 'canceled']),
      ROW_LIMIT,
    );
    renderFailures(failed.items, failed.complete);
    if (waits) {
      const read = await api.queryAll<DeviceJobResponse>(waitingDeviceJobsQuery(jobId), ROW_LIMIT);
      waiting = { count: read.items.length, complete: read.complete };
    }
    await devices.update(undefined, waits);
  }

  async function load(): Promise<void> {
    try {
      const wasActive = job ? isActive(job) : true;
      job = await api.getJob(jobId);
      const stats = job.deviceJobStatistics;
      liveSamples.push({ at: Date.now(), finished: finishedCount(stats), failed: stats.failedCount });
      replace(errors);
      const key = countsKey(job);
      const ended = wasActive && !isActive(job);
      // Beyond ROW_LIMIT rows a read costs several pages: not more often than every few seconds.
      const slowDue = rowsFit || Date.now() - lastSlowRead >= SLOW_REFRESH_MS;
      if (key !== detailsKey && (slowDue || ended)) {
        await loadDetails();
        detailsKey = key;
        if (!rowsFit) lastSlowRead = Date.now();
      }
      renderSummary(job);
      renderDefinition(job);
      if (ended) announce(`Job ${jobId} ${job.status}.`);
    } catch (error) {
      replace(errors, errorBox(error));
      document.title = `${jobId}: ${describeError(error)}`;
    }
  }

  const jobPoller = new Poller(load, () => (job === undefined || isActive(job) ? JOB_REFRESH_MS : undefined));
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/jobs' }, '← All jobs')),
    h('div', { class: 'page-head' }, h('div', { class: 'title' }, title, badge), actions),
    errors,
    summary,
    chart,
    failures,
    devices.section,
    definition,
  );
  for (const button of [cancelButton, rerunButton, controlButton, rollbackButton]) button.hidden = true;
  void jobPoller.refresh();
  return () => jobPoller.stop();
};
