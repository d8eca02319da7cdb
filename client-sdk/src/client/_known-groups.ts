/**
 * Internal: the unit's list of known groups and the rival-group check against it (PROTOCOL.md
 * §14.6 (5)). The list is the receiving unit's own knowledge, kept in its store and in no packet; only
 * the check's result travels, in the uptake decision. Here the receiving SDK refuses a check recorded
 * as "no conflict" while its own list shows one (ERR_RIVAL_CONFLICT_UNRECORDED): no other end can.
 */
import {
  findRivalCollisions,
  type GroupAffiliation,
  type KnownGroup,
  type KnownGroupInput,
  type RivalCheck,
  type RivalCollision,
  validateKnownGroupInput,
} from '../cases/rival-groups.js';
import { randomBytes, toBase64url } from '../crypto/bytes.js';
import { BryggaError } from '../errors.js';
import { caseLogEntries, requireCase } from './_case-queries.js';
import type { DeviceRuntime } from './_device-runtime.js';

/** Add an entry to the list of known groups; the entry as kept, with its id. */
export async function addKnownGroup(d: DeviceRuntime, input: KnownGroupInput): Promise<KnownGroup> {
  const entry: KnownGroup = {
    id: toBase64url(randomBytes(9, d.rng)),
    ...validateKnownGroupInput(input),
    addedAt: d.now().toISOString(),
  };
  await d.store.addKnownGroup(entry);
  return entry;
}

/** Remove an entry of the list; ERR_MALFORMED naming the id when there is none. */
export async function removeKnownGroup(d: DeviceRuntime, id: string): Promise<void> {
  if (!(await d.store.removeKnownGroup(id))) {
    throw new BryggaError('ERR_MALFORMED', `the list of known groups has no entry ${id}`);
  }
}

/** The person's group affiliation as the case's referral states it, or null. */
export async function caseAffiliation(d: DeviceRuntime, caseId: string): Promise<GroupAffiliation | null> {
  const { state } = await requireCase(d, caseId);
  const referral = (await caseLogEntries(d, caseId)).find((e) => e.hash === state.referral);
  return referral?.type === 'referral' ? referral.body.affiliation : null;
}

/** The collisions between the case's referral's affiliation and this unit's list of known groups. */
export async function rivalCollisions(d: DeviceRuntime, caseId: string): Promise<RivalCollision[]> {
  const affiliation = await caseAffiliation(d, caseId);
  return findRivalCollisions(affiliation, await d.store.listKnownGroups());
}

/**
 * A check recorded as "no conflict" must agree with this unit's own list: where the list shows a
 * collision, the coordinator records the conflict and a decision (ERR_RIVAL_CONFLICT_UNRECORDED, naming
 * how many collisions but not the list's contents, which stay with the unit).
 */
export async function assertCheckMatchesList(
  d: DeviceRuntime,
  caseId: string,
  check: RivalCheck | null | undefined,
): Promise<void> {
  if (check?.result !== 'no-conflict') return;
  const collisions = await rivalCollisions(d, caseId);
  if (collisions.length > 0) {
    throw new BryggaError(
      'ERR_RIVAL_CONFLICT_UNRECORDED',
      `the check says no conflict, but this unit's list of known groups shows ${collisions.length} rival ${collisions.length === 1 ? 'group' : 'groups'} of the person's present in its area: record the conflict and its decision`,
    );
  }
}
