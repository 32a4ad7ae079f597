/**
 * Writes the OpenAPI document generated from the schemas to docs/openapi.json (`npm run openapi`); a unit test
 * fails when the committed file and the generated document differ.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../shared/http/openapi-document';

const ROOT = path.resolve(__dirname, __dirname.split(path.sep).includes('dist') ? '../..' : '..');
const file = path.join(ROOT, 'docs/openapi.json');
fs.writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`Written ${path.relative(process.cwd(), file)}`);
