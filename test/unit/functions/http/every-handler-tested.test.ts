import fs from 'node:fs';
import path from 'node:path';

const httpDir = path.resolve(__dirname, '../../../../functions/http');
const testDir = __dirname;

/** The `app.http('<name>'` registrations of a file. */
const registeredNames = (text: string) => [...text.matchAll(/app\.http\(\s*'([^']+)'/g)].map((m) => m[1]);
/** The `create…Handler` factories a file exports. */
const factories = (text: string) =>
  [...text.matchAll(/export function (create\w+Handler)\(/g)].map((m) => m[1]);

describe('every HTTP handler has a unit test', () => {
  const registrations = fs.readdirSync(httpDir).filter((file) => file.endsWith('.http.ts'));

  it('registers every HTTP function through a handler factory of its own *.handler.ts', () => {
    expect(registrations.length).toBeGreaterThan(10);
    for (const file of registrations) {
      const text = fs.readFileSync(path.join(httpDir, file), 'utf8');
      expect({ file, names: registeredNames(text).length > 0 }).toEqual({ file, names: true });
      expect({ file, factory: /handler: create\w+Handler\(/.test(text) }).toEqual({ file, factory: true });
    }
  });

  it.each(registrations.map((file) => [file.replace(/\.http\.ts$/, '')]))(
    '%s: its handler file has a unit test that calls every factory it exports',
    (name) => {
      const handlerFile = path.join(httpDir, `${name}.handler.ts`);
      const testFile = path.join(testDir, `${name}.handler.test.ts`);
      expect({ handlerFile, exists: fs.existsSync(handlerFile) }).toEqual({ handlerFile, exists: true });
      expect({ testFile, exists: fs.existsSync(testFile) }).toEqual({ testFile, exists: true });
      const test = fs.readFileSync(testFile, 'utf8');
      for (const factory of factories(fs.readFileSync(handlerFile, 'utf8'))) {
        expect({ factory, called: test.includes(`${factory}(`) }).toEqual({ factory, called: true });
      }
    },
  );
});
