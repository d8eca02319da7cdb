/**
 * A packet the relay refused in a way no new directory could heal, so it was undone (PROTOCOL.md
 * §13.5): its `code` names the cause (`ERR_NOT_IN_AGREEMENT` when the case's other unit left the
 * agreement, `ERR_PAYLOAD_TOO_LARGE` or `ERR_TOO_MANY_RECIPIENTS` for a packet over the relay's
 * limits, `ERR_KEY_REVOKED` when this device is
 * revoked, `ERR_PACKET_STALE` when it waited too long, `ERR_RELAY` for any other refusal). Nothing of it,
 * or of what was sent with it, stays in the store.
 */
import { BryggaError } from '../errors.js';
import type { SendResult } from './client-types.js';

/** See the module header. */
export class PacketRefusedError extends BryggaError {
  /** The packet as it was sent, `status: 'refused'`. */
  readonly result: SendResult;
  /** The relay's problem code (`not-in-agreement`, `payload-too-large`, …), or null when it was undone before submission. */
  readonly problem: string | null;
  /** Every packet id undone with it (later packets of its case, the quota claim sent with a referral, …). */
  readonly voided: string[];

  constructor(cause: BryggaError, details: { result: SendResult; problem: string | null; voided: string[] }) {
    super(cause.code, cause.message);
    this.result = details.result;
    this.problem = details.problem;
    this.voided = details.voided;
  }
}
