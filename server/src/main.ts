/**
 * The relay's entry point: `npm start` runs `tsx server/src/main.ts`.
 *
 * Configuration comes from the environment and flags (config.ts). When ready, it prints one JSON line
 * `{"msg":"listening","port":…}` on stdout (also with port 0, which picks a free port), so a parent
 * process can spawn it and wait for that line. SIGTERM or SIGINT shut it down gracefully and it exits 0;
 * a second signal exits at once. A configuration error exits 2, a start failure 1.
 */
import { ConfigError, loadConfig } from './config.js';
import { errorFields, Logger } from './logging/index.js';
import { startRelay } from './relay.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    new Logger({ level: 'error' }).error('configuration error', { detail: err.message });
    process.exit(2);
  }
  const logger = new Logger({ level: config.logLevel });
  process.on('unhandledRejection', (err) => logger.error('unhandled rejection', errorFields(err)));

  let relay: Awaited<ReturnType<typeof startRelay>>;
  try {
    relay = await startRelay(config, { logger });
  } catch (err) {
    logger.error('start failed', errorFields(err));
    process.exit(1);
  }
  // The readiness line is written whatever the log level: parents wait for it.
  new Logger({ level: 'info' }).info('listening', {
    host: relay.host,
    port: relay.port,
    url: relay.url,
    publicUrl: config.publicUrl,
    database: relay.database.engine,
    pid: process.pid,
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info('shutting down', { signal });
    relay
      .close()
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err) => {
        logger.error('shutdown failed', errorFields(err));
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
