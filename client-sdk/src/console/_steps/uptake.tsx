/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The uptake decision (beslut om mottagande; PROTOCOL.md §12.4.2): accept with a contact person, or decline with a reason and a note. */
import { DECLINE_REASONS, validateContact } from '../../index.js';
import { MAX_TEXT } from '../_form-reader.js';
import { ContactFields, readContact } from '../_pages/fieldsets.js';
import { Choices, fieldValue, Textarea } from '../_views/components.js';
import { common, LEGAL_CODES, pathField, type Step } from './step.js';

/** The form. */
export const UPTAKE_STEP: Step = {
  title: (t) => t.forms.uptake.title,
  submit: (t) => t.forms.uptake.submit,
  first: 'decision',
  defaults: (_s, user) => ({ decision: '', 'c1-name': user.displayName, 'c1-role': 'avhopparsamordnare' }),
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
    if (!f.ok || !contact) return null;
    validateContact(contact, 'contact');
    return (client, caseId) => client.decideUptake(caseId, { decision: 'accept', contacts: [contact], note });
  },
  fieldOf: pathField([
    ['contact.name', 'c1-name'],
    ['contact.role', 'c1-role'],
    ['contact.phone', 'c1-phone'],
    ['contact.email', 'c1-email'],
    ['uptake-decision.note', 'note'],
  ]),
  codeFields: { ...LEGAL_CODES, ERR_CONSENT_WITHDRAWN: 'note', ERR_QUOTA_EXCEEDED: 'decision' },
  action: (v) => (fieldValue(v, 'decision') === 'decline' ? 'case.decline' : 'case.accept'),
};
