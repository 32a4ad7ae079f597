/** The message JSON.parse gives for `text`, which a tool quotes (its wording varies between Node versions). */
export function jsonParseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error: unknown) {
    return (error as Error).message;
  }
  throw new Error(`${text} parses`);
}
