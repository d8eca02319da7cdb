/**
 * The referral (uppdrag; PROTOCOL.md §12.4.1): the home municipality hands a case to a receiving
 * municipality. The first packet of every case (`prev` = null). It carries what the agreement requires
 * before a referral: the category and threat level, the services requested from the catalogue, police
 * consultation (samråd) and approval (godkännande) per municipality, the target-group assessment (with motivation), the check that the person
 * has no responsibility for children, temporary housing arranged by the home municipality, contact
 * persons, the person's group affiliation where the receiving municipality checks placements against
 * rival groups (§14.6 (5)), the consent attestation and the outgoing quota claim's proof.
 */

import { DEVIABLE_RULES, type DeviableRule } from '../directory/precondition-terms.js';
import {
  bool,
  date,
  distinct,
  id,
  jws,
  list,
  MAX_SHORT,
  members,
  oneOf,
  optionalDate,
  optionalText,
  text,
} from './_fields.js';
import { type ContactPerson, validateContact } from './common-fields.js';
import type { DeviationReason } from './deviation.js';
import { PERSONAL_IDENTITY_NUMBER_PATTERN } from './field-patterns.js';
import { type QuotaProof, validateQuotaProof } from './quota-claim.js';
import { type GroupAffiliation, validateAffiliation } from './rival-groups.js';

/** Target-group category (målgrupp): defector (avhoppare) or protection case (skyddsärende). */
export type Category = 'avhoppare' | 'skyddsarende';
/** Threat level (hotbild). */
export type ThreatLevel = 'low' | 'high';

/** The person (personuppgifter). Only inside the encryption, only to the case's two units. */
export interface ReferredPerson {
  name: string;
  /** Personnummer or samordningsnummer, YYYYMMDD-NNNN. */
  personalIdentityNumber: string | null;
  dateOfBirth: string | null;
}

/** Who at the police (Polismyndigheten) was consulted or decided: name and role. */
export interface PoliceOfficer {
  name: string;
  role: string;
}

/**
 * Prior consultation with the police (samråd med Polismyndigheten) in one municipality: required in
 * both municipalities where the terms say so (PROTOCOL.md §5.4).
 */
export interface PoliceConsultation {
  municipality: string;
  /** The day of the consultation, on or before the referral's. */
  date: string;
  officer: PoliceOfficer;
  /** The police's reference (diarienummer). */
  reference: string;
  /** What the police said (the consultation's outcome). */
  outcome: string;
}

/**
 * The police's approval (godkännande från Polismyndigheten) in one municipality: required in both
 * municipalities for the categories and threat levels the terms name (PROTOCOL.md §5.4).
 */
export interface PoliceApproval {
  municipality: string;
  /** The day of the decision, on or before the referral's. */
  date: string;
  officer: PoliceOfficer;
  /** The police's reference (diarienummer). */
  reference: string;
  /** The police approved the case (false: refused). */
  approved: boolean;
}

/** The threat against the person (hotbild) as the target group describes it: latent, concrete, or none. */
export type ThreatKind = 'latent' | 'concrete' | 'none';

/**
 * The assessment that the person belongs to the agreement's target group (målgruppsbedömning;
 * PROTOCOL.md §5.4): each criterion met or not, who assessed it and when. The terms say which criteria a
 * referral must meet.
 */
export interface TargetGroupAssessment {
  /** In a criminal group or a destructive criminal environment (criterion `criminal-environment`). */
  criminalEnvironment: boolean;
  /** The threat against the person: latent or concrete meets the criterion `threat`. */
  threat: ThreatKind;
  /** Motivated to change (motivationsbedömning; criterion `motivated`). */
  motivated: boolean;
  /**
   * Not suspected of serious crime that may lead to a longer deprivation of liberty (criterion
   * `not-suspected-of-serious-crime`).
   */
  notSuspectedOfSeriousCrime: boolean;
  assessedOn: string;
  /** Who assessed it: name and role. */
  assessedBy: { name: string; role: string };
  /** The assessment in words. */
  assessment: string;
}

/** The check for responsibility for children (ansvar för barn). */
export interface ChildrenCheck {
  responsibleForChildren: boolean;
  checkedOn: string;
}

/**
 * A documented deviation (avsteg) the referral relies on (PROTOCOL.md §12.4, §14.8): it sets aside the
 * rule it names if the terms list that rule as deviable, and enters both units' deviation registers.
 */
export interface ReferralDeviation {
  /** The rule departed from (a stable rule id, as its refusal names it). */
  rule: DeviableRule;
  /** The day of the decision, on or before the referral's. */
  date: string;
  /** The special reason (särskilda skäl). */
  reason: DeviationReason;
  /** What was departed from and why (personal data: stays in the case). */
  description: string;
  /** Who decided it: name and role (e.g. enhetschef). */
  decidedBy: { name: string; role: string };
}

/** Temporary housing (tillfälligt boende), arranged and paid for by the home municipality. */
export interface TemporaryHousing {
  arrangedByHome: boolean;
  from: string;
  /** The relocation address. The most sensitive field of the system. */
  address: string | null;
}

/** Body of a `referral` packet. */
export interface ReferralBody {
  /** The receiving unit (mottagande enhet). */
  to: string;
  category: Category;
  threatLevel: ThreatLevel;
  person: ReferredPerson;
  /** Catalogue codes of the services asked for. */
  requestedServices: string[];
  policeConsultations: PoliceConsultation[];
  policeApprovals: PoliceApproval[];
  targetGroup: TargetGroupAssessment;
  childrenCheck: ChildrenCheck;
  temporaryHousing: TemporaryHousing;
  contacts: ContactPerson[];
  /** Documented deviations the referral relies on (usually none), at most one per rule. */
  deviations: ReferralDeviation[];
  /**
   * The person's group affiliation (PROTOCOL.md §14.6 (5)): required where the receiving
   * municipality's terms set `rivalCheck`; null where they do not and none is given.
   */
  affiliation: GroupAffiliation | null;
  /** The consent attestation (`brygga-consent+jws`) the disclosure relies on. */
  consent: string;
  /** Proof of the outgoing quota claim. */
  quota: QuotaProof;
  note: string | null;
}

const KEYS = [
  'to',
  'category',
  'threatLevel',
  'person',
  'requestedServices',
  'policeConsultations',
  'policeApprovals',
  'targetGroup',
  'childrenCheck',
  'temporaryHousing',
  'contacts',
  'deviations',
  'affiliation',
  'consent',
  'quota',
  'note',
];

function officer(value: unknown, path: string): PoliceOfficer {
  const o = members(value, path, ['name', 'role']);
  return { name: text(o.name, `${path}.name`, MAX_SHORT), role: text(o.role, `${path}.role`, MAX_SHORT) };
}

/** Validate a `referral` body; ERR_MALFORMED naming the field. The rules come later (see `rules.ts`). */
export function validateReferral(value: unknown): ReferralBody {
  const o = members(value, 'referral', KEYS);
  const p = members(o.person, 'referral.person', ['name', 'personalIdentityNumber', 'dateOfBirth']);
  const pin =
    p.personalIdentityNumber === null
      ? null
      : text(
          p.personalIdentityNumber,
          'referral.person.personalIdentityNumber',
          13,
          PERSONAL_IDENTITY_NUMBER_PATTERN,
        );
  const services = list(o.requestedServices, 'referral.requestedServices', 1, 32, id);
  distinct(services, 'referral.requestedServices');
  const consultations = list(o.policeConsultations, 'referral.policeConsultations', 0, 8, (v, path) => {
    const c = members(v, path, ['municipality', 'date', 'officer', 'reference', 'outcome']);
    return {
      municipality: id(c.municipality, `${path}.municipality`),
      date: date(c.date, `${path}.date`),
      officer: officer(c.officer, `${path}.officer`),
      reference: text(c.reference, `${path}.reference`, MAX_SHORT),
      outcome: text(c.outcome, `${path}.outcome`),
    };
  });
  const deviations = list(o.deviations, 'referral.deviations', 0, 8, (v, path) => {
    const d = members(v, path, ['rule', 'date', 'reason', 'description', 'decidedBy']);
    return {
      rule: oneOf(d.rule, `${path}.rule`, DEVIABLE_RULES),
      date: date(d.date, `${path}.date`),
      reason: oneOf(d.reason, `${path}.reason`, ['acute-time-pressure', 'safety', 'other'] as const),
      description: text(d.description, `${path}.description`),
      decidedBy: officer(d.decidedBy, `${path}.decidedBy`),
    };
  });
  distinct(
    deviations.map((d) => d.rule),
    'referral.deviations',
  );
  const approvals = list(o.policeApprovals, 'referral.policeApprovals', 0, 8, (v, path) => {
    const c = members(v, path, ['municipality', 'date', 'officer', 'reference', 'approved']);
    return {
      municipality: id(c.municipality, `${path}.municipality`),
      date: date(c.date, `${path}.date`),
      officer: officer(c.officer, `${path}.officer`),
      reference: text(c.reference, `${path}.reference`, MAX_SHORT),
      approved: bool(c.approved, `${path}.approved`),
    };
  });
  const g = members(o.targetGroup, 'referral.targetGroup', [
    'criminalEnvironment',
    'threat',
    'motivated',
    'notSuspectedOfSeriousCrime',
    'assessedOn',
    'assessedBy',
    'assessment',
  ]);
  const ch = members(o.childrenCheck, 'referral.childrenCheck', ['responsibleForChildren', 'checkedOn']);
  const h = members(o.temporaryHousing, 'referral.temporaryHousing', ['arrangedByHome', 'from', 'address']);
  return {
    to: id(o.to, 'referral.to'),
    category: oneOf(o.category, 'referral.category', ['avhoppare', 'skyddsarende'] as const),
    threatLevel: oneOf(o.threatLevel, 'referral.threatLevel', ['low', 'high'] as const),
    person: {
      name: text(p.name, 'referral.person.name', MAX_SHORT),
      personalIdentityNumber: pin,
      dateOfBirth: optionalDate(p.dateOfBirth, 'referral.person.dateOfBirth'),
    },
    requestedServices: services,
    policeConsultations: consultations,
    policeApprovals: approvals,
    targetGroup: {
      criminalEnvironment: bool(g.criminalEnvironment, 'referral.targetGroup.criminalEnvironment'),
      threat: oneOf(g.threat, 'referral.targetGroup.threat', ['latent', 'concrete', 'none'] as const),
      motivated: bool(g.motivated, 'referral.targetGroup.motivated'),
      notSuspectedOfSeriousCrime: bool(
        g.notSuspectedOfSeriousCrime,
        'referral.targetGroup.notSuspectedOfSeriousCrime',
      ),
      assessedOn: date(g.assessedOn, 'referral.targetGroup.assessedOn'),
      assessedBy: officer(g.assessedBy, 'referral.targetGroup.assessedBy'),
      assessment: text(g.assessment, 'referral.targetGroup.assessment'),
    },
    childrenCheck: {
      responsibleForChildren: bool(
        ch.responsibleForChildren,
        'referral.childrenCheck.responsibleForChildren',
      ),
      checkedOn: date(ch.checkedOn, 'referral.childrenCheck.checkedOn'),
    },
    temporaryHousing: {
      arrangedByHome: bool(h.arrangedByHome, 'referral.temporaryHousing.arrangedByHome'),
      from: date(h.from, 'referral.temporaryHousing.from'),
      address: optionalText(h.address, 'referral.temporaryHousing.address', 500),
    },
    contacts: list(o.contacts, 'referral.contacts', 1, 10, validateContact),
    deviations,
    affiliation: validateAffiliation(o.affiliation, 'referral.affiliation'),
    consent: jws(o.consent, 'referral.consent'),
    quota: validateQuotaProof(o.quota, 'referral.quota'),
    note: optionalText(o.note, 'referral.note'),
  };
}
