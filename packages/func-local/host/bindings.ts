import type { RegisteredFunction } from '../app/capture';
import type { BindingInfo } from '../app/core-api';

/** The function's trigger binding if it is of the given type (compared case-insensitively), with its name. */
export function findTrigger(fn: RegisteredFunction, type: string): [string, BindingInfo] | undefined {
  const lower = type.toLowerCase();
  return Object.entries(fn.metadata.bindings).find(([, binding]) => binding.type.toLowerCase() === lower);
}
