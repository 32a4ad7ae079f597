import { h, uid } from './dom.js';
import { jobDialog } from './job-dialog.js';
import { localInputToIso } from './job-body.js';
import type { ViewContext } from './view.js';

const RERUN_STATUSES = ['failed', 'canceled', 'completed'];

/** The rerun form in a modal dialog: the new job's id, which device statuses to run again, an optional start. */
export function rerunDialog(jobId: string, context: ViewContext) {
  const startField = uid('rerun-start');
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
  const deviceStatuses = () => boxes.filter((b) => b.box.checked).map((b) => b.box.value);
  return jobDialog(
    {
      title: `Rerun ${jobId}`,
      intro:
        'Creates a new job with the same operation and settings, over the devices of this job in the chosen statuses.',
      idLabel: 'New job id',
      defaultId: `${jobId}-rerun`,
      fields: [
        h('fieldset', {}, h('legend', {}, 'Devices whose status was'), ...boxes.map((b) => b.field)),
        h(
          'div',
          { class: 'field' },
          h('label', { for: startField }, 'Start time (your local time; empty = now)'),
          start,
        ),
      ],
      submitLabel: 'Create rerun job',
      problems: () => (deviceStatuses().length === 0 ? ['Choose at least one device status.'] : []),
      create: (id) => {
        const startTime = localInputToIso(start.value);
        return context.api.rerunJob(jobId, {
          jobId: id,
          deviceStatuses: deviceStatuses(),
          ...(startTime ? { startTime } : {}),
        });
      },
      createdText: (id) => `Rerun job ${id} created.`,
    },
    context,
  );
}
