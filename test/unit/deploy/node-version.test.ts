import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const root = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface LockedPackage {
  dev?: boolean;
  engines?: { node?: string };
}

const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockedPackage> };
const oldest = semver.minVersion(pkg.engines.node);

describe("the project's Node", () => {
  it('is Node 22', () => {
    expect(oldest?.major).toBe(22);
  });

  it('is a Node every locked package accepts, so npm ci prints no EBADENGINE warning', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([name, locked]) => name !== '' && locked.engines?.node !== undefined)
      .filter(([, locked]) => !semver.satisfies(oldest ?? '0.0.0', locked.engines?.node ?? '*'))
      .map(([name, locked]) => `${name} (${locked.engines?.node})`);
    expect(refusing).toEqual([]);
  });

  it('is the Node CI runs, the README names and the types describe', () => {
    expect(read('.ci/run')).toMatch(/NODE_MAJOR=22\b/);
    expect(read('README.md')).toMatch(/Node 22\b/);
    expect(read('README.md')).not.toMatch(/Node 20\b/);
    const types = (JSON.parse(read('package.json')) as { devDependencies: Record<string, string> })
      .devDependencies['@types/node'];
    expect(semver.minVersion(types ?? '')?.major).toBe(22);
  });
});
