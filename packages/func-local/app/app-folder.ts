import fs from 'node:fs';
import path from 'node:path';
import { globSync } from 'tinyglobby';
import * as v from 'valibot';
import { readSetting } from '../host/setting-schemas';

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
  /**
   * Route shadowings the app intends, as `[winner, shadowed]` function names, from package.json
   * `funcLocal.expectedRouteShadowings`: reported at start as information instead of a warning.
   */
  expectedShadowings: [string, string][];
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

const SHADOWINGS_RULE =
  'package.json "funcLocal.expectedRouteShadowings" must be a list of [winner, shadowed] function names.';
const ShadowingSchema = v.strictTuple(
  [v.string(SHADOWINGS_RULE), v.string(SHADOWINGS_RULE)],
  SHADOWINGS_RULE,
);

/** package.json as the host reads it: `main` names the entry files; `funcLocal` holds the local host's options. */
const packageJsonSchema = (root: string) => {
  const noMain = `package.json in ${root} has no "main" naming the app's entry files.`;
  return v.looseObject(
    {
      main: v.pipe(v.string(noMain), v.nonEmpty(noMain)),
      funcLocal: v.optional(
        v.looseObject(
          { expectedRouteShadowings: v.optional(v.array(ShadowingSchema, SHADOWINGS_RULE), []) },
          'package.json "funcLocal" must be an object.',
        ),
        {},
      ),
    },
    `package.json in ${root} must hold a JSON object.`,
  );
};

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** host.json: an object; the sections each extension reads are checked by that extension's setting schemas. */
const hostJsonSchema = (file: string) => v.custom<HostJson>(isJsonObject, `${file} must hold a JSON object.`);

/** local.settings.json: `Values`, each read as text (the host reads them as environment variables). */
const localSettingsSchema = (file: string) =>
  v.looseObject(
    {
      Values: v.optional(
        v.pipe(
          v.custom<Record<string, unknown>>(
            isJsonObject,
            `"Values" in ${file} must be an object of settings.`,
          ),
          v.transform((values) =>
            Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)])),
          ),
        ),
        {},
      ),
    },
    `${file} must hold a JSON object.`,
  );

function readJsonFile<TSchema extends v.GenericSchema>(
  file: string,
  schema: TSchema,
): v.InferOutput<TSchema> {
  return readSetting(schema, readJson(file), (message) => new AppFolderError(message));
}

/** Reads an app folder the way the Functions host does: `main` of package.json (globs allowed) and host.json. */
export function readAppFolder(root: string): AppFolder {
  const absoluteRoot = path.resolve(root);
  const packageFile = path.join(absoluteRoot, 'package.json');
  if (!fs.existsSync(packageFile)) throw new AppFolderError(`No package.json in ${absoluteRoot}.`);
  const { main, funcLocal } = readJsonFile(packageFile, packageJsonSchema(absoluteRoot));
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
  const hostJson = readJsonFile(hostFile, hostJsonSchema(hostFile));

  const settingsFile = path.join(absoluteRoot, 'local.settings.json');
  const localSettings = fs.existsSync(settingsFile)
    ? readJsonFile(settingsFile, localSettingsSchema(settingsFile)).Values
    : {};
  return {
    root: absoluteRoot,
    entryFiles,
    hostJson,
    localSettings,
    expectedShadowings: funcLocal.expectedRouteShadowings,
  };
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
