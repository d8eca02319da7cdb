/**
 * The SQLite writer thread's start when the relay runs from its TypeScript sources (tests, tsx): tsx's
 * CommonJS hooks, then the thread's module itself. The compiled relay starts the thread from
 * sqlite-write-worker.js directly (sqlite-writer.ts).
 */
require('tsx/cjs/api').register();
require('./sqlite-write-worker.ts');
