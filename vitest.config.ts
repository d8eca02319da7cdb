import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['client-sdk/src/**/*.test.ts', 'server/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    // Starts a throwaway PostgreSQL when DATABASE_URL is unset and PostgreSQL is installed.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
