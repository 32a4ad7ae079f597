/** Dependency rules of the design handbook, checked by `npm run lint`. */
/**
 * The contract's modules (`@device-jobs/client/contract` and its schemas, `@device-jobs/client/schemas`): the part of
 * packages/client the app loads.
 */
const CONTRACT =
  '^packages/client/(src|dist)/(contract|error-codes|id-rules|wire-types|schemas/[a-z.-]+)(\\.d)?\\.(ts|js)$';

module.exports = {
  forbidden: [
    {
      name: 'pure-domain',
      comment:
        'shared/jobs, shared/query, shared/iothub-rules and shared/schemas import no SDK, no Node I/O and nothing ' +
        'from adapters (the schema library valibot is pure)',
      severity: 'error',
      from: { path: '^shared/(jobs|query|iothub-rules|schemas)/' },
      to: {
        // valibot: the schema library (pure: no I/O, no clock), see docs/architecture.md; the contract is pure data.
        pathNot: ['^shared/(jobs|query|iothub-rules|schemas)/', '^node_modules/valibot/', CONTRACT],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'orchestrators-import-the-core-only',
      comment:
        'an orchestrator replays, so what it runs must be deterministic: from the project it loads only the pure ' +
        'jobs core (shared/jobs/core/) and the function names; anything else (the engine, services, composition) ' +
        'it may name as a type only',
      severity: 'error',
      from: { path: '\\.orchestrator\\.ts$' },
      to: {
        path: '^(functions|shared|packages|scripts)/',
        pathNot: '^shared/jobs/core/|^functions/durable/[a-z-]+-function-names\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'jobs-core-is-pure',
      comment:
        'shared/jobs/core/ holds values and rules only: it never reaches the engine (which waits and writes) or ' +
        'the services (which orchestrate I/O through ports)',
      severity: 'error',
      from: { path: '^shared/jobs/core/' },
      to: { path: '^shared/jobs/(engine|service)/' },
    },
    {
      name: 'jobs-engine-below-services',
      comment: 'the engine runs jobs; the API use cases (shared/jobs/service/) call it, never the reverse',
      severity: 'error',
      from: { path: '^shared/jobs/engine/' },
      to: { path: '^shared/jobs/service/' },
    },
    {
      name: 'rules-stand-alone',
      comment:
        'shared/iothub-rules is the one place of IoT Hub rules: it depends on nothing else in the project',
      severity: 'error',
      from: { path: '^shared/iothub-rules/' },
      to: {
        path: '^(functions|shared|packages/(?!client/)|scripts)/|^packages/client/',
        pathNot: ['^shared/iothub-rules/', CONTRACT],
      },
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
      name: 'tools-are-api-clients',
      comment:
        'packages/cli and packages/dashboard talk to the service over its public HTTP API: from the project they ' +
        'import the contract and client (packages/client) only',
      severity: 'error',
      from: { path: '^packages/(cli|dashboard)/' },
      to: { path: '^(functions|shared|scripts|test|packages/func-local)/' },
    },
    {
      name: 'contract-stands-alone',
      comment: 'packages/client (the contract and the API client) imports nothing else of the project',
      severity: 'error',
      from: { path: '^packages/client/' },
      to: { path: '^(functions|shared|scripts|test|packages/(cli|dashboard|func-local))/' },
    },
    {
      name: 'server-takes-the-contract-only',
      comment:
        'the app imports the contract (@device-jobs/client/contract: wire types, error codes, id rules), a run-time ' +
        'dependency it ships; never the API client or the SAS signers',
      severity: 'error',
      from: { path: '^(functions|shared)/' },
      to: { path: '^packages/client/', pathNot: CONTRACT },
    },
    {
      name: 'server-does-not-import-tools',
      severity: 'error',
      from: { path: '^(functions|shared|packages/func-local|scripts)/' },
      to: { path: '^packages/(cli|dashboard)/' },
    },
    {
      name: 'server-does-not-import-the-local-host',
      severity: 'error',
      from: { path: '^(functions|shared)/' },
      to: { path: '^packages/func-local/' },
    },
    {
      name: 'not-to-dev-dep',
      comment:
        'production code (the app and every tool package) never imports a devDependency of its package.json: ' +
        'installed with production dependencies only, it would not start',
      severity: 'error',
      from: { path: '^(functions|shared|packages/[^/]+)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unlisted-package',
      comment:
        'every package a module imports is in the package.json of its own package (a module hoisted from another ' +
        'workspace is not)',
      severity: 'error',
      from: { path: '^(functions|shared|packages/[^/]+)/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-orphans',
      comment:
        'every module is imported by another, except the entry points: trigger files (loaded by the host through ' +
        "the app's main glob), bins and scripts, tests and type declarations",
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '\\.d\\.ts$',
          '^functions/',
          '^scripts/',
          '^test/',
          '^packages/cli/device-jobs\\.ts$',
          '^packages/func-local/cli\\.ts$',
          '^packages/dashboard/src/app\\.ts$',
          '^packages/client/src/(index|node)\\.ts$',
        ],
      },
      to: {},
    },
    {
      name: 'device-endpoint-composes-shared-ports',
      comment:
        'packages/device-endpoint is composed from the same shared/devices ports and rules as the app, never from ' +
        'its triggers or composition root',
      severity: 'error',
      from: { path: '^packages/device-endpoint/' },
      to: {
        path: '^(functions|packages/(func-local|cli|dashboard)|scripts|test)/|^shared/composition\\.ts$',
      },
    },
    {
      name: 'nothing-imports-the-device-endpoint',
      comment:
        'the endpoint is an offline component beside the app: the app and the local host never load it',
      severity: 'error',
      from: { path: '^(functions|shared|packages/(func-local|cli|dashboard))/' },
      to: { path: '^packages/device-endpoint/' },
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
    exclude: { path: '^(dist|test/fixtures|packages/[^/]+/dist)' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Packages' `exports` (e.g. csv-stringify/sync), resolved as Node resolves a require.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default'] },
    tsPreCompilationDeps: true,
  },
};
