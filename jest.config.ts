import type { Config } from 'jest';

/** What every project shares: ts-jest over tsconfig.json, './x.js' imports mapped back to '.ts'. */
const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Sources import siblings as './x.js' so that the ESM build runs in Node; map back to .ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
} satisfies Config;

/** The specs that run what a user installs (the built package, the command, the benchmarks). */
const DIST_SPECS = ['<rootDir>/test/package.spec.ts', '<rootDir>/test/package/**/*.spec.ts', '<rootDir>/test/cli/cli.spec.ts', '<rootDir>/test/cli/demo.spec.ts', '<rootDir>/test/bench/**/*.spec.ts', '<rootDir>/test/browser/**/*.spec.ts'];

const config: Config = {
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/summary-reporter.cjs'],
  projects: [
    {
      ...common,
      displayName: 'src',
      // examples/angular's view models import 'pando-rx/browser' as an app does; their specs run them against src.
      moduleNameMapper: { ...common.moduleNameMapper, '^pando-rx/browser$': '<rootDir>/src/browser.ts' },
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package\\.spec\\.ts$', '<rootDir>/test/package/', '<rootDir>/test/cli/(cli|demo)\\.spec\\.ts$', '<rootDir>/test/bench/', '<rootDir>/test/browser/'],
    },
    {
      ...common,
      displayName: 'dist',
      testMatch: DIST_SPECS,
      // Builds dist/ when it is stale. Jest runs a project's globalSetup only when at least one
      // of its specs is selected, so a unit spec after an edit never waits for a build.
      globalSetup: '<rootDir>/test/global-setup.ts',
    },
  ],
};

export default config;
