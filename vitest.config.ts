import { defineConfig } from 'vitest/config';

// One configuration for every workspace. Integration tests talk to the real Postgres and Redis
// (see test/global-setup.ts), so files run in forks and each test file isolates itself with its
// own database and Redis key prefix.
export default defineConfig({
  test: {
    include: ['{domain,api,dispatcher,simulator,load-tests,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
