import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../support/chromium';
import { ownerConnectionString } from '../devices/device-host';
import { type JobsHost, seedFleet, startJobsHost } from '../jobs/jobs-host';

/**
 * The dashboard in a real headless Chromium against the app on the local host. 40 devices answer in 400–600 ms and
 * a shard works on 2 at a time, so a job over them runs for about 10 s: long enough to watch its bar move.
 * Screenshots go to DASHBOARD_SCREENSHOTS_DIR (`npm run screenshots` writes docs/dashboard/), else a temp folder.
 */
const FLEET = 40;
const FAILING = ['dash-03', 'dash-17', 'dash-29'];
const OFFLINE = ['dash-08', 'dash-21'];
const screenshots = process.env.DASHBOARD_SCREENSHOTS_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-'));

jest.setTimeout(60_000);

let host: JobsHost;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [host, browser] = await Promise.all([
    startJobsHost({
      SIMULATION_DEFAULT_PROFILE: '{"latencyMs":[400,600],"failureRate":0}',
      JOB_DEVICES_IN_FLIGHT_PER_SHARD: '2',
    }),
    launchChromium(),
  ]);
  await seedFleet(
    host,
    Array.from({ length: FLEET }, (_, i) => {
      const id = `dash-${String(i).padStart(2, '0')}`;
      const simulation = FAILING.includes(id) ? { failureRate: 1 } : OFFLINE.includes(id) ? { offline: true } : undefined;
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
  it('is served anonymously with a strict content security policy, and refuses unknown files', async () => {
    const response = await fetch(`${host.running.host.baseUrl}/dashboard/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const missing = await fetch(`${host.running.host.baseUrl}/dashboard/..%2Fpackage.json`);
    expect(missing.status).toBe(404);
  });

  it('signs in with a connection string (a wrong key shows the service error) and keeps it in sessionStorage only', async () => {
    await page.goto(`${host.running.host.baseUrl}/dashboard`);
    const connection = page.getByLabel('Service connection string');
    await connection.fill(ownerConnectionString().replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=' + 'A'.repeat(44)));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/^IotHubUnauthorizedAccess: /);

    await connection.fill(ownerConnectionString());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    const storage = await page.evaluate(() => ({
      session: Object.keys(sessionStorage),
      local: Object.keys(localStorage),
      cookies: document.cookie,
    }));
    expect(storage).toEqual({ session: ['deviceJobs.connectionString'], local: [], cookies: '' });
  });

  it("shows a running job's progress bar moving in the jobs list", async () => {
    const created = await host.http('PUT', '/jobs/v2/dash-reboot?api-version=2021-04-12', {
      body: { type: 'scheduleDeviceMethod', cloudToDeviceMethod: { methodName: 'reboot', payload: {} }, queryCondition: "tags.fleet = 'dash'" },
    });
    expect(created.status).toBe(200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await progressOf('dash-reboot').waitFor();
    const seen = new Set<number>();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(await page.locator('tr[data-job-id="dash-reboot"] .badge-completed').count())) {
      seen.add(await percentOf('dash-reboot'));
      await page.waitForTimeout(250);
    }
    await page.locator('tr[data-job-id="dash-reboot"] .badge-completed').waitFor({ timeout: 10_000 });
    seen.add(await percentOf('dash-reboot'));
    // At least two intermediate readings between 0 and 100: the list refreshed itself while the job ran.
    expect([...seen].filter((percent) => percent > 0 && percent < 100).length).toBeGreaterThanOrEqual(2);
    expect(await percentOf('dash-reboot')).toBe(100);
    await shot('jobs');
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
    const groups = await page.locator('table.failures tbody tr').evaluateAll((rows) =>
      rows.map((row) => [...row.children].slice(0, 3).map((cell) => cell.textContent)),
    );
    expect(groups).toEqual([
      ['DeviceMethodFailed', String(FAILING.length), FAILING.join(', ')],
      ['DeviceNotOnline', String(OFFLINE.length), OFFLINE.join(', ')],
    ]);
    await expect(page.getByRole('img', { name: /Devices finished over time: 40 finished, 5 failed/ }).count()).resolves.toBe(1);

    await page.getByLabel('Device status').selectOption('failed');
    await page.getByText('Page 1, 5 devices').waitFor();
    const failedRows = await page.locator('table.devices tbody tr').evaluateAll((rows) =>
      rows.map((row) => [row.querySelector('th')?.textContent, row.querySelector('.badge')?.textContent]),
    );
    expect(failedRows).toEqual([...FAILING, ...OFFLINE].sort().map((id) => [id, 'failed']));
    await page.getByLabel('Device status').selectOption('');
    await page.getByText('Page 1, 25 devices').waitFor();
    await shot('job');
  });

  it('reads well on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('heading', { name: 'dash-reboot' }).waitFor();
    await page.locator('table.failures').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(screenshots, 'job-phone.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
