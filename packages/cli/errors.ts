import { ApiError } from '@device-jobs/client';

/** Exit codes of `device-jobs`: a watched job's end, or an error (docs/cli.md). */
export const EXIT = {
  ok: 0,
  jobFailed: 1,
  jobCancelled: 2,
  error: 3,
  /** The job completed, but some of its devices failed or were canceled. */
  devicesFailed: 4,
} as const;

/** Wrong or missing input found before anything was sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs a request whose error may point into a query text the user wrote, so the error can show where. */
export async function pointingInto<T>(queryText: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error: unknown) {
    if (error instanceof ApiError) error.queryText = queryText;
    throw error;
  }
}

/** The lines that report an error: the service's code and message, and a caret under a query's bad position. */
export function describeError(error: unknown): string[] {
  if (error instanceof ApiError) {
    const lines = [`${error.code} (HTTP ${error.status}): ${error.message}`];
    const position = Number(/position (\d+)/.exec(error.message)?.[1]);
    const text = error.queryText;
    if (text !== undefined && !text.includes('\n') && position >= 1 && position <= text.length + 1)
      lines.push(`  ${text}`, `  ${' '.repeat(position - 1)}^`);
    return lines;
  }
  if (error instanceof Error) return [error.message];
  return [String(error)];
}
