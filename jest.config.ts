import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Sources import siblings as './x.js' so that the ESM build runs in Node; map back to .ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/summary-reporter.cjs'],
  // Builds dist/ when it is stale: the package, CLI and benchmark tests run the built code.
  globalSetup: '<rootDir>/test/global-setup.ts',
};

export default config;
