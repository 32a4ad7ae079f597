/** @type {import('jest').Config} */
const tsJest = ['ts-jest', {}];
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': tsJest },
  ...extra,
});

module.exports = {
  projects: [project('unit'), project('integration'), project('e2e')],
};
