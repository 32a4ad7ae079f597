import { QuerySyntaxError } from '../../../../shared/query';

/** Runs `action` and returns the QuerySyntaxError it throws; fails the test when it throws nothing or another error. */
export function captureSyntaxError(action: () => unknown): QuerySyntaxError {
  try {
    action();
  } catch (error: unknown) {
    if (error instanceof QuerySyntaxError) return error;
    throw error;
  }
  throw new Error('expected a QuerySyntaxError');
}
