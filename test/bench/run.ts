/**
 * `npm run bench`: every benchmark in turn. Benchmarks print figures; they never fail on a time.
 * Pass names to run some only: `npm run bench -- envelope`.
 */
import { runEnvelopeBench } from './envelope-bench.js';
import { runLogBench } from './log-bench.js';
import { runLogSyncBench } from './log-sync-bench.js';
import { runRelayBench } from './relay-bench.js';
import { runStartupBench } from './startup-bench.js';
import { runWriteAccounting } from './write-accounting.js';

const benches: Record<string, () => Promise<void>> = {
  envelope: runEnvelopeBench,
  relay: runRelayBench,
  log: runLogBench,
  'log-sync': runLogSyncBench,
  accounting: runWriteAccounting,
  startup: runStartupBench,
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
}
