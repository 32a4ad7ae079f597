import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ignore from 'ignore';
import { IOTHUB_ERROR_STATUS } from '@device-jobs/client/contract';
import { shipContractPackage, stageAppFiles } from '../../../scripts/package-app';

const root = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface LockedPackage {
  dev?: boolean;
  devOptional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * What `npm ci --omit=dev --workspaces=false` installs: the root's dependencies and theirs, each found where Node
 * finds it (the nearest `node_modules` up the tree), as lock-file locations.
 */
function productionTree(packages: Record<string, LockedPackage>): string[] {
  const installed = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const candidate = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[candidate]) return candidate;
      if (!at) return undefined;
    }
  };
  const visit = (location: string) => {
    const entry = packages[location] ?? {};
    const optionalPeers = Object.entries(entry.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional)
      .map(([name]) => name);
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers.includes(name)),
    ];
    for (const name of names) {
      const found = resolve(location, name);
      if (found && !installed.has(found)) {
        installed.add(found);
        visit(found);
      }
    }
  };
  visit('');
  return [...installed].sort();
}

/**
 * What azd's zip of a Function App service holds (azure-dev `createDeployableZip`): every file under the folder
 * except `.azure` folders, the ignore file itself, `local.settings.json`, and what the folder's `.funcignore`
 * excludes with gitignore semantics (an excluded folder is not entered).
 */
function azdZip(folder: string): string[] {
  const rulesFile = path.join(folder, '.funcignore');
  const matcher = ignore().add(fs.existsSync(rulesFile) ? fs.readFileSync(rulesFile, 'utf8') : '');
  const zipped: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(folder, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== '.azure' && !matcher.ignores(`${name}/`)) walk(name);
      } else if (!['.funcignore', 'local.settings.json'].includes(entry.name) && !matcher.ignores(name)) {
        zipped.push(name);
      }
    }
  };
  walk('');
  return zipped;
}

/** The relative modules and the packages a compiled file requires. */
function requiresOf(file: string): { relative: string[]; packages: string[] } {
  const specifiers = [...fs.readFileSync(file, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)].map(
    (m) => m[1] as string,
  );
  return {
    relative: specifiers.filter((s) => s.startsWith('.')),
    packages: specifiers
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
      .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string))),
  };
}

/** Every compiled file dist/functions loads, following relative requires; and the packages they need. */
function loadedByFunctions(): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = fs
    .readdirSync(path.join(root, 'dist/functions'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => `dist/functions/${file}`);
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const { relative, packages: needed } = requiresOf(path.join(root, file));
    for (const name of needed) packages.add(name);
    for (const specifier of relative) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      pending.push(fs.existsSync(path.join(root, `${target}.js`)) ? `${target}.js` : `${target}/index.js`);
    }
  }
  return { files, packages };
}

describe('the package azd deploys (azure.yaml, .funcignore, npm run package)', () => {
  let stage: string;
  let zipped: Set<string>;
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockedPackage> };
  const production = productionTree(lock.packages);

  beforeAll(() => {
    stage = fs.mkdtempSync(path.join(os.tmpdir(), 'azd-package-'));
    stageAppFiles(root, stage);
    zipped = new Set(azdZip(stage));
  });

  afterAll(() => fs.rmSync(stage, { recursive: true, force: true }));

  it('deploys the staged production tree, built locally (no remote build)', () => {
    const yaml = read('azure.yaml');
    expect(yaml).toMatch(/^\s+dist: \.package\/app$/m);
    expect(yaml).toMatch(/^\s+remoteBuild: false$/m);
    expect(yaml).toMatch(/prepackage:\s+run: npm run package -- --no-zip/);
    // azd refuses remoteBuild: false when the project's .funcignore excludes node_modules.
    expect(ignore().add(read('.funcignore')).ignores('node_modules/')).toBe(false);
  });

  it('holds host.json, package.json, every compiled function and everything they load', () => {
    const { files, packages } = loadedByFunctions();
    expect(files.size).toBeGreaterThan(50);
    const missing = ['host.json', 'package.json', ...files].filter((file) => !zipped.has(file));
    expect(missing).toEqual([]);
    const dependencies = Object.keys(
      (JSON.parse(read('package.json')) as { dependencies: object }).dependencies,
    );
    const undeclared = [...packages].filter(
      (name) => !dependencies.includes(name) && !name.startsWith('@azure/functions-core'),
    );
    expect(undeclared).toEqual([]);
    const uninstalled = [...packages].filter(
      (name) => !name.startsWith('@azure/functions-core') && !production.includes(`node_modules/${name}`),
    );
    expect(uninstalled).toEqual([]);
  });

  it('leaves out settings, tests, sources and local-only tools', () => {
    const local = [...zipped].filter(
      (file) =>
        file.endsWith('.ts') ||
        /^(local\.settings.*\.json|test\/|docs\/|infra\/|scripts\/|cli\/|local-host\/|functions\/|shared\/|dashboard\/|\.ci\/)/.test(
          file,
        ) ||
        /^dist\/(local-host|cli|scripts|test)\//.test(file),
    );
    expect(local).toEqual([]);
    expect([...zipped].filter((file) => !file.startsWith('dist/'))).toEqual(['host.json', 'package.json']);
  });

  it('holds no devDependency: node_modules is the production tree of the lock file', () => {
    const devOnly = Object.entries(lock.packages)
      .filter(([name, entry]) => name.startsWith('node_modules/') && (entry.dev || entry.devOptional))
      .map(([name]) => name);
    expect(devOnly.length).toBeGreaterThan(100);
    expect(production.filter((name) => devOnly.includes(name))).toEqual([]);
    const devDependencies = Object.keys(
      (JSON.parse(read('package.json')) as { devDependencies: object }).devDependencies,
    );
    // semver is also a dependency of production packages (it ships for them, not for the tests that use it).
    const shipped = devDependencies.filter((name) => production.includes(`node_modules/${name}`));
    expect(shipped).toEqual(['semver']);
    // The tree's node_modules passes the same rules in azd's zip.
    const rules = ignore().add(fs.readFileSync(path.join(stage, '.funcignore'), 'utf8'));
    expect(production.filter((name) => rules.ignores(`${name}/`))).toEqual([]);
  });

  it("ships the contract package, which the compiled app resolves from the tree's node_modules", () => {
    const shipped = shipContractPackage(root, stage);
    expect(fs.lstatSync(shipped).isSymbolicLink()).toBe(false);
    // A plain Node in the staged tree (jest would map the package to the repository's sources).
    const probe = [
      "const resolved = require.resolve('@device-jobs/client/contract', { paths: ['dist/shared/http'] });",
      "const { ERROR_STATUS } = require('./dist/shared/http/iothub-errors.js');",
      'console.log(JSON.stringify({ resolved, ERROR_STATUS }));',
    ].join('\n');
    const answer = JSON.parse(
      execFileSync(process.execPath, ['-e', probe], { cwd: stage, encoding: 'utf8' }),
    ) as {
      resolved: string;
      ERROR_STATUS: object;
    };
    expect(path.relative(fs.realpathSync(stage), answer.resolved)).toBe(
      path.join('node_modules', '@device-jobs', 'client', 'dist', 'contract.js'),
    );
    expect(answer.ERROR_STATUS).toEqual(IOTHUB_ERROR_STATUS);
  });
});
