/** Jest runs TypeScript as native ESM through ts-jest (see README, "Testing"). */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 30000,
  // No test reaches the internet: a connection off 127.0.0.1 fails the test that made it.
  setupFilesAfterEnv: ['<rootDir>/test-kit/runner/jest-network-guard.mjs'],
};
