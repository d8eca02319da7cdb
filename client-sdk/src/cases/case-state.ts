/**
 * The case state (PROTOCOL.md §14): a pure fold of the case log through the workflow and the rules.
 * Both units fold the same packets with the same agreements and directory, so they derive the same
 * state; a packet the rules refuse leaves the state as it was. Times are the packets' signed `iat`,
 * never the local clock, and days are UTC calendar days.
 */
import type { Agreement } from '../directory/agreement.js';
import { BryggaError } from '../errors.js';
import { dayOf } from './_fields.js';
import type { CaseReducer } from './case-log.js';
import type { CasePacket } from './case-packet.js';
import {
  assertChildNoticeAnswer,
  CHILD_NOTICE_SOURCE,
  type ChildNoticeBody,
  type ChildResponsibility,
} from './child-notice.js';
import { assertSealedToCircle, assign, type CaseCircle, referralCircle } from './circle.js';
import type { ClosureBody } from './closure.js';
import type { OutcomeMeasures } from './common-fields.js';
import { type ConsentClaims, verifyConsent } from './consent.js';
import { verifyWithdrawal } from './consent-withdrawal.js';
import type { CostLine } from './cost-report.js';
import type { DeviationReason } from './deviation.js';
import { type CaseLogType, carriesPersonalData, legalBasisOf } from './packet-body.js';
import { verifyQuotaProof } from './quota-claim.js';
import type { Category, ThreatLevel } from './referral.js';
import {
  assertConsentFits,
  assertInCatalogue,
  assertOffered,
  assertPersonalDataCovered,
  assertReferralPreconditions,
  type ConsentRecord,
  requireAgreementAt,
} from './rules.js';
import type { DeviceResolver } from './signed-document.js';
import type { DeclineReason } from './uptake-decision.js';
import { assertTransition, type LogStatus, refuseLaterReferral } from './workflow.js';

/**
 * A deviation (avsteg) as the case state keeps it (PROTOCOL.md §12.4.6): what the deviation register
 * lists (§20.5). Its free-text description stays in the packet.
 */
export interface DeviationRecord {
  /** The day of the deviation (the body's `date`). */
  on: string;
  /** When it was signed (NumericDate). */
  at: number;
  /** The unit that recorded it. */
  unit: string;
  /**
   * Carried by the referral (PROTOCOL.md §14.8): the receiving unit accepted the referral relying on it,
   * so it is in both units' registers.
   */
  inReferral: boolean;
  reason: DeviationReason;
  /** The rule departed from. */
  guideline: string;
  decidedBy: { name: string; role: string };
  /** Hash of the deviation packet. */
  in: string;
}

/**
 * An urgent child notice, and the other unit's answer that settled the responsibility for the children
 * (PROTOCOL.md §14.7, §22). Its free-text description stays in the packet.
 */
export interface ChildNoticeRecord {
  /** When the notice was signed (NumericDate). */
  at: number;
  /** The unit that sent it. */
  unit: string;
  /** Hash of the notice. */
  in: string;
  /** The municipality the notice proposed should take responsibility. */
  proposed: ChildNoticeBody['proposedResponsibility'];
  /** When the answer was signed (NumericDate), or null while unanswered. */
  answeredAt: number | null;
  /** Hash of the answer, or null. */
  answeredIn: string | null;
  /** The answer's settlement: which municipality takes which responsibility, who and from when. */
  settlement: ChildResponsibility[] | null;
}

/** The state of a case. JSON-serialisable. */
export interface CaseState {
  caseId: string;
  /** Digest of the agreement in force when the case was referred. */
  agreement: string;
  home: string;
  receiving: string;
  homeMunicipality: string;
  receivingMunicipality: string;
  status: LogStatus;
  category: Category;
  threatLevel: ThreatLevel;
  referredAt: number;
  /** Hash of the referral. */
  referral: string;
  head: string;
  length: number;
  consents: ConsentRecord[];
  quota: { outgoing: string; incoming: string | null };
  /** The uptake decision, with when it was signed (NumericDate). */
  decision: { decision: 'accept' | 'decline'; reason: DeclineReason | null; in: string; at: number } | null;
  /** When the first implementation plan made the case active (NumericDate), or null. */
  activeSince: number | null;
  /** Services of the current plan, and every service ever planned (costs may trail a changed plan). */
  plan: { services: string[]; decidedOn: string; in: string } | null;
  plannedEver: string[];
  /** The latest amount per service and month (a later report corrects an earlier one). */
  costs: CostLine[];
  followUps: number;
  /** The latest follow-up's date (its body's `date`), or null before the first. */
  lastFollowUpOn: string | null;
  deviations: number;
  /** Every deviation of the case, in log order. */
  deviationLog: DeviationRecord[];
  childNotices: number;
  /** Every urgent child notice of the case, in log order, with its answer. */
  childNoticeLog: ChildNoticeRecord[];
  messages: number;
  closure: {
    closedOn: string;
    reason: ClosureBody['reason'];
    outcomes: OutcomeMeasures | null;
    in: string;
    /** When the closure was signed (NumericDate). */
    at: number;
  } | null;
  lastActivity: number;
  /** Each unit's devices that hold the case (PROTOCOL.md §13.6). */
  circle: CaseCircle;
}

/** What the rules need besides the log: every accepted agreement, and who holds which device key. */
export interface CaseContext {
  agreements: readonly Agreement[];
  resolve: DeviceResolver;
}

/** Total cost per service of a case, sorted by service. */
export function costTotals(costs: readonly CostLine[]): { service: string; amountSek: number }[] {
  const totals = new Map<string, number>();
  for (const c of costs) totals.set(c.service, (totals.get(c.service) ?? 0) + c.amountSek);
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([service, amountSek]) => ({ service, amountSek }));
}

function startCase(ctx: CaseContext, p: CasePacket): CaseState {
  if (p.type !== 'referral') {
    throw new BryggaError('ERR_INVALID_TRANSITION', 'a case starts with a referral');
  }
  if (p.prev !== null) throw new BryggaError('ERR_INVALID_TRANSITION', 'a referral has no predecessor');
  const body = p.body;
  const day = dayOf(p.iat);
  const agreement = requireAgreementAt(ctx.agreements, day, 'the referral');
  assertReferralPreconditions(agreement, p.unit, body, day);
  assertAddressed(p, p.unit, body.to);
  const consent = verifyConsent(body.consent, ctx.resolve).payload;
  assertConsentFits(consent, { caseId: p.case, home: p.unit, receiving: body.to, forReferral: true, day });
  const record = consentRecord(consent, p.hash);
  assertPersonalDataCovered([record], recipientsOf(p), day, null);
  const claim = verifyQuotaProof(
    body.quota,
    { caseId: p.case, unit: p.unit, direction: 'outgoing' },
    ctx.resolve,
    ctx.agreements,
  );
  if (claim.payload.agreement !== agreement.digest) {
    throw new BryggaError('ERR_QUOTA_CLAIM', 'the quota claim is not on the agreement in force');
  }
  const circle = referralCircle(p, body.to, ctx.resolve);
  return {
    caseId: p.case,
    agreement: agreement.digest,
    home: p.unit,
    receiving: body.to,
    homeMunicipality: agreement.municipalityOf(p.unit)!.id,
    receivingMunicipality: agreement.municipalityOf(body.to)!.id,
    status: 'referred',
    category: body.category,
    threatLevel: body.threatLevel,
    referredAt: p.iat,
    referral: p.hash,
    head: p.hash,
    length: 1,
    consents: [record],
    quota: { outgoing: claim.payload.commitment, incoming: null },
    decision: null,
    activeSince: null,
    plan: null,
    plannedEver: [],
    costs: [],
    followUps: 0,
    lastFollowUpOn: null,
    deviations: body.deviations.length,
    deviationLog: body.deviations.map((d) => ({
      on: d.date,
      at: p.iat,
      unit: p.unit,
      inReferral: true,
      reason: d.reason,
      guideline: d.rule,
      decidedBy: { name: d.decidedBy.name, role: d.decidedBy.role },
      in: p.hash,
    })),
    childNotices: 0,
    childNoticeLog: [],
    messages: 0,
    closure: null,
    lastActivity: p.iat,
    circle,
  };
}

/** A consent as the state keeps it, attested in the packet with hash `attestedIn`. */
function consentRecord(consent: ConsentClaims, attestedIn: string): ConsentRecord {
  return {
    id: consent.id,
    form: consent.form,
    scope: consent.scope,
    validFrom: consent.validFrom,
    validUntil: consent.validUntil,
    attestedIn,
    withdrawnIn: null,
  };
}

/** Units other than the sender's that the packet goes to. */
function recipientsOf(p: CasePacket): string[] {
  return p.aud.filter((u) => u !== p.unit);
}

/** A case packet goes to the case's other unit, and to no unit outside the case. */
function assertAddressed(p: CasePacket, home: string, receiving: string): void {
  const other = p.unit === home ? receiving : home;
  if (!p.aud.includes(other))
    throw new BryggaError('ERR_WRONG_PARTY', 'a case packet must go to the other unit of the case');
  if (p.aud.some((u) => u !== home && u !== receiving)) {
    throw new BryggaError('ERR_WRONG_PARTY', 'a case packet may not go to a unit outside the case');
  }
}

/** The packet types that follow the referral in a case log. */
type FollowingType = Exclude<CaseLogType, 'referral'>;

/** What a step sees: the packet, the state before it, the rules' context and the packet's UTC day. */
type Step<T extends FollowingType> = (
  p: CasePacket<T>,
  s: CaseState,
  ctx: CaseContext,
  day: string,
) => Partial<CaseState>;

/**
 * What each packet after the referral does to the state (PROTOCOL.md §12.4, §14): the checks its body
 * needs beyond the workflow table, and the members it changes. One entry per type, each given its own
 * packet type, like the workflow table (workflow.ts); the sender, the transition, the addressees and
 * the consent for personal data are checked before (see `next`).
 */
const STEPS: { [T in FollowingType]: Step<T> } = {
  consent(p, s, ctx, day) {
    const consent = verifyConsent(p.body.attestation, ctx.resolve).payload;
    assertConsentFits(consent, {
      caseId: s.caseId,
      home: s.home,
      receiving: s.receiving,
      forReferral: false,
      day,
    });
    if (s.consents.some((c) => c.id === consent.id)) {
      throw new BryggaError('ERR_REPLAY', 'this consent is already part of the case');
    }
    return { consents: [...s.consents, consentRecord(consent, p.hash)] };
  },
  'consent-withdrawal'(p, s, ctx) {
    const w = verifyWithdrawal(p.body.withdrawal, ctx.resolve).payload;
    if (w.case !== s.caseId || w.unit !== s.home) {
      throw new BryggaError('ERR_CONSENT_SCOPE', "the withdrawal is not the home unit's for this case");
    }
    const target = s.consents.find((c) => c.id === w.consent);
    if (!target)
      throw new BryggaError('ERR_CONSENT_MISSING', 'the withdrawal names a consent this case does not have');
    if (target.withdrawnIn !== null) throw new BryggaError('ERR_REPLAY', 'the consent is already withdrawn');
    return { consents: s.consents.map((c) => (c.id === w.consent ? { ...c, withdrawnIn: p.hash } : c)) };
  },
  'uptake-decision'(p, s, ctx, day) {
    const d = p.body;
    const decision = { decision: d.decision, reason: d.reason, in: p.hash, at: p.iat };
    if (d.decision === 'decline') return { status: 'declined', decision };
    const agreement = requireAgreementAt(ctx.agreements, day, 'the acceptance');
    const claim = verifyQuotaProof(
      d.quota!,
      { caseId: s.caseId, unit: s.receiving, direction: 'incoming' },
      ctx.resolve,
      ctx.agreements,
    );
    if (claim.payload.agreement !== agreement.digest) {
      throw new BryggaError('ERR_QUOTA_CLAIM', 'the quota claim is not on the agreement in force');
    }
    return { status: 'accepted', decision, quota: { ...s.quota, incoming: claim.payload.commitment } };
  },
  'implementation-plan'(p, s, ctx, day) {
    assertNoOpenChildNotice(s);
    const agreement = requireAgreementAt(ctx.agreements, day, 'the implementation plan');
    const codes = p.body.services.map((x) => x.code);
    assertInCatalogue(agreement, codes);
    assertOffered(agreement, s.receivingMunicipality, codes);
    return {
      plan: { services: codes, decidedOn: p.body.decidedOn, in: p.hash },
      plannedEver: [...new Set([...s.plannedEver, ...codes])].sort(),
      activeSince: s.activeSince ?? p.iat,
    };
  },
  'follow-up'(p, s) {
    if (p.body.services.some((x) => !s.plannedEver.includes(x.code))) {
      throw new BryggaError(
        'ERR_SERVICE_NOT_IN_PLAN',
        'the follow-up names a service that was never planned',
      );
    }
    const on = p.body.date;
    return {
      followUps: s.followUps + 1,
      lastFollowUpOn: s.lastFollowUpOn === null || on > s.lastFollowUpOn ? on : s.lastFollowUpOn,
    };
  },
  'cost-report'(p, s) {
    if (p.body.lines.some((l) => !s.plannedEver.includes(l.service))) {
      throw new BryggaError('ERR_SERVICE_NOT_IN_PLAN', 'costs can only be reported for planned services');
    }
    const key = (l: CostLine) => `${l.service}|${l.month}`;
    const merged = new Map(s.costs.map((l) => [key(l), l]));
    for (const l of p.body.lines) merged.set(key(l), l);
    return { costs: [...merged.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1)) };
  },
  closure(p, s) {
    const c = p.body;
    if (JSON.stringify(c.costs) !== JSON.stringify(costTotals(s.costs))) {
      throw new BryggaError('ERR_MALFORMED', "closure.costs does not equal the case's cost reports");
    }
    return {
      closure: { closedOn: c.closedOn, reason: c.reason, outcomes: c.outcomes, in: p.hash, at: p.iat },
    };
  },
  deviation: (p, s) => {
    const d = p.body;
    const record: DeviationRecord = {
      on: d.date,
      at: p.iat,
      unit: p.unit,
      inReferral: false,
      reason: d.reason,
      guideline: d.guideline,
      decidedBy: { name: d.decidedBy.name, role: d.decidedBy.role },
      in: p.hash,
    };
    return { deviations: s.deviations + 1, deviationLog: [...s.deviationLog, record] };
  },
  'child-notice'(p, s) {
    const answered = assertChildNoticeAnswer(p.body, p.unit, s.childNoticeLog, {
      home: s.homeMunicipality,
      receiving: s.receivingMunicipality,
    });
    if (answered) {
      return {
        childNoticeLog: s.childNoticeLog.map((n) =>
          n.in === answered.in
            ? { ...n, answeredAt: p.iat, answeredIn: p.hash, settlement: p.body.settlement }
            : n,
        ),
      };
    }
    const notice: ChildNoticeRecord = {
      at: p.iat,
      unit: p.unit,
      in: p.hash,
      proposed: p.body.proposedResponsibility,
      answeredAt: null,
      answeredIn: null,
      settlement: null,
    };
    return { childNotices: s.childNotices + 1, childNoticeLog: [...s.childNoticeLog, notice] };
  },
  message: (_p, s) => ({ messages: s.messages + 1 }),
  assignment: (p, s, ctx) => ({ circle: assign(p, s.circle, s.home, ctx.resolve) }),
};

/** Run the step of `p`'s type. */
function step<T extends FollowingType>(p: CasePacket<T>, s: CaseState, ctx: CaseContext, day: string) {
  const run: Step<T> = STEPS[p.type];
  return run(p, s, ctx, day);
}

/**
 * Fold a packet after the referral: the sender is a unit of the case, the workflow allows the type from
 * that unit in this state, the packet goes to the other unit only, personal data is covered by a consent
 * or a legal basis, and the type's own step passes.
 */
function next(ctx: CaseContext, s: CaseState, p: CasePacket): CaseState {
  if (p.unit !== s.home && p.unit !== s.receiving) {
    throw new BryggaError('ERR_WRONG_PARTY', 'the sender is not a unit of this case');
  }
  if (p.type === 'referral') refuseLaterReferral();
  const transition = assertTransition(p.type, s.status, p.unit === s.home ? 'home' : 'receiving');
  assertAddressed(p, s.home, s.receiving);
  const day = dayOf(p.iat);
  if (carriesPersonalData(p.type, p.body)) {
    assertPersonalDataCovered(s.consents, recipientsOf(p), day, legalBasisOf(p.body));
  }
  const after: CaseState = {
    ...s,
    head: p.hash,
    length: s.length + 1,
    lastActivity: Math.max(s.lastActivity, p.iat),
    ...(transition.to ? { status: transition.to } : {}),
    ...step(p, s, ctx, day),
  };
  assertSealedToCircle(p, after.circle, s.home, s.receiving, ctx.resolve);
  return after;
}

/**
 * No implementation plan while an urgent child notice of the case is unanswered (PROTOCOL.md §14.7):
 * a plan decides the services and the stay of a person of whose children no municipality has yet
 * settled the responsibility. Cost reports, follow-ups, messages and the closure still go, so costs
 * already incurred are reported and the case can always end.
 */
function assertNoOpenChildNotice(s: CaseState): void {
  const open = s.childNoticeLog.find((n) => n.answeredIn === null);
  if (open) {
    throw new BryggaError(
      'ERR_CHILD_NOTICE_OPEN',
      `the urgent child notice ${open.in} of ${open.unit} is unanswered: settle the responsibility for the children before the plan (${CHILD_NOTICE_SOURCE})`,
    );
  }
}

/**
 * The reducer of a case log under `ctx`: the first packet must be a valid referral, every later one a
 * permitted transition by the right unit that passes the rules. Throws the rule's BryggaError otherwise.
 */
export function caseReducer(ctx: CaseContext): CaseReducer<CasePacket, CaseState> {
  return (state, packet) => (state === undefined ? startCase(ctx, packet) : next(ctx, state, packet));
}
