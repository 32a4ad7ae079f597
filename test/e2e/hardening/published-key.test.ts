import { runHostExpectingFailure } from '../../support/local-host-process';
import { repoRoot, sampleSettings } from '../devices/device-host';

/** Storage the app never reaches: it must stop while loading, before any storage is touched. */
const UNREACHABLE_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=ZGV2;' +
  'BlobEndpoint=http://127.0.0.1:9/b;QueueEndpoint=http://127.0.0.1:9/q;TableEndpoint=http://127.0.0.1:9/t';

describe('the published development key', () => {
  it('stops the app, naming JOBS_ACCESS_POLICIES, when func-local listens beyond loopback', async () => {
    const { code, output } = await runHostExpectingFailure({
      appDir: repoRoot,
      storageConnectionString: UNREACHABLE_STORAGE,
      env: { ...sampleSettings(), DEMO_FLEET_SIZE: '0' },
      args: ['--host', '0.0.0.0'],
    });
    expect(code).not.toBe(0);
    expect(output).toMatch(/JOBS_ACCESS_POLICIES .*published development key.*listens on 0\.0\.0\.0/);
  }, 60_000);
});
