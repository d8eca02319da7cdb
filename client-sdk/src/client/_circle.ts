/**
 * Internal: where a case packet goes (PROTOCOL.md §6.5, §13.6). A referral goes to the receiving unit's
 * intake and to this unit's intake; every later packet to the case's circle at both ends (for an
 * assignment, the circle after it). A unit that fell out of the circle (none of its devices in it
 * unrevoked) gets the packet at its intake instead; a unit with no intake designated, or none left,
 * at every device. Devices without a key valid through the delivery window are left out (§6.2); the
 * other unit must keep at least one (ERR_KEY_EXPIRED), and this device is never among them.
 */
import type { AssignmentBody } from '../cases/assignment.js';
import { toCasePacket } from '../cases/case-packet.js';
import { type CaseCircle, fallen, partOf, referralCircle, withPart } from '../cases/circle.js';
import { type CaseLogType, typedBody } from '../cases/packet-body.js';
import { directoryResolver } from '../cases/signed-document.js';
import type { RecipientDevice } from '../directory/directory.js';
import type { PacketClaims } from '../envelope/packet.js';
import { BryggaError } from '../errors.js';
import type { BryggaStore } from '../store/brygga-store.js';
import { claimsOf } from './_case-book.js';
import type { DeviceRuntime } from './_device-runtime.js';

/** The intake devices of `unit` able to receive now: its designated intake, or every device (§6.5). */
export function intakeRecipients(d: DeviceRuntime, unit: string): RecipientDevice[] {
  const options = { validThrough: d.deliveryWindowEnd() };
  const intake = d.directory.intakeOf(unit);
  if (intake.length > 0) {
    try {
      return d.directory.recipientsAmong(unit, intake, d.now(), options);
    } catch {
      // No intake device can receive now: every device of the unit does instead.
    }
  }
  return d.directory.recipientsFor([unit], d.now(), options);
}

/**
 * Whether this device still receives a case's packets (§13.6): its unit's part of the circle is open,
 * names this device, or fell (then its intake, or every device of a unit without one, receives). A
 * device the case left holds it as it was when it left.
 */
export function receivesCase(d: DeviceRuntime, circle: CaseCircle, home: string): boolean {
  if (!circle.assigned.includes(d.unit)) return true;
  const part = partOf(circle, d.unit, home);
  if (part.includes(d.device)) return true;
  if (!fallen(part, Math.floor(d.now().getTime() / 1000), directoryResolver(d.directory))) return false;
  const intake = d.directory.intakeOf(d.unit);
  return intake.length === 0 || intake.includes(d.device);
}

/** Recipients of a referral to `to`: its intake, and this unit's intake (PROTOCOL.md §13.6). */
export function referralRecipients(d: DeviceRuntime, to: string): RecipientDevice[] {
  const others = intakeRecipients(d, to);
  return [...others, ...ownPart(d, () => intakeRecipients(d, d.unit))];
}

/**
 * The devices of `unit`'s part of `circle` able to receive now, or its intake when the part fell; an
 * open part of a unit without an intake is every device of the unit, as before intakes (§6.5).
 */
function partRecipients(d: DeviceRuntime, circle: CaseCircle, unit: string, home: string): RecipientDevice[] {
  if (!circle.assigned.includes(unit) && !d.directory.hasIntake(unit))
    return d.directory.recipientsFor([unit], d.now(), { validThrough: d.deliveryWindowEnd() });
  const part = partOf(circle, unit, home);
  const now = d.now();
  if (fallen(part, Math.floor(now.getTime() / 1000), directoryResolver(d.directory)))
    return intakeRecipients(d, unit);
  return d.directory.recipientsAmong(unit, part, now, { validThrough: d.deliveryWindowEnd() });
}

/** Recipients of a later case packet: the circle at the other end (required) and at this end. */
export function circleRecipients(
  d: DeviceRuntime,
  circle: CaseCircle,
  home: string,
  receiving: string,
): RecipientDevice[] {
  const counterpart = d.unit === home ? receiving : home;
  const others = partRecipients(d, circle, counterpart, home);
  return [...others, ...ownPart(d, () => partRecipients(d, circle, d.unit, home))];
}

/** This unit's devices from `list` but this one; none when none can receive. */
function ownPart(d: DeviceRuntime, list: () => RecipientDevice[]): RecipientDevice[] {
  try {
    return list().filter((r) => r.device !== d.device);
  } catch {
    return [];
  }
}

/**
 * The circle of a case along its log, for sealing its packets again (PROTOCOL.md §13.5): where each
 * packet goes given the packets before it, as they are once sealed again.
 */
export class CircleWalk {
  readonly #d: DeviceRuntime;
  #home: string | undefined;
  #receiving: string | undefined;
  #circle: CaseCircle | undefined;

  constructor(d: DeviceRuntime) {
    this.#d = d;
  }

  /** Take `claims` (a packet of the log, in order) into the circle. */
  advance(claims: PacketClaims, hash: string): void {
    const p = toCasePacket(claims, hash);
    if (p.type === 'referral') {
      this.#home = p.unit;
      this.#receiving = p.body.to;
      this.#circle = referralCircle(p, p.body.to, directoryResolver(this.#d.directory));
    } else if (p.type === 'assignment') {
      this.#circle = this.#assigned(p.body);
    }
  }

  #assigned(body: AssignmentBody): CaseCircle | undefined {
    if (!this.#circle || !this.#home) return undefined;
    return withPart(this.#circle, body.unit, this.#home, body.devices);
  }

  /** Where the packet with `claims` goes now, after the packets taken in. */
  recipientsFor(claims: PacketClaims): RecipientDevice[] {
    const p = typedBody(claims.type as CaseLogType, claims.body);
    if (p.type === 'referral') return referralRecipients(this.#d, p.body.to);
    const circle = p.type === 'assignment' ? this.#assigned(p.body) : this.#circle;
    if (!circle || !this.#home || !this.#receiving)
      throw new BryggaError('ERR_UNKNOWN_CASE', 'the case log does not begin with its referral');
    return circleRecipients(this.#d, circle, this.#home, this.#receiving);
  }
}

/** A {@link CircleWalk} over the applied packets of the case of `claims` before it. */
export async function circleBefore(
  d: DeviceRuntime,
  tx: BryggaStore,
  claims: PacketClaims,
): Promise<CircleWalk> {
  const records = (await tx.listCasePackets(claims.case!))
    .filter((r) => r.status === 'applied' && r.position !== null)
    .sort((a, b) => a.position! - b.position!);
  const self = records.find((r) => r.pid === claims.pid);
  const walk = new CircleWalk(d);
  for (const r of records) {
    if (self && r.position! >= self.position!) break;
    walk.advance(claimsOf(r), r.hash);
  }
  return walk;
}
