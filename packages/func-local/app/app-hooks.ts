import type { CapturedApp } from './capture';

/**
 * Runs the hooks an app registered through `app.hook.*`, as the worker does: each hook of a name in
 * registration order, awaited, all sharing one context object that they may change (the `@azure/functions`
 * wrappers read and write its fields: `inputs`, `functionCallback`, `result`, `error`).
 */
export class AppHooks {
  /** Shared by every hook of the app for its lifetime. */
  private readonly appHookData: Record<string, unknown> = {};

  constructor(private readonly hooks: CapturedApp['hooks']) {}

  has(name: string): boolean {
    return (this.hooks.get(name)?.length ?? 0) > 0;
  }

  async run<T extends object>(name: string, context: T): Promise<T & { hookData: Record<string, unknown> }> {
    const shared = Object.assign(context, {
      hookData: (context as { hookData?: Record<string, unknown> }).hookData ?? {},
      appHookData: this.appHookData,
    });
    for (const callback of [...(this.hooks.get(name) ?? [])]) await callback(shared);
    return shared;
  }
}
