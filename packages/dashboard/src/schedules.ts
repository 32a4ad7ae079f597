import type { JobScheduleResponse } from '@device-jobs/client';
import { h, replace, timeCell } from './dom.js';
import { TYPE_LABELS } from './model.js';
import { Poller, type View, type ViewContext } from './view.js';
import { dataTable, errorBox } from './widgets.js';

/** Schedules fire at most every second; the next occurrence moves on that often at the most. */
const REFRESH_MS = 10_000;
const MAX_SCHEDULES = 500;

const schedulePath = (scheduleId: string) => `#/schedules/${encodeURIComponent(scheduleId)}`;

function jobLink(jobId: string | undefined): Node {
  return jobId
    ? h('a', { href: `#/jobs/${encodeURIComponent(jobId)}` }, jobId)
    : document.createTextNode('—');
}

/** What a schedule's jobs do: the operation and the targets of its template. */
function templateSummary(schedule: JobScheduleResponse): string {
  const template = schedule.jobTemplate;
  const operation =
    template.type === 'scheduleDeviceMethod'
      ? `method ${template.cloudToDeviceMethod?.methodName ?? ''}`
      : (TYPE_LABELS[template.type] ?? template.type);
  const targets = template.queryCondition ?? `${template.deviceIds?.length ?? 0} listed devices`;
  return `${operation} on ${targets}`;
}

/** Deletes after a confirmation; answers whether it did. */
async function confirmDelete(
  { api, announce }: ViewContext,
  scheduleId: string,
  errors: HTMLElement,
): Promise<boolean> {
  if (!window.confirm(`Delete schedule ${scheduleId}? No job of it is created after this.`)) return false;
  try {
    await api.deleteSchedule(scheduleId);
    announce(`Schedule ${scheduleId} deleted.`);
    return true;
  } catch (error) {
    replace(errors, errorBox(error));
    return false;
  }
}

/** `#/schedules`: every job schedule with its next occurrence and last job; open or delete one. */
export const schedulesView: View = (main, context) => {
  const body = h('tbody');
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  const errors = h('div');

  function row(schedule: JobScheduleResponse): HTMLElement {
    const deleteButton = h(
      'button',
      {
        type: 'button',
        class: 'danger small',
        'aria-label': `Delete ${schedule.scheduleId}`,
        onclick: () =>
          void confirmDelete(context, schedule.scheduleId, errors).then(async (deleted) => {
            if (deleted) await poller.refresh();
          }),
      },
      'Delete',
    );
    return h(
      'tr',
      { 'data-schedule-id': schedule.scheduleId },
      h('th', { scope: 'row' }, h('a', { href: schedulePath(schedule.scheduleId) }, schedule.scheduleId)),
      h('td', {}, h('code', {}, schedule.schedule), ` (${schedule.timeZone})`),
      h(
        'td',
        {},
        h(
          'span',
          { class: `badge badge-${schedule.enabled ? 'enabled' : 'disabled'}` },
          schedule.enabled ? 'enabled' : 'disabled',
        ),
      ),
      h('td', { 'data-next-run': schedule.nextRunTime ?? '' }, timeCell(schedule.nextRunTime)),
      h('td', {}, templateSummary(schedule)),
      h('td', {}, jobLink(schedule.lastJobId)),
      h('td', {}, deleteButton),
    );
  }

  async function load(): Promise<void> {
    try {
      const schedules: JobScheduleResponse[] = [];
      for await (const page of context.api.listSchedules()) {
        schedules.push(...page);
        if (schedules.length >= MAX_SCHEDULES) break;
      }
      // ISO times compare as text; a disabled schedule (no next occurrence) goes last.
      const next = (schedule: JobScheduleResponse) => schedule.nextRunTime ?? '\uffff';
      schedules.sort((a, b) => (next(a) < next(b) ? -1 : next(a) > next(b) ? 1 : 0));
      replace(errors);
      replace(
        body,
        schedules.length === 0
          ? h('tr', {}, h('td', { colspan: 7, class: 'muted', 'data-state': 'empty' }, 'No job schedules.'))
          : schedules.map(row),
      );
      status.textContent = `${schedules.length} schedule${schedules.length === 1 ? '' : 's'}, next occurrence first. Updated ${new Date().toLocaleTimeString()}.`;
    } catch (error) {
      replace(errors, errorBox(error));
    }
  }

  const poller = new Poller(load, () => REFRESH_MS);
  replace(
    main,
    h('div', { class: 'page-head' }, h('h1', {}, 'Job schedules')),
    h(
      'p',
      { class: 'muted' },
      'Recurring jobs (/jobSchedules): each occurrence creates a job <scheduleId>-<time>.',
    ),
    errors,
    status,
    dataTable(
      'jobs schedules',
      'Job schedules, next occurrence first',
      ['Schedule', 'When', 'State', 'Next occurrence', 'Jobs', 'Last job', ''],
      body,
    ),
  );
  void poller.refresh();
  return () => poller.stop();
};

/** `#/schedules/{id}`: one schedule, its template as the service returns it, and Delete. */
export const scheduleView: View = (main, context, [id]) => {
  const scheduleId = id ?? '';
  const errors = h('div');
  const details = h('section', {}, h('p', { class: 'muted', 'data-state': 'loading' }, 'Loading…'));
  const deleteButton = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      onclick: () =>
        void confirmDelete(context, scheduleId, errors).then((deleted) => {
          if (deleted) location.hash = '#/schedules';
        }),
    },
    'Delete schedule',
  );
  const fact = (term: string, value: Node | string, name: string) =>
    h('div', {}, h('dt', {}, term), h('dd', { 'data-fact': name }, value));

  async function load(): Promise<void> {
    try {
      const schedule = await context.api.getSchedule(scheduleId);
      replace(
        details,
        h(
          'dl',
          { class: 'stats' },
          fact('When', `${schedule.schedule} (${schedule.timeZone})`, 'schedule'),
          fact('State', schedule.enabled ? 'enabled' : 'disabled', 'enabled'),
          fact('Next occurrence', timeCell(schedule.nextRunTime), 'nextRunTime'),
          fact('Last job', jobLink(schedule.lastJobId), 'lastJobId'),
          fact('Last run', timeCell(schedule.lastRunTime), 'lastRunTime'),
          fact('Jobs', templateSummary(schedule), 'template'),
        ),
        h('h2', {}, 'Job template'),
        h('pre', {}, JSON.stringify(schedule.jobTemplate, null, 2)),
      );
    } catch (error) {
      replace(errors, errorBox(error));
      replace(details);
    }
  }

  const poller = new Poller(load, () => REFRESH_MS);
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/schedules' }, '← All schedules')),
    h(
      'div',
      { class: 'page-head' },
      h('div', { class: 'title' }, h('h1', {}, scheduleId)),
      h('div', { class: 'actions' }, deleteButton),
    ),
    errors,
    details,
  );
  void poller.refresh();
  return () => poller.stop();
};
