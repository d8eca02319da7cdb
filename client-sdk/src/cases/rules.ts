/**
 * The rules of the cooperation agreement the SDK enforces at both ends (PROTOCOL.md §14). Each check is
 * a small pure function that throws a BryggaError whose code names the rule:
 *
 * - personal data only with a consent that covers every recipient and is valid that day, or a recorded
 *   legal basis; never on a withdrawn consent (ERR_CONSENT_MISSING, _WITHDRAWN, _EXPIRED, _SCOPE);
 * - referral preconditions: police consultation and approval in both municipalities where the terms
 *   require them, the target group's criteria met, no
 *   responsibility for children, temporary housing arranged by the home municipality, category and threat
 *   level admitted, services from the catalogue, within the agreement's period;
 * - implementation plans only with catalogue services the receiving municipality offers, within the
 *   period; costs only for planned services.
 *
 * Quotas are checked where the ledger is (the client), because they depend on claims outside the case.
 */
import type { Agreement } from '../directory/agreement.js';
import {
  DEVIATION_SOURCE,
  type DeviableRule,
  deviableRules,
  preconditionTerms,
  RULE_SOURCES,
  TARGET_CRITERIA,
  type TargetCriterion,
} from '../directory/precondition-terms.js';
import {
  offeredServices,
  RECEIVING_SOURCES,
  relocationNoticeOf,
  rivalCheckOf,
  specialCasesOf,
} from '../directory/receiving-terms.js';
import { BryggaError } from '../errors.js';
import type { LegalBasis } from './common-fields.js';
import type { ConsentClaims } from './consent.js';
import type { ReferralBody, ReferralDeviation, TargetGroupAssessment } from './referral.js';
import type { RelocationPreCheck } from './relocation.js';
import type { GroupAffiliation, RivalCheck } from './rival-groups.js';
import type { SpecialCaseMark } from './special-case.js';

/** A consent as the case state keeps it. */
export interface ConsentRecord {
  id: string;
  form: ConsentClaims['form'];
  scope: ConsentClaims['scope'];
  validFrom: string;
  validUntil: string | null;
  /** Hash of the packet that brought it (the referral or a consent packet). */
  attestedIn: string;
  /** Hash of the withdrawal packet, or null. */
  withdrawnIn: string | null;
}

/** The agreement in force on `day` (YYYY-MM-DD): the newest accepted one whose period contains it. */
export function agreementAt(agreements: readonly Agreement[], day: string): Agreement | undefined {
  let found: Agreement | undefined;
  for (const a of agreements) {
    if (a.inPeriod(day) && (!found || a.terms.sequence > found.terms.sequence)) found = a;
  }
  return found;
}

/** The agreement in force on `day`, or ERR_OUTSIDE_PERIOD. */
export function requireAgreementAt(agreements: readonly Agreement[], day: string, what: string): Agreement {
  const a = agreementAt(agreements, day);
  if (!a)
    throw new BryggaError('ERR_OUTSIDE_PERIOD', `${what} dated ${day} is outside the agreement's period`);
  return a;
}

/**
 * Personal data may go to `recipients` on `day` only under a recorded legal basis, or a consent of the
 * case that is not withdrawn, is valid that day and names every recipient unit. Returns the consent
 * relied on (null under a legal basis).
 */
export function assertPersonalDataCovered(
  consents: readonly ConsentRecord[],
  recipients: readonly string[],
  day: string,
  legalBasis: LegalBasis | null,
): ConsentRecord | null {
  if (legalBasis !== null) return null;
  if (consents.length === 0) {
    throw new BryggaError(
      'ERR_CONSENT_MISSING',
      'personal data needs a consent attestation or a recorded legal basis',
    );
  }
  const standing = consents.filter((c) => c.withdrawnIn === null);
  if (standing.length === 0) {
    throw new BryggaError(
      'ERR_CONSENT_WITHDRAWN',
      'the consent was withdrawn: no personal data may rely on it',
    );
  }
  const valid = standing.filter((c) => c.validFrom <= day && (c.validUntil === null || day <= c.validUntil));
  if (valid.length === 0) throw new BryggaError('ERR_CONSENT_EXPIRED', `no consent is valid on ${day}`);
  const covering = valid.find((c) => recipients.every((r) => c.scope.units.includes(r)));
  if (!covering)
    throw new BryggaError('ERR_CONSENT_SCOPE', 'no consent covers every recipient of the packet');
  return covering;
}

/** Services must be in `agreement`'s catalogue (insatskatalog). */
export function assertInCatalogue(agreement: Agreement, codes: readonly string[]): void {
  const catalogue = new Set(agreement.terms.catalogue.map((c) => c.code));
  const missing = codes.filter((c) => !catalogue.has(c));
  if (missing.length > 0) {
    throw new BryggaError(
      'ERR_SERVICE_NOT_IN_CATALOGUE',
      `not in the agreement's catalogue: ${missing.join(', ')}`,
    );
  }
}

/**
 * Services must be ones the receiving `municipality` itself offers (its `offers` in the terms,
 * PROTOCOL.md §5.5, §14.5): the cooperation agreement puts no duty on it to procure others.
 * ERR_SERVICE_NOT_OFFERED naming the services and the source.
 */
export function assertOffered(agreement: Agreement, municipality: string, codes: readonly string[]): void {
  const offered = new Set(offeredServices(agreement.terms, municipality));
  const missing = codes.filter((c) => !offered.has(c));
  if (missing.length > 0) {
    throw new BryggaError(
      'ERR_SERVICE_NOT_OFFERED',
      `${municipality} does not offer ${missing.join(', ')}: the cooperation agreement (Avtal om samverkan för insatser till avhoppare) puts no duty on the receiving municipality to procure services it does not already offer`,
    );
  }
}

/** The relocation pre-check's dates lie on or before `day`, the uptake decision's (ERR_PRECONDITION_DATE). */
export function assertRelocationDated(r: RelocationPreCheck | null, day: string): void {
  if (r === null) return;
  assertDatedBy(day, [
    ...(r.notice
      ? [{ field: 'uptake-decision.relocation.notice.notifiedOn', date: r.notice.notifiedOn }]
      : []),
    { field: 'uptake-decision.relocation.check.checkedOn', date: r.check.checkedOn },
  ]);
}

/**
 * The relocation pre-check of an acceptance (PROTOCOL.md §5.5, §14.6 (3)): where the receiving
 * `municipality`'s terms name a body to notify (`relocationNotice`), the acceptance carries the
 * planned area's advance notice to that body (ERR_RELOCATION_NOT_NOTIFIED) and the receiving unit's
 * own check of the area; a check the acceptance carries must be cleared (ERR_RELOCATION_NOT_CLEARED).
 * Each refusal names the rule and its source; the dates are checked by {@link assertRelocationDated}.
 */
export function assertRelocationPreCheck(
  agreement: Agreement,
  municipality: string,
  r: RelocationPreCheck | null,
  day: string,
): void {
  assertRelocationDated(r, day);
  const body = relocationNoticeOf(agreement.terms, municipality);
  const source = RECEIVING_SOURCES.relocation;
  if (body !== null) {
    if (r === null || r.notice === null) {
      throw new BryggaError(
        'ERR_RELOCATION_NOT_NOTIFIED',
        `${municipality}'s terms require notifying ${body} in advance of the planned relocation area before accepting: ${source}`,
      );
    }
    if (r.notice.body !== body) {
      throw new BryggaError(
        'ERR_RELOCATION_NOT_NOTIFIED',
        `the relocation notice went to ${r.notice.body}, but ${municipality}'s terms require notifying ${body}: ${source}`,
      );
    }
  }
  if (r !== null && r.check.result !== 'cleared') {
    throw new BryggaError(
      'ERR_RELOCATION_NOT_CLEARED',
      `the receiving unit's check of the planned relocation area found concerns: an acceptance needs it cleared against the person's threat (${source})`,
    );
  }
}

/**
 * The special case (PROTOCOL.md §5.5, §14.6 (4)): where `municipality`'s terms name the body that
 * assesses its special cases (`specialCases`) and the case is marked special, `what` (the acceptance,
 * the implementation plan) relies on that body's assessment, dated on or before `day`
 * (ERR_SPECIAL_CASE_NOT_ASSESSED naming the guideline and the body).
 */
export function assertSpecialAssessed(
  agreement: Agreement,
  municipality: string,
  mark: SpecialCaseMark | null,
  day: string,
  what: string,
): void {
  if (mark === null) return;
  const body = specialCasesOf(agreement.terms, municipality);
  const source = RECEIVING_SOURCES.special;
  if (body !== null) {
    if (mark.body !== body || mark.assessment === null) {
      throw new BryggaError(
        'ERR_SPECIAL_CASE_NOT_ASSESSED',
        `${what} of a special case needs the assessment of ${body}, as ${municipality}'s terms name it: ${source}`,
      );
    }
    if (mark.assessment.assessedOn > day) {
      throw new BryggaError(
        'ERR_SPECIAL_CASE_NOT_ASSESSED',
        `${body}'s assessment of the special case is dated ${mark.assessment.assessedOn}, after ${what} (${day}): ${source}`,
      );
    }
  }
}

/**
 * The person's group affiliation in a referral (PROTOCOL.md §5.5, §14.6 (5)): where the receiving
 * `municipality`'s terms set `rivalCheck`, the referral states it (ERR_GROUP_AFFILIATION_MISSING naming
 * the rule and its source); an empty list of groups records that none is known. With `day`, an
 * affiliation given is assessed on or before it (ERR_PRECONDITION_DATE).
 */
export function assertAffiliationStated(
  agreement: Agreement,
  municipality: string,
  affiliation: GroupAffiliation | null,
  day?: string,
): void {
  if (affiliation === null && rivalCheckOf(agreement.terms, municipality)) {
    throw new BryggaError(
      'ERR_GROUP_AFFILIATION_MISSING',
      `${municipality}'s terms require the person's group affiliation (or that none is known) before a placement, to check it against rival groups: ${RECEIVING_SOURCES.rivals}`,
    );
  }
  if (affiliation !== null && day !== undefined) {
    assertDatedBy(day, [{ field: 'referral.affiliation.assessedOn', date: affiliation.assessedOn }]);
  }
}

/**
 * The rival-group check of an uptake decision (PROTOCOL.md §5.5, §14.6 (5)), dated on or before `day`
 * (ERR_PRECONDITION_DATE): where the receiving `municipality`'s terms set `rivalCheck`, an acceptance
 * carries it (ERR_RIVAL_CHECK_MISSING naming the rule and its source). A decline needs none. The check
 * holds the result only; whether "no conflict" matches the unit's own list is checked where the list
 * is, at the receiving unit.
 */
export function assertRivalChecked(
  agreement: Agreement,
  municipality: string,
  decision: 'accept' | 'decline',
  check: RivalCheck | null,
  day: string,
): void {
  if (check !== null) {
    assertDatedBy(day, [{ field: 'uptake-decision.rivalCheck.checkedOn', date: check.checkedOn }]);
  }
  if (decision === 'accept' && check === null && rivalCheckOf(agreement.terms, municipality)) {
    throw new BryggaError(
      'ERR_RIVAL_CHECK_MISSING',
      `${municipality}'s terms require the receiving unit's check of the person's group affiliation against the rival groups it knows in its municipality and the neighbouring ones before accepting: ${RECEIVING_SOURCES.rivals}`,
    );
  }
}

/**
 * Each dated precondition lies on or before `day` (YYYY-MM-DD), the day of the packet that relies on
 * it: what a referral records as done cannot be dated after it (ERR_PRECONDITION_DATE naming the field).
 * Judged by the packet's signed day, never the local clock, so both ends decide alike; at the sender
 * that day is today, so nothing is dated in the future either.
 */
export function assertDatedBy(day: string, dates: readonly { field: string; date: string }[]): void {
  for (const { field, date } of dates) {
    if (date > day) {
      throw new BryggaError('ERR_PRECONDITION_DATE', `${field} lies after the packet's day, ${day}`);
    }
  }
}

/**
 * The preconditions of a referral that its body alone decides (the consent and the quota claim are
 * checked against their signatures separately): the receiving unit is a party of another municipality;
 * category and threat level admitted; catalogue services the receiving municipality offers; the police as the terms require
 * ({@link assertPolice}); the target group ({@link assertTargetGroup}); no responsibility for children; housing arranged by the home
 * municipality; the person's group affiliation where the receiving municipality checks rival groups
 * ({@link assertAffiliationStated}). With `day` (the referral's), the police's records, the
 * target-group assessment, the children check and the affiliation must be dated on or before it
 * (ERR_PRECONDITION_DATE).
 */
export function assertReferralPreconditions(
  agreement: Agreement,
  home: string,
  body: ReferralBody,
  day?: string,
): void {
  const homeMunicipality = agreement.municipalityOf(home)?.id;
  const receivingMunicipality = agreement.municipalityOf(body.to)?.id;
  if (!homeMunicipality)
    throw new BryggaError('ERR_WRONG_PARTY', 'the referring unit is not a party to the agreement');
  if (!receivingMunicipality)
    throw new BryggaError('ERR_WRONG_PARTY', 'the receiving unit is not a party to the agreement');
  if (homeMunicipality === receivingMunicipality) {
    throw new BryggaError('ERR_WRONG_PARTY', 'a referral goes to a unit of another municipality');
  }
  const admits = agreement.terms.admits;
  if (!admits.categories.includes(body.category)) {
    throw new BryggaError(
      'ERR_CATEGORY_NOT_ADMITTED',
      `the agreement does not admit the category ${body.category}`,
    );
  }
  if (!admits.threatLevels.includes(body.threatLevel)) {
    throw new BryggaError(
      'ERR_THREAT_LEVEL_NOT_ADMITTED',
      `the agreement does not admit the threat level ${body.threatLevel}`,
    );
  }
  assertInCatalogue(agreement, body.requestedServices);
  assertOffered(agreement, receivingMunicipality, body.requestedServices);
  const deviated = assertDeviations(agreement, body.deviations, day);
  assertPolice(agreement, body, [homeMunicipality, receivingMunicipality], day, deviated);
  if (!deviated.has('target-group')) assertTargetGroup(agreement, body.targetGroup, day);
  if (body.childrenCheck.responsibleForChildren && !deviated.has('children')) {
    throw new BryggaError(
      'ERR_CHILDREN_RESPONSIBILITY',
      'a person responsible for children cannot be referred',
    );
  }
  if (day !== undefined) {
    assertDatedBy(day, [{ field: 'referral.childrenCheck.checkedOn', date: body.childrenCheck.checkedOn }]);
  }
  if (!body.temporaryHousing.arrangedByHome && !deviated.has('housing')) {
    throw new BryggaError(
      'ERR_HOUSING_NOT_ARRANGED',
      'the home municipality must arrange the temporary housing',
    );
  }
  assertAffiliationStated(agreement, receivingMunicipality, body.affiliation, day);
}

/** Whether an assessment meets each target-group criterion (PROTOCOL.md §5.4). */
const CRITERION_MET: Readonly<Record<TargetCriterion, (g: TargetGroupAssessment) => boolean>> = {
  'criminal-environment': (g) => g.criminalEnvironment,
  threat: (g) => g.threat !== 'none',
  motivated: (g) => g.motivated,
  'not-suspected-of-serious-crime': (g) => g.notSuspectedOfSeriousCrime,
};

/** What each unmet criterion means, as a refusal says it. */
const CRITERION_UNMET: Readonly<Record<TargetCriterion, string>> = {
  'criminal-environment': 'the person is not in a criminal group or a destructive criminal environment',
  threat: 'no latent or concrete threat against the person is assessed',
  motivated: "the person's motivation to change is not assessed as present",
  'not-suspected-of-serious-crime':
    'the person is suspected of serious crime that may lead to a longer deprivation of liberty',
};

/**
 * The target group (målgrupp; PROTOCOL.md §5.4, §14.3): the assessment meets every criterion the terms
 * require, checked in the order of {@link TARGET_CRITERIA}. An unmet `motivated` is
 * ERR_MOTIVATION_MISSING, any other ERR_TARGET_GROUP_NOT_MET; the message names the criterion and its
 * source. With `day`, the assessment is dated on or before it (ERR_PRECONDITION_DATE).
 */
export function assertTargetGroup(agreement: Agreement, g: TargetGroupAssessment, day?: string): void {
  const required = preconditionTerms(agreement.terms).targetGroup;
  for (const criterion of TARGET_CRITERIA) {
    if (!required.includes(criterion) || CRITERION_MET[criterion](g)) continue;
    throw new BryggaError(
      criterion === 'motivated' ? 'ERR_MOTIVATION_MISSING' : 'ERR_TARGET_GROUP_NOT_MET',
      `the target-group criterion ${criterion} is not met: ${CRITERION_UNMET[criterion]} (${RULE_SOURCES['target-group']})`,
    );
  }
  if (day !== undefined) {
    assertDatedBy(day, [{ field: 'referral.targetGroup.assessedOn', date: g.assessedOn }]);
  }
}

/**
 * The documented deviations (avsteg) a referral relies on (PROTOCOL.md §5.4, §14.8): each names a rule
 * the terms in force list as deviable (ERR_DEVIATION_NOT_ALLOWED otherwise, naming the rule and the
 * source) and, with `day`, was decided on or before it (ERR_PRECONDITION_DATE). Returns the rules set
 * aside.
 */
export function assertDeviations(
  agreement: Agreement,
  deviations: readonly ReferralDeviation[],
  day?: string,
): Set<DeviableRule> {
  const deviable = deviableRules(agreement.terms);
  for (const d of deviations) {
    if (!deviable.includes(d.rule)) {
      throw new BryggaError(
        'ERR_DEVIATION_NOT_ALLOWED',
        `the terms do not allow a deviation from the rule ${d.rule} (${RULE_SOURCES[d.rule]}): only from ${deviable.length ? deviable.join(', ') : 'no rule'} (${DEVIATION_SOURCE})`,
      );
    }
  }
  if (day !== undefined) {
    assertDatedBy(
      day,
      deviations.map((d, i) => ({ field: `referral.deviations[${i}].date`, date: d.date })),
    );
  }
  return new Set(deviations.map((d) => d.rule));
}

/**
 * The police before a referral (PROTOCOL.md §5.4, §14.3): where the terms require consultation (samråd),
 * one is recorded for each of `municipalities` (ERR_POLICE_CONSULTATION_MISSING); where they require
 * approval (godkännande) for the referral's category or threat level, an approval is recorded for each
 * (ERR_POLICE_APPROVAL_MISSING). Each refusal names the municipality, the rule and its source. With
 * `day`, every consultation and approval is dated on or before it (ERR_PRECONDITION_DATE). A rule in
 * `deviated` (a documented deviation the terms allow, {@link assertDeviations}) is not required.
 */
export function assertPolice(
  agreement: Agreement,
  body: Pick<ReferralBody, 'category' | 'threatLevel' | 'policeConsultations' | 'policeApprovals'>,
  municipalities: readonly string[],
  day?: string,
  deviated: ReadonlySet<DeviableRule> = new Set(),
): void {
  const terms = preconditionTerms(agreement.terms);
  if (terms.policeConsultation && !deviated.has('police-consultation')) {
    for (const m of municipalities) {
      if (!body.policeConsultations.some((c) => c.municipality === m)) {
        throw new BryggaError(
          'ERR_POLICE_CONSULTATION_MISSING',
          `no police consultation (samråd) is recorded for ${m}: the terms require it in both municipalities (${RULE_SOURCES['police-consultation']})`,
        );
      }
    }
  }
  const approval = terms.policeApproval;
  const why = approval.categories.includes(body.category)
    ? `the category ${body.category}`
    : approval.threatLevels.includes(body.threatLevel)
      ? `the threat level ${body.threatLevel}`
      : null;
  if (why !== null && !deviated.has('police-approval')) {
    for (const m of municipalities) {
      if (!body.policeApprovals.some((a) => a.municipality === m && a.approved)) {
        throw new BryggaError(
          'ERR_POLICE_APPROVAL_MISSING',
          `no police approval (godkännande) is recorded for ${m}: the terms require it for ${why} (${RULE_SOURCES['police-approval']})`,
        );
      }
    }
  }
  if (day !== undefined) {
    assertDatedBy(day, [
      ...body.policeConsultations.map((c, i) => ({
        field: `referral.policeConsultations[${i}].date`,
        date: c.date,
      })),
      ...body.policeApprovals.map((a, i) => ({ field: `referral.policeApprovals[${i}].date`, date: a.date })),
    ]);
  }
}

/**
 * A consent attestation fits the case: attested by the home unit for this case, naming both units; for
 * a referral it must also cover the police and the processing of the data (PROTOCOL.md §5.4). ERR_CONSENT_SCOPE otherwise. With `day` (the day of the
 * packet carrying it), the consent must have been given on or before it (ERR_PRECONDITION_DATE).
 */
export function assertConsentFits(
  consent: ConsentClaims,
  c: { caseId: string; home: string; receiving: string; forReferral: boolean; day?: string },
): void {
  if (consent.case !== c.caseId)
    throw new BryggaError('ERR_CONSENT_SCOPE', 'the consent was given for another case');
  if (consent.unit !== c.home)
    throw new BryggaError('ERR_CONSENT_SCOPE', 'the consent is not attested by the home unit');
  if (!consent.scope.units.includes(c.home) || !consent.scope.units.includes(c.receiving)) {
    throw new BryggaError('ERR_CONSENT_SCOPE', 'the consent does not name both units of the case');
  }
  if (c.forReferral) {
    const missing = [
      ...(consent.scope.police ? [] : ['lifting secrecy towards the police']),
      ...(consent.scope.processing ? [] : ['the processing of the personal data']),
    ];
    if (missing.length > 0) {
      throw new BryggaError(
        'ERR_CONSENT_SCOPE',
        `a referral's consent must also cover ${missing.join(' and ')} (${RULE_SOURCES['consent-scope']})`,
      );
    }
  }
  if (c.day !== undefined) {
    const given = consent.written
      ? { field: 'consent.written.signedOn', date: consent.written.signedOn }
      : { field: 'consent.oral.givenOn', date: consent.oral!.givenOn };
    assertDatedBy(c.day, [given]);
  }
}
