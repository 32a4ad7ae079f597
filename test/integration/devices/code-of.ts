/** The `code` of the error an action fails with, or 'no error'. */
export async function codeOf(action: Promise<unknown>): Promise<string> {
  try {
    await action;
  } catch (error: unknown) {
    return String((error as { code?: unknown }).code);
  }
  return 'no error';
}
