import { defineConfig } from 'vitest/config';

// `@brygga/client-sdk` resolves to its TypeScript sources in the repository: the "source" export
// condition of client-sdk/package.json (plain node, without the condition, resolves the compiled dist/).
// The rest are Vite's defaults for code run on the server, which a list of conditions replaces.
const conditions = ['source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['client-sdk/src/**/*.test.ts', 'server/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    // Starts a throwaway PostgreSQL when DATABASE_URL is unset and PostgreSQL is installed.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
