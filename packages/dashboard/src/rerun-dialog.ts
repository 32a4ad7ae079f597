import { JOB_ID_PATTERN } from '@device-jobs/client';
import { h, replace, uid } from './dom.js';
import { localInputToIso } from './job-body.js';
import type { ViewContext } from './view.js';
import { errorBox } from './widgets.js';

const RERUN_STATUSES = ['failed', 'canceled', 'completed'];

/** The rerun form in a modal dialog: the new job's id, which device statuses to run again, an optional start. */
export function rerunDialog(jobId: string, { api, announce }: ViewContext) {
  const idField = uid('rerun-id');
  const startField = uid('rerun-start');
  const newId = h('input', {
    id: idField,
    name: 'jobId',
    required: true,
    maxlength: 128,
    pattern: JOB_ID_PATTERN.source.slice(1, -1),
  });
  const start = h('input', { id: startField, name: 'startTime', type: 'datetime-local', step: 1 });
  const boxes = RERUN_STATUSES.map((status) => {
    const id = uid('rerun-status');
    const box = h('input', {
      id,
      type: 'checkbox',
      name: 'deviceStatuses',
      value: status,
      checked: status !== 'completed',
    });
    return { box, field: h('div', { class: 'check' }, box, h('label', { for: id }, status)) };
  });
  const errors = h('div');
  const form = h(
    'form',
    { method: 'dialog', novalidate: true },
    h('h2', {}, `Rerun ${jobId}`),
    h(
      'p',
      {},
      'Creates a new job with the same operation and settings, over the devices of this job in the chosen statuses.',
    ),
    h('div', { class: 'field' }, h('label', { for: idField }, 'New job id'), newId),
    h('fieldset', {}, h('legend', {}, 'Devices whose status was'), ...boxes.map((b) => b.field)),
    h(
      'div',
      { class: 'field' },
      h('label', { for: startField }, 'Start time (your local time; empty = now)'),
      start,
    ),
    errors,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Create rerun job'),
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Close'),
    ),
  );
  const dialog = h('dialog', { 'aria-label': `Rerun ${jobId}` }, form);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });

  async function submit(): Promise<void> {
    const deviceStatuses = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
    const id = newId.value.trim();
    const problems = [
      id === '' ? 'Give the new job an id.' : undefined,
      deviceStatuses.length === 0 ? 'Choose at least one device status.' : undefined,
    ].filter((problem): problem is string => problem !== undefined);
    if (problems.length > 0) {
      replace(errors, h('div', { class: 'error', role: 'alert' }, problems.join(' ')));
      return;
    }
    try {
      const startTime = localInputToIso(start.value);
      const created = await api.rerunJob(jobId, {
        jobId: id,
        deviceStatuses,
        ...(startTime ? { startTime } : {}),
      });
      dialog.close();
      announce(`Rerun job ${created.jobId} created.`);
      location.hash = `#/jobs/${encodeURIComponent(created.jobId)}`;
    } catch (error) {
      replace(errors, errorBox(error));
    }
  }

  return {
    dialog,
    open() {
      replace(errors);
      newId.value = `${jobId}-rerun`.slice(0, 128);
      dialog.showModal();
      newId.focus();
    },
  };
}
