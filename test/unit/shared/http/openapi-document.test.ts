import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../../../../shared/http/openapi-document';

const root = path.resolve(__dirname, '../../../..');
const committed = path.join(root, 'docs/openapi.json');

describe('docs/openapi.json', () => {
  it('is the document generated from the schemas (run `npm run openapi` after changing a schema)', () => {
    expect(JSON.parse(fs.readFileSync(committed, 'utf8'))).toEqual(openApiDocument());
  });

  it('validates as OpenAPI 3.1', () => {
    // The validator is an ES module: run it in Node itself (jest's CommonJS registry cannot load it).
    const script = `
      import { Validator } from '@seriousme/openapi-schema-validator';
      const result = await new Validator().validate(${JSON.stringify(committed)});
      process.stdout.write(JSON.stringify({ version: new Validator().version, ...result }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { valid: boolean; errors?: unknown };
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });
});
