/**
 * Cases as the console shows them: who may see and act on which case (DESIGN.md: "cases are seen by
 * the small circle assigned to them"), which steps the workflow allows this unit now (PROTOCOL.md
 * §14.2, the SDK's own WORKFLOW table), the units' names from the agreement, and everything one case
 * page shows, read through the SDK's public API.
 *
 * Access: an administrator sees no case content; a unit lead sees every case; a coordinator sees the
 * cases assigned to them and the cases assigned to nobody yet (a new referral, before anyone took it).
 * Taking a step in an unassigned case assigns it to whoever took the step.
 */
import {
  type BryggaClient,
  type CaseLogEntry,
  type CaseView,
  type ConsentClaims,
  type ConsentWithdrawalClaims,
  directoryResolver,
  findRivalCollisions,
  type PacketType,
  type ReferralBody,
  type RivalCollision,
  verifyConsent,
  verifyWithdrawal,
  WORKFLOW,
} from '../index.js';
import type { ConsoleDeps } from './_context.js';
import type { ConsoleUser } from './console-database.js';

/** Whether `user` may see (and work on) the case. */
export function canSee(user: ConsoleUser, assignees: readonly string[] | undefined): boolean {
  if (user.role === 'admin') return false;
  if (user.role === 'lead') return true;
  return !assignees || assignees.length === 0 || assignees.includes(user.username);
}

/** The cases `user` may see, newest activity first. */
export async function visibleCases(deps: ConsoleDeps, user: ConsoleUser): Promise<CaseView[]> {
  if (user.role === 'admin') return [];
  const assignments = await deps.db.assignments();
  return (await deps.client.listCases())
    .filter((c) => canSee(user, assignments.get(c.caseId)))
    .sort((a, b) => b.state.lastActivity - a.state.lastActivity);
}

/** A step of the workflow a coordinator takes from a case page. */
export type StepKey =
  | 'decide'
  | 'plan'
  | 'planResponse'
  | 'followUp'
  | 'costs'
  | 'deviation'
  | 'childNotice'
  | 'childNoticeAnswer'
  | 'message'
  | 'consent'
  | 'withdraw'
  | 'close';

/** Each step: its page (under /arenden/<case>/), the packet it sends, and its access-log action. */
export const STEPS: Record<StepKey, { slug: string; type: PacketType; action: string }> = {
  decide: { slug: 'beslut', type: 'uptake-decision', action: 'case.accept' },
  plan: { slug: 'genomforandeplan', type: 'implementation-plan', action: 'case.plan' },
  planResponse: { slug: 'svar-pa-plan', type: 'plan-response', action: 'case.plan-agree' },
  followUp: { slug: 'uppfoljning', type: 'follow-up', action: 'case.follow-up' },
  costs: { slug: 'kostnader', type: 'cost-report', action: 'case.costs' },
  deviation: { slug: 'avsteg', type: 'deviation', action: 'case.deviation' },
  childNotice: { slug: 'barnanmalan', type: 'child-notice', action: 'case.child-notice' },
  childNoticeAnswer: {
    slug: 'barnanmalan-svar',
    type: 'child-notice',
    action: 'case.child-notice-answer',
  },
  message: { slug: 'meddelande', type: 'message', action: 'case.message' },
  consent: { slug: 'samtycke', type: 'consent', action: 'case.consent' },
  withdraw: { slug: 'aterkalla-samtycke', type: 'consent-withdrawal', action: 'case.withdraw' },
  close: { slug: 'avslut', type: 'closure', action: 'case.close' },
};

/** The steps this unit may take in the case now, in the order a case page lists them. */
export function allowedSteps(view: CaseView, unit: string): StepKey[] {
  const s = view.state;
  const role = s.home === unit ? 'home' : 'receiving';
  const keys = Object.keys(STEPS) as StepKey[];
  return keys.filter((key) => {
    const type = STEPS[key].type;
    if (type === 'referral') return false;
    const t = WORKFLOW[type];
    if (!t || (t.role !== 'either' && t.role !== role) || !t.from.includes(s.status)) return false;
    if (key === 'withdraw') return s.consents.some((x) => x.withdrawnIn === null);
    if (key === 'costs' || key === 'followUp') return s.plannedEver.length > 0;
    if (key === 'planResponse') return s.planLog.at(-1)?.response === null;
    // No plan until every child notice is answered; an answer only to the other unit's (§14.7).
    if (key === 'plan') return s.childNoticeLog.every((n) => n.answeredIn !== null);
    if (key === 'childNoticeAnswer')
      return s.childNoticeLog.some((n) => n.unit !== unit && n.answeredIn === null);
    return true;
  });
}

/** The unit's name as the agreement gives it, with its municipality's. */
export function unitName(client: BryggaClient, unit: string): string {
  const terms = client.directory.agreement.terms;
  const party = terms.parties.find((p) => p.unit === unit);
  if (!party) return unit;
  const m = terms.municipalities.find((x) => x.id === party.municipality);
  return m ? `${party.name}, ${m.name}` : party.name;
}

/** A municipality's name as the agreement gives it. */
export function municipalityName(client: BryggaClient, id: string): string {
  return client.directory.agreement.terms.municipalities.find((m) => m.id === id)?.name ?? id;
}

/** A catalogue service's name. */
export function serviceName(client: BryggaClient, code: string): string {
  for (const a of [...client.directory.agreements].reverse()) {
    const found = a.terms.catalogue.find((c) => c.code === code);
    if (found) return found.name;
  }
  return code;
}

/** A consent of the case with what it says, and its withdrawal if any. */
export interface ConsentShown {
  claims: ConsentClaims;
  withdrawal: ConsentWithdrawalClaims | null;
}

/** Everything a case page shows. */
export interface CaseData {
  view: CaseView;
  log: CaseLogEntry[];
  receipts: Awaited<ReturnType<BryggaClient['receipts']>>;
  /** Packets of this device still waiting for the relay. */
  queued: Set<string>;
  referral: ReferralBody | null;
  consents: ConsentShown[];
  /** This unit's side of the case. */
  side: 'home' | 'receiving';
  /** The other unit of the case. */
  counterpart: string;
  /**
   * At the receiving unit, the collisions of the referral's group affiliation with the unit's own list
   * of known groups (PROTOCOL.md §14.6 (5)); empty at the home unit, which never sees that list.
   */
  collisions: RivalCollision[];
}

/** Load a case's page data; undefined when this device does not hold it. */
export async function loadCase(deps: ConsoleDeps, caseId: string): Promise<CaseData | undefined> {
  const { client } = deps;
  const view = (await client.listCases()).find((c) => c.caseId === caseId);
  if (!view) return undefined;
  const [log, receipts, consentDocs, outbox] = await Promise.all([
    client.caseLog(caseId),
    client.receipts(caseId),
    client.consents(caseId),
    deps.store.listOutbox(),
  ]);
  const queued = new Set(outbox.map((o) => o.pid));
  const referralEntry = log.find((e) => e.type === 'referral');
  const resolve = directoryResolver(client.directory);
  const withdrawals = new Map<string, ConsentWithdrawalClaims>();
  for (const d of consentDocs.filter((x) => x.kind === 'withdrawal')) {
    try {
      const w = verifyWithdrawal(d.jws, resolve).payload;
      withdrawals.set(w.consent, w);
    } catch {
      // Applied once, so it verified then; a key since revoked does not change what was recorded.
    }
  }
  const consents: ConsentShown[] = [];
  for (const d of consentDocs.filter((x) => x.kind === 'attestation')) {
    try {
      const claims = verifyConsent(d.jws, resolve).payload;
      consents.push({ claims, withdrawal: withdrawals.get(claims.id) ?? null });
    } catch {
      // As above.
    }
  }
  const side = view.state.home === client.unit ? 'home' : 'receiving';
  const referral = referralEntry ? (referralEntry.body as ReferralBody) : null;
  const collisions =
    side === 'receiving'
      ? findRivalCollisions(referral?.affiliation ?? null, await client.listKnownGroups())
      : [];
  return {
    view,
    log,
    receipts,
    queued,
    referral,
    consents,
    side,
    counterpart: side === 'home' ? view.state.receiving : view.state.home,
    collisions,
  };
}
