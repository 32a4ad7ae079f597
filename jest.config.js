/** @type {import('jest').Config} */
const project = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  // The dashboard's browser modules import each other as './x.js' (what the browser loads).
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The contract and client from source, so that tests need no build of packages/client.
    '^@device-jobs/client$': '<rootDir>/packages/client/src/index.ts',
    '^@device-jobs/client/node$': '<rootDir>/packages/client/src/node.ts',
    '^@device-jobs/client/contract$': '<rootDir>/packages/client/src/contract.ts',
    '^@device-jobs/client/schemas$': '<rootDir>/packages/client/src/schemas/index.ts',
    // The worker's virtual module: the app's functions register with a stand-in (the end-to-end tests use hosts).
    ...(name === 'e2e'
      ? {}
      : { '^@azure/functions-core$': '<rootDir>/test/support/functions-core-stand-in.ts' }),
  },
});

module.exports = {
  // Jest's default on 2 cores is one worker; the end-to-end files mostly wait (hosts, Azurite, device latency), so
  // two keep both cores busy: 610 s of jest with one worker on a fresh clone (2026-12-06).
  maxWorkers: 2,
  projects: [project('unit'), project('integration'), project('e2e')],
};
