/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The questions of a new referral (uppdrag; PROTOCOL.md §12.4.1), a page each, as `brygga refer` asks
 * them at the terminal: their fields, the checks of each page's answers (the agreement's rules refused
 * with the SDK's error codes, PROTOCOL.md §14), and the referral the answers make.
 */
import type { Child } from 'hono/jsx';
import { type Agreement, offeredServices, preconditionTerms, type ReferInput } from '../../index.js';
import { unitName } from '../_cases.js';
import type { ConsoleDeps, ReferralDraft } from '../_context.js';
import { type FormReader, MAX_TEXT } from '../_form-reader.js';
import type { Texts } from '../_i18n/index.js';
import { ConsentFields, ContactFields, readConsent, readContact } from '../_pages/fieldsets.js';
import {
  Choices,
  type FieldError,
  Fieldset,
  type FormValues,
  fieldValue,
  fieldValues,
  Input,
  Textarea,
} from '../_views/components.js';
import { AffiliationFields, readAffiliation } from './affiliation.js';
import { checkDeviations, DeviationFields, deviates, draftDeviations, stepDeviable } from './deviations.js';

const PIN = /^(18|19|20)\d{6}[-+]?\d{4}$/;

/** The question pages, by their path under /nytt-uppdrag/. */
export type StepId = 'mottagare' | 'person' | 'insatser' | 'samrad' | 'bedomning' | 'kontakter' | 'samtycke';
/** The question pages in the order they are asked. */
export const ORDER: StepId[] = [
  'mottagare',
  'person',
  'insatser',
  'samrad',
  'bedomning',
  'kontakter',
  'samtycke',
];
/** The page that shows every answer before sending. */
export const CHECK = 'kontrollera';

/** The step whose page holds a field (for errors found when sending). */
export const FIELD_STEP: [RegExp, StepId][] = [
  [/^(to|category|threatLevel)$/, 'mottagare'],
  [/^(name|pin|dob)$/, 'person'],
  [/^svc$/, 'insatser'],
  [/^([pa][12]-|dv-police-)/, 'samrad'],
  [/^dv-(target-group|children|housing)/, 'bedomning'],
  [
    /^(environment|threat|motivation|suspected|assessedOn|assessedBy|assessedByRole|assessment|responsible|checkedOn|housing|housingFrom|address|aff-groups|aff-assessedOn|aff-assessedBy|aff-assessedRole)$/,
    'bedomning',
  ],
  [/^c[12]-/, 'kontakter'],
  [
    /^(consent-form|documentSha256|signedOn|givenOn|witnessName|witnessRole|documentation|validFrom|validUntil|note)$/,
    'samtycke',
  ],
];

/** The fields of each step (posted values of other names are ignored). */
export const STEP_FIELDS: Record<StepId, RegExp> = {
  mottagare: /^(to|category|threatLevel)$/,
  person: /^(name|pin|dob)$/,
  insatser: /^svc$/,
  samrad:
    /^([pa][12]-(date|officer|role|reference|outcome|approved)|dv-police-(consultation|approval)(-(reason|description|by|role|date))?)$/,
  bedomning:
    /^(environment|threat|motivation|suspected|assessedOn|assessedBy|assessedByRole|assessment|responsible|checkedOn|housing|housingFrom|address|aff-groups|aff-assessedOn|aff-assessedBy|aff-assessedRole|dv-(target-group|children|housing)(-(reason|description|by|role|date))?)$/,
  kontakter: /^c[12]-(name|role|phone|email)$/,
  samtycke:
    /^(consent-form|documentSha256|signedOn|givenOn|witnessName|witnessRole|documentation|validFrom|validUntil|note)$/,
};

/** What the question pages need: the texts, the device, the agreement in force and the draft. */
export interface Env {
  texts: Texts;
  deps: ConsoleDeps;
  agreement: Agreement;
  home: string;
  homeMunicipality: string;
  draft: ReferralDraft;
}

/** The units a referral may go to: those of the agreement's other municipalities. */
export function receivers(e: Env): { unit: string; municipality: string }[] {
  return e.agreement.terms.parties
    .filter((p) => p.municipality !== e.homeMunicipality)
    .map((p) => ({ unit: p.unit, municipality: p.municipality }));
}

/** A municipality's name as the agreement gives it. */
export function municipalityName(e: Env, id: string | undefined): string {
  return e.agreement.terms.municipalities.find((m) => m.id === id)?.name ?? id ?? '';
}

/** The municipality of the receiving unit chosen so far. */
export function receivingMunicipality(e: Env): string | undefined {
  const to = fieldValue(e.draft.values, 'to');
  return e.agreement.terms.parties.find((p) => p.unit === to)?.municipality;
}

/** The home and the receiving municipality, whose police the referral records. */
export function policeMunicipalities(e: Env): (string | undefined)[] {
  return [e.homeMunicipality, receivingMunicipality(e)];
}

/**
 * Whether the terms require the police's approval for the category and threat level chosen so far
 * (PROTOCOL.md §5.4).
 */
export function approvalRequired(e: Env): boolean {
  const { categories, threatLevels } = preconditionTerms(e.agreement.terms).policeApproval;
  return (
    categories.includes(fieldValue(e.draft.values, 'category') as never) ||
    threatLevels.includes(fieldValue(e.draft.values, 'threatLevel') as never)
  );
}

/** A page's heading. */
export function stepTitle(t: Texts['t'], id: StepId | typeof CHECK): string {
  const map = {
    mottagare: t.refer.steps.to,
    person: t.refer.steps.person,
    insatser: t.refer.steps.services,
    samrad: t.refer.steps.police,
    bedomning: t.refer.steps.assessment,
    kontakter: t.refer.steps.contacts,
    samtycke: t.refer.steps.consent,
    kontrollera: t.refer.steps.check,
  };
  return map[id];
}

function yesNoChoices(t: Texts['t']) {
  return [
    { value: 'yes', label: t.yes },
    { value: 'no', label: t.no },
  ];
}

/** The fields of one question page. */
export function fields(id: StepId, e: Env, values: FormValues, errors: FieldError[]): Child {
  const { t } = e.texts;
  const v = (n: string) => fieldValue(values, n);
  const common = { errors, errorPrefix: t.errorPrefix };
  const { categories, threatLevels } = e.agreement.terms.admits;
  switch (id) {
    case 'mottagare':
      return (
        <>
          <Choices
            kind="radio"
            name="to"
            label={t.refer.to}
            hint={t.refer.toHint}
            choices={receivers(e).map((r) => ({ value: r.unit, label: unitName(e.deps.client, r.unit) }))}
            selected={[v('to')]}
            {...common}
          />
          <Choices
            kind="radio"
            name="category"
            label={t.refer.category}
            choices={categories.map((c) => ({ value: c, label: t.categories[c] }))}
            selected={[v('category')]}
            {...common}
          />
          <Choices
            kind="radio"
            name="threatLevel"
            label={t.refer.threatLevel}
            choices={threatLevels.map((l) => ({ value: l, label: t.threatLevels[l] }))}
            selected={[v('threatLevel')]}
            {...common}
          />
        </>
      );
    case 'person':
      return (
        <>
          <Input name="name" label={t.refer.name} value={v('name')} dirAuto {...common} />
          <Input
            name="pin"
            label={`${t.refer.pin} ${t.optional}`}
            hint={t.refer.pinHint}
            value={v('pin')}
            width="medium"
            spellcheck={false}
            {...common}
          />
          <Input
            name="dob"
            type="date"
            label={`${t.refer.dob} ${t.optional}`}
            hint={t.forms.dateHint}
            value={v('dob')}
            width="short"
            {...common}
          />
        </>
      );
    case 'insatser': {
      const m = receivingMunicipality(e);
      const offered = m ? offeredServices(e.agreement.terms, m) : null;
      return (
        <Choices
          kind="checkbox"
          name="svc"
          label={t.refer.services}
          hint={m ? t.refer.servicesOffered(municipalityName(e, m)) : t.refer.servicesHint}
          choices={e.agreement.terms.catalogue
            .filter((c) => offered === null || offered.includes(c.code))
            .map((c) => ({ value: c.code, label: c.name }))}
          selected={fieldValues(values, 'svc')}
          {...common}
        />
      );
    }
    case 'samrad': {
      const consult = preconditionTerms(e.agreement.terms).policeConsultation;
      const approve = approvalRequired(e);
      const officer = (p: string) => (
        <>
          <Input
            name={`${p}-officer`}
            label={t.refer.policeOfficer}
            value={v(`${p}-officer`)}
            width="medium"
            dirAuto
            {...common}
          />
          <Input
            name={`${p}-role`}
            label={t.refer.policeRole}
            hint={t.refer.policeRoleHint}
            value={v(`${p}-role`)}
            width="medium"
            dirAuto
            {...common}
          />
          <Input
            name={`${p}-reference`}
            label={t.refer.policeReference}
            value={v(`${p}-reference`)}
            width="medium"
            dirAuto
            {...common}
          />
        </>
      );
      return (
        <>
          {!consult && !approve ? <p class="body">{t.refer.policeNone}</p> : null}
          {consult
            ? policeMunicipalities(e).map((m, i) => {
                const p = `p${i + 1}`;
                return (
                  <Fieldset legend={t.refer.policeIn(municipalityName(e, m))} id={`${p}-legend`}>
                    <Input
                      name={`${p}-date`}
                      type="date"
                      label={t.refer.policeDate}
                      hint={t.forms.dateHint}
                      value={v(`${p}-date`)}
                      width="short"
                      {...common}
                    />
                    {officer(p)}
                    <Textarea
                      name={`${p}-outcome`}
                      label={t.refer.policeOutcome}
                      value={v(`${p}-outcome`)}
                      rows={2}
                      {...common}
                    />
                  </Fieldset>
                );
              })
            : null}
          {approve
            ? policeMunicipalities(e).map((m, i) => {
                const a = `a${i + 1}`;
                const name = municipalityName(e, m);
                return (
                  <Fieldset legend={t.refer.approvalIn(name)} id={`${a}-legend`}>
                    <p class="hint">{t.refer.approvalHint}</p>
                    <Input
                      name={`${a}-date`}
                      type="date"
                      label={t.refer.approvalDate}
                      hint={t.forms.dateHint}
                      value={v(`${a}-date`)}
                      width="short"
                      {...common}
                    />
                    {officer(a)}
                    <Choices
                      kind="radio"
                      inline
                      name={`${a}-approved`}
                      label={t.refer.policeApproved(name)}
                      choices={yesNoChoices(t)}
                      selected={[v(`${a}-approved`)]}
                      {...common}
                    />
                  </Fieldset>
                );
              })
            : null}
          <DeviationFields
            rules={stepDeviable(e.agreement.terms, 'samrad')}
            texts={e.texts}
            values={values}
            errors={errors}
          />
        </>
      );
    }
    case 'bedomning':
      return (
        <>
          <Fieldset legend={t.case.targetGroupAssessment}>
            <p class="hint">{t.refer.targetGroupHint}</p>
            <Choices
              kind="radio"
              inline
              name="environment"
              label={t.refer.criminalEnvironment}
              choices={yesNoChoices(t)}
              selected={[v('environment')]}
              {...common}
            />
            <Choices
              kind="radio"
              name="threat"
              label={t.refer.threat}
              choices={(['latent', 'concrete', 'none'] as const).map((k) => ({
                value: k,
                label: t.threatKinds[k],
              }))}
              selected={[v('threat')]}
              {...common}
            />
            <Choices
              kind="radio"
              inline
              name="motivation"
              label={t.refer.motivated}
              choices={yesNoChoices(t)}
              selected={[v('motivation')]}
              {...common}
            />
            <Choices
              kind="radio"
              inline
              name="suspected"
              label={t.refer.suspected}
              choices={yesNoChoices(t)}
              selected={[v('suspected')]}
              {...common}
            />
            <Input
              name="assessedOn"
              type="date"
              label={t.refer.assessedOn}
              hint={t.forms.dateHint}
              value={v('assessedOn')}
              width="short"
              {...common}
            />
            <Input
              name="assessedBy"
              label={t.refer.assessedBy}
              value={v('assessedBy')}
              width="medium"
              dirAuto
              {...common}
            />
            <Input
              name="assessedByRole"
              label={t.refer.assessedByRole}
              value={v('assessedByRole')}
              width="medium"
              dirAuto
              {...common}
            />
            <Textarea
              name="assessment"
              label={t.refer.assessment}
              value={v('assessment')}
              rows={4}
              {...common}
            />
          </Fieldset>
          <Fieldset legend={t.case.children}>
            <Choices
              kind="radio"
              inline
              name="responsible"
              label={t.refer.responsible}
              choices={yesNoChoices(t)}
              selected={[v('responsible')]}
              {...common}
            />
            <Input
              name="checkedOn"
              type="date"
              label={t.refer.checkedOn}
              hint={t.forms.dateHint}
              value={v('checkedOn')}
              width="short"
              {...common}
            />
          </Fieldset>
          <Fieldset legend={t.case.housing}>
            <Choices
              kind="radio"
              inline
              name="housing"
              label={t.refer.housingArranged(municipalityName(e, e.homeMunicipality))}
              choices={yesNoChoices(t)}
              selected={[v('housing')]}
              {...common}
            />
            <Input
              name="housingFrom"
              type="date"
              label={t.refer.housingFrom}
              hint={t.forms.dateHint}
              value={v('housingFrom')}
              width="short"
              {...common}
            />
            <Textarea
              name="address"
              label={`${t.refer.address} ${t.optional}`}
              hint={t.refer.addressHint}
              value={v('address')}
              rows={2}
              {...common}
            />
          </Fieldset>
          <DeviationFields
            rules={stepDeviable(e.agreement.terms, 'bedomning')}
            texts={e.texts}
            values={values}
            errors={errors}
          />
          <AffiliationFields e={e} values={values} errors={errors} />
        </>
      );
    case 'kontakter':
      return (
        <>
          <ContactFields
            prefix="c1"
            legend={t.forms.legend.contact(1)}
            texts={e.texts}
            values={values}
            errors={errors}
          />
          <ContactFields
            prefix="c2"
            legend={`${t.refer.secondContact} ${t.optional}`}
            texts={e.texts}
            values={values}
            errors={errors}
          />
        </>
      );
    case 'samtycke':
      return (
        <>
          <p class="body">{t.refer.consentPolice}</p>
          <p class="body" id="consent-form-link">
            <a href="/nytt-uppdrag/samtyckesblankett" aria-describedby="consent-form-link-hint">
              {t.consentForm.link}
            </a>
          </p>
          <p class="hint" id="consent-form-link-hint">
            {t.consentForm.linkHint}
          </p>
          <ConsentFields texts={e.texts} values={values} errors={errors} />
          <Textarea
            name="note"
            label={`${t.refer.note} ${t.optional}`}
            value={v('note')}
            rows={3}
            {...common}
          />
        </>
      );
  }
}

/** A rule a referral's deviation may name (PROTOCOL.md §14.8). */
type DeviableRule = ReferInput['deviations'] extends (infer D)[] | undefined
  ? D extends { rule: infer R }
    ? R
    : never
  : never;

/** Whether any field of a police consultation or approval (`p1`, `a2`, …) is answered. */
function answered(f: FormReader, p: string): boolean {
  return ['date', 'officer', 'role', 'reference', 'outcome', 'approved'].some(
    (n) => f.raw(`${p}-${n}`) !== '',
  );
}

/** Check one step's answers; the rules the agreement sets are refused here with their SDK code's message. */
export function check(id: StepId, e: Env, f: FormReader): void {
  const { t } = e.texts;
  const rule = (field: string, code: string) => f.fail(field, e.texts.error(code));
  switch (id) {
    case 'mottagare':
      f.choice(
        'to',
        t.refer.to,
        receivers(e).map((r) => r.unit),
      );
      if (f.raw('category') && !e.agreement.terms.admits.categories.includes(f.raw('category') as never))
        rule('category', 'ERR_CATEGORY_NOT_ADMITTED');
      f.choice('category', t.refer.category, e.agreement.terms.admits.categories);
      if (
        f.raw('threatLevel') &&
        !e.agreement.terms.admits.threatLevels.includes(f.raw('threatLevel') as never)
      )
        rule('threatLevel', 'ERR_THREAT_LEVEL_NOT_ADMITTED');
      f.choice('threatLevel', t.refer.threatLevel, e.agreement.terms.admits.threatLevels);
      return;
    case 'person':
      f.text('name', t.refer.name);
      f.matching('pin', t.refer.pin, PIN, t.field.pin, false);
      f.date('dob', t.refer.dob, false);
      return;
    case 'insatser': {
      const codes = e.agreement.terms.catalogue.map((c) => c.code);
      if (f.checked('svc', codes).length === 0) f.fail('svc', t.field.atLeastOne);
      if (fieldValues(f.values, 'svc').some((c) => !codes.includes(c)))
        rule('svc', 'ERR_SERVICE_NOT_IN_CATALOGUE');
      const m = receivingMunicipality(e);
      if (m && fieldValues(f.values, 'svc').some((c) => !offeredServices(e.agreement.terms, m).includes(c)))
        rule('svc', 'ERR_SERVICE_NOT_OFFERED');
      return;
    }
    case 'samrad': {
      const officer = (p: string) => {
        f.text(`${p}-officer`, t.refer.policeOfficer);
        f.text(`${p}-role`, t.refer.policeRole);
        f.text(`${p}-reference`, t.refer.policeReference);
      };
      const deviated = (rule: DeviableRule) =>
        stepDeviable(e.agreement.terms, 'samrad').includes(rule) && deviates(f.values, rule);
      checkDeviations(f, e.texts, stepDeviable(e.agreement.terms, 'samrad'));
      if (preconditionTerms(e.agreement.terms).policeConsultation) {
        for (const p of ['p1', 'p2']) {
          // Deviated from (e.g. consulted after the fact): a consultation left out entirely is not asked for.
          if (deviated('police-consultation') && !answered(f, p)) continue;
          f.date(`${p}-date`, t.refer.policeDate);
          officer(p);
          f.text(`${p}-outcome`, t.refer.policeOutcome, { max: MAX_TEXT });
        }
      }
      if (approvalRequired(e)) {
        for (const a of ['a1', 'a2']) {
          if (deviated('police-approval') && !answered(f, a)) continue;
          f.date(`${a}-date`, t.refer.approvalDate);
          officer(a);
          if (f.yesNo(`${a}-approved`, t.case.approved) === false && !deviated('police-approval'))
            rule(`${a}-approved`, 'ERR_POLICE_APPROVAL_MISSING');
        }
      }
      return;
    }
    case 'bedomning': {
      const deviated = (rule: DeviableRule) =>
        stepDeviable(e.agreement.terms, 'bedomning').includes(rule) && deviates(f.values, rule);
      checkDeviations(f, e.texts, stepDeviable(e.agreement.terms, 'bedomning'));
      const required = deviated('target-group') ? [] : preconditionTerms(e.agreement.terms).targetGroup;
      if (
        f.yesNo('environment', t.refer.criminalEnvironment) === false &&
        required.includes('criminal-environment')
      )
        rule('environment', 'ERR_TARGET_GROUP_NOT_MET');
      if (
        f.choice('threat', t.refer.threat, ['latent', 'concrete', 'none']) === 'none' &&
        required.includes('threat')
      )
        rule('threat', 'ERR_TARGET_GROUP_NOT_MET');
      if (f.yesNo('motivation', t.refer.motivated) === false && required.includes('motivated'))
        rule('motivation', 'ERR_MOTIVATION_MISSING');
      if (
        f.yesNo('suspected', t.refer.suspected) === true &&
        required.includes('not-suspected-of-serious-crime')
      )
        rule('suspected', 'ERR_TARGET_GROUP_NOT_MET');
      f.date('assessedOn', t.refer.assessedOn);
      f.text('assessedBy', t.refer.assessedBy);
      f.text('assessedByRole', t.refer.assessedByRole);
      f.text('assessment', t.refer.assessment, { max: MAX_TEXT });
      if (f.yesNo('responsible', t.refer.responsible) === true && !deviated('children'))
        rule('responsible', 'ERR_CHILDREN_RESPONSIBILITY');
      f.date('checkedOn', t.refer.checkedOn);
      if (f.yesNo('housing', t.case.arrangedByHome) === false && !deviated('housing'))
        rule('housing', 'ERR_HOUSING_NOT_ARRANGED');
      f.date('housingFrom', t.refer.housingFrom);
      f.text('address', t.refer.address, { required: false, max: 500 });
      readAffiliation(e, f);
      return;
    }
    case 'kontakter':
      readContact(f, e.texts, 'c1', e.home);
      readContact(f, e.texts, 'c2', e.home, true);
      return;
    case 'samtycke':
      readConsent(f, e.texts);
      f.text('note', t.refer.note, { required: false, max: MAX_TEXT });
      return;
  }
}

/** The referral the draft makes (every step checked). */
export function referInput(e: Env, f: FormReader): ReferInput | null {
  const v = (n: string) => f.raw(n);
  const consent = readConsent(f, e.texts);
  const c1 = readContact(f, e.texts, 'c1', e.home);
  const c2 = readContact(f, e.texts, 'c2', e.home, true);
  const affiliation = readAffiliation(e, f);
  if (!consent || !c1 || affiliation === undefined) return null;
  const receiving = receivingMunicipality(e) ?? '';
  return {
    to: v('to'),
    category: v('category') as ReferInput['category'],
    threatLevel: v('threatLevel') as ReferInput['threatLevel'],
    person: { name: v('name'), personalIdentityNumber: v('pin') || null, dateOfBirth: v('dob') || null },
    requestedServices: fieldValues(f.values, 'svc'),
    policeConsultations: (preconditionTerms(e.agreement.terms).policeConsultation
      ? [e.homeMunicipality, receiving].map((m, i) => ({
          municipality: m,
          date: v(`p${i + 1}-date`),
          officer: { name: v(`p${i + 1}-officer`), role: v(`p${i + 1}-role`) },
          reference: v(`p${i + 1}-reference`),
          outcome: v(`p${i + 1}-outcome`),
        }))
      : []
    ).filter((_, i) => answered(f, `p${i + 1}`)),
    policeApprovals: (approvalRequired(e)
      ? [e.homeMunicipality, receiving].map((m, i) => ({
          municipality: m,
          date: v(`a${i + 1}-date`),
          officer: { name: v(`a${i + 1}-officer`), role: v(`a${i + 1}-role`) },
          reference: v(`a${i + 1}-reference`),
          approved: v(`a${i + 1}-approved`) === 'yes',
        }))
      : []
    ).filter((_, i) => answered(f, `a${i + 1}`)),
    targetGroup: {
      criminalEnvironment: v('environment') === 'yes',
      threat: v('threat') as ReferInput['targetGroup']['threat'],
      motivated: v('motivation') === 'yes',
      notSuspectedOfSeriousCrime: v('suspected') === 'no',
      assessedOn: v('assessedOn'),
      assessedBy: { name: v('assessedBy'), role: v('assessedByRole') },
      assessment: v('assessment'),
    },
    childrenCheck: { responsibleForChildren: v('responsible') === 'yes', checkedOn: v('checkedOn') },
    temporaryHousing: {
      arrangedByHome: v('housing') === 'yes',
      from: v('housingFrom'),
      address: v('address') || null,
    },
    contacts: c2 ? [c1, c2] : [c1],
    deviations: draftDeviations(f.values, e.agreement.terms),
    affiliation,
    consent,
    note: v('note') || null,
  };
}
