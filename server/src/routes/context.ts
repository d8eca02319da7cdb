/**
 * What every route handler gets: the relay's services (passed in, so tests build them on any database
 * and clock) and the per-request variables set by middleware.
 */
import type { Directory } from '@brygga/client-sdk';
import type { Context } from 'hono';
import type { AuthenticatedDevice, RateLimiter } from '../auth/index.js';
import type { RelayConfig } from '../config.js';
import type { Logger, OutageLog } from '../logging/index.js';
import type { RelayMetrics } from '../metrics/index.js';
import type {
  Database,
  DirectoryStore,
  InboxNotifier,
  RelayStore,
  TransparencyLogIntegrator,
} from '../storage/index.js';
import type { WaiterLimit } from './waiter-limit.js';

/** The relay's services, as {@link createApp} takes them. */
export interface AppDeps {
  database: Database;
  store: RelayStore;
  directory: DirectoryStore;
  notifier: InboxNotifier;
  /**
   * The transparency log (PROTOCOL.md §18). Absent, the relay serves no /v1/log routes and logs
   * nothing (tests of other parts build the app without it).
   */
  transparency?: TransparencyLogIntegrator;
  logger: Logger;
  /** Where database failures are summarised (default: one made on `database` and `store`). */
  outages?: OutageLog;
  /** The relay's settings; `publicUrl` resolved (the address listened on when none is configured). */
  config: { publicUrl: string } & Pick<
    RelayConfig,
    | 'adminToken'
    | 'maxEnvelopeBytes'
    | 'maxRecipients'
    | 'ratePerMinute'
    | 'statementRatePerMinute'
    | 'packetTtlSeconds'
    | 'heartbeatSeconds'
    | 'maxQueuedBytesPerDevice'
    | 'maxQueuedBytesPerUnit'
  > &
    Partial<Pick<RelayConfig, 'corsOrigins' | 'metricsToken'>>;
  /** The clock, in milliseconds since the epoch. */
  now: () => number;
  /** Aborted when the relay shuts down: long-polls answer, event streams close. */
  shutdown: AbortSignal;
  /**
   * The client's network address, for per-address limits and who may read metrics (default: the
   * socket's remote address).
   */
  clientAddress?: (c: Context) => string;
  /** The process's counters (default: fresh ones). */
  metrics?: RelayMetrics;
}

/** Services built once per app on top of {@link AppDeps}. */
export interface RouteDeps extends AppDeps {
  outages: OutageLog;
  deviceLimiter: RateLimiter;
  addressLimiter: RateLimiter;
  /** Open event streams and long-polls per device. */
  waiters: WaiterLimit;
  metrics: RelayMetrics;
  clientAddress: (c: Context) => string;
}

/** Per-request variables. */
export interface RelayVariables {
  /** The authenticated device (set by the authentication middleware). */
  device: AuthenticatedDevice;
  /** The directory the request was authenticated against (one refresh per request). */
  directory: Directory;
  /** The packet a request is about (public id), for the request log. */
  packet: string;
}

/** The Hono environment of the relay's routes. */
export interface RelayEnv {
  Variables: RelayVariables;
}

/** An ISO 8601 / RFC 3339 timestamp for a millisecond time. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
