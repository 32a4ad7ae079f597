import fs from 'node:fs';
import path from 'node:path';
import { globSync } from 'tinyglobby';

/** host.json as far as the local host reads it. */
export interface HostJson {
  version?: string;
  extensions?: {
    http?: { routePrefix?: string };
    queues?: {
      messageEncoding?: 'base64' | 'none';
      batchSize?: number;
      newBatchThreshold?: number;
      maxDequeueCount?: number;
      visibilityTimeout?: string;
      maxPollingInterval?: string | number;
    };
    durableTask?: Record<string, unknown>;
  };
  [key: string]: unknown;
}

/** An app folder resolved: its entry files, host.json and settings. */
export interface AppFolder {
  root: string;
  entryFiles: string[];
  hostJson: HostJson;
  /** `Values` of local.settings.json, before real environment variables are applied over them. */
  localSettings: Record<string, string>;
}

export class AppFolderError extends Error {
  override name = 'AppFolderError';
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (error: unknown) {
    throw new AppFolderError(
      `Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Reads an app folder the way the Functions host does: `main` of package.json (globs allowed) and host.json. */
export function readAppFolder(root: string): AppFolder {
  const absoluteRoot = path.resolve(root);
  const packageFile = path.join(absoluteRoot, 'package.json');
  if (!fs.existsSync(packageFile)) throw new AppFolderError(`No package.json in ${absoluteRoot}.`);
  const { main } = readJson(packageFile) as { main?: unknown };
  if (typeof main !== 'string' || main.length === 0) {
    throw new AppFolderError(`package.json in ${absoluteRoot} has no "main" naming the app's entry files.`);
  }
  const entryFiles = globSync(main, { cwd: absoluteRoot, absolute: true, onlyFiles: true })
    .filter((file) => /\.(c|m)?js$/.test(file))
    .sort();
  if (entryFiles.length === 0) {
    throw new AppFolderError(
      `"main" (${main}) matches no JavaScript file in ${absoluteRoot}: build the app first.`,
    );
  }
  const hostFile = path.join(absoluteRoot, 'host.json');
  if (!fs.existsSync(hostFile)) throw new AppFolderError(`No host.json in ${absoluteRoot}.`);
  const hostJson = readJson(hostFile) as HostJson;

  const settingsFile = path.join(absoluteRoot, 'local.settings.json');
  const localSettings: Record<string, string> = {};
  if (fs.existsSync(settingsFile)) {
    const { Values } = readJson(settingsFile) as { Values?: Record<string, unknown> };
    for (const [key, value] of Object.entries(Values ?? {})) localSettings[key] = String(value);
  }
  return { root: absoluteRoot, entryFiles, hostJson, localSettings };
}

/** Applies local settings as environment variables; variables already set in the real environment win. */
export function applySettings(settings: Record<string, string>, env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of Object.entries(settings)) {
    if (env[key] === undefined) env[key] = value;
  }
}

/** Expands `%SETTING%` references the way host.json values allow. */
export function expandSettings(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/%([^%]+)%/g, (whole, name: string) => env[name] ?? whole);
}
