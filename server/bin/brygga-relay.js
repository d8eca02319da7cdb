#!/usr/bin/env node
/**
 * `brygga-relay`: the relay's command (what `npm start` runs). It builds what is stale
 * (build-if-stale.js), then runs the compiled relay, server/dist/main.js, in this same process, so a
 * signal sent to this process reaches the relay. Its flags: `brygga-relay --help`.
 */
import { buildIfStale } from './build-if-stale.js';

try {
  buildIfStale((line) => process.stderr.write(`brygga-relay: ${line}\n`));
} catch (err) {
  process.stderr.write(`brygga-relay: ${err.message}\n`);
  process.exit(1);
}
await import('../dist/main.js');
