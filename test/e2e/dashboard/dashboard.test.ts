import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../support/chromium';
import { samplePolicy, ownerConnectionString } from '../devices/device-host';
import { type JobsHost, seedFleet, startJobsHost } from '../jobs/jobs-host';

/**
 * The dashboard in a real headless Chromium against the app on the local host. 40 devices answer in 400–600 ms and
 * 2 are in flight at a time, so a job over them runs for about 10 s: long enough to watch its bar move.
 * Screenshots go to DASHBOARD_SCREENSHOTS_DIR (`npm run screenshots` writes docs/dashboard/), else a temp folder.
 */
const FLEET = 40;
const FAILING = ['dash-03', 'dash-17', 'dash-29'];
const OFFLINE = ['dash-08', 'dash-21'];
/** Simulated devices that never report desired values back: they wait for a completion condition. */
const HOLDING = ['dash-hold-1', 'dash-hold-2'];
const screenshots =
  process.env.DASHBOARD_SCREENSHOTS_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-'));

jest.setTimeout(60_000);

let host: JobsHost;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  host = await startJobsHost({
    SIMULATION_DEFAULT_PROFILE: '{"latencyMs":[400,600],"failureRate":0}',
    JOB_MAX_DEVICES_IN_FLIGHT: '2',
  });
  await seedFleet(
    host,
    Array.from({ length: FLEET }, (_, i) => {
      const id = `dash-${String(i).padStart(2, '0')}`;
      const simulation = FAILING.includes(id)
        ? { failureRate: 1 }
        : OFFLINE.includes(id)
          ? { offline: true }
          : undefined;
      return { id, tags: { fleet: 'dash', n: i }, ...(simulation ? { simulation } : {}) };
    }),
  );
  await seedFleet(
    host,
    HOLDING.map((id) => ({
      id,
      tags: { fleet: 'dash-hold' },
      simulation: { latencyMs: 1, reportsBack: false },
    })),
  );
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(15_000);
  fs.mkdirSync(screenshots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

const shot = (name: string, target: Page = page) =>
  target.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });

function progressOf(jobId: string) {
  return page.locator(`tr[data-job-id="${jobId}"] [role="progressbar"]`);
}

async function percentOf(jobId: string): Promise<number> {
  return Number(await progressOf(jobId).getAttribute('aria-valuenow'));
}

/** Everything the job page shows at one instant. */
interface PageMoment {
  status: string;
  loading: boolean;
  saysNoFailure: boolean;
  deviceCount: number;
  succeeded: number;
  failed: number;
  running: number;
  pending: number;
  finished: number;
  eta: string;
  groups: number[];
  /** Rows per status in the device table's filter, as its options count them. */
  options: Record<string, number>;
  tableStatuses: string[];
  chart: string;
}

// A string: this test compiles without the DOM library.
const READ_JOB_PAGE = `(() => {
  const fact = (name) => document.querySelector('[data-fact="' + name + '"]')?.textContent ?? '';
  const count = (name) => Number(fact(name));
  const options = {};
  for (const option of document.querySelector('table.devices')?.closest('section')?.querySelectorAll('option') ?? [])
    options[option.value || 'all'] = Number(option.dataset.count);
  return {
    status: document.querySelector('.page-head .badge')?.textContent ?? '',
    loading: document.querySelector('[data-state="loading"]') !== null,
    saysNoFailure: document.querySelector('[aria-labelledby="failures-title"] [data-state="empty"]') !== null,
    deviceCount: count('deviceCount'),
    succeeded: count('succeededCount'),
    failed: count('failedCount'),
    running: count('runningCount'),
    pending: count('pendingCount'),
    finished: count('succeededCount') + count('failedCount'),
    eta: fact('eta'),
    groups: [...document.querySelectorAll('table.failures tbody tr')].map((row) => Number(row.querySelector('td')?.textContent)),
    options,
    tableStatuses: [...document.querySelectorAll('table.devices tbody tr[data-status]')].map((row) => row.dataset.status),
    chart: document.querySelector('svg.chart')?.getAttribute('aria-label')
      ?? document.querySelector('[aria-labelledby="chart-title"] p')?.textContent ?? '',
  };
})()`;

function expectAgreement(moment: PageMoment): void {
  const context = JSON.stringify(moment);
  const { deviceCount, succeeded, failed, running, pending, finished, options } = moment;
  expect([context, succeeded + failed + running + pending]).toEqual([context, deviceCount]);
  // The failure groups add up to the failed count; "No device failed" only when none did.
  const grouped = moment.groups.reduce((sum, n) => sum + n, 0);
  expect([context, grouped, moment.saysNoFailure]).toEqual([context, failed, failed === 0]);
  // The device table's filter counts the same rows the statistics count (a row says running after a second).
  expect([context, options.completed, (options.failed ?? 0) + (options.canceled ?? 0)]).toEqual([
    context,
    succeeded,
    failed,
  ]);
  expect([context, (options.running ?? 0) <= running]).toEqual([context, true]);
  expect([context, moment.tableStatuses.length]).toEqual([context, Math.min(25, options.all ?? 0)]);
  // The chart ends where the counts are.
  if (finished > 0)
    expect([context, moment.chart]).toEqual([
      context,
      expect.stringContaining(`${finished} finished, ${failed} failed`),
    ]);
  else expect([context, moment.chart]).toEqual([context, 'No device has finished yet.']);
  // No estimate before devices finish: a dash, never "0 s".
  if (moment.status === 'running' && finished === 0) expect([context, moment.eta]).toEqual([context, '—']);
}

describe('the dashboard in a headless browser', () => {
  it('is served anonymously with a strict content security policy, refuses unknown files and shadows no route', async () => {
    const response = await fetch(`${host.running.host.baseUrl}/dashboard/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const missing = await fetch(`${host.running.host.baseUrl}/dashboard/..%2Fpackage.json`);
    expect(missing.status).toBe(404);
    // The redirect to the trailing slash is a constant, whatever the request's path looked like.
    for (const path of ['/dashboard', '/DashBoard']) {
      const redirect = await fetch(`${host.running.host.baseUrl}${path}`, { redirect: 'manual' });
      expect({ status: redirect.status, location: redirect.headers.get('location') }).toEqual({
        status: 308,
        location: '/dashboard/',
      });
    }
    // Under Azure's route order (function names, first match wins) its route neither shadows nor is shadowed.
    const shadowings = host.running.host.output.filter((line) => / shadows route /.test(line));
    expect(shadowings.filter((line) => line.includes('"dashboard"'))).toEqual([]);
    // The app's one intended shadowing (the listing's route before jobsRead's) is printed as expected, not a warning.
    expect(shadowings).toEqual([
      expect.stringMatching(/: Expected, as the app declares: Route .* of function "jobsQuery" /),
    ]);
  });

  it('signs in with a connection string (a wrong key shows the service error) and keeps no raw key anywhere', async () => {
    await page.goto(`${host.running.host.baseUrl}/dashboard`);
    const connection = page.getByLabel('Service connection string');
    await connection.fill(
      ownerConnectionString().replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=' + 'A'.repeat(44)),
    );
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/^IotHubUnauthorizedAccess: /);

    await connection.fill(ownerConnectionString());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    // Expressions as strings: this test compiles without the DOM library.
    const storage = await page.evaluate<{
      session: string[];
      local: string[];
      cookies: string;
      text: string;
    }>(
      '({ session: Object.keys(sessionStorage), local: Object.keys(localStorage), cookies: document.cookie, ' +
        'text: JSON.stringify(Object.entries(sessionStorage)) })',
    );
    expect(storage).toMatchObject({ session: ['deviceJobs.session'], local: [], cookies: '' });
    expect(storage.text).not.toContain(samplePolicy().key);
    // The key lives on as a non-extractable CryptoKey in IndexedDB: it signs, but cannot be exported.
    const stored = await page.evaluate(`new Promise((resolve, reject) => {
      const open = indexedDB.open('device-jobs');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const all = open.result.transaction('signing-keys').objectStore('signing-keys').getAll();
        all.onsuccess = () => resolve(all.result.map((record) => ({
          type: record.key.constructor.name, extractable: record.key.extractable, usages: record.key.usages })));
      };
    })`);
    expect(stored).toEqual([{ type: 'CryptoKey', extractable: false, usages: ['sign'] }]);
  });

  it('shows an error, not a blank page, for a malformed link', async () => {
    await page.goto(`${host.running.host.baseUrl}/dashboard/#/jobs/%E0%A4%A`);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('This link does not name a job');
    await page.getByRole('link', { name: 'Back to the jobs' }).click();
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
  });

  it("shows a running job's progress bar moving in the jobs list", async () => {
    const created = await host.http('PUT', '/jobs/v2/dash-reboot?api-version=2021-04-12', {
      body: {
        type: 'scheduleDeviceMethod',
        cloudToDeviceMethod: { methodName: 'reboot', payload: {} },
        queryCondition: "tags.fleet = 'dash'",
        countMethodErrorsAsFailures: true,
      },
    });
    expect(created.status).toBe(200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await progressOf('dash-reboot').waitFor();
    const seen = new Set<number>();
    const intermediate = () => [...seen].filter((percent) => percent > 0 && percent < 100);
    let shotTaken = false;
    const deadline = Date.now() + 30_000;
    // Until the list has refreshed itself twice mid-run; the job runs on while the next test opens its page.
    while (Date.now() < deadline && !(shotTaken && intermediate().length >= 2)) {
      const percent = await percentOf('dash-reboot');
      if (percent >= 10 && percent <= 80 && !shotTaken) {
        await shot('jobs');
        shotTaken = true;
      }
      seen.add(percent);
      if (percent === 100) break;
      await page.waitForTimeout(200);
    }
    // At least two intermediate readings between 0 and 100: the list refreshed itself while the job ran.
    expect(intermediate().length).toBeGreaterThanOrEqual(2);
  });

  it('keeps statistics, failure groups, chart and device table in agreement at every moment while the job runs', async () => {
    await page.getByRole('link', { name: 'dash-reboot' }).click();
    await page.getByRole('heading', { name: 'dash-reboot' }).waitFor();
    const moments: PageMoment[] = [];
    const deadline = Date.now() + 40_000;
    for (;;) {
      // One synchronous read of the whole page: what a person sees at one instant.
      const moment = await page.evaluate<PageMoment>(READ_JOB_PAGE);
      moments.push(moment);
      if (moment.status === 'completed' || Date.now() > deadline) break;
      await page.waitForTimeout(150);
    }
    const drawn = moments.filter((moment) => !moment.loading);
    for (const moment of drawn) expectAgreement(moment);
    const running = drawn.filter(
      (moment) => moment.status === 'running' && moment.finished > 0 && moment.finished < FLEET,
    );
    // Several distinct moments mid-run, each checked above; failures among them once some device failed.
    expect(new Set(running.map((moment) => moment.finished)).size).toBeGreaterThanOrEqual(3);
    expect(running.some((moment) => moment.groups.length > 0)).toBe(true);
    // Before the first read the page says it is loading, never that nothing failed.
    expect(moments.filter((moment) => moment.loading).every((moment) => !moment.saysNoFailure)).toBe(true);
    expect(drawn.at(-1)).toMatchObject({ status: 'completed', finished: FLEET, failed: 5 });
  });

  it('shows the ended job: statistics, failures grouped by error code, and the failed devices by filter', async () => {
    const fact = (name: string) => page.locator(`[data-fact="${name}"]`).textContent();
    await page.locator('table.failures').waitFor();
    expect(await fact('deviceCount')).toBe(String(FLEET));
    expect(await fact('succeededCount')).toBe(String(FLEET - FAILING.length - OFFLINE.length));
    expect(await fact('failedCount')).toBe(String(FAILING.length + OFFLINE.length));
    expect(await fact('rate')).toMatch(/devices\/s$/);
    // A run of about ten seconds: its duration with tenths or whole seconds, never 0 s.
    expect(await fact('duration')).toMatch(/^(\d\.\d|\d\d) s$/);
    expect(await fact('duration')).not.toBe('0.0 s');
    const groups = await Promise.all(
      (await page.locator('table.failures tbody tr').all()).map(async (row) =>
        (await row.locator('th, td').allTextContents()).slice(0, 3),
      ),
    );
    expect(groups).toEqual([
      ['DeviceMethodFailed', String(FAILING.length), FAILING.join(', ')],
      ['DeviceNotOnline', String(OFFLINE.length), OFFLINE.join(', ')],
    ]);
    await expect(
      page.getByRole('img', { name: /Devices finished over time: 40 finished, 5 failed/ }).count(),
    ).resolves.toBe(1);

    await page.getByLabel('Device status').selectOption('failed');
    await page.getByText('Page 1 of 1, 5 devices').waitFor();
    expect(await page.locator('table.devices tbody th').allTextContents()).toEqual(
      [...FAILING, ...OFFLINE].sort(),
    );
    expect(await page.locator('table.devices tbody .badge').allTextContents()).toEqual(
      Array(5).fill('failed'),
    );
    await page.getByLabel('Device status').selectOption('');
    await page.getByText('Page 1 of 2, 40 devices').waitFor();
    await shot('job');
  });

  it('reads well on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('heading', { name: 'dash-reboot' }).waitFor();
    await page.locator('table.failures').waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(screenshots, 'job-phone.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('reruns the failed devices of an ended job from its page', async () => {
    await page.getByRole('button', { name: 'Rerun…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rerun dash-reboot' });
    await expect(dialog.getByLabel('New job id').inputValue()).resolves.toBe('dash-reboot-rerun');
    await expect(dialog.getByLabel('failed').isChecked()).resolves.toBe(true);
    // An id the service would refuse is refused as it would be, before any request.
    await dialog.getByLabel('New job id').fill('dash reboot/again');
    await dialog.getByRole('button', { name: 'Create rerun job' }).click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toBe(
      'jobId: must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~',
    );
    await expect(dialog.getByLabel('New job id').getAttribute('aria-invalid')).resolves.toBe('true');
    await shot('rerun-invalid-id');
    await dialog.getByLabel('New job id').fill('dash-reboot-rerun');
    await dialog.getByRole('button', { name: 'Create rerun job' }).click();
    await page.getByRole('heading', { name: 'dash-reboot-rerun' }).waitFor();
    await page.getByRole('link', { name: 'dash-reboot' }).waitFor();
    await page
      .locator('[data-fact="deviceCount"]', { hasText: String(FAILING.length + OFFLINE.length) })
      .waitFor();
  });

  it('creates a job through the form only after a dry run of its exact settings, showing both kinds of error, then cancels it', async () => {
    await page.getByRole('link', { name: 'New job' }).first().click();
    await page.getByRole('heading', { name: 'New job' }).waitFor();
    const create = page.getByRole('button', { name: 'Create job' });
    const preview = page.getByRole('button', { name: 'Preview (dry run)' });
    await page.getByLabel('Job id').fill('dash-form');
    await page.getByLabel('Method name').fill('firmwareUpdate');
    await page.getByLabel('Payload (JSON)').fill('{"version": "2.1"');
    await page.getByLabel('Query condition').fill("tags.fleet = 'dash' AND");
    // An hour ahead in the browser's time zone, as a datetime-local input takes it.
    const start = String(
      await page.evaluate(
        "new Date(Date.now() + 3600000 - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16) + ':00'",
      ),
    );
    await page.getByLabel('Start time (your local time)').fill(start);
    expect(await create.isDisabled()).toBe(true);

    await preview.click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Payload is not valid JSON');
    await expect(page.getByLabel('Payload (JSON)').getAttribute('aria-invalid')).resolves.toBe('true');

    await page.getByLabel('Payload (JSON)').fill('{"version": "2.1"}');
    await preview.click();
    await page.getByText('The service refused the job').waitFor();
    await expect(page.locator('.service-error').textContent()).resolves.toMatch(
      /^ArgumentInvalid: .*queryCondition/,
    );

    // `n` holds numbers: a string finds nothing. The preview warns, hints at the type, and stays in view; creating
    // a job on no device asks first.
    await page.getByLabel('Query condition').fill("tags.fleet = 'dash' AND tags.n = '5'");
    // Scrolled just far enough to reach the button, as a person does: the result appears below the fold.
    await page.evaluate("document.querySelector('.job-form .actions').scrollIntoView({ block: 'end' })");
    await preview.click();
    await page.locator('[data-fact="previewCount"]', { hasText: '0' }).waitFor();
    await expect(page.locator('.preview .warnings li').allTextContents()).resolves.toEqual([
      'No device matches: the job would run on no device.',
      'tags.n holds numbers, not strings: try 5.',
    ]);
    const inView = await page.evaluate(
      "(() => { const box = document.querySelector('.preview').getBoundingClientRect(); return box.top >= 0 && box.bottom <= window.innerHeight; })()",
    );
    expect(inView).toBe(true);
    expect(await create.isEnabled()).toBe(true);
    const asked: string[] = [];
    page.once('dialog', (question) => {
      asked.push(question.message());
      void question.dismiss();
    });
    await create.click();
    // The click returns once the dialog was answered.
    expect(asked).toEqual(['The preview found no device. Create job dash-form anyway?']);
    expect((await host.http('GET', '/jobs/v2/dash-form')).status).toBe(404);
    await expect(page.getByRole('heading', { name: 'New job' }).count()).resolves.toBe(1);

    await page.getByText('Rollout, abort and retry').click();
    // The rollout controls are judged by the contract's schemas, worded as the service answers, next to the field.
    await page.getByLabel('Maximum concurrency').fill('20000');
    await preview.click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'rolloutConfig.maxConcurrency: must be an integer from 1 to 10000',
    );
    await expect(page.getByLabel('Maximum concurrency').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(
      page.locator('.field-error', { hasText: 'rolloutConfig.maxConcurrency' }).count(),
    ).resolves.toBe(1);
    await shot('new-job-invalid-rollout');
    await page.getByLabel('Maximum concurrency').fill('4');
    await page.getByLabel('Query condition').fill("tags.fleet = 'dash' AND tags.n < 10");
    // Priority is judged as the service judges it, before any request.
    await page.getByLabel('Priority (1–10)').fill('11');
    await preview.click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'Priority must be a whole number from 1 to 10.',
    );
    await expect(page.getByLabel('Priority (1–10)').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.getByLabel('Priority (1–10)').fill('8');
    await preview.click();
    await page.locator('[data-fact="previewCount"]', { hasText: '10' }).waitFor();
    const samples = (await page.getByText(/^Sample devices: /).textContent()) ?? '';
    expect(samples.replace('Sample devices: ', '').split(', ').sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `dash-0${i}`),
    );
    await expect(page.locator('[data-fact="previewEstimate"]').textContent()).resolves.toMatch(/\d+ s$/);
    expect(await create.isEnabled()).toBe(true);
    await expect(page.locator('.preview .warnings').count()).resolves.toBe(0);
    await shot('new-job');

    await page.getByLabel('Maximum concurrency').fill('5');
    expect(await create.isDisabled()).toBe(true);
    await preview.click();
    await page.getByRole('button', { name: 'Create job', disabled: false }).waitFor();
    await create.click();

    await page.getByRole('heading', { name: 'dash-form' }).waitFor();
    await page.locator('.badge-scheduled').first().waitFor();
    page.once('dialog', (confirm) => void confirm.accept());
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.locator('.page-head .badge-cancelled').waitFor();
    const job = (await (await host.http('GET', '/jobs/v2/dash-form')).json()) as Record<string, unknown>;
    expect(job).toMatchObject({
      status: 'cancelled',
      type: 'scheduleDeviceMethod',
      queryCondition: "tags.fleet = 'dash' AND tags.n < 10",
      cloudToDeviceMethod: { methodName: 'firmwareUpdate', payload: { version: '2.1' } },
      rolloutConfig: { maxConcurrency: 5 },
      priority: 8,
    });

    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByLabel('Status').selectOption('cancelled');
    await page.getByText(/^1 job\. Updated/).waitFor();
    await expect(page.locator('table.jobs tbody tr[data-job-id]').getAttribute('data-job-id')).resolves.toBe(
      'dash-form',
    );
  });
});

describe('rollout controls on the job page, and the schedules page', () => {
  const open = (hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  const method = { methodName: 'reboot', payload: null, responseTimeoutInSeconds: 10 };
  const waveStates = () =>
    page.evaluate<string[][]>(
      "[...document.querySelectorAll('ol.waves li')].map((li) => [li.dataset.wave, li.dataset.state])",
    );

  it('shows gated waves as segments of the progress bar, and approves the wave the job waits on', async () => {
    await host.client.createJob({
      jobId: 'dash-waves',
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: method,
      queryCondition: "tags.fleet = 'dash' AND tags.n >= 30 AND tags.n < 36",
      rolloutConfig: {
        waves: [{ name: 'canary', deviceCount: 2, successThresholdPercentage: 100, then: 'pause' }],
      },
    });
    await open('#/jobs/dash-waves');
    const approve = page.getByRole('button', { name: 'Approve' });
    await approve.waitFor();
    await expect(page.locator('.page-head .badge').first().textContent()).resolves.toBe('paused');
    expect(await waveStates()).toEqual([
      ['canary', 'passed'],
      ['remaining', 'pending'],
    ]);
    await expect(page.locator('li[data-wave="canary"]').textContent()).resolves.toBe('canarypassed · 2/2');
    await shot('job-waves');
    await approve.click();
    await page.locator('.page-head .badge-completed').waitFor();
    expect(await waveStates()).toEqual([
      ['canary', 'passed'],
      ['remaining', 'passed'],
    ]);
    expect(await page.getByRole('button', { name: /^(Approve|Pause|Resume)$/ }).count()).toBe(0);
  });

  it('pauses a running job and resumes it', async () => {
    await host.client.createJob({
      jobId: 'dash-paced',
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: method,
      queryCondition: "tags.fleet = 'dash' AND tags.n >= 10 AND tags.n < 16",
      rolloutConfig: { maximumPerMinute: 60 },
    });
    await open('#/jobs/dash-paced');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('.page-head .badge-paused').waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.page-head .badge-running').waitFor();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    const job = await host.client.cancelJob('dash-paced');
    expect(job.lastControlAction).toMatchObject({ action: 'resume', by: samplePolicy().name });
  });

  it('counts the devices waiting for the completion condition and filters the device table by them', async () => {
    await host.client.createJob({
      jobId: 'dash-until',
      type: 'scheduleUpdateTwin',
      updateTwin: { etag: '*', properties: { desired: { firmware: '2.0.0' } } },
      queryCondition: "tags.fleet = 'dash-hold'",
      completionCondition: { condition: "properties.reported.firmware = '2.0.0'", timeoutInSeconds: 600 },
    });
    await open('#/jobs/dash-until');
    await page.locator('[data-fact="waitingCount"]', { hasText: String(HOLDING.length) }).waitFor();
    await page.getByLabel('Device status').selectOption('waiting');
    const rows = page.locator('table.devices tbody tr[data-waiting="true"]');
    await expect(rows.count()).resolves.toBe(HOLDING.length);
    await expect(
      page.getByLabel('Device status').locator('option[value="waiting"]').textContent(),
    ).resolves.toBe(`waiting for the completion condition (${HOLDING.length})`);
    await shot('job-waiting');
    await host.client.cancelJob('dash-until');
  });

  it('lists the registry with each device real or simulated and its connection state', async () => {
    await open('#/devices');
    await page.locator('table.registry tbody tr[data-kind]').first().waitFor();
    const rows =
      await page.evaluate(`[...document.querySelectorAll('table.registry tbody tr')].map((row) => ({
      id: row.querySelector('th')?.textContent, kind: row.dataset.kind, connection: row.dataset.connection }))`);
    const byId = new Map(
      (rows as { id: string; kind: string; connection: string }[]).map((row) => [row.id, row]),
    );
    expect(byId.size).toBe(25);
    expect([...byId.values()].every((row) => row.kind === 'simulated')).toBe(true);
    // A simulated device's connection state is its profile's: offline ones are Disconnected.
    for (const [id, row] of byId) {
      expect([id, row.connection]).toEqual([id, OFFLINE.includes(id) ? 'Disconnected' : 'Connected']);
    }
    await shot('devices');
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.locator('.pager', { hasText: 'Page 2' }).waitFor();
    const second = await page.locator('table.registry tbody th').allTextContents();
    expect(second.length).toBeGreaterThan(0);
    expect(second.filter((id) => byId.has(id))).toEqual([]);
  });

  it('rolls back an ended twin job from its page', async () => {
    await host.client.createJob({
      jobId: 'dash-color',
      type: 'scheduleUpdateTwin',
      updateTwin: { tags: { color: 'blue' } },
      queryCondition: "tags.fleet = 'dash' AND tags.n >= 36",
    });
    await open('#/jobs/dash-color');
    await page.locator('.page-head .badge-completed').waitFor();
    await page.getByRole('button', { name: 'Roll back…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back dash-color' });
    await expect(dialog.getByLabel('Rollback job id').inputValue()).resolves.toBe('dash-color-rollback');
    await dialog.getByRole('button', { name: 'Start rollback' }).click();
    await page.getByRole('heading', { name: 'dash-color-rollback' }).waitFor();
    await page.locator('.page-head .badge-completed').waitFor();
    await expect(page.locator('.page-head [data-badge="rollback"]').textContent()).resolves.toBe('rollback');
    await page.getByRole('link', { name: 'dash-color', exact: true }).waitFor();
    await page.locator('[data-fact="succeededCount"]', { hasText: '4' }).waitFor();
    await shot('job-rollback');
    const blue = await host.client.queryPage("SELECT deviceId FROM devices WHERE tags.color = 'blue'");
    expect(blue.items).toEqual([]);
    // A rollback job is neither rolled back nor rerun: roll its parent back again instead.
    expect(await page.getByRole('button', { name: 'Roll back…' }).isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: 'Rerun…' }).isHidden()).toBe(true);
  });

  it('marks a continuous job waiting for its maintenance window with badges, in the list and on its page', async () => {
    // Its only window opens in 11 to 12 hours: the job waits, running, and starts no device.
    const hour = (new Date().getUTCHours() + 12) % 24;
    await host.client.createJob({
      jobId: 'dash-nightly',
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: method,
      queryCondition: "tags.fleet = 'dash'",
      targetSelection: 'continuous',
      schedulingConfig: {
        timeZone: 'UTC',
        maintenanceWindows: [{ schedule: `0 0 ${hour} * * *`, durationInMinutes: 60 }],
        endBehavior: 'stopRollout',
      },
    });
    await open('#/jobs/dash-nightly');
    const nextWindow = page.locator('[data-fact="nextWindowStart"]');
    await nextWindow.waitFor();
    const badges = (scope: string) =>
      page.evaluate<[string, string][]>(
        `[...document.querySelectorAll(${JSON.stringify(`${scope} [data-badge]`)})].map((badge) => [badge.textContent, badge.title])`,
      );
    const job = await host.client.getJob('dash-nightly');
    expect(job).toMatchObject({ status: 'running', nextWindowStart: expect.any(String) });
    const windowTitle = `Maintenance windows (UTC): 0 0 ${hour} * * * for 60 min. Waiting until ${job.nextWindowStart}.`;
    expect(await badges('.page-head')).toEqual([
      ['continuous', expect.stringContaining('join the job')],
      ['window', windowTitle],
    ]);
    await shot('job-window');
    await open('#/jobs');
    await page.locator('tr[data-job-id="dash-nightly"] [data-badge="window"]').waitFor();
    expect(await badges('tr[data-job-id="dash-nightly"]')).toEqual([
      ['continuous', expect.stringContaining('join the job')],
      ['window', windowTitle],
    ]);
    await expect(
      page.locator('tr[data-job-id="dash-color-rollback"] [data-badge]').textContent(),
    ).resolves.toBe('rollback');
    await shot('jobs-badges');
    expect((await host.client.getJob('dash-nightly')).deviceJobStatistics.deviceCount).toBe(0);
    await host.client.cancelJob('dash-nightly');
  });

  it('lists the job schedules with their next occurrence, opens one and deletes them', async () => {
    const template = {
      type: 'scheduleDeviceMethod' as const,
      cloudToDeviceMethod: { methodName: 'collectLogs', payload: null },
      queryCondition: "tags.fleet = 'dash'",
    };
    const nightly = await host.client.putSchedule('nightly-logs', {
      schedule: '0 30 2 * * *',
      timeZone: 'Europe/Berlin',
      jobTemplate: template,
    });
    await host.client.putSchedule('weekly-logs', {
      schedule: '0 0 3 * * 0',
      enabled: false,
      jobTemplate: template,
    });
    await page.getByRole('link', { name: 'Schedules', exact: true }).click();
    await page.getByRole('heading', { name: 'Job schedules' }).waitFor();
    await page.locator('tr[data-schedule-id="weekly-logs"]').waitFor();
    await expect(
      page.evaluate<string[]>(
        "[...document.querySelectorAll('tr[data-schedule-id]')].map((row) => row.dataset.scheduleId)",
      ),
    ).resolves.toEqual(['nightly-logs', 'weekly-logs']);
    await expect(
      page.locator('tr[data-schedule-id="nightly-logs"] td[data-next-run]').getAttribute('data-next-run'),
    ).resolves.toBe(nightly.nextRunTime);
    await expect(page.locator('tr[data-schedule-id="weekly-logs"] .badge').textContent()).resolves.toBe(
      'disabled',
    );
    await shot('schedules');

    page.once('dialog', (confirm) => void confirm.accept());
    await page.getByRole('button', { name: 'Delete weekly-logs' }).click();
    await page.locator('tr[data-schedule-id="weekly-logs"]').waitFor({ state: 'detached' });

    await page.getByRole('link', { name: 'nightly-logs' }).click();
    await page.getByRole('heading', { name: 'nightly-logs' }).waitFor();
    await expect(page.locator('[data-fact="schedule"]').textContent()).resolves.toBe(
      '0 30 2 * * * (Europe/Berlin)',
    );
    page.once('dialog', (confirm) => void confirm.accept());
    await page.getByRole('button', { name: 'Delete schedule' }).click();
    await page.getByText('No job schedules.').waitFor();
    expect((await host.http('GET', '/jobSchedules/nightly-logs')).status).toBe(404);
  });
});
