import { JOB_ID_PATTERN, type JobResponse } from '@device-jobs/client';
import { JobIdSchema, parseOrProblem } from '@device-jobs/client/schemas';
import { h, replace, uid } from './dom.js';
import type { ViewContext } from './view.js';
import { errorBox } from './widgets.js';

/** What a dialog that creates a job from another one (rerun, rollback) shows and does. */
export interface JobDialogOptions {
  title: string;
  intro: string;
  idLabel: string;
  /** The id proposed when the dialog opens. */
  defaultId: string;
  /** Further fields, between the id and the buttons. */
  fields?: Node[];
  submitLabel: string;
  submitClass?: string;
  /** Problems the page can see before sending (besides an empty id). */
  problems?: () => string[];
  create: (jobId: string) => Promise<JobResponse>;
  /** Announced once the job was created (the page then opens it). */
  createdText: (jobId: string) => string;
}

/** What the service would answer for the new job's id (`jobId: must be …`), checked by the contract's schema. */
function jobIdProblem(id: string): string | undefined {
  const checked = parseOrProblem(JobIdSchema, id, 'jobId');
  return 'problem' in checked ? `${checked.problem.field}: ${checked.problem.reason}` : undefined;
}

/** A modal form that creates a job with a new id, shows the service's error, and opens the created job. */
export function jobDialog(options: JobDialogOptions, { announce }: Pick<ViewContext, 'announce'>) {
  const idField = uid('job-dialog-id');
  const newId = h('input', {
    id: idField,
    name: 'jobId',
    required: true,
    maxlength: 128,
    pattern: JOB_ID_PATTERN.source.slice(1, -1),
  });
  const errors = h('div');
  const form = h(
    'form',
    { method: 'dialog', novalidate: true },
    h('h2', {}, options.title),
    h('p', {}, options.intro),
    h('div', { class: 'field' }, h('label', { for: idField }, options.idLabel), newId),
    ...(options.fields ?? []),
    errors,
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'submit', ...(options.submitClass ? { class: options.submitClass } : {}) },
        options.submitLabel,
      ),
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Close'),
    ),
  );
  const dialog = h('dialog', { 'aria-label': options.title }, form);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });

  async function submit(): Promise<void> {
    const id = newId.value.trim();
    const idProblem = id === '' ? 'Give the new job an id.' : jobIdProblem(id);
    newId.setAttribute('aria-invalid', idProblem === undefined ? 'false' : 'true');
    const problems = [...(idProblem === undefined ? [] : [idProblem]), ...(options.problems?.() ?? [])];
    if (problems.length > 0) {
      replace(errors, h('div', { class: 'error', role: 'alert' }, problems.join(' ')));
      return;
    }
    try {
      const created = await options.create(id);
      dialog.close();
      announce(options.createdText(created.jobId));
      location.hash = `#/jobs/${encodeURIComponent(created.jobId)}`;
    } catch (error) {
      replace(errors, errorBox(error));
    }
  }

  return {
    dialog,
    open() {
      replace(errors);
      newId.value = options.defaultId.slice(0, 128);
      dialog.showModal();
      newId.focus();
    },
  };
}
