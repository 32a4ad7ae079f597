/**
 * Preloaded into the benchmarked host (`node --require`), never into the app: counts the storage requests the
 * process sends, by kind, and writes the totals as JSON to STORAGE_REQUEST_COUNTS_FILE every second, so the
 * benchmark can tell how many table transactions a job cost per device.
 */
import fs from 'node:fs';
import http from 'node:http';

const file = process.env.STORAGE_REQUEST_COUNTS_FILE;

export type RequestKind =
  'tableBatch' | 'tablePointRead' | 'tableQuery' | 'tableWrite' | 'queue' | 'blob' | 'other';

const counts: Record<RequestKind, number> = {
  tableBatch: 0,
  tablePointRead: 0,
  tableQuery: 0,
  tableWrite: 0,
  queue: 0,
  blob: 0,
  other: 0,
};

function kindOf(method: string, path: string): RequestKind {
  if (path.includes('/$batch')) return 'tableBatch';
  if (/\/messages\b/.test(path)) return 'queue';
  if (/\(PartitionKey='.*',RowKey='.*'\)/.test(decodeURIComponent(path))) {
    return method === 'GET' ? 'tablePointRead' : 'tableWrite';
  }
  if (method === 'GET' && /\/[A-Za-z][A-Za-z0-9]*\(\)/.test(path)) return 'tableQuery';
  if (method === 'POST' && /\/[A-Za-z][A-Za-z0-9]*$/.test(path.split('?')[0] ?? '')) return 'tableWrite';
  return 'other';
}

if (file) {
  const original = http.request.bind(http);
  const counted = (...args: unknown[]): http.ClientRequest => {
    const request = (original as (...a: unknown[]) => http.ClientRequest)(...args);
    counts[kindOf(request.method, request.path)] += 1;
    return request;
  };
  (http as { request: unknown }).request = counted;
  setInterval(() => fs.writeFileSync(file, JSON.stringify(counts)), 1_000).unref();
}

/** Reads the totals the preloaded counter wrote last. */
export function readStorageRequestCounts(countsFile: string): Record<RequestKind, number> {
  try {
    return JSON.parse(fs.readFileSync(countsFile, 'utf8')) as Record<RequestKind, number>;
  } catch {
    return { ...counts };
  }
}
