export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export const isDefined = <T>(value: T | undefined): value is T => value !== undefined;

/**
 * Reads until `done` accepts the value, then returns it. On timeout the error names what was awaited and the
 * last value read, so a failing test says what it was waiting for. Errors thrown by `read` end the wait.
 */
export async function waitFor<T, U extends T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => value is U,
  options?: WaitOptions,
): Promise<U>;
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options?: WaitOptions,
): Promise<T>;
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 15_000, intervalMs = 100 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(value)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
