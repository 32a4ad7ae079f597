import { deviceJobsQuery } from './api.js';
import { h, replace, timeCell, uid } from './dom.js';
import type { DeviceJob, Job } from './model.js';
import { finishedCount, isActive, percentDone, TYPE_LABELS } from './model.js';
import {
  etaSeconds,
  formatDuration,
  groupFailures,
  ratePerSecond,
  samplesFromDeviceRows,
  type ProgressSample,
} from './progress.js';
import { rerunDialog } from './rerun-dialog.js';
import { Poller, type View, type ViewContext } from './view.js';
import { chartLegend, describeError, errorBox, finishedChart, progressBar, statusBadge } from './widgets.js';

const JOB_REFRESH_MS = 1500;
const DETAIL_REFRESH_MS = 5000;
/** Device rows read to draw the history and group failures; beyond it the page says it shows a part. */
const ROW_LIMIT = 5000;
const PAGE_SIZE = 25;
const DEVICE_STATUSES = ['pending', 'scheduled', 'running', 'completed', 'failed', 'canceled'];

function fact(term: string, value: Node | string, name?: string): HTMLElement {
  return h('div', {}, h('dt', {}, term), h('dd', name ? { 'data-fact': name } : {}, value));
}

function deviceResult(row: DeviceJob): string {
  const retried = row.attempts !== undefined && row.attempts > 1 ? ` (after ${row.attempts} attempts)` : '';
  if (row.error) return `${row.error.code}: ${row.error.description}${retried}`;
  const answer = row.outcome?.deviceMethodResponse;
  if (answer) return `status ${answer.status} ${JSON.stringify(answer.payload ?? null)}${retried}`;
  return '';
}

/** The per-device table: a status filter and pages of `devices.jobs` rows, following continuation tokens. */
function deviceTable(jobId: string, { api }: ViewContext) {
  const filterId = uid('device-status');
  const statusSelect = h(
    'select',
    { id: filterId, onchange: () => void load([]) },
    h('option', { value: '' }, 'All'),
    ...DEVICE_STATUSES.map((status) => h('option', { value: status }, status)),
  );
  const body = h('tbody');
  const pageInfo = h('span', { class: 'muted', 'aria-live': 'polite' });
  const errors = h('div');
  let tokens: (string | undefined)[] = [];
  let next: string | undefined;
  const previous = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => void load(tokens.slice(0, -1)) },
    '← Previous',
  );
  const nextButton = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => void load([...tokens, next]) },
    'Next →',
  );

  async function load(stack: (string | undefined)[]): Promise<void> {
    const statuses = statusSelect.value ? [statusSelect.value] : [];
    try {
      // The service may answer a filtered query in short pages: read on until the table's page is full.
      const page = await api.queryDevices(deviceJobsQuery(jobId, statuses), PAGE_SIZE, stack.at(-1));
      while (page.continuation && page.items.length < PAGE_SIZE) {
        const more = await api.queryDevices(
          deviceJobsQuery(jobId, statuses),
          PAGE_SIZE - page.items.length,
          page.continuation,
        );
        page.items.push(...more.items);
        page.continuation = more.continuation;
      }
      tokens = stack;
      next = page.continuation;
      replace(errors);
      replace(
        body,
        page.items.length === 0
          ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No devices match.'))
          : page.items.map((row) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, row.deviceId),
                h('td', {}, h('span', { class: `badge badge-${row.status}` }, row.status)),
                h('td', {}, timeCell(row.startTimeUtc)),
                h('td', {}, timeCell(row.endTimeUtc)),
                h('td', { class: 'result' }, deviceResult(row)),
              ),
            ),
      );
      pageInfo.textContent = `Page ${tokens.length + 1}, ${page.items.length} device${page.items.length === 1 ? '' : 's'}`;
      previous.disabled = tokens.length === 0;
      nextButton.disabled = next === undefined;
    } catch (error) {
      replace(errors, errorBox(error));
    }
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
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'devices' },
        h('caption', { class: 'visually-hidden' }, 'Devices of the job'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Device', 'Status', 'Start', 'End', 'Result'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        body,
      ),
    ),
    h('div', { class: 'pager' }, previous, pageInfo, nextButton),
  );
  return { section, refresh: () => load(tokens) };
}

/** `#/jobs/{id}`: live statistics, rate and ETA, the history chart, failures by error code, the devices, actions. */
/** `id` is the job id, already decoded from the link. */
export const jobPageView: View = (main, context, [id]) => {
  const jobId = id ?? '';
  const { api, announce } = context;
  let job: Job | undefined;
  const liveSamples: ProgressSample[] = [];
  let history: ProgressSample[] = [];
  let historyComplete = false;
  let lastDetailLoad = 0;

  const title = h('h1', {}, jobId);
  const badge = h('span');
  const actions = h('div', { class: 'actions' });
  const errors = h('div');
  const summary = h('section', { 'aria-labelledby': 'summary-title' });
  const chart = h('section', { 'aria-labelledby': 'chart-title' });
  const failures = h('section', { 'aria-labelledby': 'failures-title' });
  const definition = h('section', { 'aria-labelledby': 'definition-title' });
  const devices = deviceTable(jobId, context);

  const cancelButton = h(
    'button',
    { type: 'button', class: 'danger', onclick: () => void cancel() },
    'Cancel job',
  );
  const rerun = rerunDialog(jobId, context);
  const rerunButton = h('button', { type: 'button', onclick: () => rerun.open() }, 'Rerun…');
  actions.append(cancelButton, rerunButton, rerun.dialog);

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

  function chartSamples(): ProgressSample[] {
    const base = historyComplete ? history : [];
    const lastFinished = base.at(-1)?.finished ?? -1;
    return [
      ...base,
      ...liveSamples.filter((sample) => sample.finished > lastFinished && sample.finished > 0),
    ];
  }

  function renderSummary(current: Job): void {
    const stats = current.deviceJobStatistics;
    const samples = chartSamples();
    const rate = isActive(current) ? ratePerSecond(samples) : averageRate(current, samples);
    const eta = isActive(current) ? etaSeconds(stats, rate) : undefined;
    replace(badge, statusBadge(current.status));
    replace(
      summary,
      h('h2', { id: 'summary-title' }, 'Progress'),
      h(
        'div',
        { class: 'progress-row' },
        progressBar(stats, `Progress of ${current.jobId}`),
        h('strong', { class: 'percent' }, `${percentDone(stats)}%`),
      ),
      h(
        'dl',
        { class: 'stats' },
        fact('Devices', String(stats.deviceCount), 'deviceCount'),
        fact('Succeeded', String(stats.succeededCount), 'succeededCount'),
        fact('Failed or canceled', String(stats.failedCount), 'failedCount'),
        fact('Running', String(stats.runningCount), 'runningCount'),
        fact('Pending', String(stats.pendingCount), 'pendingCount'),
        fact(
          isActive(current) ? 'Rate' : 'Average rate',
          rate === undefined ? '—' : `${rate.toFixed(1)} devices/s`,
          'rate',
        ),
        isActive(current)
          ? fact('Time left (estimate)', eta === undefined ? '—' : formatDuration(eta), 'eta')
          : fact('Duration', runDuration(current), 'duration'),
      ),
      h(
        'dl',
        { class: 'stats times' },
        fact('Type', TYPE_LABELS[current.type] ?? current.type),
        fact('Created', timeCell(current.createdTime)),
        fact('Start', timeCell(current.startTime)),
        fact('End', timeCell(current.endTime)),
        ...(current.parentJobId
          ? [
              fact(
                'Rerun of',
                h('a', { href: `#/jobs/${encodeURIComponent(current.parentJobId)}` }, current.parentJobId),
              ),
            ]
          : []),
      ),
      current.statusMessage ? h('p', {}, current.statusMessage) : null,
      current.failureReason ? h('p', { class: 'error' }, `Failure reason: ${current.failureReason}`) : null,
    );
    replace(
      chart,
      h('h2', { id: 'chart-title' }, 'Devices finished over time'),
      finishedChart(samples, stats.deviceCount),
      chartLegend(),
      historyComplete
        ? null
        : h(
            'p',
            { class: 'muted' },
            `More than ${ROW_LIMIT} devices: the chart shows what finished while this page was open.`,
          ),
    );
    cancelButton.hidden = !isActive(current);
    // A cancelled job is not over until its running devices finish (its endTime): rerun needs an ended job.
    rerunButton.hidden = isActive(current) || current.endTime === undefined;
  }

  function runDuration(current: Job): string {
    const from = Date.parse(current.startTime ?? current.createdTime ?? '');
    const to = Date.parse(current.endTime ?? '');
    return Number.isFinite(from) && Number.isFinite(to) && to >= from
      ? formatDuration((to - from) / 1000)
      : '—';
  }

  function averageRate(current: Job, samples: ProgressSample[]): number | undefined {
    const finished = finishedCount(current.deviceJobStatistics);
    const from = Date.parse(current.startTime ?? current.createdTime ?? '');
    const to = samples.at(-1)?.at ?? Date.parse(current.endTime ?? '');
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from || finished === 0) return undefined;
    return (finished * 1000) / (to - from);
  }

  function renderDefinition(current: Job): void {
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

  async function loadDetails(current: Job): Promise<void> {
    const firstLoad = lastDetailLoad === 0;
    lastDetailLoad = Date.now();
    // A job too large to read whole once is not read whole again: its chart grows from the live samples.
    const [all, failed] = await Promise.all([
      firstLoad || historyComplete ? api.queryAll(deviceJobsQuery(jobId), ROW_LIMIT) : undefined,
      api.queryAll(deviceJobsQuery(jobId, ['failed', 'canceled']), ROW_LIMIT),
    ]);
    if (all) {
      historyComplete = all.complete;
      history = samplesFromDeviceRows(all.items);
    }
    const groups = groupFailures(failed.items);
    replace(
      failures,
      h('h2', { id: 'failures-title' }, 'Failures by error code'),
      groups.length === 0
        ? h('p', { class: 'muted' }, 'No device failed.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'failures' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...['Error code', 'Devices', 'Example devices', 'Description'].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
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
          ),
      failed.complete
        ? null
        : h('p', { class: 'muted' }, `Grouped from the first ${ROW_LIMIT} failed devices.`),
    );
    renderSummary(current);
    await devices.refresh();
  }

  async function load(): Promise<void> {
    try {
      const wasActive = job ? isActive(job) : true;
      job = await api.getJob(jobId);
      const stats = job.deviceJobStatistics;
      liveSamples.push({ at: Date.now(), finished: finishedCount(stats), failed: stats.failedCount });
      replace(errors);
      renderSummary(job);
      renderDefinition(job);
      const ended = wasActive && !isActive(job);
      if (lastDetailLoad === 0 || ended || Date.now() - lastDetailLoad >= DETAIL_REFRESH_MS)
        await loadDetails(job);
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
  cancelButton.hidden = true;
  rerunButton.hidden = true;
  void jobPoller.refresh();
  return () => jobPoller.stop();
};
