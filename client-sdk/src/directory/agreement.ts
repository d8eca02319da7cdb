/**
 * The agreement document (PROTOCOL.md §5): the trust anchor. It names the parties (units), their root
 * keys, the municipalities with their quotas, the period and the service catalogue, and is signed by
 * every party's root key (a general-serialisation JWS of type `brygga-agreement+jws`).
 *
 * An extension is a new agreement with the next `sequence` and `supersedes` set to the digest of the
 * one before. A successor is accepted over a pinned agreement only if continuing parties keep their
 * root keys and more than half of the previous parties continue (and therefore signed it).
 */

import { fromBase64url, toBase64url } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { addGeneralSignature, type GeneralJws, jsonBytes, verifyGeneral } from '../crypto/jws.js';
import { type SigningKeyPair, SigningPublicKey } from '../crypto/keys.js';
import { parseJson } from '../crypto/strict-json.js';
import { BryggaError } from '../errors.js';
import { checkDisplayText, normalizeDisplayText } from './display-text.js';
import {
  type DeviationTerms,
  type PreconditionTerms,
  validateDeviationTerms,
  validatePreconditionTerms,
} from './precondition-terms.js';
import { RECEIVING_MEMBERS, type ReceivingTerms, validateReceivingTerms } from './receiving-terms.js';
import { arr, DATE_PATTERN, fail, ID_PATTERN, int, obj, only, str } from './validate.js';

/** The JWS `typ` of an agreement signature. */
export const AGREEMENT_TYP = 'brygga-agreement+jws';

/**
 * A municipality (kommun), its quota of cases under the agreement, and what it does as a receiving
 * municipality (the optional members of {@link ReceivingTerms}, PROTOCOL.md §5.5).
 */
export interface Municipality extends ReceivingTerms {
  id: string;
  name: string;
  /** At most `outgoing` cases handed over and `incoming` received during the period. */
  quota: { outgoing: number; incoming: number };
}

/** A party: one municipal defector unit (avhopparverksamhet) and its root signing key. */
export interface Party {
  unit: string;
  municipality: string;
  name: string;
  /** base64url Ed25519 public key of the unit root. */
  rootKey: string;
}

/** A service of the catalogue (insatskatalog) the receiving municipality may provide. */
export interface CatalogueService {
  code: string;
  name: string;
}

/** Target group admitted by the agreement (målgrupp). */
export interface AdmittedCases {
  categories: ('avhoppare' | 'skyddsarende')[];
  threatLevels: ('low' | 'high')[];
}

/**
 * The agreement's terms for follow-up, reporting, reconciliation and retention (PROTOCOL.md §5.3).
 * Every member may be left out; {@link reportingTerms} fills in the defaults of
 * {@link REPORTING_DEFAULTS}.
 */
export interface ReportingTerms {
  /** Statistics show a count of 1 up to one less than this as "<n" (small cells; default 5, at least 3). */
  suppressionThreshold?: number;
  /** A case's follow-up is due this many months after the last one, or after the plan (default 1). */
  followUpIntervalMonths?: number;
  /** Costs are reconciled every 3, 6 or 12 months (default 6: half-years). */
  reconciliationIntervalMonths?: 3 | 6 | 12;
  /** A reconciliation settles only a transfer of at least this many SEK ("avvikelser av betydelse"; default 1: any). */
  notableDeviationSek?: number;
  /** A referral should be decided on within this many days (default 14). */
  decisionDays?: number;
  /** Warn this many days before the consent a case relies on runs out (default 30). */
  consentExpiryWarningDays?: number;
  /** An urgent child notice should be answered by the other unit within this many days (default 1). */
  childNoticeAnswerDays?: number;
  /** A closed or declined case is kept this many years, then purged (default 5). */
  retentionYears?: number;
}

/** The defaults of the reporting terms (PROTOCOL.md §5.3). */
export const REPORTING_DEFAULTS: Readonly<Required<ReportingTerms>> = Object.freeze({
  suppressionThreshold: 5,
  followUpIntervalMonths: 1,
  reconciliationIntervalMonths: 6,
  notableDeviationSek: 1,
  decisionDays: 14,
  consentExpiryWarningDays: 30,
  childNoticeAnswerDays: 1,
  retentionYears: 5,
});

/** The reconciliation intervals an agreement may choose: quarters, half-years or whole years. */
export const RECONCILIATION_INTERVALS = [3, 6, 12] as const;

/** The least and greatest value of each numeric reporting term. */
const REPORTING_RANGES: Record<
  Exclude<keyof ReportingTerms, 'reconciliationIntervalMonths'>,
  [number, number]
> = {
  suppressionThreshold: [3, 100],
  followUpIntervalMonths: [1, 12],
  notableDeviationSek: [1, 1_000_000_000],
  decisionDays: [1, 365],
  consentExpiryWarningDays: [0, 365],
  childNoticeAnswerDays: [1, 30],
  retentionYears: [1, 100],
};

/** The reporting terms of an agreement with every default filled in. */
export function reportingTerms(agreement: Agreement | AgreementTerms): Required<ReportingTerms> {
  const terms = agreement instanceof Agreement ? agreement.terms : agreement;
  return { ...REPORTING_DEFAULTS, ...terms.reporting };
}

/** The signed terms of an agreement (the JWS payload). */
export interface AgreementTerms {
  v: 1;
  kind: 'brygga.agreement';
  id: string;
  sequence: number;
  supersedes: string | null;
  title: string;
  period: { from: string; to: string };
  municipalities: Municipality[];
  parties: Party[];
  catalogue: CatalogueService[];
  admits: AdmittedCases;
  /** Follow-up, reporting, reconciliation and retention (optional; PROTOCOL.md §5.3). */
  reporting?: ReportingTerms;
  /** What must come before a referral: police, target group (optional; PROTOCOL.md §5.4). */
  preconditions?: PreconditionTerms;
  /** Which referral rules a documented deviation may set aside (optional; PROTOCOL.md §5.4). */
  deviations?: DeviationTerms;
}

const TERMS_KEYS = [
  'v',
  'kind',
  'id',
  'sequence',
  'supersedes',
  'title',
  'period',
  'municipalities',
  'parties',
  'catalogue',
  'admits',
  'reporting',
  'preconditions',
  'deviations',
] as const;

/** `terms` with its display text in NFC (§3.5), before it is signed; anything else is left to validation. */
function normalizedTerms(terms: AgreementTerms): AgreementTerms {
  if (!terms || typeof terms !== 'object') return terms;
  const named = <T>(list: T[]): T[] =>
    Array.isArray(list)
      ? list.map((x) => {
          const name = (x as { name?: unknown } | null)?.name;
          return typeof name === 'string' ? { ...x, name: normalizeDisplayText(name) } : x;
        })
      : list;
  return {
    ...terms,
    title: normalizeDisplayText(terms.title),
    municipalities: named(terms.municipalities),
    parties: named(terms.parties),
    catalogue: named(terms.catalogue),
  };
}

/** Validate the optional reporting terms; ERR_MALFORMED naming the member. */
function validateReporting(value: unknown): void {
  const r = obj(value, 'reporting');
  only(r, [...Object.keys(REPORTING_RANGES), 'reconciliationIntervalMonths'], 'reporting');
  for (const [key, [min, max]] of Object.entries(REPORTING_RANGES)) {
    if (r[key] !== undefined) int(r[key], `reporting.${key}`, min, max);
  }
  const interval = r.reconciliationIntervalMonths;
  if (interval !== undefined && !(RECONCILIATION_INTERVALS as readonly unknown[]).includes(interval)) {
    fail('reporting.reconciliationIntervalMonths must be 3, 6 or 12');
  }
}

/** Validate the shape of agreement terms; throws ERR_MALFORMED naming the problem. */
function validateTerms(value: unknown): AgreementTerms {
  const t = obj(value, 'agreement');
  only(t, TERMS_KEYS, 'agreement');
  if (t.kind !== 'brygga.agreement') fail('not an agreement');
  if (t.v !== 1) throw new BryggaError('ERR_UNSUPPORTED_VERSION', 'unsupported agreement version');
  str(t.id, 'agreement id', ID_PATTERN);
  int(t.sequence, 'agreement sequence', 1);
  if (t.supersedes !== null) str(t.supersedes, 'agreement supersedes', /^[A-Za-z0-9_-]{43}$/);
  if ((t.sequence === 1) !== (t.supersedes === null))
    fail('only the first agreement (sequence 1) has no predecessor');
  checkDisplayText(t.title, 'agreement title', 1000);
  const period = obj(t.period, 'agreement period');
  only(period, ['from', 'to'], 'agreement period');
  const from = str(period.from, 'period.from', DATE_PATTERN);
  const to = str(period.to, 'period.to', DATE_PATTERN);
  if (from > to) fail('the period ends before it starts');
  const municipalities = arr(t.municipalities, 'municipalities', 50).map((m, i) => {
    const o = obj(m, `municipalities[${i}]`);
    only(o, ['id', 'name', 'quota', ...RECEIVING_MEMBERS], `municipalities[${i}]`);
    str(o.id, `municipalities[${i}].id`, ID_PATTERN);
    checkDisplayText(o.name, `municipalities[${i}].name`, 1000);
    const q = obj(o.quota, `municipalities[${i}].quota`);
    only(q, ['outgoing', 'incoming'], `municipalities[${i}].quota`);
    int(q.outgoing, `municipalities[${i}].quota.outgoing`, 0, 10_000);
    int(q.incoming, `municipalities[${i}].quota.incoming`, 0, 10_000);
    return o.id as string;
  });
  if (new Set(municipalities).size !== municipalities.length) fail('a municipality is listed twice');
  const parties = arr(t.parties, 'parties', 200);
  if (parties.length < 2) fail('an agreement needs at least two parties');
  const units = new Set<string>();
  const roots = new Set<string>();
  parties.forEach((p, i) => {
    const o = obj(p, `parties[${i}]`);
    only(o, ['unit', 'municipality', 'name', 'rootKey'], `parties[${i}]`);
    const unit = str(o.unit, `parties[${i}].unit`, ID_PATTERN);
    const m = str(o.municipality, `parties[${i}].municipality`, ID_PATTERN);
    checkDisplayText(o.name, `parties[${i}].name`, 1000);
    const root = SigningPublicKey.deserialize(str(o.rootKey, `parties[${i}].rootKey`));
    if (!municipalities.includes(m)) fail(`parties[${i}] names an unknown municipality`);
    if (units.has(unit)) fail(`unit ${unit} is listed twice`);
    if (roots.has(root.kid)) fail('two parties share a root key');
    units.add(unit);
    roots.add(root.kid);
  });
  const codes = arr(t.catalogue, 'catalogue', 500).map((c, i) => {
    const o = obj(c, `catalogue[${i}]`);
    only(o, ['code', 'name'], `catalogue[${i}]`);
    checkDisplayText(o.name, `catalogue[${i}].name`, 1000);
    return str(o.code, `catalogue[${i}].code`, ID_PATTERN);
  });
  if (new Set(codes).size !== codes.length) fail('a catalogue code is listed twice');
  (t.municipalities as Record<string, unknown>[]).forEach((m, i) => {
    validateReceivingTerms(m, i, codes);
  });
  const admits = obj(t.admits, 'admits');
  only(admits, ['categories', 'threatLevels'], 'admits');
  for (const c of arr(admits.categories, 'admits.categories', 2)) {
    if (c !== 'avhoppare' && c !== 'skyddsarende') fail('admits.categories has an unknown category');
  }
  for (const l of arr(admits.threatLevels, 'admits.threatLevels', 2)) {
    if (l !== 'low' && l !== 'high') fail('admits.threatLevels has an unknown level');
  }
  if (t.reporting !== undefined) validateReporting(t.reporting);
  if (t.preconditions !== undefined) validatePreconditionTerms(t.preconditions);
  if (t.deviations !== undefined) validateDeviationTerms(t.deviations);
  return t as unknown as AgreementTerms;
}

/**
 * An agreement document, signed by some or all of its parties. Create it with {@link Agreement.create},
 * let every party {@link Agreement.sign}, then {@link Agreement.verify} it.
 */
export class Agreement {
  readonly jws: GeneralJws;
  readonly terms: AgreementTerms;
  /** base64url SHA-256 of the signed payload bytes: the agreement's identity. */
  readonly digest: string;
  /** Root keys by unit, parsed once: decoding and checking an Ed25519 point is not free. */
  readonly #roots: Map<string, SigningPublicKey>;

  private constructor(jws: GeneralJws, terms: AgreementTerms, digest: string) {
    this.jws = jws;
    this.terms = terms;
    this.digest = digest;
    this.#roots = new Map(terms.parties.map((p) => [p.unit, SigningPublicKey.deserialize(p.rootKey)]));
  }

  /** A new, unsigned agreement document with these terms. */
  static create(terms: AgreementTerms): Agreement {
    const valid = validateTerms(normalizedTerms(terms));
    const payload = jsonBytes(valid);
    return new Agreement(
      { payload: toBase64url(payload), signatures: [] },
      valid,
      toBase64url(sha256(payload)),
    );
  }

  /** Parse a serialised agreement (JSON text or object). Signatures are checked by {@link verify}. */
  static deserialize(input: string | GeneralJws): Agreement {
    let jws: GeneralJws;
    try {
      jws = typeof input === 'string' ? (parseJson(input) as unknown as GeneralJws) : input;
    } catch {
      throw new BryggaError('ERR_MALFORMED', 'agreement is not Brygga JSON');
    }
    const o = obj(jws, 'agreement document');
    only(o, ['payload', 'signatures'], 'agreement document');
    const payloadText = str(o.payload, 'agreement payload', /^[A-Za-z0-9_-]+$/, 4 * 1024 * 1024);
    arr(o.signatures, 'agreement signatures', 200);
    const payload = fromBase64url(payloadText);
    let terms: unknown;
    try {
      terms = parseJson(payload);
    } catch {
      throw new BryggaError('ERR_MALFORMED', 'agreement payload is not Brygga JSON');
    }
    return new Agreement(jws, validateTerms(terms), toBase64url(sha256(payload)));
  }

  /** The party whose root key is `key`, if any. */
  partyOf(key: SigningPublicKey): Party | undefined {
    return this.terms.parties.find((p) => p.rootKey === key.serialize());
  }

  /** This agreement with `root`'s signature added. Refuses a key that is not a party's root. */
  sign(root: SigningKeyPair): Agreement {
    if (!this.partyOf(root.publicKey)) {
      throw new BryggaError(
        'ERR_NOT_IN_AGREEMENT',
        'this key is not the root key of a party to the agreement',
      );
    }
    if (this.signers().includes(root.kid)) return this;
    return new Agreement(addGeneralSignature(this.jws, AGREEMENT_TYP, root), this.terms, this.digest);
  }

  /** Key ids that have signed so far (unverified). */
  signers(): string[] {
    return this.jws.signatures.map((s) => {
      try {
        return (parseJson(fromBase64url(s.protected)) as { kid?: string }).kid ?? '';
      } catch {
        return '';
      }
    });
  }

  /** Parties that have not signed yet. */
  missingSignatures(): Party[] {
    const signed = new Set(this.signers());
    return this.terms.parties.filter((p) => !signed.has(this.#roots.get(p.unit)!.kid));
  }

  /**
   * Check that every party signed exactly once with its root key and nobody else signed.
   * Throws ERR_AGREEMENT_INVALID otherwise.
   */
  verify(): this {
    const roots = new Map(
      this.terms.parties.map((p) => {
        const k = SigningPublicKey.deserialize(p.rootKey);
        return [k.kid, k] as const;
      }),
    );
    let signers: string[];
    try {
      signers = verifyGeneral(this.jws, AGREEMENT_TYP, (kid) => roots.get(kid)).signers;
    } catch (cause) {
      throw new BryggaError(
        'ERR_AGREEMENT_INVALID',
        'an agreement signature is invalid or not from a party',
        { cause },
      );
    }
    const unique = new Set(signers);
    if (unique.size !== signers.length || unique.size !== roots.size) {
      throw new BryggaError(
        'ERR_AGREEMENT_INVALID',
        'the agreement is not signed by every party exactly once',
      );
    }
    return this;
  }

  /** The root key of `unit`, or undefined if the unit is not a party. */
  rootKeyOf(unit: string): SigningPublicKey | undefined {
    return this.#roots.get(unit);
  }

  /** The municipality of `unit`. */
  municipalityOf(unit: string): Municipality | undefined {
    const p = this.terms.parties.find((x) => x.unit === unit);
    return p ? this.terms.municipalities.find((m) => m.id === p.municipality) : undefined;
  }

  /** Whether `day` (YYYY-MM-DD, or a Date taken in UTC) lies within the period. */
  inPeriod(day: Date | string): boolean {
    const d = typeof day === 'string' ? day : day.toISOString().slice(0, 10);
    return d >= this.terms.period.from && d <= this.terms.period.to;
  }

  /**
   * Check that `next` extends this agreement, leaving root keys aside: fully signed, same id, next
   * sequence, names this digest, and more than half of this agreement's parties (by unit id) continue.
   * Which root keys the continuing parties may have is for the whole chain to say: see
   * `Directory.verifySuccessor`, which every client and the relay use.
   */
  checkExtension(next: Agreement): Agreement {
    next.verify();
    const t = next.terms;
    if (t.id !== this.terms.id || t.sequence !== this.terms.sequence + 1 || t.supersedes !== this.digest) {
      throw new BryggaError('ERR_AGREEMENT_INVALID', 'the agreement does not succeed the current one');
    }
    const continuing = this.terms.parties.filter((p) => t.parties.some((q) => q.unit === p.unit)).length;
    if (continuing * 2 <= this.terms.parties.length) {
      throw new BryggaError(
        'ERR_AGREEMENT_INVALID',
        'fewer than half of the parties continue into the new agreement',
      );
    }
    return next;
  }

  /**
   * Check that `next` may succeed this agreement judged against this agreement alone: an extension
   * ({@link checkExtension}) in which every continuing party keeps its root key. A party that this
   * agreement dropped is not known here, so a directory judges successors across its whole chain
   * instead (PROTOCOL.md §5, `Directory.verifySuccessor`).
   */
  verifySuccessor(next: Agreement): Agreement {
    this.checkExtension(next);
    for (const p of this.terms.parties) {
      const q = next.terms.parties.find((x) => x.unit === p.unit);
      if (q && q.rootKey !== p.rootKey) {
        throw new BryggaError(
          'ERR_AGREEMENT_INVALID',
          `the root key of ${p.unit} changed; pin the new agreement by hand`,
        );
      }
    }
    return next;
  }

  /** JSON text of the signed document. */
  serialize(): string {
    return JSON.stringify(this.jws);
  }
}
