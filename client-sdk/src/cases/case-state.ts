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
import type { DeviationReason, DeviationRule } from './deviation.js';
import { type CaseLogType, carriesPersonalData, legalBasisOf } from './packet-body.js';
import { verifyQuotaProof } from './quota-claim.js';
import type { Category, ThreatLevel } from './referral.js';
import type { Officer, RelocationCheck, RelocationNotice } from './relocation.js';
import type { RivalCheck } from './rival-groups.js';
import {
  assertConsentFits,
  assertDatedBy,
  assertInCatalogue,
  assertOffered,
  assertPersonalDataCovered,
  assertReferralPreconditions,
  assertRelocationDated,
  assertRelocationPreCheck,
  assertRivalChecked,
  assertSpecialAssessed,
  type ConsentRecord,
  requireAgreementAt,
} from './rules.js';
import type { DeviceResolver } from './signed-document.js';
import type { SpecialCaseMark } from './special-case.js';
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
  /** The rule departed from, by its stable id (PROTOCOL.md §5.4). */
  rule: DeviationRule;
  /** The part of the guideline departed from, in words (a `deviation` packet's; null for a referral's). */
  guideline: string | null;
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

/**
 * One version of the implementation plan and the receiving unit's answer to it (PROTOCOL.md §14.6):
 * a plan takes effect when the receiving unit agrees to it.
 */
export interface PlanRecord {
  /** 1 for the first plan of the case, +1 for each new version. */
  version: number;
  services: string[];
  decidedOn: string;
  /** When it was signed (NumericDate), and the hash of its packet. */
  at: number;
  in: string;
  /** The receiving unit's answer, or null while it has not answered. */
  response: {
    decision: 'agree' | 'changes';
    /** How many changes it asked for (their text stays in the packet). */
    changes: number;
    date: string;
    decidedBy: { name: string; role: string };
    at: number;
    in: string;
  } | null;
}

/**
 * The relocation pre-check an uptake decision carried (PROTOCOL.md §14.6 (3)): the advance notice and
 * the receiving unit's own check, with who and when. The area and the reason stay in the packet.
 */
export interface RelocationRecord {
  notice: RelocationNotice | null;
  check: Omit<RelocationCheck, 'reason'>;
  /** Hash of the uptake decision, and when it was signed (NumericDate). */
  in: string;
  at: number;
}

/**
 * The person's group affiliation as the referral stated it (PROTOCOL.md §14.6 (5)): how many groups,
 * who assessed it and when. The groups' names stay in the packet.
 */
export interface AffiliationRecord {
  /** How many groups the referral names; 0 records that no affiliation is known. */
  groups: number;
  assessedBy: Officer;
  assessedOn: string;
}

/**
 * The rival-group check an uptake decision carried (PROTOCOL.md §14.6 (5)): the result and its
 * decision, with who and when. The reason stays in the packet.
 */
export interface RivalCheckRecord extends Omit<RivalCheck, 'reason'> {
  /** Hash of the uptake decision, and when it was signed (NumericDate). */
  in: string;
  at: number;
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
  /** The relocation pre-check of the uptake decision, or null (PROTOCOL.md §14.6 (3)). */
  relocation: RelocationRecord | null;
  /**
   * The special-case mark of the uptake decision (PROTOCOL.md §14.6 (4)), with the hash of that decision
   * and when it was signed (NumericDate); null for a case not marked special.
   */
  special: (SpecialCaseMark & { in: string; at: number }) | null;
  /** The group affiliation the referral stated, or null (PROTOCOL.md §14.6 (5)). */
  affiliation: AffiliationRecord | null;
  /** The rival-group check of the uptake decision, or null (PROTOCOL.md §14.6 (5)). */
  rivalCheck: RivalCheckRecord | null;
  /** When the receiving unit first agreed to a plan, making the case active (NumericDate), or null. */
  activeSince: number | null;
  /** Services of the current plan (agreed or not; see `planLog`). */
  plan: { services: string[]; decidedOn: string; in: string } | null;
  /** Every service of a plan the receiving unit agreed to (costs may trail a changed plan). */
  plannedEver: string[];
  /** Every version of the plan, in log order, each with the receiving unit's answer (PROTOCOL.md §14.6). */
  planLog: PlanRecord[];
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
    relocation: null,
    special: null,
    affiliation: body.affiliation && {
      groups: body.affiliation.groups.length,
      assessedBy: body.affiliation.assessedBy,
      assessedOn: body.affiliation.assessedOn,
    },
    rivalCheck: null,
    activeSince: null,
    plan: null,
    plannedEver: [],
    planLog: [],
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
      rule: d.rule,
      guideline: null,
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
    const r = d.relocation;
    const relocation: RelocationRecord | null = r && {
      notice: r.notice,
      check: { result: r.check.result, checkedBy: r.check.checkedBy, checkedOn: r.check.checkedOn },
      in: p.hash,
      at: p.iat,
    };
    const special = d.special && { ...d.special, in: p.hash, at: p.iat };
    if (d.special?.assessment) {
      const field = 'uptake-decision.special.assessment.assessedOn';
      assertDatedBy(day, [{ field, date: d.special.assessment.assessedOn }]);
    }
    const c = d.rivalCheck;
    const rivalCheck: RivalCheckRecord | null = c && {
      result: c.result,
      decision: c.decision,
      checkedBy: c.checkedBy,
      checkedOn: c.checkedOn,
      in: p.hash,
      at: p.iat,
    };
    if (d.decision === 'decline') {
      assertRelocationDated(r, day);
      if (c) assertDatedBy(day, [{ field: 'uptake-decision.rivalCheck.checkedOn', date: c.checkedOn }]);
      return { status: 'declined', decision, relocation, special, rivalCheck };
    }
    const agreement = requireAgreementAt(ctx.agreements, day, 'the acceptance');
    assertRelocationPreCheck(agreement, s.receivingMunicipality, r, day);
    assertRivalChecked(agreement, s.receivingMunicipality, 'accept', d.rivalCheck, day);
    assertSpecialAssessed(agreement, s.receivingMunicipality, d.special, day, 'the acceptance');
    const claim = verifyQuotaProof(
      d.quota!,
      { caseId: s.caseId, unit: s.receiving, direction: 'incoming' },
      ctx.resolve,
      ctx.agreements,
    );
    if (claim.payload.agreement !== agreement.digest) {
      throw new BryggaError('ERR_QUOTA_CLAIM', 'the quota claim is not on the agreement in force');
    }
    return {
      status: 'accepted',
      decision,
      relocation,
      special,
      rivalCheck,
      quota: { ...s.quota, incoming: claim.payload.commitment },
    };
  },
  'implementation-plan'(p, s, ctx, day) {
    assertNoOpenChildNotice(s);
    const agreement = requireAgreementAt(ctx.agreements, day, 'the implementation plan');
    const codes = p.body.services.map((x) => x.code);
    assertInCatalogue(agreement, codes);
    assertOffered(agreement, s.receivingMunicipality, codes);
    // The services are decided after the assessing body is heard (PROTOCOL.md §14.6 (4)).
    assertSpecialAssessed(
      agreement,
      s.receivingMunicipality,
      s.special,
      p.body.decidedOn,
      'the implementation plan',
    );
    const record: PlanRecord = {
      version: s.planLog.length + 1,
      services: codes,
      decidedOn: p.body.decidedOn,
      at: p.iat,
      in: p.hash,
      response: null,
    };
    return {
      plan: { services: codes, decidedOn: p.body.decidedOn, in: p.hash },
      planLog: [...s.planLog, record],
    };
  },
  'plan-response'(p, s, _ctx, day) {
    const r = p.body;
    const current = s.planLog.at(-1);
    if (!current || r.plan !== current.in) {
      throw new BryggaError('ERR_INVALID_TRANSITION', "a plan response answers the case's current plan");
    }
    if (current.response !== null) {
      throw new BryggaError('ERR_INVALID_TRANSITION', 'the current plan was already answered');
    }
    assertDatedBy(day, [{ field: 'plan-response.date', date: r.date }]);
    const response = {
      decision: r.decision,
      changes: r.changes.length,
      date: r.date,
      decidedBy: { name: r.decidedBy.name, role: r.decidedBy.role },
      at: p.iat,
      in: p.hash,
    };
    const planLog = [...s.planLog.slice(0, -1), { ...current, response }];
    if (r.decision === 'changes') return { planLog };
    return {
      planLog,
      status: s.status === 'accepted' ? 'active' : s.status,
      plannedEver: [...new Set([...s.plannedEver, ...current.services])].sort(),
      activeSince: s.activeSince ?? p.iat,
    };
  },
  'follow-up'(p, s) {
    assertPlanAgreed(
      s,
      p.body.services.map((x) => x.code),
      'the follow-up',
    );
    const on = p.body.date;
    return {
      followUps: s.followUps + 1,
      lastFollowUpOn: s.lastFollowUpOn === null || on > s.lastFollowUpOn ? on : s.lastFollowUpOn,
    };
  },
  'cost-report'(p, s) {
    assertPlanAgreed(
      s,
      p.body.lines.map((l) => l.service),
      'the cost report',
    );
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
      rule: d.rule,
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

/**
 * Follow-ups and cost reports count only against a plan the receiving unit agreed to (PROTOCOL.md
 * §14.6): ERR_PLAN_NOT_AGREED when none was agreed, or a service is only in a plan not agreed yet;
 * ERR_SERVICE_NOT_IN_PLAN for a service never planned.
 */
function assertPlanAgreed(s: CaseState, codes: readonly string[], what: string): void {
  const source =
    'the cooperation agreement (Avtal om samverkan för insatser till avhoppare): the home municipality decides services after consulting the receiving municipality';
  if (s.plannedEver.length === 0) {
    throw new BryggaError(
      'ERR_PLAN_NOT_AGREED',
      `${what} needs an implementation plan the receiving unit agreed to: ${source}`,
    );
  }
  const missing = codes.filter((c) => !s.plannedEver.includes(c));
  if (missing.length === 0) return;
  if (missing.every((c) => s.planLog.some((v) => v.services.includes(c)))) {
    throw new BryggaError(
      'ERR_PLAN_NOT_AGREED',
      `${what} names ${missing.join(', ')}, in no plan the receiving unit agreed to: ${source}`,
    );
  }
  throw new BryggaError('ERR_SERVICE_NOT_IN_PLAN', `${what} names a service that was never planned`);
}

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
