import { installCoreStandIn, type CapturedApp } from './capture';
import type { AppFolder } from './app-folder';
import type { LogLevel } from './core-api';

/**
 * Loads the app's entry files with the core stand-in in place and returns what they registered.
 * The app resolves `@azure/functions` from its own node_modules, as it does in Azure.
 */
export function loadApp(
  folder: AppFolder,
  systemLog: (level: LogLevel, message: string) => void,
): CapturedApp {
  const captured = installCoreStandIn((level, _category, message) => systemLog(level, message));
  // The app is CommonJS loaded at run time from a path only known now, as the worker loads it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of folder.entryFiles) require(file);
  if (captured.functions.length > 0 && !captured.programmingModel) {
    throw new Error(
      'The app registered functions but no programming model: is @azure/functions v4 installed?',
    );
  }
  return captured;
}
