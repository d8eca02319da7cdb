/**
 * The case's circle (PROTOCOL.md §13.6): for each of the case's two units, the devices that hold the
 * case. The referral starts it (its sender and its recipient devices), and a unit's first `assignment`
 * closes its part: from then on every case packet is sealed, at that unit, to its part alone (a
 * recipient outside it is refused with ERR_OUTSIDE_CIRCLE), and a later assignment replaces it. A part
 * that holds no device unrevoked at the packet's signing time has fallen; then any of the unit's devices
 * may receive (the sender seals to its intake, §6.5) and assign the case again. Until a unit assigns the
 * case its part is open: the rules here do not bound it (its recipients are checked when received, by
 * the unit's intake). Pure: both ends derive the same circle from the same log.
 */
import { BryggaError } from '../errors.js';
import type { CasePacket } from './case-packet.js';
import type { DeviceResolver } from './signed-document.js';

/** Each unit's devices in the circle of a case, sorted and distinct. */
export interface CaseCircle {
  home: string[];
  receiving: string[];
  /** The units that assigned the case (their part is closed), sorted. */
  assigned: string[];
}

const sorted = (kids: Iterable<string>) => [...new Set(kids)].sort();

/** The unit `kid` belongs to; ERR_UNKNOWN_KEY for a device the directory does not know. */
function unitOf(resolve: DeviceResolver, kid: string): string {
  const d = resolve(kid);
  if (!d)
    throw new BryggaError('ERR_UNKNOWN_KEY', 'a case packet names a device the directory does not know');
  return d.unit;
}

/** The circle a referral starts: its sender and its recipients of the home unit, its recipients of the other. */
export function referralCircle(p: CasePacket, receiving: string, resolve: DeviceResolver): CaseCircle {
  const home: string[] = [p.device];
  const other: string[] = [];
  for (const kid of p.rcp) {
    const unit = unitOf(resolve, kid);
    if (unit === p.unit) home.push(kid);
    else if (unit === receiving) other.push(kid);
  }
  return { home: sorted(home), receiving: sorted(other), assigned: [] };
}

/** Whether `devices` hold no device unrevoked at `at` (NumericDate): the unit fell out of the circle. */
export function fallen(devices: readonly string[], at: number, resolve: DeviceResolver): boolean {
  return devices.every((kid) => {
    const revokedAt = resolve(kid)?.revokedAt;
    return revokedAt !== undefined && revokedAt <= at;
  });
}

/** The part of the circle of `unit` (the case's home or receiving unit). */
export function partOf(circle: CaseCircle, unit: string, home: string): string[] {
  return unit === home ? circle.home : circle.receiving;
}

/**
 * Check an `assignment` against the circle before it and return the circle after it: it names its
 * sender's unit (ERR_WRONG_PARTY), its sender is in that unit's part or the part has fallen
 * (ERR_OUTSIDE_CIRCLE), and every device it names is a device of that unit (ERR_WRONG_PARTY). A revoked
 * device named stays in the part but receives nothing (a part of revoked devices alone has fallen); the
 * log is judged alike whenever a revocation becomes known, so an assignment once applied stays valid.
 */
export function assign(
  p: CasePacket<'assignment'>,
  circle: CaseCircle,
  home: string,
  resolve: DeviceResolver,
): CaseCircle {
  if (p.body.unit !== p.unit) throw new BryggaError('ERR_WRONG_PARTY', 'a unit assigns only its own devices');
  const part = partOf(circle, p.unit, home);
  if (!part.includes(p.device) && !fallen(part, p.iat, resolve)) {
    throw new BryggaError('ERR_OUTSIDE_CIRCLE', 'the assignment is signed by a device outside the circle');
  }
  for (const kid of p.body.devices) {
    const d = resolve(kid);
    if (!d || d.unit !== p.unit)
      throw new BryggaError('ERR_WRONG_PARTY', 'the assignment names a device of another unit');
  }
  return withPart(circle, p.unit, home, p.body.devices);
}

/** `circle` with `unit`'s part replaced by `devices` and closed. */
export function withPart(
  circle: CaseCircle,
  unit: string,
  home: string,
  devices: readonly string[],
): CaseCircle {
  const part = sorted(devices);
  const assigned = sorted([...circle.assigned, unit]);
  return unit === home ? { ...circle, home: part, assigned } : { ...circle, receiving: part, assigned };
}

/**
 * Check that every recipient of `p` at a unit whose part is closed is in that part (as it stands after
 * `p`), unless the part has fallen; any other is ERR_OUTSIDE_CIRCLE.
 */
export function assertSealedToCircle(
  p: CasePacket,
  circle: CaseCircle,
  home: string,
  receiving: string,
  resolve: DeviceResolver,
): void {
  for (const kid of p.rcp) {
    const unit = unitOf(resolve, kid);
    // A unit outside the case is ERR_WRONG_PARTY; an open part is checked by its own unit.
    if ((unit !== home && unit !== receiving) || !circle.assigned.includes(unit)) continue;
    const part = partOf(circle, unit, home);
    if (!part.includes(kid) && !fallen(part, p.iat, resolve)) {
      throw new BryggaError(
        'ERR_OUTSIDE_CIRCLE',
        "a case packet is sealed to a device outside the case's circle",
      );
    }
  }
}
