import { h, replace, timeCell, uid } from './dom.js';
import type { JobResponse, RegistryJobResponse } from '@device-jobs/client';
import { isActive, percentDone, TYPE_LABELS } from './model.js';
import { Poller, type View } from './view.js';
import { jobBadges } from './job-badges.js';
import { dataTable, errorBox, progressBar, statusBadge } from './widgets.js';

const REFRESH_MS = 2000;
/** New jobs appear without a click, only less often while nothing runs. */
const IDLE_REFRESH_MS = 15_000;
const MAX_JOBS = 500;
const STATUSES = ['queued', 'scheduled', 'running', 'paused', 'completed', 'failed', 'cancelled'];

function select(
  label: string,
  options: [string, string][],
  onChange: () => void,
): [HTMLElement, HTMLSelectElement] {
  const id = uid('filter');
  const control = h(
    'select',
    { id, onchange: onChange },
    ...options.map(([value, text]) => h('option', { value }, text)),
  );
  return [h('div', { class: 'field' }, h('label', { for: id }, label), control), control];
}

function jobRow(job: JobResponse): HTMLElement {
  const stats = job.deviceJobStatistics;
  const link = h('a', { href: `#/jobs/${encodeURIComponent(job.jobId)}` }, job.jobId);
  return h(
    'tr',
    { 'data-job-id': job.jobId },
    h('th', { scope: 'row' }, link),
    h('td', { class: 'badges' }, ...jobBadges(job)),
    h('td', {}, TYPE_LABELS[job.type] ?? job.type),
    h(
      'td',
      { class: 'progress-cell' },
      progressBar(stats, `Progress of ${job.jobId}`),
      h('span', { class: 'percent' }, `${percentDone(stats)}%`),
    ),
    h(
      'td',
      { class: 'counts' },
      h('span', { class: 'ok', title: 'succeeded' }, `✓ ${stats.succeededCount}`),
      ' ',
      h('span', { class: 'bad', title: 'failed or canceled' }, `✗ ${stats.failedCount}`),
      ' ',
      h(
        'span',
        { class: 'muted', title: 'running / pending' },
        `… ${stats.runningCount + stats.pendingCount}`,
      ),
      ' ',
      h('span', { class: 'muted' }, `/ ${stats.deviceCount}`),
    ),
    h('td', {}, timeCell(job.createdTime)),
    h('td', {}, timeCell(job.startTime)),
    h('td', {}, timeCell(job.endTime)),
  );
}

function registryJobRow(job: RegistryJobResponse): HTMLElement {
  const bar = h('progress', {
    max: '100',
    value: String(job.progress),
    'aria-label': `Progress of ${job.jobId}`,
  });
  const failed = job.failedCount ? ` (${job.failedCount} failed)` : '';
  return h(
    'tr',
    { 'data-registry-job-id': job.jobId, title: job.failureReason ?? job.statusMessage ?? '' },
    h('th', { scope: 'row' }, job.jobId),
    h('td', {}, statusBadge(job.status)),
    h('td', {}, job.type === 'import' ? 'Import' : 'Export'),
    h('td', { class: 'progress-cell' }, bar, h('span', { class: 'percent' }, `${job.progress}%`)),
    h('td', { class: 'counts' }, `${job.deviceCount}${failed}`),
    h('td', {}, timeCell(job.startTimeUtc)),
    h('td', {}, timeCell(job.endTimeUtc)),
  );
}

/** The import and export jobs (`GET /jobs`); a policy without RegistryRead sees why they are missing. */
async function loadRegistryJobs(
  api: { listRegistryJobs(): Promise<RegistryJobResponse[]> },
  body: HTMLElement,
  errors: HTMLElement,
): Promise<RegistryJobResponse[]> {
  try {
    const jobs = await api.listRegistryJobs();
    replace(errors);
    replace(
      body,
      jobs.length === 0
        ? h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No import or export jobs.'))
        : jobs.map(registryJobRow),
    );
    return jobs;
  } catch (error) {
    replace(errors, errorBox(error));
    return [];
  }
}

/** `#/jobs`: every job with its status and progress, filtered, refreshed while any of them is active. */
export const jobsListView: View = (main, { api }) => {
  let jobs: JobResponse[] = [];
  let truncated = false;
  const [statusField, statusSelect] = select(
    'Status',
    [['', 'All'], ...STATUSES.map((s): [string, string] => [s, s])],
    () => void poller.refresh(),
  );
  const [typeField, typeSelect] = select(
    'Type',
    [
      ['', 'All'],
      ['scheduleDeviceMethod', 'Direct method'],
      ['scheduleUpdateTwin', 'Twin update'],
    ],
    () => void poller.refresh(),
  );
  const searchId = uid('search');
  const search = h('input', {
    id: searchId,
    type: 'search',
    placeholder: 'part of a job id',
    oninput: () => render(),
  });
  const body = h('tbody');
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  const errors = h('div');
  const refreshButton = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => void poller.refresh() },
    'Refresh',
  );

  function render(): void {
    const needle = search.value.trim().toLowerCase();
    const shown = jobs.filter((job) => job.jobId.toLowerCase().includes(needle));
    replace(
      body,
      shown.length === 0
        ? h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No jobs match.'))
        : shown.map(jobRow),
    );
  }

  async function load(): Promise<void> {
    try {
      const filter = { jobStatus: statusSelect.value || undefined, jobType: typeSelect.value || undefined };
      const loaded: JobResponse[] = [];
      let continuation: string | undefined;
      do {
        const page = await api.listJobsPage(filter, continuation);
        loaded.push(...page.items);
        continuation = page.continuation;
      } while (continuation && loaded.length < MAX_JOBS);
      truncated = continuation !== undefined;
      jobs = loaded.sort((a, b) => (b.createdTime ?? '').localeCompare(a.createdTime ?? ''));
      replace(errors);
      render();
      const active = jobs.some(isActive);
      status.textContent =
        `${jobs.length} job${jobs.length === 1 ? '' : 's'}${truncated ? ` (the first ${MAX_JOBS})` : ''}. ` +
        `Updated ${new Date().toLocaleTimeString()}${active ? `; refreshing every ${REFRESH_MS / 1000} s while jobs run.` : '.'}`;
    } catch (error) {
      replace(errors, errorBox(error));
    }
  }

  const registryBody = h('tbody');
  const registryErrors = h('div');
  let registryActive = false;
  const loadAll = async () => {
    await load();
    const registryJobs = await loadRegistryJobs(api, registryBody, registryErrors);
    registryActive = registryJobs.some((job) => job.status === 'enqueued' || job.status === 'running');
  };
  const poller = new Poller(loadAll, () =>
    jobs.some(isActive) || registryActive ? REFRESH_MS : IDLE_REFRESH_MS,
  );
  replace(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Jobs'),
      h('a', { href: '#/new', class: 'button' }, 'New job'),
    ),
    h(
      'form',
      {
        class: 'filters',
        role: 'search',
        'aria-label': 'Filter jobs',
        onsubmit: (e: Event) => e.preventDefault(),
      },
      statusField,
      typeField,
      h('div', { class: 'field' }, h('label', { for: searchId }, 'Job id'), search),
      refreshButton,
    ),
    errors,
    status,
    dataTable(
      'jobs',
      'Jobs, newest first',
      ['Job', 'Status', 'Type', 'Progress', 'Devices', 'Created', 'Start', 'End'],
      body,
    ),
    h('h2', {}, 'Import and export jobs'),
    registryErrors,
    dataTable(
      'jobs registry-jobs',
      'Import and export jobs, newest first',
      ['Job', 'Status', 'Type', 'Progress', 'Devices', 'Started', 'Ended'],
      registryBody,
    ),
  );
  void poller.refresh();
  return () => poller.stop();
};
