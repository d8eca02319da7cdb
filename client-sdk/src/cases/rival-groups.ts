/**
 * The rival-group check (kontroll mot rivaliserande grupperingar; PROTOCOL.md §12.4.1, §12.4.2,
 * §14.6 (5)): defectors from rival groups must not be placed in the same municipality or in
 * neighbouring ones. The referral states the person's group affiliation, as the home unit assessed it;
 * the receiving unit checks it against what it knows locally (the groups present in its municipality
 * and its neighbours, and whom they are rivals of) and its acceptance carries the result only: no
 * conflict, or a conflict and its decision, with who checked and when. The unit's list of known groups
 * never leaves the unit: it is in no packet.
 */
import { date, distinct, list, MAX_SHORT, malformed, members, oneOf, optionalText, text } from './_fields.js';
import type { Officer } from './relocation.js';

/** The person's group affiliation, as the home unit assessed it (a referral's `affiliation`). */
export interface GroupAffiliation {
  /** The group or groups, as the home unit names them; empty when no affiliation is known. */
  groups: string[];
  assessedBy: Officer;
  assessedOn: string;
}

/** The check's results. */
export const RIVAL_RESULTS = ['no-conflict', 'conflict'] as const;

/** What the receiving unit decided about a conflict: accept despite it (with a reason), or decline. */
export const RIVAL_DECISIONS = ['accepted-despite', 'declined'] as const;

/** The receiving unit's rival-group check, as an uptake decision carries it (the result only). */
export interface RivalCheck {
  result: (typeof RIVAL_RESULTS)[number];
  /** With a conflict, what was decided about it; null with no conflict. */
  decision: (typeof RIVAL_DECISIONS)[number] | null;
  /**
   * Why the case is accepted despite the conflict (e.g. a different district), required then; may say
   * why it is declined; null with no conflict. Never the list's contents.
   */
  reason: string | null;
  checkedBy: Officer;
  checkedOn: string;
}

/**
 * A group the receiving unit knows to be present in its municipality or a neighbouring one, and the
 * groups it is a rival of. Kept in the unit's own store only.
 */
export interface KnownGroup {
  /** The entry's id in the store. */
  id: string;
  /** The group, as the unit names it. */
  group: string;
  /** The municipality (or district) where it is present: the unit's own or a neighbouring one. */
  presentIn: string;
  /** The groups it is a rival of. */
  rivals: string[];
  note: string | null;
  /** Who added the entry, and when (ISO 8601). */
  addedBy: string;
  addedAt: string;
}

/** A collision: a rival of one of the person's groups is known to be present where the unit places people. */
export interface RivalCollision {
  /** The person's group, as the referral names it. */
  group: string;
  /** The rival group the unit knows to be present, and where. */
  rival: string;
  presentIn: string;
  /** The id of the entry that shows it. */
  entry: string;
}

/** At most this many groups in an affiliation, or rivals in an entry. */
export const MAX_GROUPS = 16;

/**
 * The form group names are compared in: Unicode NFC, spaces collapsed, trimmed, lower-cased (Swedish),
 * so "Gäng  X" and "gäng x" are one group.
 */
export function groupKey(name: string): string {
  return name.normalize('NFC').replace(/\s+/gu, ' ').trim().toLocaleLowerCase('sv');
}

function officer(value: unknown, path: string): Officer {
  const o = members(value, path, ['name', 'role']);
  return { name: text(o.name, `${path}.name`, MAX_SHORT), role: text(o.role, `${path}.role`, MAX_SHORT) };
}

/** A list of distinct group names (by {@link groupKey}), none blank. */
function groupNames(value: unknown, path: string, min: number): string[] {
  const names = list(value, path, min, MAX_GROUPS, (v, p) => {
    const name = text(v, p, MAX_SHORT);
    if (groupKey(name) === '') malformed(p, 'must name a group');
    return name;
  });
  distinct(names, path, groupKey);
  return names;
}

/** Validate a group affiliation, or null; ERR_MALFORMED naming the field. */
export function validateAffiliation(value: unknown, path: string): GroupAffiliation | null {
  if (value === null) return null;
  const o = members(value, path, ['groups', 'assessedBy', 'assessedOn']);
  return {
    groups: groupNames(o.groups, `${path}.groups`, 0),
    assessedBy: officer(o.assessedBy, `${path}.assessedBy`),
    assessedOn: date(o.assessedOn, `${path}.assessedOn`),
  };
}

/**
 * Validate a rival-group check, or null, in an uptake decision that accepts or declines
 * (`decision`); ERR_MALFORMED naming the field. With no conflict there is no decision and no reason;
 * with a conflict the decision matches the uptake decision's, and accepting despite it says why.
 */
export function validateRivalCheck(
  value: unknown,
  path: string,
  decision: 'accept' | 'decline',
): RivalCheck | null {
  if (value === null) return null;
  const o = members(value, path, ['result', 'decision', 'reason', 'checkedBy', 'checkedOn']);
  const result = oneOf(o.result, `${path}.result`, RIVAL_RESULTS);
  const reason = optionalText(o.reason, `${path}.reason`, 2000);
  let decided: RivalCheck['decision'] = null;
  if (result === 'no-conflict') {
    if (o.decision !== null) malformed(`${path}.decision`, 'must be null with no conflict');
    if (reason !== null) malformed(`${path}.reason`, 'must be null with no conflict');
  } else {
    decided = oneOf(o.decision, `${path}.decision`, RIVAL_DECISIONS);
    const expected = decision === 'accept' ? 'accepted-despite' : 'declined';
    if (decided !== expected)
      malformed(`${path}.decision`, `must be ${expected} when the case is ${decision}ed`);
    if (decided === 'accepted-despite' && reason === null) {
      malformed(`${path}.reason`, 'must say why the case is accepted despite the conflict');
    }
  }
  return {
    result,
    decision: decided,
    reason,
    checkedBy: officer(o.checkedBy, `${path}.checkedBy`),
    checkedOn: date(o.checkedOn, `${path}.checkedOn`),
  };
}

/** What a unit enters in its list of known groups (the store adds the id and the time). */
export interface KnownGroupInput {
  group: string;
  presentIn: string;
  rivals: string[];
  note?: string | null;
  addedBy: string;
}

/** Validate an entry for the list of known groups; ERR_MALFORMED naming the field. */
export function validateKnownGroupInput(value: unknown): Required<KnownGroupInput> {
  const o = members(value, 'knownGroup', ['group', 'presentIn', 'rivals', 'addedBy'], ['note']);
  const group = groupNames([o.group], 'knownGroup.group', 1)[0]!;
  const rivals = groupNames(o.rivals, 'knownGroup.rivals', 1);
  if (rivals.some((r) => groupKey(r) === groupKey(group))) {
    malformed('knownGroup.rivals', 'cannot name the group itself');
  }
  return {
    group,
    presentIn: text(o.presentIn, 'knownGroup.presentIn', MAX_SHORT),
    rivals,
    note: o.note === undefined ? null : optionalText(o.note, 'knownGroup.note', 2000),
    addedBy: text(o.addedBy, 'knownGroup.addedBy', MAX_SHORT),
  };
}

/**
 * The collisions between a referral's affiliation and the unit's list of known groups: for each of the
 * person's groups, each known group present in the unit's area that is its rival, whichever side's
 * entry says so (an entry of the known group naming the person's group among its rivals, or an entry of
 * the person's group naming the known group). Empty when the affiliation is null or names no group.
 */
export function findRivalCollisions(
  affiliation: GroupAffiliation | null,
  known: readonly KnownGroup[],
): RivalCollision[] {
  if (affiliation === null) return [];
  const found: RivalCollision[] = [];
  for (const group of affiliation.groups) {
    const g = groupKey(group);
    const rivalsOfG = new Set(
      known.filter((e) => groupKey(e.group) === g).flatMap((e) => e.rivals.map(groupKey)),
    );
    for (const e of known) {
      const k = groupKey(e.group);
      if (k === g) continue;
      if (e.rivals.some((r) => groupKey(r) === g) || rivalsOfG.has(k)) {
        found.push({ group, rival: e.group, presentIn: e.presentIn, entry: e.id });
      }
    }
  }
  return found;
}
