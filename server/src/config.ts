/**
 * Relay configuration: environment variables, each with an equivalent command-line
 * flag (flags win). Secrets are never taken as flags (they would show in `ps`): the admin token comes
 * from `BRYGGA_ADMIN_TOKEN` or from a file (`--admin-token-file` / `BRYGGA_ADMIN_TOKEN_FILE`).
 *
 * | variable | flag | default |
 * |---|---|---|
 * | BRYGGA_HOST | --host | 127.0.0.1 |
 * | BRYGGA_PORT | --port | 8787 (0: any free port) |
 * | BRYGGA_DATABASE | --database | ./data/brygga.sqlite (or a postgres:// URL) |
 * | BRYGGA_PUBLIC_URL | --public-url | http://127.0.0.1:8787 |
 * | BRYGGA_ADMIN_TOKEN / BRYGGA_ADMIN_TOKEN_FILE | --admin-token-file | none: admin disabled |
 * | BRYGGA_AGREEMENT | --agreement | none |
 * | BRYGGA_MAX_ENVELOPE_BYTES | --max-envelope-bytes | 16777216 |
 * | BRYGGA_MAX_RECIPIENTS | --max-recipients | 64 |
 * | BRYGGA_RATE_PER_MINUTE | --rate-per-minute | 600 |
 * | BRYGGA_STATEMENT_RATE_PER_MINUTE | --statement-rate-per-minute | 60 |
 * | BRYGGA_PACKET_TTL_SECONDS | --packet-ttl-seconds | 1209600 (14 days) |
 * | BRYGGA_NOTICE_TTL_SECONDS | --notice-ttl-seconds | 7776000 (90 days) |
 * | BRYGGA_SWEEP_SECONDS | --sweep-seconds | 60 |
 * | BRYGGA_HEARTBEAT_SECONDS | --heartbeat-seconds | 15 |
 * | BRYGGA_PG_POOL_SIZE | --pg-pool-size | 10 |
 * | BRYGGA_SHUTDOWN_SECONDS | --shutdown-seconds | 10 |
 * | BRYGGA_KEEP_ALIVE_SECONDS | --keep-alive-seconds | 65 |
 * | BRYGGA_LOG_LEVEL | --log-level | info |
 * | BRYGGA_LOG_ORIGIN | --log-origin | `<host of the public URL>/brygga-log` |
 * | BRYGGA_LOG_KEY_FILE | --log-key-file | none: the key in the database |
 * | BRYGGA_LOG_MERGE_DELAY | --log-merge-delay | 1000 (milliseconds) |
 * | BRYGGA_MAX_HPKE_KEYS_PER_DEVICE | --max-hpke-keys-per-device | 4 (unexpired keys, PROTOCOL.md §6.2) |
 * | BRYGGA_HEADERS_TIMEOUT_SECONDS | --headers-timeout-seconds | 10 |
 * | BRYGGA_REQUEST_TIMEOUT_SECONDS | --request-timeout-seconds | 30 |
 * | BRYGGA_MAX_QUEUED_BYTES_PER_DEVICE | --max-queued-bytes-per-device | 268435456 (256 MiB) |
 * | BRYGGA_MAX_QUEUED_BYTES_PER_UNIT | --max-queued-bytes-per-unit | 1073741824 (1 GiB) |
 * | BRYGGA_MAX_CONNECTIONS | --max-connections | 1024 |
 * | BRYGGA_CORS_ORIGINS | --cors-origins | none: no browser page of another origin may call the relay |
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
import { BryggaError } from '@brygga/client-sdk';
import { MIN_ADMIN_TOKEN_LENGTH } from './auth/index.js';
import { LOG_LEVELS, type LogLevel } from './logging/index.js';

/** The relay's configuration. */
export interface RelayConfig {
  host: string;
  port: number;
  /** A file path, `:memory:`, or a postgres:// URL. */
  database: string;
  /** The relay's public URL: the audience every token must name. */
  publicUrl: string;
  adminToken: string | undefined;
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
  publicUrl: 'http://127.0.0.1:8787',
  adminToken: undefined,
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

const FLAGS = {
  host: { type: 'string' },
  database: { type: 'string' },
  'public-url': { type: 'string' },
  'admin-token-file': { type: 'string' },
  agreement: { type: 'string' },
  'log-level': { type: 'string' },
  'log-origin': { type: 'string' },
  'log-key-file': { type: 'string' },
  'cors-origins': { type: 'string' },
  ...Object.fromEntries(Object.values(NUMBERS).map((n) => [n.flag, { type: 'string' }])),
} as const;

function integer(text: string, what: string, min: number, max: number): number {
  if (!/^\d{1,10}$/.test(text.trim())) throw new ConfigError(`${what} must be an integer`);
  const n = Number(text.trim());
  if (n < min || n > max) throw new ConfigError(`${what} must be between ${min} and ${max}`);
  return n;
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
    throw new ConfigError((err as Error).message);
  }
  const pick = (flag: string, name: string): string | undefined => {
    const value = flags[flag] ?? env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const config: RelayConfig = { ...DEFAULT_CONFIG };
  config.host = pick('host', 'BRYGGA_HOST') ?? config.host;
  config.database = pick('database', 'BRYGGA_DATABASE') ?? config.database;
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
  const tokenFile = pick('admin-token-file', 'BRYGGA_ADMIN_TOKEN_FILE');
  let adminToken = env.BRYGGA_ADMIN_TOKEN || undefined;
  if (tokenFile !== undefined) {
    try {
      adminToken = readFile(tokenFile).trim();
    } catch {
      throw new ConfigError('the admin token file cannot be read');
    }
  }
  if (adminToken !== undefined && (adminToken.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(adminToken))) {
    throw new ConfigError(
      `the admin token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces (openssl rand -base64 32)`,
    );
  }
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
