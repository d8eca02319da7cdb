/**
 * Relay configuration: environment variables, each with an equivalent command-line
 * flag (flags win). Secrets are never taken as flags (they would show in `ps`): the admin token comes
 * from `BRYGGA_ADMIN_TOKEN` or from a file (`--admin-token-file` / `BRYGGA_ADMIN_TOKEN_FILE`), a
 * PostgreSQL password from `BRYGGA_DATABASE`, `PGPASSWORD` or a `~/.pgpass` file; a secret given as a
 * flag is refused with a message saying so.
 *
 * Every setting is a row of {@link SETTINGS}, which `brygga-relay --help` prints: what the relay
 * reads and what its help says cannot drift apart.
 *
 * The `BRYGGA_LOG_*` settings but the level are the transparency log's (PROTOCOL.md §18): its origin
 * (the name in its checkpoints and of its key), where its signing key is
 * (storage/transparency/transparency-log-key.ts), and its merge delay, the longest an accepted object
 * waits to be logged.
 *
 * The two timeouts are Node's `server.headersTimeout` (the request line and headers must arrive within
 * it) and `server.requestTimeout` (the whole request, body included): a client that dribbles its
 * headers, or stops half-way through a body, is cut off after seconds instead of holding a connection.
 *
 * The queued-bytes quotas bound what one sending device, and one sending unit, may have waiting at the
 * relay: the envelope sizes of its packets some recipient has not yet acknowledged (PROTOCOL.md §9). A
 * device's quota must fit at least one largest envelope, and a unit's at least its device's.
 * `BRYGGA_MAX_CONNECTIONS` is Node's `server.maxConnections`: connections beyond it are closed at once.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BryggaError } from '@brygga/client-sdk/errors';
import { LOG_LEVELS, type LogLevel } from './logging/logger.js';

/**
 * Shortest admin secret the relay accepts at start (characters; auth/admin-token.ts checks the secret).
 * Here, not in auth/, so that the relay's entry reads its settings without loading the relay.
 */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

/** The relay's configuration. */
export interface RelayConfig {
  host: string;
  port: number;
  /** A file path, `:memory:`, or a postgres:// URL. */
  database: string;
  /**
   * The relay's public URL: the audience every token must name. Undefined: `http://<host>:<port>` of
   * the address the relay actually listens on (with port 0, the port the system picked).
   */
  publicUrl: string | undefined;
  adminToken: string | undefined;
  /**
   * The bearer token that opens `GET /v1/metrics` to peers other than loopback (metrics/metrics-access.ts);
   * undefined: loopback peers only.
   */
  metricsToken: string | undefined;
  /** An agreement document to install at start, if not installed yet. */
  agreementFile: string | undefined;
  maxEnvelopeBytes: number;
  maxRecipients: number;
  ratePerMinute: number;
  statementRatePerMinute: number;
  packetTtlSeconds: number;
  noticeTtlSeconds: number;
  sweepSeconds: number;
  heartbeatSeconds: number;
  pgPoolSize: number;
  shutdownSeconds: number;
  /**
   * How long an idle keep-alive connection is kept open, in seconds. The relay announces it
   * (`Keep-Alive: timeout=N`) and clients let go of an idle connection before it; a reverse proxy in
   * front must keep its own idle timeout shorter, so that it, not the relay, closes first.
   */
  keepAliveSeconds: number;
  logLevel: LogLevel;
  /** The transparency log's origin; undefined: derived from the public URL. */
  logOrigin: string | undefined;
  /** A file holding the log's signing key seed; undefined: the key kept in the database. */
  logKeyFile: string | undefined;
  /** Interval of the log's integration rounds, in milliseconds. */
  logMergeDelayMs: number;
  /** Unexpired HPKE keys a device may have in the directory (PROTOCOL.md §6.2). */
  maxHpkeKeysPerDevice: number;
  /** Seconds a client has to send its request line and headers. */
  headersTimeoutSeconds: number;
  /** Seconds a client has to send its whole request, body included. */
  requestTimeoutSeconds: number;
  /** Bytes of undelivered packets one sending device may have at the relay (PROTOCOL.md §9). */
  maxQueuedBytesPerDevice: number;
  /** Bytes of undelivered packets one sending unit may have at the relay (PROTOCOL.md §9). */
  maxQueuedBytesPerUnit: number;
  /** Open connections the relay's server accepts at once (Node's `server.maxConnections`). */
  maxConnections: number;
  /** Exact origins whose browser pages may call the relay (cors.ts); empty: none. */
  corsOrigins: readonly string[];
}

/** A configuration error (`ERR_CONFIG`), with a message for the administrator. */
export class ConfigError extends BryggaError<'ERR_CONFIG'> {
  override readonly name = 'ConfigError';

  constructor(message: string) {
    super('ERR_CONFIG', message);
  }
}

/** The defaults. */
export const DEFAULT_CONFIG: Readonly<RelayConfig> = Object.freeze({
  host: '127.0.0.1',
  port: 8787,
  database: './data/brygga.sqlite',
  publicUrl: undefined,
  adminToken: undefined,
  metricsToken: undefined,
  agreementFile: undefined,
  maxEnvelopeBytes: 16 * 1024 * 1024,
  maxRecipients: 64,
  ratePerMinute: 600,
  statementRatePerMinute: 60,
  packetTtlSeconds: 14 * 24 * 3600,
  noticeTtlSeconds: 90 * 24 * 3600,
  sweepSeconds: 60,
  heartbeatSeconds: 15,
  pgPoolSize: 10,
  shutdownSeconds: 10,
  keepAliveSeconds: 65,
  logLevel: 'info',
  logOrigin: undefined,
  logKeyFile: undefined,
  logMergeDelayMs: 1000,
  maxHpkeKeysPerDevice: 4,
  headersTimeoutSeconds: 10,
  requestTimeoutSeconds: 30,
  maxQueuedBytesPerDevice: 256 * 1024 ** 2,
  maxQueuedBytesPerUnit: 1024 ** 3,
  maxConnections: 1024,
  corsOrigins: Object.freeze([]),
});

/** One setting: its environment variable, its flag (none for a secret), its default and what it does. */
export interface Setting {
  env: string;
  /** The flag without its dashes; undefined for a secret, which is never a flag. */
  flag: string | undefined;
  default: string;
  help: string;
}

/** Every setting the relay reads, in the order `--help` lists them. */
export const SETTINGS: readonly Setting[] = [
  { env: 'BRYGGA_HOST', flag: 'host', default: '127.0.0.1', help: 'address to listen on' },
  { env: 'BRYGGA_PORT', flag: 'port', default: '8787', help: 'port to listen on (0: any free port)' },
  {
    env: 'BRYGGA_DATABASE',
    flag: 'database',
    default: './data/brygga.sqlite',
    help: 'SQLite file, or a postgres:// URL (its password only in the environment, PGPASSWORD or ~/.pgpass)',
  },
  {
    env: 'BRYGGA_PUBLIC_URL',
    flag: 'public-url',
    default: 'http://<host>:<port it listens on>',
    help: "the relay's URL as clients reach it: the audience every token names",
  },
  {
    env: 'BRYGGA_ADMIN_TOKEN',
    flag: undefined,
    default: 'none: administration disabled',
    help: 'the administrator token (a secret: environment only, or a file)',
  },
  {
    env: 'BRYGGA_ADMIN_TOKEN_FILE',
    flag: 'admin-token-file',
    default: 'none',
    help: 'a file holding the administrator token',
  },
  {
    env: 'BRYGGA_METRICS_TOKEN',
    flag: undefined,
    default: 'none: /v1/metrics answers loopback peers only',
    help: 'a bearer token that opens /v1/metrics to other peers (a secret: environment only, or a file)',
  },
  {
    env: 'BRYGGA_METRICS_TOKEN_FILE',
    flag: 'metrics-token-file',
    default: 'none',
    help: 'a file holding the metrics token',
  },
  {
    env: 'BRYGGA_AGREEMENT',
    flag: 'agreement',
    default: 'none',
    help: 'an agreement file to install at start',
  },
  {
    env: 'BRYGGA_MAX_ENVELOPE_BYTES',
    flag: 'max-envelope-bytes',
    default: '16777216',
    help: 'largest envelope accepted',
  },
  {
    env: 'BRYGGA_MAX_RECIPIENTS',
    flag: 'max-recipients',
    default: '64',
    help: 'most recipients of a packet',
  },
  {
    env: 'BRYGGA_RATE_PER_MINUTE',
    flag: 'rate-per-minute',
    default: '600',
    help: 'requests a device may make per minute',
  },
  {
    env: 'BRYGGA_STATEMENT_RATE_PER_MINUTE',
    flag: 'statement-rate-per-minute',
    default: '60',
    help: 'directory statements per minute',
  },
  {
    env: 'BRYGGA_PACKET_TTL_SECONDS',
    flag: 'packet-ttl-seconds',
    default: '1209600 (14 days)',
    help: 'how long an undelivered packet is kept',
  },
  {
    env: 'BRYGGA_NOTICE_TTL_SECONDS',
    flag: 'notice-ttl-seconds',
    default: '7776000 (90 days)',
    help: 'how long an expiry notice is kept',
  },
  { env: 'BRYGGA_SWEEP_SECONDS', flag: 'sweep-seconds', default: '60', help: 'interval of the expiry sweep' },
  {
    env: 'BRYGGA_HEARTBEAT_SECONDS',
    flag: 'heartbeat-seconds',
    default: '15',
    help: 'interval of event-stream heartbeats',
  },
  { env: 'BRYGGA_PG_POOL_SIZE', flag: 'pg-pool-size', default: '10', help: 'PostgreSQL connections' },
  {
    env: 'BRYGGA_SHUTDOWN_SECONDS',
    flag: 'shutdown-seconds',
    default: '10',
    help: 'how long in-flight requests may finish at shutdown',
  },
  {
    env: 'BRYGGA_KEEP_ALIVE_SECONDS',
    flag: 'keep-alive-seconds',
    default: '65',
    help: 'idle keep-alive connections are closed after it',
  },
  { env: 'BRYGGA_LOG_LEVEL', flag: 'log-level', default: 'info', help: LOG_LEVELS.join(', ') },
  {
    env: 'BRYGGA_LOG_ORIGIN',
    flag: 'log-origin',
    default: '<host of the public URL>/brygga-log',
    help: "the transparency log's origin at the first start (PROTOCOL.md §18.3); then the stored one is kept",
  },
  {
    env: 'BRYGGA_LOG_KEY_FILE',
    flag: 'log-key-file',
    default: 'none: the key in the database',
    help: "a file holding the transparency log's signing key seed",
  },
  {
    env: 'BRYGGA_CORS_ORIGINS',
    flag: 'cors-origins',
    default: 'none: no browser page of another origin may call the relay',
    help: 'comma-separated exact origins (https://host[:port]) whose browser pages may call the relay',
  },
  {
    env: 'BRYGGA_LOG_MERGE_DELAY',
    flag: 'log-merge-delay',
    default: '1000',
    help: 'milliseconds between the log’s integration rounds',
  },
  {
    env: 'BRYGGA_MAX_HPKE_KEYS_PER_DEVICE',
    flag: 'max-hpke-keys-per-device',
    default: '4',
    help: 'unexpired HPKE keys a device may have (PROTOCOL.md §6.2)',
  },
  {
    env: 'BRYGGA_HEADERS_TIMEOUT_SECONDS',
    flag: 'headers-timeout-seconds',
    default: '10',
    help: 'time to send the request line and headers',
  },
  {
    env: 'BRYGGA_REQUEST_TIMEOUT_SECONDS',
    flag: 'request-timeout-seconds',
    default: '30',
    help: 'time to send a whole request',
  },
  {
    env: 'BRYGGA_MAX_QUEUED_BYTES_PER_DEVICE',
    flag: 'max-queued-bytes-per-device',
    default: '268435456 (256 MiB)',
    help: 'undelivered bytes one sending device may have waiting',
  },
  {
    env: 'BRYGGA_MAX_QUEUED_BYTES_PER_UNIT',
    flag: 'max-queued-bytes-per-unit',
    default: '1073741824 (1 GiB)',
    help: 'undelivered bytes one sending unit may have waiting',
  },
  {
    env: 'BRYGGA_MAX_CONNECTIONS',
    flag: 'max-connections',
    default: '1024',
    help: 'open connections accepted at once',
  },
];

/** Flags that would carry a secret, and where the secret goes instead. */
const SECRET_FLAGS: Record<string, string> = {
  'admin-token': 'set BRYGGA_ADMIN_TOKEN in the environment, or name a file with --admin-token-file',
  'metrics-token': 'set BRYGGA_METRICS_TOKEN in the environment, or name a file with --metrics-token-file',
};

/** The relay's `--help`: its commands, then every row of {@link SETTINGS}. */
export function helpText(): string {
  const rows = SETTINGS.map((s) => {
    const name = s.flag === undefined ? '(environment only)' : `--${s.flag} <value>`;
    return `  ${name.padEnd(36)} ${s.env}\n      ${s.help}; default ${s.default}`;
  });
  return [
    'Usage: brygga-relay [options]                             run the relay',
    '       brygga-relay log-origin show [options]             the transparency log origin in use',
    '       brygga-relay log-origin set <origin> --confirm [options]',
    '                                                          change it (devices must then re-pin)',
    '       brygga-relay backup <file> [--force] [options]     an online copy of the SQLite database',
    '                                                          (PostgreSQL: pg_dump -Fc, see the README)',
    '       brygga-relay --help                                this text',
    '',
    'Every option is a flag or an environment variable; a flag wins. Secrets are never flags (they would',
    'show in the process list): pass them in the environment or in a file.',
    '',
    'Options:',
    ...rows,
  ].join('\n');
}

type NumericKey =
  | 'port'
  | 'maxEnvelopeBytes'
  | 'maxRecipients'
  | 'ratePerMinute'
  | 'statementRatePerMinute'
  | 'packetTtlSeconds'
  | 'noticeTtlSeconds'
  | 'sweepSeconds'
  | 'heartbeatSeconds'
  | 'pgPoolSize'
  | 'shutdownSeconds'
  | 'keepAliveSeconds'
  | 'logMergeDelayMs'
  | 'maxHpkeKeysPerDevice'
  | 'headersTimeoutSeconds'
  | 'requestTimeoutSeconds'
  | 'maxQueuedBytesPerDevice'
  | 'maxQueuedBytesPerUnit'
  | 'maxConnections';

const NUMBERS: Record<NumericKey, { env: string; flag: string; min: number; max: number }> = {
  port: { env: 'BRYGGA_PORT', flag: 'port', min: 0, max: 65535 },
  maxEnvelopeBytes: {
    env: 'BRYGGA_MAX_ENVELOPE_BYTES',
    flag: 'max-envelope-bytes',
    min: 1024,
    max: 1024 ** 3,
  },
  maxRecipients: { env: 'BRYGGA_MAX_RECIPIENTS', flag: 'max-recipients', min: 1, max: 64 },
  ratePerMinute: { env: 'BRYGGA_RATE_PER_MINUTE', flag: 'rate-per-minute', min: 1, max: 1_000_000 },
  statementRatePerMinute: {
    env: 'BRYGGA_STATEMENT_RATE_PER_MINUTE',
    flag: 'statement-rate-per-minute',
    min: 1,
    max: 1_000_000,
  },
  packetTtlSeconds: {
    env: 'BRYGGA_PACKET_TTL_SECONDS',
    flag: 'packet-ttl-seconds',
    min: 1,
    max: 400 * 86400,
  },
  noticeTtlSeconds: {
    env: 'BRYGGA_NOTICE_TTL_SECONDS',
    flag: 'notice-ttl-seconds',
    min: 1,
    max: 400 * 86400,
  },
  sweepSeconds: { env: 'BRYGGA_SWEEP_SECONDS', flag: 'sweep-seconds', min: 1, max: 86400 },
  heartbeatSeconds: { env: 'BRYGGA_HEARTBEAT_SECONDS', flag: 'heartbeat-seconds', min: 1, max: 3600 },
  pgPoolSize: { env: 'BRYGGA_PG_POOL_SIZE', flag: 'pg-pool-size', min: 1, max: 1000 },
  shutdownSeconds: { env: 'BRYGGA_SHUTDOWN_SECONDS', flag: 'shutdown-seconds', min: 0, max: 3600 },
  keepAliveSeconds: { env: 'BRYGGA_KEEP_ALIVE_SECONDS', flag: 'keep-alive-seconds', min: 1, max: 600 },
  logMergeDelayMs: { env: 'BRYGGA_LOG_MERGE_DELAY', flag: 'log-merge-delay', min: 10, max: 3_600_000 },
  maxHpkeKeysPerDevice: {
    env: 'BRYGGA_MAX_HPKE_KEYS_PER_DEVICE',
    flag: 'max-hpke-keys-per-device',
    min: 1,
    max: 1000,
  },
  headersTimeoutSeconds: {
    env: 'BRYGGA_HEADERS_TIMEOUT_SECONDS',
    flag: 'headers-timeout-seconds',
    min: 1,
    max: 3600,
  },
  requestTimeoutSeconds: {
    env: 'BRYGGA_REQUEST_TIMEOUT_SECONDS',
    flag: 'request-timeout-seconds',
    min: 1,
    max: 3600,
  },
  maxQueuedBytesPerDevice: {
    env: 'BRYGGA_MAX_QUEUED_BYTES_PER_DEVICE',
    flag: 'max-queued-bytes-per-device',
    min: 1024,
    max: 8 * 1024 ** 3,
  },
  maxQueuedBytesPerUnit: {
    env: 'BRYGGA_MAX_QUEUED_BYTES_PER_UNIT',
    flag: 'max-queued-bytes-per-unit',
    min: 1024,
    max: 8 * 1024 ** 3,
  },
  maxConnections: { env: 'BRYGGA_MAX_CONNECTIONS', flag: 'max-connections', min: 1, max: 1_000_000 },
};

const FLAGS = Object.fromEntries(
  SETTINGS.flatMap((s) => (s.flag === undefined ? [] : [[s.flag, { type: 'string' as const }]])),
);

function integer(text: string, what: string, min: number, max: number): number {
  if (!/^\d{1,10}$/.test(text.trim())) throw new ConfigError(`${what} must be an integer`);
  const n = Number(text.trim());
  if (n < min || n > max) throw new ConfigError(`${what} must be between ${min} and ${max}`);
  return n;
}

/** Whether a database URL carries a password (`postgres://user:password@host/db`). */
function hasPassword(location: string): boolean {
  if (!/^postgres(ql)?:/i.test(location)) return false;
  try {
    return new URL(location).password !== '';
  } catch {
    return false;
  }
}

/**
 * A secret token from its file (which wins) or its environment variable: at least
 * {@link MIN_ADMIN_TOKEN_LENGTH} characters without spaces.
 */
function readSecret(
  readFile: (path: string) => string,
  file: string | undefined,
  value: string | undefined,
  what: string,
): string | undefined {
  let token = value || undefined;
  if (file !== undefined) {
    try {
      token = readFile(file).trim();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new ConfigError(
        `the ${what} token file ${file} cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    }
  }
  if (token !== undefined && (token.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(token))) {
    throw new ConfigError(
      `the ${what} token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces (openssl rand -base64 32)`,
    );
  }
  return token;
}

/** Environment variables as `process.env` has them. */
export type Environment = Record<string, string | undefined>;

/** `BRYGGA_CORS_ORIGINS`: comma-separated exact origins (`https://host[:port]`, no path, no wildcard). */
function corsOrigins(text: string | undefined): readonly string[] {
  if (text === undefined) return [];
  return text.split(',').map((entry) => {
    const origin = entry.trim();
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (
      url === undefined ||
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      url.origin !== origin
    ) {
      throw new ConfigError(
        `BRYGGA_CORS_ORIGINS must list exact origins such as https://arende.example.se, separated by commas (not ${JSON.stringify(origin)})`,
      );
    }
    return origin;
  });
}

/**
 * Read the configuration from `argv` (flags, without the program name) and `env`. Throws
 * {@link ConfigError} naming the setting that is wrong.
 *
 * @example const config = loadConfig(process.argv.slice(2), process.env);
 */
export function loadConfig(
  argv: readonly string[],
  env: Environment,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): RelayConfig {
  let flags: Record<string, string | undefined>;
  try {
    flags = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false })
      .values as Record<string, string | undefined>;
  } catch (err) {
    const secret = argv
      .map((a) => /^--([^=]+)/.exec(a)?.[1])
      .find((f) => f !== undefined && f in SECRET_FLAGS);
    if (secret !== undefined) {
      throw new ConfigError(
        `--${secret} is not taken: a secret as a flag shows in the process list; ${SECRET_FLAGS[secret]}`,
      );
    }
    throw new ConfigError((err as Error).message);
  }
  const secret = (file: string | undefined, value: string | undefined, what: string) =>
    readSecret(readFile, file, value, what);
  const pick = (flag: string, name: string): string | undefined => {
    const value = flags[flag] ?? env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const config: RelayConfig = { ...DEFAULT_CONFIG };
  config.host = pick('host', 'BRYGGA_HOST') ?? config.host;
  config.database = pick('database', 'BRYGGA_DATABASE') ?? config.database;
  if (flags.database !== undefined && hasPassword(flags.database)) {
    throw new ConfigError(
      '--database is not taken with a password: it would show in the process list; put the URL in BRYGGA_DATABASE, or the password in PGPASSWORD or ~/.pgpass',
    );
  }
  for (const [key, spec] of Object.entries(NUMBERS) as [NumericKey, (typeof NUMBERS)[NumericKey]][]) {
    const text = pick(spec.flag, spec.env);
    if (text !== undefined) config[key] = integer(text, `${spec.env} (--${spec.flag})`, spec.min, spec.max);
  }
  const publicUrl = pick('public-url', 'BRYGGA_PUBLIC_URL');
  if (publicUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(publicUrl);
    } catch {
      throw new ConfigError('BRYGGA_PUBLIC_URL must be an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ConfigError('BRYGGA_PUBLIC_URL must be an http(s) URL');
    }
    config.publicUrl = publicUrl.replace(/\/+$/, '');
  }
  const level = pick('log-level', 'BRYGGA_LOG_LEVEL');
  if (level !== undefined) {
    if (!LOG_LEVELS.includes(level as LogLevel)) {
      throw new ConfigError(`BRYGGA_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
    }
    config.logLevel = level as LogLevel;
  }
  const adminToken = secret(
    pick('admin-token-file', 'BRYGGA_ADMIN_TOKEN_FILE'),
    env.BRYGGA_ADMIN_TOKEN,
    'admin',
  );
  config.metricsToken = secret(
    pick('metrics-token-file', 'BRYGGA_METRICS_TOKEN_FILE'),
    env.BRYGGA_METRICS_TOKEN,
    'metrics',
  );
  config.adminToken = adminToken;
  config.agreementFile = pick('agreement', 'BRYGGA_AGREEMENT');
  const origin = pick('log-origin', 'BRYGGA_LOG_ORIGIN');
  // An origin is a key name too: no spaces, '+' or control characters (C2SP signed-note).
  if (origin !== undefined && !/^[\x21-\x2a\x2c-\x7e]{1,255}$/.test(origin)) {
    throw new ConfigError('BRYGGA_LOG_ORIGIN must be printable ASCII without spaces or +');
  }
  config.logOrigin = origin;
  config.logKeyFile = pick('log-key-file', 'BRYGGA_LOG_KEY_FILE');
  config.corsOrigins = corsOrigins(pick('cors-origins', 'BRYGGA_CORS_ORIGINS'));
  if (config.headersTimeoutSeconds > config.requestTimeoutSeconds) {
    throw new ConfigError('BRYGGA_HEADERS_TIMEOUT_SECONDS must not exceed BRYGGA_REQUEST_TIMEOUT_SECONDS');
  }
  if (config.maxQueuedBytesPerDevice < config.maxEnvelopeBytes) {
    throw new ConfigError('BRYGGA_MAX_QUEUED_BYTES_PER_DEVICE must be at least BRYGGA_MAX_ENVELOPE_BYTES');
  }
  if (config.maxQueuedBytesPerUnit < config.maxQueuedBytesPerDevice) {
    throw new ConfigError(
      'BRYGGA_MAX_QUEUED_BYTES_PER_UNIT must be at least BRYGGA_MAX_QUEUED_BYTES_PER_DEVICE',
    );
  }
  return config;
}
