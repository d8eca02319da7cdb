/**
 * Internal: a packet being received (PROTOCOL.md §13.2–13.3), as each step of applying it sees it, and
 * what applying it came to. A leaf of the inbound modules, so they share it without importing each other.
 */
import type { ReceiptOutcome } from '../cases/receipt.js';
import type { OpenedPacket } from '../envelope/seal.js';
import type { BryggaStore } from '../store/brygga-store.js';
import type { Pending } from './_change-recorder.js';
import type { DeviceRuntime } from './_device-runtime.js';

/** An opened, verified packet being applied inside the transaction `tx`. */
export interface Received {
  d: DeviceRuntime;
  tx: BryggaStore;
  pending: Pending;
  opened: OpenedPacket;
}

/** What applying a packet came to: its receipt's outcome, or `stored` for a document, and the code. */
export interface Applied {
  outcome: ReceiptOutcome | 'stored';
  code: string | null;
}

/** The outcome of a document recorded (a receipt, a quota document, an agreement, a reconciliation). */
export const STORED: Readonly<Applied> = { outcome: 'stored', code: null };
