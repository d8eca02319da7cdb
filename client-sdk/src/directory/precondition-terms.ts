/**
 * The agreement's terms for what must come before a referral, and for deviations from them
 * (PROTOCOL.md §5.4): police consultation (samråd) and police approval (godkännande), the target
 * group's criteria (målgrupp), and which of these rules a documented deviation (avsteg) may set aside.
 *
 * Every rule has a stable id ({@link RULE_IDS}) and the source document that sets it
 * ({@link RULE_SOURCES}): a refusal names both, and a deviation names the rule it departs from.
 */
import { arr, fail, obj, only } from './validate.js';

/**
 * The referral rules by stable id (PROTOCOL.md §5.4), each refused with its own error code:
 * `police-consultation` (ERR_POLICE_CONSULTATION_MISSING), `police-approval`
 * (ERR_POLICE_APPROVAL_MISSING), `target-group` (ERR_MOTIVATION_MISSING, ERR_TARGET_GROUP_NOT_MET),
 * `children` (ERR_CHILDREN_RESPONSIBILITY), `housing` (ERR_HOUSING_NOT_ARRANGED), `consent-scope`
 * (ERR_CONSENT_SCOPE), and `guideline`: another part of a unit's guideline, named in words.
 */
export const RULE_IDS = [
  'police-consultation',
  'police-approval',
  'target-group',
  'children',
  'housing',
  'consent-scope',
  'guideline',
] as const;

/** A rule's stable id. */
export type RuleId = (typeof RULE_IDS)[number];

/** The source document of each rule, as a refusal names it. */
export const RULE_SOURCES: Readonly<Record<RuleId, string>> = Object.freeze({
  'police-consultation':
    'the 2023 agreement: samråd med Polismyndigheten i hemkommunen och i den mottagande kommunen (Rinkeby-Kista stadsdelsnämnd 2022-12-15)',
  'police-approval':
    'the 2025 extension: godkännande från Polismyndigheten innan (Socialnämnden Stockholm 2024-12-10)',
  'target-group':
    'the 2023 agreement, målgrupp (Rinkeby-Kista stadsdelsnämnd 2022-12-15), and Göteborgs Stads riktlinje för avhopparverksamheten',
  children: 'the 2023 agreement: inget ansvar för barn (Rinkeby-Kista stadsdelsnämnd 2022-12-15)',
  housing:
    'the 2023 agreement: hemkommunen ordnar tillfälligt boende (Rinkeby-Kista stadsdelsnämnd 2022-12-15)',
  'consent-scope':
    'Göteborgs Stads riktlinje för avhopparverksamheten: samtycket ska även omfatta behandlingen av uppgifterna',
  guideline: "the unit's own guideline",
});

/** Where deviations come from, as a refusal names it. */
export const DEVIATION_SOURCE =
  'Göteborgs Stads riktlinje för avhopparverksamheten: avsteg från riktlinjen får endast göras av särskilda skäl, t.ex. akut tidsbrist, och ska dokumenteras och rapporteras till stadsledningskontoret';

/**
 * The rules a documented deviation (avsteg) in a referral may set aside, where the terms list them
 * (PROTOCOL.md §5.4, §14.8): never the consent (§14.1), nor a unit's guideline in words.
 */
export const DEVIABLE_RULES = [
  'police-consultation',
  'police-approval',
  'target-group',
  'children',
  'housing',
] as const satisfies readonly RuleId[];

/** A rule a referral's deviation may name. */
export type DeviableRule = (typeof DEVIABLE_RULES)[number];

/** A target-group criterion (PROTOCOL.md §5.4). */
export const TARGET_CRITERIA = [
  'criminal-environment',
  'threat',
  'motivated',
  'not-suspected-of-serious-crime',
] as const;

/** A target-group criterion's id. */
export type TargetCriterion = (typeof TARGET_CRITERIA)[number];

/** What must come before a referral (förutsättningar; PROTOCOL.md §5.4). Every member is optional. */
export interface PreconditionTerms {
  /** Police consultation (samråd) in both the home and the receiving municipality (default true). */
  policeConsultation?: boolean;
  /**
   * Police approval (godkännande) in both municipalities is required for a referral of one of these
   * categories or at one of these threat levels (default: neither, so never).
   */
  policeApproval?: { categories: ('avhoppare' | 'skyddsarende')[]; threatLevels: ('low' | 'high')[] };
  /** The target-group criteria a referral must meet (default: all of {@link TARGET_CRITERIA}). */
  targetGroup?: TargetCriterion[];
}

/** Which rules a documented deviation (avsteg) may set aside for a referral (PROTOCOL.md §5.4). */
export interface DeviationTerms {
  /** The rules that may be deviated from (default: none). */
  deviable: DeviableRule[];
}

/** The precondition terms with every default filled in. */
export function preconditionTerms(terms: { preconditions?: PreconditionTerms }): Required<PreconditionTerms> {
  const p = terms.preconditions ?? {};
  return {
    policeConsultation: p.policeConsultation ?? true,
    policeApproval: p.policeApproval ?? { categories: [], threatLevels: [] },
    targetGroup: p.targetGroup ?? [...TARGET_CRITERIA],
  };
}

/** The rules a deviation may set aside under `terms` (none by default). */
export function deviableRules(terms: { deviations?: DeviationTerms }): readonly DeviableRule[] {
  return terms.deviations?.deviable ?? [];
}

function enumList<T extends string>(value: unknown, what: string, allowed: readonly T[]): T[] {
  const list = arr(value, what, allowed.length);
  for (const x of list) if (!allowed.includes(x as T)) fail(`${what} has an unknown value`);
  if (new Set(list).size !== list.length) fail(`${what} lists a value twice`);
  return list as T[];
}

/** Validate the optional precondition terms; ERR_MALFORMED naming the member. */
export function validatePreconditionTerms(value: unknown): void {
  const p = obj(value, 'preconditions');
  only(p, ['policeConsultation', 'policeApproval', 'targetGroup'], 'preconditions');
  if (p.policeConsultation !== undefined && typeof p.policeConsultation !== 'boolean')
    fail('preconditions.policeConsultation must be a boolean');
  if (p.policeApproval !== undefined) {
    const a = obj(p.policeApproval, 'preconditions.policeApproval');
    only(a, ['categories', 'threatLevels'], 'preconditions.policeApproval');
    enumList(a.categories, 'preconditions.policeApproval.categories', ['avhoppare', 'skyddsarende']);
    enumList(a.threatLevels, 'preconditions.policeApproval.threatLevels', ['low', 'high']);
  }
  if (p.targetGroup !== undefined) enumList(p.targetGroup, 'preconditions.targetGroup', TARGET_CRITERIA);
}

/** Validate the optional deviation terms; ERR_MALFORMED naming the member. */
export function validateDeviationTerms(value: unknown): void {
  const d = obj(value, 'deviations');
  only(d, ['deviable'], 'deviations');
  enumList(d.deviable, 'deviations.deviable', DEVIABLE_RULES);
}
