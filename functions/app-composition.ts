import fs from 'node:fs';
import path from 'node:path';
import { type Composition, createComposition } from '../shared/composition';
import { type AppConfig, loadConfig } from '../shared/config';
import { jobOrchestrations } from './durable/job-orchestration-client';
import { registryJobRunner } from './durable/registry-job-client';

function once<T>(create: () => T): () => T {
  let value: { created: T } | undefined;
  return () => (value ??= { created: create() }).created;
}

/** The app's host.json (the Functions host runs the app from its root; compiled code lives in dist/functions). */
function readHostJson(): { functionTimeout?: unknown } | undefined {
  for (const file of [path.resolve(__dirname, '../../host.json'), path.resolve('host.json')]) {
    if (fs.existsSync(file))
      return JSON.parse(fs.readFileSync(file, 'utf8')) as { functionTimeout?: unknown };
  }
  return undefined;
}

/**
 * The settings, parsed once per process. The timers' registrations read it when the app loads (their schedules are
 * settings), so a missing or invalid setting still stops the app at once, naming it.
 */
export const appConfig: () => AppConfig = once(() => loadConfig(process.env, readHostJson));

/**
 * The app's composition, built once per process on first use: functions register when their module loads (as
 * Azure requires) and resolve this when they first run.
 */
export const appComposition: () => Composition = once(() =>
  createComposition(appConfig(), { durable: { jobOrchestrations, registryJobRunner } }),
);
