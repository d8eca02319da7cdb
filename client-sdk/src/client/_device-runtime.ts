/**
 * Internal: one device's runtime for the client (PROTOCOL.md §13.3): its keys, store, verified
 * directory, relay, clock and randomness, its change recorder (one transaction per change, with its
 * events), its transparency monitor and key rotation, and what every use case and every received packet
 * ask of them: the devices a document goes to (with keys valid through the relay's delivery window,
 * §6.2), whether a queued packet is too old to send (§13.5), and the context the rules run in. The
 * modules that send, receive and query take it as their first argument; it imports none of them.
 */

import type { CaseContext } from '../cases/case-state.js';
import { directoryResolver } from '../cases/signed-document.js';
import type { Rng } from '../crypto/bytes.js';
import type { Directory, RecipientDevice } from '../directory/directory.js';
import type { ErrorCode } from '../errors.js';
import type { BryggaStore } from '../store/brygga-store.js';
import { type FetchFunction, RelayClient } from '../transport/relay-client.js';
import { ChangeRecorder } from './_change-recorder.js';
import { TransparencyMonitor, type TransparencyMonitorOptions } from './_transparency-monitor.js';
import type { DeviceIdentity } from './device-identity.js';

/**
 * The longest a relay may keep a packet (PROTOCOL.md §7.5 step 7: a relay's lifetime stays below 30
 * days): what a device assumes until the relay states its own (`GET /v1/health`, §9).
 */
export const MAX_PACKET_LIFETIME_SECONDS = 30 * 24 * 3600;

/** How long a receiver accepts a packet after its signing time (PROTOCOL.md §7.5 step 7). */
const RECEIVER_WINDOW_SECONDS = 30 * 24 * 3600;

/** Clock skew allowed between a sender and its receivers when judging a signing time's age. */
const SKEW_SECONDS = 3600;

/** Where the store keeps the packet lifetime the relay stated. */
const LIFETIME_META = 'relay.packet-lifetime';

/** How the device rotates its HPKE key by itself (PROTOCOL.md §6.2). */
export interface KeyRotation {
  /** The passphrase its keys are kept under in the store: new private keys are kept there, encrypted. */
  passphrase: string;
  /** Lifetime of each new key, in seconds (at most 400 days). */
  lifetimeSeconds: number;
  /** Rotate once the newest key has less than this share of its life left (0 < share < 1). */
  share: number;
}

/** A device's runtime; see the module header. */
export class DeviceRuntime {
  readonly identity: DeviceIdentity;
  readonly store: BryggaStore;
  readonly directory: Directory;
  readonly relay: RelayClient;
  readonly now: () => Date;
  readonly rng: Rng | undefined;
  /** Runs each change in one store transaction with its events (PROTOCOL.md §13.3–13.4). */
  readonly recorder: ChangeRecorder;
  /** The relay's transparency log as this device verifies it (PROTOCOL.md §19). */
  readonly monitor: TransparencyMonitor;
  /** Automatic HPKE key rotation, when the client was given the passphrase to keep new keys under. */
  readonly rotation: KeyRotation | undefined;
  /**
   * Packets undone since they were queued (PROTOCOL.md §13.5), by pid, until the use case that sent
   * them reads the outcome: the code naming the cause, the relay's problem, everything undone with it.
   */
  readonly voided = new Map<string, { code: ErrorCode; problem: string | null; pids: string[] }>();
  /** The packet lifetime the relay stated (seconds), once known. */
  #lifetime: number | undefined;

  constructor(options: {
    identity: DeviceIdentity;
    store: BryggaStore;
    directory: Directory;
    relayUrl: string;
    relayAudience?: string | undefined;
    fetch?: FetchFunction | undefined;
    now?: (() => Date) | undefined;
    rng?: Rng | undefined;
    monitor?: TransparencyMonitorOptions | undefined;
    rotation?: KeyRotation | undefined;
  }) {
    // The client's own copy: rotation adds keys to it.
    this.identity = { ...options.identity, hpkeKeys: [...options.identity.hpkeKeys] };
    this.rotation = options.rotation;
    this.store = options.store;
    this.directory = options.directory;
    this.now = options.now ?? (() => new Date());
    this.rng = options.rng;
    this.relay = new RelayClient({
      baseUrl: options.relayUrl,
      key: options.identity.key,
      audience: options.relayAudience,
      fetch: options.fetch,
      now: this.now,
      rng: options.rng,
    });
    this.recorder = new ChangeRecorder(this.store, this.now);
    this.monitor = new TransparencyMonitor(
      {
        identity: this.identity,
        store: this.store,
        relay: this.relay,
        directory: this.directory,
        now: this.now,
        recorder: this.recorder,
      },
      options.monitor,
    );
  }

  /** This device's unit. */
  get unit(): string {
    return this.identity.unit;
  }

  /** This device's key id. */
  get device(): string {
    return this.identity.key.kid;
  }

  /** Read what the store remembers of the relay (the packet lifetime it stated). */
  async load(): Promise<void> {
    const stored = Number(await this.store.getMeta(LIFETIME_META));
    if (Number.isSafeInteger(stored) && stored > 0)
      this.#lifetime = Math.min(stored, MAX_PACKET_LIFETIME_SECONDS);
  }

  /** Whether the relay's packet lifetime is known (stated once, remembered in the store). */
  get knowsPacketLifetime(): boolean {
    return this.#lifetime !== undefined;
  }

  /** Ask the relay for its packet lifetime (`GET /v1/health`) and remember it. */
  async learnPacketLifetime(signal?: AbortSignal): Promise<void> {
    const health = await this.relay.health(signal);
    const stated = health.packetLifetimeSeconds;
    if (stated === undefined) return;
    const lifetime = Math.min(stated, MAX_PACKET_LIFETIME_SECONDS);
    if (lifetime === this.#lifetime) return;
    this.#lifetime = lifetime;
    await this.store.setMeta(LIFETIME_META, String(lifetime));
  }

  /**
   * How long the relay keeps a packet for its recipients, in seconds: as it stated, or (until it has)
   * the most a relay may keep one, so that no key is chosen that could expire before delivery.
   */
  get packetLifetimeSeconds(): number {
    return this.#lifetime ?? MAX_PACKET_LIFETIME_SECONDS;
  }

  /**
   * The end of the relay's delivery window for a packet submitted now: no packet is sealed to a key
   * that expires before it (PROTOCOL.md §6.2).
   */
  deliveryWindowEnd(): Date {
    return new Date(this.now().getTime() + this.packetLifetimeSeconds * 1000);
  }

  /**
   * Whether a packet signed at `iat` (NumericDate) and submitted now could be refused for its age by a
   * receiver fetching it late in the relay's delivery window (PROTOCOL.md §7.5 step 7, §13.5). Until
   * the relay has stated its lifetime only what no receiver would take now counts: a packet is never
   * undone on a guess.
   */
  isStale(iat: number): boolean {
    const age = Math.floor(this.now().getTime() / 1000) - iat;
    return age > RECEIVER_WINDOW_SECONDS - (this.#lifetime ?? 0) - SKEW_SECONDS;
  }

  /** Every device of `units` with a key valid through the delivery window, except this one; units without any are left out. */
  devicesOf(units: readonly string[]): RecipientDevice[] {
    const out: RecipientDevice[] = [];
    for (const unit of new Set(units)) {
      try {
        out.push(
          ...this.directory.recipientsFor([unit], this.now(), { validThrough: this.deliveryWindowEnd() }),
        );
      } catch {
        // A unit with no device able to receive yet.
      }
    }
    return out.filter((d) => d.device !== this.device);
  }

  /** What the case reducer needs: every accepted agreement, and the verified directory's devices. */
  context(): CaseContext {
    return { agreements: this.directory.agreements, resolve: directoryResolver(this.directory) };
  }
}
