/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** An urgent child notice (brådskande barnanmälan; PROTOCOL.md §12.4.7). */
import { validateChildNotice } from '../../index.js';
import { MAX_TEXT } from '../_form-reader.js';
import { LegalBasisFields, readLegalBasis } from '../_pages/fieldsets.js';
import { Choices, fieldValue, Input, Textarea } from '../_views/components.js';
import { common, LEGAL_CODES, pathField, type Step } from './step.js';

/** The form. */
export const CHILD_NOTICE_STEP: Step = {
  title: (t) => t.forms.childNotice.title,
  submit: (t) => t.forms.childNotice.submit,
  lead: (t) => t.forms.childNotice.lead,
  first: 'date',
  defaults: (s) => ({ date: s.today }),
  fields: (s) => {
    const { t } = s.texts;
    const options = ['home', 'receiving', 'to-be-decided'] as const;
    return (
      <>
        <Input
          name="date"
          type="date"
          label={t.forms.childNotice.date}
          hint={t.forms.dateHint}
          value={fieldValue(s.values, 'date')}
          width="short"
          {...common(s)}
        />
        <Textarea
          name="description"
          label={t.forms.childNotice.description}
          value={fieldValue(s.values, 'description')}
          {...common(s)}
        />
        <Choices
          kind="radio"
          name="responsibility"
          label={t.forms.childNotice.responsibility}
          choices={options.map((o) => ({ value: o, label: t.responsibility[o] }))}
          selected={[fieldValue(s.values, 'responsibility')]}
          {...common(s)}
        />
        <Textarea
          name="measures"
          label={`${t.forms.childNotice.measures} ${t.optional}`}
          value={fieldValue(s.values, 'measures')}
          rows={3}
          {...common(s)}
        />
        <LegalBasisFields texts={s.texts} values={s.values} errors={s.errors} />
      </>
    );
  },
  read: (f, s) => {
    const { t } = s.texts;
    const date = f.date('date', t.forms.childNotice.date);
    const description = f.text('description', t.forms.childNotice.description, { max: MAX_TEXT });
    const proposedResponsibility = f.choice('responsibility', t.forms.childNotice.responsibility, [
      'home',
      'receiving',
      'to-be-decided',
    ] as const);
    const measuresTaken = f.text('measures', t.forms.childNotice.measures, {
      required: false,
      max: MAX_TEXT,
    });
    const legalBasis = readLegalBasis(f, s.texts);
    if (!f.ok || !date || !description || !proposedResponsibility) return null;
    const body = validateChildNotice({
      date,
      description,
      proposedResponsibility,
      measuresTaken,
      answers: null,
      settlement: null,
      legalBasis,
    });
    return (client, caseId) => client.sendChildNotice(caseId, body);
  },
  fieldOf: pathField([
    ['child-notice.date', 'date'],
    ['child-notice.description', 'description'],
    ['child-notice.measuresTaken', 'measures'],
  ]),
  codeFields: LEGAL_CODES,
};
