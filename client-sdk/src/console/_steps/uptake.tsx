/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The uptake decision (beslut om mottagande; PROTOCOL.md §12.4.2): accept with a contact person and,
 * where the terms ask for it, the relocation pre-check (§14.6 (3)), a special case's assessment
 * (§14.6 (4); `special-case.tsx`) and the rival-group check (§14.6 (5); `uptake-rivals.tsx`), or
 * decline with a reason and a note.
 */
import {
  DECLINE_REASONS,
  RELOCATION_RESULTS,
  type RelocationPreCheck,
  relocationNoticeOf,
  specialCasesOf,
  validateContact,
  validateRelocation,
} from '../../index.js';
import type { FormReader } from '../_form-reader.js';
import { MAX_TEXT } from '../_form-reader.js';
import { ContactFields, readContact } from '../_pages/fieldsets.js';
import { Choices, Fieldset, fieldValue, Input, Textarea } from '../_views/components.js';
import { readSpecialCase, SPECIAL_FIELDS, SpecialCaseFields, specialPathFields } from './special-case.js';
import { common, LEGAL_CODES, pathField, type Step, type StepContext } from './step.js';
import { RIVAL_FIELDS, RivalCheckFields, readRivalCheck, rivalCheckDefaults } from './uptake-rivals.js';

/** The body the receiving municipality's terms name for the advance notice, or null (PROTOCOL.md §5.5). */
function noticeBody(s: Pick<StepContext, 'client' | 'data'>): string | null {
  return relocationNoticeOf(s.client.directory.agreement.terms, s.data.view.state.receivingMunicipality);
}

/** The relocation pre-check's fields (PROTOCOL.md §14.6 (3)). */
function RelocationFields(props: { s: StepContext }) {
  const { s } = props;
  const { t } = s.texts;
  const r = t.forms.uptake.relocation;
  const body = noticeBody(s);
  const opt = body === null ? ` ${t.optional}` : '';
  return (
    <Fieldset
      legend={r.legend}
      hint={body === null ? r.hintOptional : r.hintRequired(body)}
      id="reloc-legend"
      revealWhen="decision=accept"
    >
      <Input
        name="reloc-area"
        label={`${r.area}${opt}`}
        hint={r.areaHint}
        value={fieldValue(s.values, 'reloc-area')}
        dirAuto
        {...common(s)}
      />
      {body === null ? null : (
        <>
          <Input
            name="reloc-notifiedBy"
            label={r.notifiedBy(body)}
            value={fieldValue(s.values, 'reloc-notifiedBy')}
            dirAuto
            {...common(s)}
          />
          <Input
            name="reloc-notifiedRole"
            label={r.notifiedRole}
            value={fieldValue(s.values, 'reloc-notifiedRole')}
            dirAuto
            {...common(s)}
          />
          <Input
            name="reloc-notifiedOn"
            type="date"
            label={r.notifiedOn(body)}
            hint={t.forms.dateHint}
            value={fieldValue(s.values, 'reloc-notifiedOn')}
            width="short"
            {...common(s)}
          />
          <Input
            name="reloc-reference"
            label={r.reference(body)}
            value={fieldValue(s.values, 'reloc-reference')}
            width="medium"
            dirAuto
            {...common(s)}
          />
        </>
      )}
      <Choices
        kind="radio"
        name="reloc-result"
        label={`${r.result}${opt}`}
        choices={RELOCATION_RESULTS.map((v) => ({ value: v, label: r.results[v] }))}
        selected={[fieldValue(s.values, 'reloc-result')]}
        {...common(s)}
      />
      <div data-reveal-when="reloc-result=concerns">
        <Textarea
          name="reloc-reason"
          label={r.reason}
          value={fieldValue(s.values, 'reloc-reason')}
          rows={3}
          {...common(s)}
        />
      </div>
      <Input
        name="reloc-checkedBy"
        label={r.checkedBy}
        value={fieldValue(s.values, 'reloc-checkedBy')}
        dirAuto
        {...common(s)}
      />
      <Input
        name="reloc-checkedRole"
        label={r.checkedRole}
        value={fieldValue(s.values, 'reloc-checkedRole')}
        dirAuto
        {...common(s)}
      />
      <Input
        name="reloc-checkedOn"
        type="date"
        label={r.checkedOn}
        hint={t.forms.dateHint}
        value={fieldValue(s.values, 'reloc-checkedOn')}
        width="short"
        {...common(s)}
      />
    </Fieldset>
  );
}

/**
 * Read the relocation pre-check: required where the terms name a body to notify; elsewhere only when
 * an area is given. Null when left out; undefined when a field is wrong.
 */
function readRelocation(f: FormReader, s: StepContext): RelocationPreCheck | null | undefined {
  const r = s.texts.t.forms.uptake.relocation;
  const body = noticeBody(s);
  const area = f.text('reloc-area', r.area, { required: body !== null, max: 200 });
  if (area === null) return f.ok ? null : undefined;
  const result = f.choice('reloc-result', r.result, RELOCATION_RESULTS);
  const reason = f.text('reloc-reason', r.reason, { required: result === 'concerns', max: 2000 });
  const checkedBy = f.text('reloc-checkedBy', r.checkedBy, { max: 200 });
  const checkedRole = f.text('reloc-checkedRole', r.checkedRole, { max: 200 });
  const checkedOn = f.date('reloc-checkedOn', r.checkedOn);
  let notice: RelocationPreCheck['notice'] = null;
  if (body !== null) {
    const notifiedBy = f.text('reloc-notifiedBy', r.notifiedBy(body), { max: 200 });
    const notifiedRole = f.text('reloc-notifiedRole', r.notifiedRole, { max: 200 });
    const notifiedOn = f.date('reloc-notifiedOn', r.notifiedOn(body));
    const reference = f.text('reloc-reference', r.reference(body), { max: 200 });
    if (notifiedBy && notifiedRole && notifiedOn && reference) {
      notice = { body, notifiedBy: { name: notifiedBy, role: notifiedRole }, notifiedOn, reference };
    }
  }
  if (!f.ok || !result || !checkedBy || !checkedRole || !checkedOn) return undefined;
  return validateRelocation(
    {
      area,
      notice,
      check: {
        result,
        reason: result === 'concerns' ? reason : null,
        checkedBy: { name: checkedBy, role: checkedRole },
        checkedOn,
      },
    },
    'uptake-decision.relocation',
  );
}

/**
 * The body the receiving municipality's terms name to assess its special cases, or null (PROTOCOL.md
 * §5.5, §14.6 (4)).
 */
function specialBody(s: Pick<StepContext, 'client' | 'data'>): string | null {
  return specialCasesOf(s.client.directory.agreement.terms, s.data.view.state.receivingMunicipality);
}

/** The special-case question, where the receiving municipality's terms name an assessing body. */
function UptakeSpecialCase(props: { s: StepContext }) {
  const { s } = props;
  const body = specialBody(s);
  if (body === null) return null;
  return (
    <SpecialCaseFields
      body={body}
      texts={s.texts}
      values={s.values}
      errors={s.errors}
      revealWhen="decision=accept"
    />
  );
}

/** The form. */
export const UPTAKE_STEP: Step = {
  title: (t) => t.forms.uptake.title,
  submit: (t) => t.forms.uptake.submit,
  first: 'decision',
  defaults: (s, user) => ({
    decision: '',
    'c1-name': user.displayName,
    'c1-role': 'avhopparsamordnare',
    'reloc-checkedBy': user.displayName,
    'reloc-checkedRole': 'avhopparsamordnare',
    'reloc-checkedOn': s.today,
    'reloc-notifiedBy': user.displayName,
    'reloc-notifiedRole': 'avhopparsamordnare',
    [SPECIAL_FIELDS.special]: 'no',
    ...rivalCheckDefaults(s.today, user),
  }),
  fields: (s) => {
    const { t } = s.texts;
    return (
      <>
        <Choices
          kind="radio"
          name="decision"
          label={t.forms.uptake.decision}
          legendAsHeading
          choices={[
            { value: 'accept', label: t.forms.uptake.accept },
            { value: 'decline', label: t.forms.uptake.decline },
          ]}
          selected={[fieldValue(s.values, 'decision')]}
          {...common(s)}
        />
        <ContactFields
          prefix="c1"
          legend={t.forms.uptake.contactLegend}
          hint={t.forms.uptake.contactHint}
          revealWhen="decision=accept"
          texts={s.texts}
          values={s.values}
          errors={s.errors}
        />
        <RelocationFields s={s} />
        <UptakeSpecialCase s={s} />
        <RivalCheckFields s={s} />
        <div data-reveal-when="decision=decline">
          <Choices
            kind="radio"
            name="reason"
            label={t.forms.uptake.reason}
            choices={DECLINE_REASONS.map((r) => ({ value: r, label: t.declineReasons[r] }))}
            selected={[fieldValue(s.values, 'reason')]}
            {...common(s)}
          />
        </div>
        <Textarea
          name="note"
          label={`${t.forms.uptake.note} ${t.optional}`}
          value={fieldValue(s.values, 'note')}
          {...common(s)}
        />
      </>
    );
  },
  read: (f, s) => {
    const { t } = s.texts;
    const decision = f.choice(
      'decision',
      t.forms.uptake.decision,
      ['accept', 'decline'] as const,
      true,
      t.forms.uptake.decisionMissing,
    );
    const note = f.text('note', t.forms.uptake.note, { required: false, max: MAX_TEXT });
    if (!decision) return null;
    if (decision === 'decline') {
      const reason = f.choice('reason', t.forms.uptake.reason, DECLINE_REASONS);
      if (!f.ok || !reason) return null;
      return (client, caseId) => client.decideUptake(caseId, { decision: 'decline', reason, note });
    }
    const contact = readContact(f, s.texts, 'c1', s.client.unit);
    const relocation = readRelocation(f, s);
    const special = readSpecialCase(f, s.texts, specialBody(s), 'uptake-decision.special');
    const rivalCheck = readRivalCheck(f, s);
    if (!f.ok || !contact || relocation === undefined || special === undefined || rivalCheck === undefined)
      return null;
    validateContact(contact, 'contact');
    return (client, caseId) =>
      client.decideUptake(caseId, {
        decision: 'accept',
        contacts: [contact],
        note,
        relocation,
        special,
        rivalCheck,
      });
  },
  fieldOf: pathField([
    ['contact.name', 'c1-name'],
    ['contact.role', 'c1-role'],
    ['contact.phone', 'c1-phone'],
    ['contact.email', 'c1-email'],
    ['uptake-decision.note', 'note'],
    ['uptake-decision.relocation.area', 'reloc-area'],
    ['uptake-decision.relocation.check.reason', 'reloc-reason'],
    ['uptake-decision.relocation.check.checkedOn', 'reloc-checkedOn'],
    ['uptake-decision.relocation.notice.notifiedOn', 'reloc-notifiedOn'],
    ...specialPathFields('uptake-decision.special'),
    ...RIVAL_FIELDS.paths,
  ]),
  codeFields: {
    ...LEGAL_CODES,
    ERR_CONSENT_WITHDRAWN: 'note',
    ERR_QUOTA_EXCEEDED: 'decision',
    ERR_RELOCATION_NOT_NOTIFIED: 'reloc-reference',
    ERR_RELOCATION_NOT_CLEARED: 'reloc-result',
    ERR_SPECIAL_CASE_NOT_ASSESSED: SPECIAL_FIELDS.assessedBy,
    ...RIVAL_FIELDS.codes,
  },
  action: (v) => (fieldValue(v, 'decision') === 'decline' ? 'case.decline' : 'case.accept'),
};
