/** @type {import('jest').Config} */
const project = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
});

module.exports = {
  projects: [project('unit'), project('integration'), project('e2e')],
};
