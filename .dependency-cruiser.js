/** Dependency rules of the design handbook, checked by `npm run lint`. */
module.exports = {
  forbidden: [
    {
      name: 'pure-domain',
      comment:
        'shared/jobs, shared/query and shared/iothub-rules import no SDK, no Node I/O and nothing from adapters',
      severity: 'error',
      from: { path: '^shared/(jobs|query|iothub-rules)/' },
      to: { pathNot: '^shared/(jobs|query|iothub-rules)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'rules-stand-alone',
      comment:
        'shared/iothub-rules is the one place of IoT Hub rules: it depends on nothing else in the project',
      severity: 'error',
      from: { path: '^shared/iothub-rules/' },
      to: { path: '^(functions|shared|packages/func-local|scripts)/', pathNot: '^shared/iothub-rules/' },
    },
    {
      name: 'devices-independent-of-storage',
      comment:
        'shared/devices declares its ports (shared/devices/ports.ts); shared/storage implements them, never the reverse',
      severity: 'error',
      from: { path: '^shared/devices/' },
      to: { path: '^shared/storage/' },
    },
    {
      name: 'local-host-is-generic',
      comment: 'packages/func-local runs any v4 app: it imports nothing from functions/ or shared/',
      severity: 'error',
      from: { path: '^packages/func-local/' },
      to: { path: '^(functions|shared)/' },
    },
    {
      name: 'only-functions-compose',
      comment: 'shared/composition.ts builds the adapters; only trigger files in functions/ import it',
      severity: 'error',
      from: { pathNot: '^(functions/|shared/composition\\.ts$|test/)' },
      to: { path: '^shared/composition\\.ts$' },
    },
    {
      name: 'shared-does-not-import-triggers',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^functions/' },
    },
    {
      name: 'cli-is-an-api-client',
      comment:
        'packages/cli talks to the service over its public HTTP API only: from the server side it may import wire types ' +
        '(type-only, erased at compile time), nothing that runs',
      severity: 'error',
      from: { path: '^packages/cli/' },
      to: {
        path: '^(functions|shared|packages/func-local|scripts|test)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'cli-imports-wire-types-only',
      comment:
        'the server-side modules packages/cli may take types from: the answers of the jobs and schedules API and their model',
      severity: 'error',
      from: { path: '^packages/cli/' },
      to: {
        path: '^(functions|shared|packages/func-local|scripts|test)/',
        pathNot:
          '^shared/(jobs/(job-response|job-model|job-schedule-model|rollout-config)|registry-jobs/registry-job-model)\\.ts$',
      },
    },
    {
      name: 'server-does-not-import-cli',
      severity: 'error',
      from: { path: '^(functions|shared|packages/func-local|scripts)/' },
      to: { path: '^packages/cli/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test/fixtures|packages/[^/]+/(dist|node_modules))' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
