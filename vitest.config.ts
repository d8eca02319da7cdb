import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run on the sources: `@brygga/client-sdk` resolves through its `source` export condition to
// client-sdk/src, not to the compiled dist/ (which the relay's compiled build imports).
const conditions = ['source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    include: ['client-sdk/src/**/*.test.ts', 'server/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    // Starts a throwaway PostgreSQL when DATABASE_URL is unset and PostgreSQL is installed.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
