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
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
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
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  });

  it("shows a running job's progress bar moving in the jobs list", async () => {
    const created = await host.http('PUT', '/jobs/v2/dash-reboot?api-version=2021-04-12', {
      body: {
        type: 'scheduleDeviceMethod',
        cloudToDeviceMethod: { methodName: 'reboot', payload: {} },
        queryCondition: "tags.fleet = 'dash'",
      },
    });
    expect(created.status).toBe(200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await progressOf('dash-reboot').waitFor();
    const seen = new Set<number>();
    const deadline = Date.now() + 30_000;
    while (
      Date.now() < deadline &&
      !(await page.locator('tr[data-job-id="dash-reboot"] .badge-completed').count())
    ) {
      const percent = await percentOf('dash-reboot');
      if (percent >= 40 && percent <= 80 && ![...seen].some((earlier) => earlier >= 40 && earlier <= 80)) {
        await shot('jobs');
      }
      seen.add(percent);
      await page.waitForTimeout(250);
    }
    await page.locator('tr[data-job-id="dash-reboot"] .badge-completed').waitFor({ timeout: 10_000 });
    seen.add(await percentOf('dash-reboot'));
    // At least two intermediate readings between 0 and 100: the list refreshed itself while the job ran.
    expect([...seen].filter((percent) => percent > 0 && percent < 100).length).toBeGreaterThanOrEqual(2);
    expect(await percentOf('dash-reboot')).toBe(100);
  });

  it('opens the job: statistics, failures grouped by error code, and the failed devices by filter', async () => {
    await page.getByRole('link', { name: 'dash-reboot' }).click();
    await page.getByRole('heading', { name: 'dash-reboot' }).waitFor();
    const fact = (name: string) => page.locator(`[data-fact="${name}"]`).textContent();
    await page.locator('table.failures').waitFor();
    expect(await fact('deviceCount')).toBe(String(FLEET));
    expect(await fact('succeededCount')).toBe(String(FLEET - FAILING.length - OFFLINE.length));
    expect(await fact('failedCount')).toBe(String(FAILING.length + OFFLINE.length));
    expect(await fact('rate')).toMatch(/devices\/s$/);
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
    await page.getByText('Page 1, 5 devices').waitFor();
    expect(await page.locator('table.devices tbody th').allTextContents()).toEqual(
      [...FAILING, ...OFFLINE].sort(),
    );
    expect(await page.locator('table.devices tbody .badge').allTextContents()).toEqual(
      Array(5).fill('failed'),
    );
    await page.getByLabel('Device status').selectOption('');
    await page.getByText('Page 1, 25 devices').waitFor();
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

    await page.getByText('Rollout, abort and retry').click();
    await page.getByLabel('Maximum concurrency').fill('4');
    await page.getByLabel('Query condition').fill("tags.fleet = 'dash' AND tags.n < 10");
    await preview.click();
    await page.locator('[data-fact="previewCount"]', { hasText: '10' }).waitFor();
    const samples = (await page.getByText(/^Sample devices: /).textContent()) ?? '';
    expect(samples.replace('Sample devices: ', '').split(', ').sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `dash-0${i}`),
    );
    await expect(page.locator('[data-fact="previewEstimate"]').textContent()).resolves.toMatch(/\d+ s$/);
    expect(await create.isEnabled()).toBe(true);
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
    });

    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByLabel('Status').selectOption('cancelled');
    await page.getByText(/^1 job\. Updated/).waitFor();
    await expect(page.locator('table.jobs tbody tr').getAttribute('data-job-id')).resolves.toBe('dash-form');
  });
});
