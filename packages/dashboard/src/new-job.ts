import {
  DEFAULT_JOB_PRIORITY,
  MAX_JOB_PRIORITY,
  MIN_JOB_PRIORITY,
  type JobRequest,
} from '@device-jobs/client';
import { h, replace, uid } from './dom.js';
import { buildJobBody, type FieldError, type JobFormValues } from './job-body.js';
import { formatDuration } from './progress.js';
import type { View } from './view.js';
import { describeError } from './widgets.js';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

const FAILURE_TYPES: [string, string][] = [
  ['failed', 'failed (device errors)'],
  ['timedOut', 'timed out (no answer, offline)'],
  ['all', 'all failures'],
];

/** `#/new`: the new-job form; a dry run of the exact body must succeed before the job can be created. */
export const newJobView: View = (main, { api, announce }) => {
  const controls = new Map<keyof JobFormValues, Control>();
  const fieldErrors = new Map<keyof JobFormValues, HTMLElement>();

  function field(name: keyof JobFormValues, label: string, control: Control, hint?: string): HTMLElement {
    const id = uid(name);
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    control.id = id;
    control.name = name;
    control.setAttribute('aria-describedby', [hint ? hintId : '', errorId].join(' ').trim());
    controls.set(name, control);
    const error = h('p', { class: 'field-error', id: errorId });
    fieldErrors.set(name, error);
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
      control,
      error,
    );
  }

  const input = (attributes: Record<string, string | number | boolean> = {}) => h('input', attributes);
  const textarea = (rows: number, placeholder = '') =>
    h('textarea', { rows, placeholder, spellcheck: 'false' });
  const selectOf = (options: [string, string][]) =>
    h('select', {}, ...options.map(([value, text]) => h('option', { value }, text)));

  function radios(name: 'kind' | 'target', legend: string, options: [string, string][]): HTMLElement {
    return h(
      'fieldset',
      { class: 'radios' },
      h('legend', {}, legend),
      ...options.map(([value, text], index) => {
        const id = uid(name);
        return h(
          'div',
          { class: 'check' },
          h('input', { type: 'radio', id, name, value, checked: index === 0, onchange: toggle }),
          h('label', { for: id }, text),
        );
      }),
    );
  }

  function checkbox(
    name: 'exponential' | 'abort' | 'retry' | 'countMethodErrors',
    label: string,
    checked = false,
  ): HTMLElement {
    const id = uid(name);
    const box = h('input', { type: 'checkbox', id, name, checked, onchange: toggle });
    controls.set(name, box);
    return h('div', { class: 'check' }, box, h('label', { for: id }, label));
  }

  const methodFields = h(
    'div',
    { class: 'group' },
    field('methodName', 'Method name', input({ autocomplete: 'off' })),
    field('payload', 'Payload (JSON)', textarea(3, '{"delaySeconds": 5}'), 'Empty = null.'),
    field(
      'responseTimeout',
      'Response timeout (seconds)',
      input({ type: 'number', min: 5, max: 300, placeholder: '30' }),
    ),
    checkbox('countMethodErrors', 'Count a device that answers with status 400 or more as failed', true),
  );
  const twinFields = h(
    'div',
    { class: 'group' },
    field(
      'twinPatch',
      'Twin patch (JSON)',
      textarea(5, '{"tags": {"ring": "canary"}, "properties": {"desired": {"firmware": "2.1"}}}'),
      'Tags and desired properties; null deletes a property.',
    ),
  );
  const queryFields = h(
    'div',
    { class: 'group' },
    field(
      'queryCondition',
      'Query condition',
      textarea(2, "tags.building = '43' AND tags.floor = 3"),
      'The WHERE part of a device query; * selects every device.',
    ),
  );
  const deviceFields = h(
    'div',
    { class: 'group' },
    field(
      'deviceIds',
      'Device ids',
      textarea(4, 'device-001, device-002'),
      'Separated by commas, spaces or new lines.',
    ),
  );
  const exponentialFields = h(
    'div',
    { class: 'group grid' },
    field('baseRatePerMinute', 'Base rate per minute', input({ type: 'number', min: 1 })),
    field('incrementFactor', 'Increment factor', input({ type: 'number', min: 1.1, max: 5, step: 0.1 })),
    field(
      'increaseCriterion',
      'Increase after',
      selectOf([
        ['numberOfSucceededDevices', 'succeeded devices'],
        ['numberOfNotifiedDevices', 'started devices'],
      ]),
    ),
    field('increaseCount', 'Devices per increase', input({ type: 'number', min: 1 })),
  );
  const abortFields = h(
    'div',
    { class: 'group grid' },
    field('abortFailureType', 'Failure type', selectOf(FAILURE_TYPES)),
    field('abortThreshold', 'Threshold (%)', input({ type: 'number', min: 0, max: 100, step: 'any' })),
    field('abortMinExecuted', 'Minimum executed devices', input({ type: 'number', min: 1 })),
  );
  const retryFields = h(
    'div',
    { class: 'group grid' },
    field('retryFailureType', 'Failure type', selectOf(FAILURE_TYPES)),
    field('retries', 'Retries per device', input({ type: 'number', min: 0, max: 10 })),
  );

  const summary = h('div', { class: 'error-summary', tabindex: -1 });
  const preview = h('section', {
    class: 'preview',
    'aria-labelledby': 'preview-title',
    'aria-live': 'polite',
  });
  const previewButton = h('button', { type: 'button', class: 'secondary' }, 'Preview (dry run)');
  const createButton = h('button', { type: 'submit', disabled: true }, 'Create job');
  const createHint = h(
    'p',
    { class: 'hint', id: 'create-hint' },
    'Run a preview of these exact settings first.',
  );
  createButton.setAttribute('aria-describedby', 'create-hint');
  let previewedBody: string | undefined;
  /** Devices the last successful preview found (a job on none asks for confirmation). */
  let previewedCount = 0;

  const form = h(
    'form',
    { class: 'job-form', novalidate: true },
    summary,
    field(
      'jobId',
      'Job id',
      input({ autocomplete: 'off', maxlength: 128, required: true }),
      'Letters, digits and - . _ ~ (up to 128).',
    ),
    radios('kind', 'Operation', [
      ['method', 'Invoke a direct method'],
      ['twin', 'Update the device twin'],
    ]),
    methodFields,
    twinFields,
    radios('target', 'Devices', [
      ['query', 'Devices matching a query'],
      ['devices', 'A list of device ids'],
    ]),
    queryFields,
    deviceFields,
    h(
      'div',
      { class: 'grid' },
      field(
        'startTime',
        'Start time (your local time)',
        input({ type: 'datetime-local', step: 1 }),
        'Empty = now.',
      ),
      field(
        'maxExecutionTime',
        'Maximum execution time (seconds)',
        input({ type: 'number', min: 1, max: 604800, placeholder: '3600' }),
      ),
    ),
    h(
      'details',
      { class: 'rollout' },
      h('summary', {}, 'Rollout, abort and retry'),
      h(
        'div',
        { class: 'grid' },
        field('maximumPerMinute', 'Maximum devices per minute', input({ type: 'number', min: 1 })),
        field(
          'maxConcurrency',
          'Maximum concurrency',
          input({ type: 'number', min: 1, max: 10000 }),
          'Devices with a call outstanding at once.',
        ),
        field(
          'priority',
          'Priority (1–10)',
          input({
            type: 'number',
            min: MIN_JOB_PRIORITY,
            max: MAX_JOB_PRIORITY,
            placeholder: String(DEFAULT_JOB_PRIORITY),
          }),
          `Share of the service-wide device-operation budget, against other running jobs. Empty = ${DEFAULT_JOB_PRIORITY}.`,
        ),
      ),
      checkbox('exponential', 'Ramp up exponentially'),
      exponentialFields,
      checkbox('abort', 'Stop the job when too many devices fail'),
      abortFields,
      checkbox('retry', 'Retry failed devices'),
      retryFields,
    ),
    h('div', { class: 'actions' }, previewButton, createButton),
    createHint,
    preview,
  );

  function radioValue(name: string): string {
    return form.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value ?? '';
  }

  function values(): JobFormValues {
    const text = (name: keyof JobFormValues) => controls.get(name)?.value ?? '';
    const checked = (name: keyof JobFormValues) =>
      (controls.get(name) as HTMLInputElement | undefined)?.checked ?? false;
    return {
      jobId: text('jobId'),
      kind: radioValue('kind') === 'twin' ? 'twin' : 'method',
      methodName: text('methodName'),
      payload: text('payload'),
      responseTimeout: text('responseTimeout'),
      twinPatch: text('twinPatch'),
      target: radioValue('target') === 'devices' ? 'devices' : 'query',
      queryCondition: text('queryCondition'),
      deviceIds: text('deviceIds'),
      startTime: text('startTime'),
      maxExecutionTime: text('maxExecutionTime'),
      maximumPerMinute: text('maximumPerMinute'),
      maxConcurrency: text('maxConcurrency'),
      priority: text('priority'),
      exponential: checked('exponential'),
      baseRatePerMinute: text('baseRatePerMinute'),
      incrementFactor: text('incrementFactor'),
      increaseCriterion:
        text('increaseCriterion') === 'numberOfNotifiedDevices'
          ? 'numberOfNotifiedDevices'
          : 'numberOfSucceededDevices',
      increaseCount: text('increaseCount'),
      abort: checked('abort'),
      abortFailureType: text('abortFailureType') as JobFormValues['abortFailureType'],
      abortThreshold: text('abortThreshold'),
      abortMinExecuted: text('abortMinExecuted'),
      retry: checked('retry'),
      countMethodErrors: checked('countMethodErrors'),
      retryFailureType: text('retryFailureType') as JobFormValues['retryFailureType'],
      retries: text('retries'),
    };
  }

  function toggle(): void {
    const current = values();
    methodFields.hidden = current.kind !== 'method';
    twinFields.hidden = current.kind !== 'twin';
    queryFields.hidden = current.target !== 'query';
    deviceFields.hidden = current.target !== 'devices';
    exponentialFields.hidden = !current.exponential;
    abortFields.hidden = !current.abort;
    retryFields.hidden = !current.retry;
    onChange();
  }

  function showErrors(errors: FieldError[], serviceError?: unknown): void {
    for (const [name, element] of fieldErrors) {
      const message = errors
        .filter((error) => error.field === name)
        .map((error) => error.message)
        .join(' ');
      element.textContent = message;
      controls.get(name)?.setAttribute('aria-invalid', message === '' ? 'false' : 'true');
    }
    if (errors.length === 0 && serviceError === undefined) {
      replace(summary);
      summary.removeAttribute('role');
      return;
    }
    summary.setAttribute('role', 'alert');
    replace(
      summary,
      h('h2', {}, serviceError === undefined ? 'Please fix these fields' : 'The service refused the job'),
      serviceError === undefined
        ? h(
            'ul',
            {},
            errors.map((error) =>
              h(
                'li',
                {},
                h(
                  'a',
                  {
                    href: `#${controls.get(error.field)?.id ?? ''}`,
                    onclick: (event: Event) => {
                      event.preventDefault();
                      controls.get(error.field)?.focus();
                    },
                  },
                  error.message,
                ),
              ),
            ),
          )
        : h('p', { class: 'service-error' }, describeError(serviceError)),
    );
    summary.focus();
  }

  /** The body when the page finds nothing wrong with the form; shows the problems otherwise. */
  function checkedBody(): JobRequest | undefined {
    const { body, errors } = buildJobBody(values());
    showErrors(errors);
    return errors.length === 0 ? body : undefined;
  }

  function onChange(): void {
    const stale =
      previewedBody === undefined || JSON.stringify(buildJobBody(values()).body) !== previewedBody;
    createButton.disabled = stale;
    createHint.hidden = !stale;
    preview.classList.toggle('stale', stale && previewedBody !== undefined);
  }

  async function runPreview(): Promise<void> {
    const body = checkedBody();
    if (!body) return;
    previewButton.disabled = true;
    try {
      const result = await api.dryRun(body);
      previewedBody = JSON.stringify(body);
      previewedCount = result.deviceCount;
      const warnings = result.warnings ?? [];
      replace(
        preview,
        h('h2', { id: 'preview-title' }, 'Preview'),
        h(
          'dl',
          { class: 'stats' },
          h(
            'div',
            {},
            h('dt', {}, 'Devices'),
            h('dd', { 'data-fact': 'previewCount' }, String(result.deviceCount)),
          ),
          h(
            'div',
            {},
            h('dt', {}, 'Estimated duration'),
            h('dd', { 'data-fact': 'previewEstimate' }, formatDuration(result.estimatedDurationInSeconds)),
          ),
        ),
        result.sampleDeviceIds.length === 0
          ? null
          : h('p', {}, `Sample devices: ${result.sampleDeviceIds.join(', ')}`),
        warnings.length === 0
          ? null
          : h(
              'ul',
              { class: 'warnings' },
              warnings.map((warning) => h('li', { 'data-code': warning.code }, warning.message)),
            ),
        result.deviceCount === 0
          ? h('p', { class: 'hint' }, 'Create job will ask you to confirm a job on no device.')
          : null,
      );
      // The result appears below the form's buttons: bring it into view (a long form pushes it off screen).
      preview.scrollIntoView({ block: 'nearest' });
      announce(
        [
          `Preview: ${result.deviceCount} devices, about ${formatDuration(result.estimatedDurationInSeconds)}.`,
          ...warnings.map((warning) => warning.message),
        ].join(' '),
      );
    } catch (error) {
      previewedBody = undefined;
      replace(preview);
      showErrors([], error);
    } finally {
      previewButton.disabled = false;
      onChange();
    }
  }

  async function create(): Promise<void> {
    const body = checkedBody();
    if (!body || JSON.stringify(body) !== previewedBody) return;
    if (
      previewedCount === 0 &&
      !window.confirm(`The preview found no device. Create job ${String(body.jobId)} anyway?`)
    )
      return;
    createButton.disabled = true;
    try {
      const job = await api.createJob(body);
      announce(`Job ${job.jobId} created.`);
      location.hash = `#/jobs/${encodeURIComponent(job.jobId)}`;
    } catch (error) {
      showErrors([], error);
      createButton.disabled = false;
    }
  }

  previewButton.addEventListener('click', () => void runPreview());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void create();
  });
  form.addEventListener('input', onChange);
  form.addEventListener('change', onChange);

  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/jobs' }, '← All jobs')),
    h('h1', {}, 'New job'),
    form,
  );
  toggle();
  return () => undefined;
};
