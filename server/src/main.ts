/**
 * The relay's entry point, compiled to server/dist/main.js: `npm start` and `brygga-relay`
 * (server/bin/brygga-relay.js) run it with plain node after building what is stale.
 *
 * Configuration comes from the environment and flags (config.ts). When ready, it prints one JSON line
 * `{"msg":"listening","port":…}` on stdout (also with port 0, which picks a free port), so a parent
 * process can spawn it and wait for that line. SIGTERM or SIGINT shut it down gracefully and it exits 0;
 * a second signal exits at once. A configuration error (a bad setting, an agreement file the directory
 * refuses) exits 2 with one `configuration error` line saying what to fix, a start failure 1.
 * `--help` prints every setting (config.ts, SETTINGS) and exits 0.
 */
import { ConfigError, helpText, loadConfig } from './config.js';
import { errorFields, Logger } from './logging/logger.js';
import { startStorageEarly } from './storage/start-early.js';

/** The operator commands (operator-commands.ts), named here so that `--help` loads nothing else. */
const OPERATOR_COMMANDS = ['log-origin', 'backup'];

function configurationError(err: ConfigError): never {
  new Logger({ level: 'error' }).error('configuration error', { detail: err.message });
  process.exit(2);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  if (OPERATOR_COMMANDS.includes(argv[0] ?? '')) {
    try {
      const { runOperatorCommand } = await import('./operator-commands.js');
      process.exitCode = await runOperatorCommand(argv, process.env);
    } catch (err) {
      if (err instanceof ConfigError) configurationError(err);
      new Logger({ level: 'error' }).error('command failed', errorFields(err));
      process.exitCode = 1;
    }
    return;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(argv, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    configurationError(err);
  }
  const logger = new Logger({ level: config.logLevel });
  process.on('unhandledRejection', (err) => logger.error('unhandled rejection', errorFields(err)));

  // On a SQLite file, the writer thread loads its modules while this thread loads the relay's
  // (storage/start-early.ts): the relay serves only once that thread has committed its first log round.
  startStorageEarly(config.database);
  // Loaded only to run: `--help` and a bad setting answer without the relay's dependencies.
  const { startRelay } = await import('./relay.js');
  let relay: Awaited<ReturnType<typeof startRelay>>;
  try {
    relay = await startRelay(config, { logger });
  } catch (err) {
    if (err instanceof ConfigError) configurationError(err);
    logger.error('start failed', errorFields(err));
    process.exit(1);
  }
  // The readiness line is written whatever the log level: parents wait for it.
  new Logger({ level: 'info' }).info('listening', {
    host: relay.host,
    port: relay.port,
    url: relay.url,
    publicUrl: relay.publicUrl,
    logOrigin: relay.logOrigin,
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
