import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `device-jobs` installed the way a user gets it: its own package with production dependencies only (no
 * devDependency of the repository, no hoisted workspace module), next to the contract package it imports. Needs
 * `npm run build` (the compiled CLI and client); npm installs from its cache when it can.
 */
const root = path.resolve(__dirname, '../../..');

function copyPackage(
  from: string,
  compiled: string,
  to: string,
  rewrite: (manifest: Record<string, unknown>) => void,
) {
  fs.cpSync(compiled, to, { recursive: true, filter: (file) => !file.endsWith('.map') });
  const manifest = JSON.parse(fs.readFileSync(path.join(from, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  rewrite(manifest);
  fs.writeFileSync(path.join(to, 'package.json'), JSON.stringify(manifest, null, 2));
}

describe('the device-jobs CLI with production dependencies only', () => {
  let folder: string;
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('starts and prints its help', () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'device-jobs-prod-'));
    const client = path.join(folder, 'client');
    const cli = path.join(folder, 'cli');
    copyPackage(
      path.join(root, 'packages/client'),
      path.join(root, 'packages/client/dist'),
      path.join(client, 'dist'),
      () => undefined,
    );
    fs.renameSync(path.join(client, 'dist/package.json'), path.join(client, 'package.json'));
    copyPackage(path.join(root, 'packages/cli'), path.join(root, 'dist/packages/cli'), cli, (manifest) => {
      const dependencies = manifest.dependencies as Record<string, string>;
      dependencies['@device-jobs/client'] = 'file:../client';
      manifest.bin = { 'device-jobs': 'device-jobs.js' };
    });
    execFileSync(
      'npm',
      [
        'install',
        '--omit=dev',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--install-links',
      ],
      { cwd: cli, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const help = execFileSync(process.execPath, [path.join(cli, 'device-jobs.js'), '--help'], {
      cwd: folder,
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: '' },
    });
    expect(help).toMatch(/^Usage: device-jobs \[options\] \[command\]/m);
    expect(help).toMatch(/^\s+job\s/m);
    expect(fs.existsSync(path.join(cli, 'node_modules/typescript'))).toBe(false);
  }, 120_000);
});
