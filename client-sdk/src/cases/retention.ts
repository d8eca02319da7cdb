/**
 * Retention (gallring; PROTOCOL.md §23). A lifestyle change is judged over about five years, so a case's
 * records must stay readable that long, and, by the GDPR's storage limitation, no longer than needed:
 * a closed or declined case is kept `reporting.retentionYears` (5 by default) after it ended (its
 * closure's day, never before the closure was signed; or the day it was declined), then purged, leaving
 * a signed purge record that names the case ids, when and by whom, and nothing else.
 *
 * The device's old HPKE private keys stay (encrypted at rest) while a packet sealed to them could still
 * arrive (until 30 days after the key's `exp`, the oldest `iat` a receiver accepts, §7.5), and while the
 * device keeps any case record that arrived while the key was in use: that record's envelope, if a case
 * system archived it, must open for as long as the record is kept. After both, the key is destroyed.
 */
import { fromBase64url } from '../crypto/bytes.js';
import { decodeJsonPayload, type GeneralJws } from '../crypto/jws.js';
import type { SigningKeyPair } from '../crypto/keys.js';
import { BryggaError } from '../errors.js';
import { addDays, addYears } from './_days.js';
import { dayOf, hash, id, id16, integer, list, members, optionalText } from './_fields.js';
import type { CaseState } from './case-state.js';
import { validateReconciliationStatement } from './reconciliation.js';
import {
  type DeviceResolver,
  signDocument,
  type VerifiedDocument,
  verifyDocument,
} from './signed-document.js';

/** The JWS `typ` of a purge record. */
export const PURGE_TYP = 'brygga-purge+jws';

/** How long after its `exp` a packet sealed to a key may still be opened (PROTOCOL.md §7.5 step 7). */
export const IN_FLIGHT_SECONDS = 30 * 86_400;

/** How far a sender's clock may run ahead of a receiver's (PROTOCOL.md §7.5 step 7). */
const CLOCK_SKEW_SECONDS = 300;

/**
 * The day a case ended: its closure's day, or the day it was declined; null while it is open. A closure's
 * day is the later of the `closedOn` it states and the day it was signed: a closure dated back, or dated
 * years early by a slip of the keyboard, never shortens the time the case is kept.
 */
export function caseEndDay(state: CaseState): string | null {
  // Days as YYYY-MM-DD sort as text: the later is the last.
  if (state.closure) return [state.closure.closedOn, dayOf(state.closure.at)].sort()[1]!;
  if (state.status === 'declined' && state.decision) return dayOf(state.decision.at);
  return null;
}

/** The last day a case is kept: `years` after it ended; null while it is open. */
export function retainedUntil(state: CaseState, years: number): string | null {
  const end = caseEndDay(state);
  return end === null ? null : addYears(end, years);
}

/** The first day a closed or declined case may be purged: the day after its last day kept. */
export function purgeableOn(state: CaseState, years: number): string | null {
  const until = retainedUntil(state, years);
  return until === null ? null : addDays(until, 1);
}

/** The cases whose retention has run out by `today` (the day after their last day kept, or later). */
export function expiredCases(cases: readonly CaseState[], years: number, today: string): CaseState[] {
  return cases.filter((c) => {
    const until = retainedUntil(c, years);
    return until !== null && until < today;
  });
}

/** An HPKE key of this device, as its publication gives it. */
export interface OwnHpkeKey {
  kid: string;
  nbf: number;
  exp: number;
}

/**
 * The HPKE keys the device may destroy at `now`: those past their in-flight window (`exp` + 30 days) that
 * no kept case record needs, a record needing a key when it was signed (its `iat`) while the key was
 * valid, give or take the clock skew a receiver allows.
 * `received` holds the signing times of the case packets the device received and still keeps.
 */
export function hpkeKeysToDestroy(
  keys: readonly OwnHpkeKey[],
  received: readonly number[],
  now: Date,
): string[] {
  const t = Math.floor(now.getTime() / 1000);
  return keys
    .filter((k) => t >= k.exp + IN_FLIGHT_SECONDS)
    .filter(
      (k) => !received.some((iat) => iat >= k.nbf - CLOCK_SKEW_SECONDS && iat <= k.exp + CLOCK_SKEW_SECONDS),
    )
    .map((k) => k.kid);
}

/** A purge record: which cases (and reconciliations, keys) were removed, when and by whom; no content. */
export interface PurgeRecord {
  v: 1;
  kind: 'brygga.purge';
  unit: string;
  /** The device that purged and signed. */
  device: string;
  /** The retention, in years after a case ended, that was applied. */
  retentionYears: number;
  /** Case ids removed. */
  cases: string[];
  /** Reconciliation statements removed: every case in them was purged. */
  reconciliations: string[];
  /** HPKE key ids destroyed. */
  keys: string[];
  /** Who ran it (a person's name, or the name of the job), if given. */
  by: string | null;
  iat: number;
}

/** Validate a purge record; ERR_MALFORMED naming the field. */
export function validatePurgeRecord(value: unknown): PurgeRecord {
  const o = members(value, 'purge', [
    'v',
    'kind',
    'unit',
    'device',
    'retentionYears',
    'cases',
    'reconciliations',
    'keys',
    'by',
    'iat',
  ]);
  if (o.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported purge record version');
  if (o.kind !== 'brygga.purge') throw new BryggaError('ERR_MALFORMED', 'purge.kind must be "brygga.purge"');
  return {
    v: 1,
    kind: 'brygga.purge',
    unit: id(o.unit, 'purge.unit'),
    device: hash(o.device, 'purge.device'),
    retentionYears: integer(o.retentionYears, 'purge.retentionYears', 1, 100),
    cases: list(o.cases, 'purge.cases', 0, 100_000, (v, p) => id16(v, p)),
    reconciliations: list(o.reconciliations, 'purge.reconciliations', 0, 100_000, (v, p) => hash(v, p)),
    keys: list(o.keys, 'purge.keys', 0, 10_000, (v, p) => hash(v, p)),
    by: optionalText(o.by, 'purge.by', 200),
    iat: integer(o.iat, 'purge.iat', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** Sign a purge record with this device's key. */
export function signPurgeRecord(
  device: SigningKeyPair,
  input: Omit<PurgeRecord, 'v' | 'kind' | 'device' | 'iat'> & { now: Date },
): string {
  const { now, ...rest } = input;
  const record = validatePurgeRecord({
    v: 1,
    kind: 'brygga.purge',
    ...rest,
    device: device.kid,
    iat: Math.floor(now.getTime() / 1000),
  });
  return signDocument(PURGE_TYP, record, device);
}

/** Verify a purge record: signed by a device of the unit it names, before any revocation. */
export function verifyPurgeRecord(jws: string, resolve: DeviceResolver): VerifiedDocument<PurgeRecord> {
  const doc = verifyDocument(
    jws,
    PURGE_TYP,
    resolve,
    validatePurgeRecord,
    (p) => p.unit,
    (p) => p.iat,
  );
  if (doc.payload.device !== doc.device) {
    throw new BryggaError('ERR_WRONG_PARTY', 'the purge record names another device than its signer');
  }
  return doc;
}

/**
 * The ids of the reconciliation statements whose every case is among `purged`: with their cases gone
 * they name only case ids nobody holds, and go with them.
 */
export function reconciliationsOfPurged(
  statements: readonly { id: string; document: GeneralJws }[],
  purged: ReadonlySet<string>,
): string[] {
  return statements
    .filter((s) => {
      const statement = validateReconciliationStatement(decodeJsonPayload(fromBase64url(s.document.payload)));
      const cases = new Set(statement.lines.map((l) => l.case));
      return cases.size > 0 && [...cases].every((c) => purged.has(c));
    })
    .map((s) => s.id);
}
