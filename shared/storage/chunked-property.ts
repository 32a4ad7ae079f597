/** Table Storage holds at most 64 KiB (32 K UTF-16 characters) per string property. */
const CHUNK_CHARS = 30_000;

/** Writes a long string as `name`, `name_1`, `name_2`… properties of an entity. */
export function writeChunked(entity: Record<string, unknown>, name: string, text: string): void {
  entity[name] = text.slice(0, CHUNK_CHARS);
  for (let index = 1; index * CHUNK_CHARS < text.length; index++) {
    entity[`${name}_${index}`] = text.slice(index * CHUNK_CHARS, (index + 1) * CHUNK_CHARS);
  }
}

/** Reads back what `writeChunked` wrote; undefined when the property is absent. */
export function readChunked(entity: Record<string, unknown>, name: string): string | undefined {
  const first = entity[name];
  if (typeof first !== 'string') return undefined;
  let text = first;
  for (let index = 1; ; index++) {
    const next = entity[`${name}_${index}`];
    if (typeof next !== 'string') return text;
    text += next;
  }
}
