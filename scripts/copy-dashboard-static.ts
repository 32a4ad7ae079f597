import fs from 'node:fs';
import path from 'node:path';

/** `npm run build`: the dashboard's static files go next to its compiled scripts in dist/dashboard. */
const root = path.resolve(__dirname, '../..');
fs.cpSync(path.join(root, 'packages/dashboard/static'), path.join(root, 'dist/dashboard'), {
  recursive: true,
});
