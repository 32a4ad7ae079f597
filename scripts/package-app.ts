import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Builds the zip for zip deploy (`az functionapp deployment source config-zip`, `azd deploy`): the compiled
 * functions and what they load (dist/functions, dist/shared, dist/dashboard), host.json, package.json and the
 * production dependencies installed from the lock file. Nothing local-only ships: no local host, CLI, scripts,
 * tests, TypeScript sources, azurite or local.settings.json. Prints the zip's path as its last line.
 */
const root = path.resolve(__dirname, '../..');
const outDir = path.join(root, '.package');
const stage = path.join(outDir, 'app');
const zipFile = path.join(outDir, 'device-jobs-app.zip');
const SHIPPED_DIST = ['functions', 'shared', 'dashboard'];

/** Packages and files that must never ship: the local host's storage, build and test tools, local settings. */
const LOCAL_ONLY_MODULES = [
  'azurite',
  'typescript',
  'jest',
  'ts-jest',
  'eslint',
  'prettier',
  'commander',
  'tinyglobby',
  'cli-progress',
  'cli-table3',
  'csv-stringify',
  '@device-jobs',
];

function refuseLocalOnly(folder: string): void {
  const shipped = LOCAL_ONLY_MODULES.filter((name) => fs.existsSync(path.join(folder, 'node_modules', name)));
  const files = fs.readdirSync(folder, { recursive: true, encoding: 'utf8' });
  const stray = files.filter(
    (file) =>
      !file.startsWith('node_modules') &&
      (file.endsWith('.ts') || /(^|\/)(local\.settings\.json|test|local-host|cli|scripts)(\/|$)/.test(file)),
  );
  if (shipped.length > 0 || stray.length > 0) {
    throw new Error(
      `The package would ship local-only content: ${[...shipped, ...stray.slice(0, 10)].join(', ')}`,
    );
  }
}

/** The zip holds no packages/ folder: its package.json must not name workspaces that are not there. */
function withoutWorkspaces(packageJson: string): void {
  const manifest = JSON.parse(fs.readFileSync(packageJson, 'utf8')) as Record<string, unknown>;
  delete manifest.workspaces;
  fs.writeFileSync(packageJson, `${JSON.stringify(manifest, null, 2)}\n`);
}

function run(command: string, args: string[], cwd: string): void {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });
for (const folder of SHIPPED_DIST) {
  const from = path.join(root, 'dist', folder);
  if (!fs.existsSync(from)) throw new Error(`dist/${folder} is missing: run npm run build first.`);
  fs.cpSync(from, path.join(stage, 'dist', folder), { recursive: true });
}
for (const file of ['host.json', 'package.json', 'package-lock.json']) {
  fs.copyFileSync(path.join(root, file), path.join(stage, file));
}
// --workspaces=false: the root app's production dependencies only, not those of the tool packages under packages/.
run(
  'npm',
  [
    'ci',
    '--omit=dev',
    '--workspaces=false',
    '--ignore-scripts',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
  ],
  stage,
);
fs.rmSync(path.join(stage, 'package-lock.json'));
withoutWorkspaces(path.join(stage, 'package.json'));
refuseLocalOnly(stage);
try {
  run('zip', ['-q', '-r', '-X', zipFile, '.'], stage);
} catch (error: unknown) {
  throw new Error(`Zipping failed (the zip command is needed): ${String(error)}`);
}
console.log(
  `Package: ${path.relative(root, stage)} (${fs.readdirSync(path.join(stage, 'node_modules')).length} top-level modules)`,
);
console.log(zipFile);
