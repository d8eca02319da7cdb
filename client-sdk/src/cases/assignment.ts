/**
 * Assignment (tilldelning; PROTOCOL.md §12.4.12, §13.6): a unit names the devices of its officers who
 * hold the case from this packet on, its part of the case's circle. Signed by a device already in that
 * unit's circle; the case's later packets are sealed to the circle alone.
 */
import { KID_PATTERN } from '../directory/validate.js';
import { id, list, malformed, members, text } from './_fields.js';

/** Most devices a unit keeps in the circle of one case (PROTOCOL.md §13.6). */
export const MAX_CIRCLE_DEVICES = 16;

/** Body of an `assignment` packet: the sender's unit and its devices in the circle, sorted and distinct. */
export interface AssignmentBody {
  unit: string;
  devices: string[];
}

/** Validate an `assignment` body; ERR_MALFORMED naming the field. */
export function validateAssignment(value: unknown): AssignmentBody {
  const o = members(value, 'assignment', ['unit', 'devices']);
  const unit = id(o.unit, 'assignment.unit');
  const devices = list(o.devices, 'assignment.devices', 1, MAX_CIRCLE_DEVICES, (v, path) =>
    text(v, path, 43, KID_PATTERN),
  );
  for (let i = 1; i < devices.length; i++)
    if (devices[i - 1]! >= devices[i]!) malformed('assignment.devices', 'must be sorted and distinct');
  return { unit, devices };
}
