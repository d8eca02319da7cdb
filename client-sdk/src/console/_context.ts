/**
 * What every route of the console shares: the device's client and store, the console database, the
 * runner's status, the live hub, the configuration, and the per-request variables (the language's
 * texts, the signed-in user and session, the CSRF token, the parsed form).
 */
import type { Context } from 'hono';
import type { Agreement, BryggaClient, BryggaStore, DeviceIdentity } from '../index.js';
import type { Texts } from './_i18n/index.js';
import type { LiveHub } from './_live.js';
import type { FormValues } from './_views/components.js';
import type { ConsoleDatabase, ConsoleUser, SessionRecord } from './console-database.js';
import type { RunnerStatus } from './device-runner.js';

/** How the console is reached and guarded. */
export interface ConsoleConfig {
  /** Origins the pages are served from (scheme://host[:port]). */
  origins: string[];
  /** Host header values the console answers to. */
  hosts: string[];
  /** Cookies are `Secure` (and `__Host-`): the console is reached over HTTPS. */
  secure: boolean;
  /** A session unused this long ends. */
  idleMs: number;
  /** No session lasts longer than this, in use or not. */
  maxSessionMs: number;
  /** Consecutive failed logins before the account is locked. */
  lockAfter: number;
  /** How long a locked account stays locked. */
  lockMs: number;
}

/** A referral being written, question by question. Kept in memory only, never on disk. */
export interface ReferralDraft {
  values: FormValues;
  /** The steps answered so far. */
  done: Set<string>;
}

/** Everything the routes share. */
export interface ConsoleDeps {
  client: BryggaClient;
  store: BryggaStore;
  identity: DeviceIdentity;
  /** The agreement this device pins: evidence is verified against it. */
  agreement: Agreement;
  deviceName: string;
  relayUrl: string;
  db: ConsoleDatabase;
  runner: { status: RunnerStatus; syncSoon(): Promise<void> };
  live: LiveHub;
  config: ConsoleConfig;
  now: () => Date;
  /** Referral drafts by session. */
  drafts: Map<string, ReferralDraft>;
}

/** The console's Hono environment. */
export interface ConsoleEnv {
  Variables: {
    texts: Texts;
    user: ConsoleUser | undefined;
    session: SessionRecord | undefined;
    /** The session's CSRF token, or the login form's token before login. */
    csrf: string;
    /** The session ended for inactivity on this request. */
    expired: boolean;
    form: FormValues;
  };
}

/** A route's context. */
export type Ctx = Context<ConsoleEnv>;

/** The signed-in user (routes behind `requireUser` only). */
export function userOf(c: Ctx): ConsoleUser {
  const user = c.get('user');
  if (!user) throw new Error('no signed-in user');
  return user;
}
