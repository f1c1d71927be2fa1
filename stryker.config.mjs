// @ts-check
/**
 * Mutation testing of the core (StrykerJS with its Jest runner): the configuration, the health check,
 * the verdict, the rollback and the deploy history it chooses from, and the secrets registry. Run it with
 * `npm run mutation` (scripts/mutation.mjs), which runs Stryker on Node 24 and writes
 * reports/mutation/SUMMARY.md.
 *
 * Jest runs the unit tests that mirror these modules only: they are the tests meant to pin the modules'
 * behaviour, and loading every unit test for every mutant would multiply the run time.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // The tests are native ESM (ts-jest's ESM preset): Jest needs the VM modules API in every test worker.
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning'],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    config: {
      testMatch: [
        '<rootDir>/__tests__/unit/config/**/*.test.ts',
        '<rootDir>/__tests__/unit/health.test.ts',
        '<rootDir>/__tests__/unit/run/judge.test.ts',
        '<rootDir>/__tests__/unit/rollback.test.ts',
        '<rootDir>/__tests__/unit/providers/history.test.ts',
        '<rootDir>/__tests__/unit/providers/find-deploy.test.ts',
        '<rootDir>/__tests__/unit/secrets.test.ts',
      ],
    },
    enableFindRelatedTests: true,
  },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/config/**/*.ts',
    'src/health.ts',
    'src/run/judge.ts',
    'src/rollback.ts',
    'src/providers/history.ts',
    'src/secrets.ts',
  ],
  // Nothing the unit tests above read: keep the sandbox copy small.
  ignorePatterns: ['/dist', '/.tmp', '/bench', '/docs', '/coverage', '/build', '/.ci', '/.github'],
  tempDirName: '.tmp/stryker',
  cleanTempDir: 'always',
  concurrency: 2,
  // Generous: on a loaded machine a test file's loading alone can take seconds, and a mutant cut short by
  // the timeout counts as killed without being tested.
  timeoutMS: 15_000,
  // `npm run mutation -- --incremental` reuses the results of mutants whose code and tests did not change.
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 80, break: 80 },
};
