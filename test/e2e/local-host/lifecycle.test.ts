import fs from 'node:fs';
import path from 'node:path';
import { runHostExpectingFailure, startHostProcess } from '../../support/local-host-process';

describe('func-local: start failures', () => {
  it('refuses an app whose binding no extension supports, naming the function and the binding', async () => {
    const { code, output } = await runHostExpectingFailure({
      appDir: path.resolve(__dirname, '../../fixtures/unsupported-binding-app'),
    });
    expect(code).toBe(1);
    expect(output).toMatch(
      /func-local: Function "enqueue": the output binding "queueOutput\w+" of type "queue" is not supported by the local host\./,
    );
    expect(output).not.toMatch(/^Host ready/m);
  }, 60_000);

  it('refuses an app that enables HTTP streaming instead of hanging its requests', async () => {
    const { code, output } = await runHostExpectingFailure({
      appDir: path.resolve(__dirname, '../../fixtures/http-stream-app'),
    });
    expect(code).toBe(1);
    expect(output).toMatch(
      /func-local: The app enables HTTP streaming .* which the local host does not support\./,
    );
  }, 60_000);

  it('refuses a missing app folder with a clear message', async () => {
    const { code, output } = await runHostExpectingFailure({
      appDir: path.resolve(__dirname, '../../fixtures/no-such-app'),
    });
    expect(code).toBe(1);
    expect(output).toMatch(/func-local: No package\.json in .*no-such-app\./);
  }, 60_000);
});

/** The ids of a process's children (Linux /proc). */
function childrenOf(pid: number): number[] {
  const tasks = fs.readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((task) =>
    fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('func-local: development storage and shutdown', () => {
  const appDir = path.resolve(__dirname, '../../fixtures/http-app');
  const dataDir = path.join(appDir, '.azurite');

  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('starts a persistent Azurite under the app folder, serves with an empty route prefix, and on SIGTERM finishes a running request, then stops both', async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    const env = { ...process.env };
    delete env.AzureWebJobsStorage;
    const host = await startHostProcess({ appDir, inMemory: false, env: env as Record<string, string> });
    try {
      expect(host.output).toContain(`Azurite started (data in ${dataDir}).`);
      expect(fs.existsSync(dataDir)).toBe(true);
      const azurite = childrenOf(host.child.pid ?? 0);
      expect(azurite).toHaveLength(1);
      expect(host.output).toContain(`  hello: [GET,POST] ${host.baseUrl}/hello/{name?}`);
      const hello = await fetch(`${host.baseUrl}/hello/ann`);
      expect(await hello.json()).toEqual({ greeting: 'hello ann', method: 'GET' });
      expect((await fetch(`${host.baseUrl}/api/hello/ann`)).status).toBe(404);
      const slow = fetch(`${host.baseUrl}/slow`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const exit = host.stop();
      const answered = await slow;
      expect(answered.status).toBe(200);
      expect(await answered.text()).toBe('finished');
      expect(await exit).toBe(0);
      expect(host.output).toContain('SIGTERM received: stopping.');
      for (const pid of azurite) expect(isAlive(pid)).toBe(false);
    } finally {
      await host.kill();
    }
  }, 60_000);
});
