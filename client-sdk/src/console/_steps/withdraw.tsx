/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** A withdrawn consent (återkallat samtycke; PROTOCOL.md §12.3.2). */
import { MAX_TEXT } from '../_form-reader.js';
import { Choices, fieldValue, Input, Textarea } from '../_views/components.js';
import { common, pathField, type Step } from './step.js';

/** The form. */
export const WITHDRAW_STEP: Step = {
  title: (t) => t.forms.withdraw.title,
  submit: (t) => t.forms.withdraw.submit,
  lead: (t) => t.forms.withdraw.lead,
  first: 'withdrawnOn',
  defaults: (s) => ({ withdrawnOn: s.today }),
  fields: (s) => {
    const { t } = s.texts;
    return (
      <>
        <Input
          name="withdrawnOn"
          type="date"
          label={t.forms.withdraw.withdrawnOn}
          hint={t.forms.dateHint}
          value={fieldValue(s.values, 'withdrawnOn')}
          width="short"
          {...common(s)}
        />
        <Choices
          kind="radio"
          name="form"
          label={t.forms.withdraw.form}
          choices={[
            { value: 'written', label: t.consentForms.written },
            { value: 'oral', label: t.consentForms.oral },
          ]}
          selected={[fieldValue(s.values, 'form')]}
          {...common(s)}
        />
        <Textarea
          name="note"
          label={`${t.forms.withdraw.note} ${t.optional}`}
          value={fieldValue(s.values, 'note')}
          rows={3}
          {...common(s)}
        />
      </>
    );
  },
  read: (f, s) => {
    const { t } = s.texts;
    const withdrawnOn = f.date('withdrawnOn', t.forms.withdraw.withdrawnOn);
    const form = f.choice('form', t.forms.withdraw.form, ['written', 'oral'] as const);
    const note = f.text('note', t.forms.withdraw.note, { required: false, max: MAX_TEXT });
    if (!f.ok || !withdrawnOn || !form) return null;
    return (client, caseId) => client.withdrawConsent(caseId, { withdrawnOn, form, note });
  },
  fieldOf: pathField([
    ['withdrawal.withdrawnOn', 'withdrawnOn'],
    ['withdrawal.note', 'note'],
  ]),
};
