import { jobDialog } from './job-dialog.js';
import type { ViewContext } from './view.js';

/** The rollback form in a modal dialog: the id of the rollback job (default `<jobId>-rollback`). */
export function rollbackDialog(jobId: string, context: ViewContext) {
  return jobDialog(
    {
      title: `Roll back ${jobId}`,
      intro:
        'Creates a twin job that puts back, on every device where this job completed, the tags and desired ' +
        'properties its patch overwrote. A device whose values were changed since is left alone (RollbackConflict).',
      idLabel: 'Rollback job id',
      defaultId: `${jobId}-rollback`,
      submitLabel: 'Start rollback',
      submitClass: 'danger',
      create: (id) => context.api.rollbackJob(jobId, { jobId: id }),
      createdText: (id) => `Rollback job ${id} created.`,
    },
    context,
  );
}
