import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FUNCIGNORE, filesKeptBy, readFuncignore } from './deploy/funcignore';

/**
 * Builds the deployable production tree in `.package/app` and its zip: the project's files that `.funcignore`
 * keeps (host.json, package.json, the compiled functions and what they load), `.funcignore` itself (azd applies it
 * again to the tree), and the production dependencies installed from the lock file. azd deploys the tree
 * (azure.yaml `dist`, run through the `prepackage` hook with `--no-zip`); zip deploy takes the zip. Nothing
 * local-only ships: no local host, CLI, scripts, tests, TypeScript sources, development tools or
 * local.settings.json. Prints the zip's path (or the tree's, with `--no-zip`) as its last line.
 */
const root = path.resolve(__dirname, '../..');
const outDir = path.join(root, '.package');
const stage = path.join(outDir, 'app');
const zipFile = path.join(outDir, 'device-jobs-app.zip');

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
  'ignore',
  'cli-progress',
  'cli-table3',
  'csv-stringify',
  '@device-jobs/cli',
  '@device-jobs/dashboard',
  '@device-jobs/func-local',
  '@device-jobs/device-endpoint',
];

/** The workspace package the app loads at run time: the contract (`@device-jobs/client/contract`). */
const CONTRACT_PACKAGE = '@device-jobs/client';

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

/**
 * Copies the files `.funcignore` keeps (and `.funcignore`) from `from` to `to`; the project's node_modules, which
 * holds the development tools, is left out (the production dependencies are installed in `to` afterwards).
 */
export function stageAppFiles(from: string, to: string): string[] {
  const files = filesKeptBy(from, readFuncignore(from), ['node_modules', '.git', '.package']);
  if (!files.some((file) => file.startsWith('dist/functions/'))) {
    throw new Error('dist/functions is missing: run npm run build first.');
  }
  for (const file of [...files, FUNCIGNORE]) {
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(from, file), path.join(to, file));
  }
  return files;
}

/**
 * Installs the contract package into `stage`'s node_modules as a plain folder (its package.json and compiled
 * dist/), in place of the link to packages/client that npm makes for a workspace (the zip holds no packages/).
 * Answers the folder.
 */
export function shipContractPackage(from: string, stage: string): string {
  const source = path.join(from, 'packages/client');
  if (!fs.existsSync(path.join(source, 'dist/contract.js'))) {
    throw new Error('packages/client/dist is missing: run npm run build first.');
  }
  const target = path.join(stage, 'node_modules', CONTRACT_PACKAGE);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(path.join(source, 'package.json'), path.join(target, 'package.json'));
  fs.cpSync(path.join(source, 'dist'), path.join(target, 'dist'), { recursive: true });
  return target;
}

function main(): void {
  const zip = !process.argv.includes('--no-zip');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  stageAppFiles(root, stage);
  fs.copyFileSync(path.join(root, 'package-lock.json'), path.join(stage, 'package-lock.json'));
  // --workspaces=false: the root app's production dependencies only, not those of the tool packages under packages/.
  // --omit=optional: valibot's optional peer `typescript` is also a devDependency, which makes it "devOptional",
  // and npm keeps devOptional packages unless both dev and optional are omitted.
  run(
    'npm',
    [
      'ci',
      '--omit=dev',
      '--omit=optional',
      '--workspaces=false',
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ],
    stage,
  );
  fs.rmSync(path.join(stage, 'package-lock.json'));
  shipContractPackage(root, stage);
  withoutWorkspaces(path.join(stage, 'package.json'));
  refuseLocalOnly(stage);
  console.log(
    `Package: ${path.relative(root, stage)} (${fs.readdirSync(path.join(stage, 'node_modules')).length} top-level modules)`,
  );
  if (!zip) {
    console.log(stage);
    return;
  }
  try {
    run('zip', ['-q', '-r', '-X', zipFile, '.', '-x', FUNCIGNORE], stage);
  } catch (error: unknown) {
    throw new Error(`Zipping failed (the zip command is needed): ${String(error)}`);
  }
  console.log(zipFile);
}

if (require.main === module) main();
