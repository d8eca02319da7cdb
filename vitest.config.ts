import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['client-sdk/src/**/*.test.ts', 'server/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
