import fs from 'node:fs';
import path from 'node:path';

/** A file of the built dashboard, ready to be served. */
export interface DashboardAsset {
  contentType: string;
  body: Buffer;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

function listFiles(root: string, folder = ''): string[] {
  return fs.readdirSync(path.join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = folder === '' ? entry.name : `${folder}/${entry.name}`;
    if (entry.isDirectory()) return listFiles(root, relative);
    return entry.isFile() && path.extname(entry.name) in CONTENT_TYPES ? [relative] : [];
  });
}

/**
 * The built dashboard (`npm run build` writes it to dist/dashboard), read once. Requests can only name files of
 * this map, so no request path ever reaches the file system.
 */
export function loadDashboardAssets(root: string): ReadonlyMap<string, DashboardAsset> {
  if (!fs.existsSync(root)) return new Map();
  return new Map(
    listFiles(root).map((file) => [
      file,
      {
        contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        body: fs.readFileSync(path.join(root, file)),
      },
    ]),
  );
}

/** Response headers of every dashboard file: nothing but this origin may be loaded or contacted. */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};
