import path from 'node:path';
import { runHostExpectingFailure } from '../../support/local-host-process';

describe('func-local: start failures', () => {
  it('refuses an app whose binding no extension supports, naming the function and the binding', async () => {
    const { code, output } = await runHostExpectingFailure({
      appDir: path.resolve(__dirname, '../../fixtures/unsupported-binding-app'),
    });
    expect(code).toBe(1);
    expect(output).toMatch(
      /func-local: Function "enqueue": the output binding "queueOutput\w+" of type "queue" is not supported by the local host\./,
    );
    expect(output).not.toMatch(/Host ready/);
  }, 60_000);

  it('refuses a missing app folder with a clear message', async () => {
    const { code, output } = await runHostExpectingFailure({
      appDir: path.resolve(__dirname, '../../fixtures/no-such-app'),
    });
    expect(code).toBe(1);
    expect(output).toMatch(/func-local: No package\.json in .*no-such-app\./);
  }, 60_000);
});
