/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Finds the system programs some tests need (redis-server) and says once which are missing.
  globalSetup: '<rootDir>/test/support/system-tools.ts',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { diagnostics: false }],
  },
  // Synthesizing stacks with cdk-nag takes a few seconds on a 2-core machine.
  testTimeout: 60_000,
};
