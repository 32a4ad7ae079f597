import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { openApiDocument } from '../../../shared/http/openapi-document';

const root = path.resolve(__dirname, '../../..');

/**
 * The HTTP routes the compiled app registers, as the host sees them: func-local's loader requires the app's entry
 * files (package.json "main") with the Functions core stand-in, in a child process (the loader hooks Node's module
 * resolution, which jest replaces), with the sample's settings.
 */
function registeredRoutes(): { route: string; methods: string[] }[] {
  const script = `
    const fs = require('node:fs');
    const { readAppFolder, applySettings } = require('./dist/packages/func-local/app/app-folder.js');
    const { loadApp } = require('./dist/packages/func-local/app/load-app.js');
    const { Values } = JSON.parse(fs.readFileSync('local.settings.sample.json', 'utf8'));
    applySettings({ ...Values, FUNC_LOCAL_LISTEN_ADDRESS: '127.0.0.1' });
    const captured = loadApp(readAppFolder('.'), () => undefined);
    const routes = captured.functions.flatMap(({ metadata }) =>
      Object.values(metadata.bindings)
        .filter((binding) => binding.type === 'httpTrigger')
        .map((binding) => ({ route: binding.route ?? metadata.name, methods: binding.methods ?? ['GET', 'POST'] })),
    );
    process.stdout.write(JSON.stringify(routes), () => process.exit(0));
  `;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`Loading the app failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { route: string; methods: string[] }[];
}

describe('the OpenAPI document covers the app', () => {
  it('has an operation for every route and method the app registers, and none it does not', () => {
    const registered = registeredRoutes()
      .flatMap(({ route, methods }) =>
        methods.map((method) => `${method.toLowerCase()} /${route.replace('{*', '{')}`),
      )
      .sort();
    const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths)
      .flatMap(([route, item]) => Object.keys(item).map((method) => `${method} ${route}`))
      .sort();
    expect(registered.length).toBeGreaterThan(20);
    expect(documented).toEqual(registered);
  });
});
