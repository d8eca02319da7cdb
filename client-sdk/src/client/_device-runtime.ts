/**
 * Internal: one device's runtime for the client (PROTOCOL.md §13.3): its keys, store, verified
 * directory, relay, clock and randomness, its change recorder (one transaction per change, with its
 * events) and its transparency monitor, and what every use case and every received packet ask of them:
 * the devices a packet goes to, and the context the rules run in. The modules that send, receive and
 * query take it as their first argument; it imports none of them.
 */

import type { CaseContext } from '../cases/case-state.js';
import { directoryResolver } from '../cases/signed-document.js';
import type { Rng } from '../crypto/bytes.js';
import type { Directory, RecipientDevice } from '../directory/directory.js';
import type { BryggaStore } from '../store/brygga-store.js';
import { type FetchFunction, RelayClient } from '../transport/relay-client.js';
import { ChangeRecorder } from './_change-recorder.js';
import { TransparencyMonitor, type TransparencyMonitorOptions } from './_transparency-monitor.js';
import type { DeviceIdentity } from './device-identity.js';

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
  }) {
    this.identity = options.identity;
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

  /** Every device of `units` with a valid key, except this one; units without any are left out. */
  devicesOf(units: readonly string[]): RecipientDevice[] {
    const out: RecipientDevice[] = [];
    for (const unit of new Set(units)) {
      try {
        out.push(...this.directory.recipientsFor([unit], this.now()));
      } catch {
        // A unit with no device able to receive yet.
      }
    }
    return out.filter((d) => d.device !== this.device);
  }

  /** Recipients of a case packet: every device of the other unit (required), and this unit's other devices. */
  caseRecipients(counterpart: string): RecipientDevice[] {
    const others = this.directory.recipientsFor([counterpart], this.now());
    return [...others, ...this.devicesOf([this.unit])];
  }

  /** What the case reducer needs: every accepted agreement, and the verified directory's devices. */
  context(): CaseContext {
    return { agreements: this.directory.agreements, resolve: directoryResolver(this.directory) };
  }
}
