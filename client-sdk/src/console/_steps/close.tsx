/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** Closing the case (avslut; PROTOCOL.md §12.4.8) with the outcome measures; the costs come from the cost reports. */
import type { Child } from 'hono/jsx';
import { costTotals } from '../../index.js';
import { serviceName } from '../_cases.js';
import { MAX_TEXT } from '../_form-reader.js';
import { LegalBasisFields, OutcomeFields, readLegalBasis, readOutcomes } from '../_pages/fieldsets.js';
import { Choices, fieldValue, Input, SummaryList, Textarea } from '../_views/components.js';
import { common, LEGAL_CODES, pathField, type Step } from './step.js';

/** The form. */
export const CLOSE_STEP: Step = {
  title: (t) => t.forms.close.title,
  submit: (t) => t.forms.close.submit,
  first: 'closedOn',
  defaults: (s) => ({ closedOn: s.today }),
  fields: (s) => {
    const { t } = s.texts;
    const reasons = ['completed', 'consent-withdrawn', 'discontinued', 'relocated', 'other'] as const;
    const totals = costTotals(s.data.view.state.costs);
    return (
      <>
        <Input
          name="closedOn"
          type="date"
          label={t.forms.close.closedOn}
          hint={t.forms.dateHint}
          value={fieldValue(s.values, 'closedOn')}
          width="short"
          {...common(s)}
        />
        <Choices
          kind="radio"
          name="reason"
          label={t.forms.close.reason}
          choices={reasons.map((r) => ({ value: r, label: t.closureReasons[r] }))}
          selected={[fieldValue(s.values, 'reason')]}
          {...common(s)}
        />
        <OutcomeFields texts={s.texts} values={s.values} errors={s.errors} />
        <h2 class="heading-s">{t.forms.close.costsLead}</h2>
        {totals.length ? (
          <SummaryList
            rows={totals.map(
              (x) => [serviceName(s.client, x.service), s.texts.amount(x.amountSek)] as [string, Child],
            )}
          />
        ) : (
          <p class="body">{t.forms.close.noCosts}</p>
        )}
        <Textarea
          name="note"
          label={`${t.forms.close.note} ${t.optional}`}
          value={fieldValue(s.values, 'note')}
          rows={3}
          {...common(s)}
        />
        <LegalBasisFields texts={s.texts} values={s.values} errors={s.errors} />
      </>
    );
  },
  read: (f, s) => {
    const { t } = s.texts;
    const closedOn = f.date('closedOn', t.forms.close.closedOn);
    const reason = f.choice('reason', t.forms.close.reason, [
      'completed',
      'consent-withdrawn',
      'discontinued',
      'relocated',
      'other',
    ] as const);
    const outcomes = readOutcomes(f, s.texts);
    const note = f.text('note', t.forms.close.note, { required: false, max: MAX_TEXT });
    const legalBasis = readLegalBasis(f, s.texts);
    if (!f.ok || !closedOn || !reason) return null;
    return (client, caseId) => client.close(caseId, { closedOn, reason, outcomes, note, legalBasis });
  },
  fieldOf: pathField([
    ['closure.closedOn', 'closedOn'],
    ['closure.note', 'note'],
    ['closure.legalBasis', 'lb-provision'],
  ]),
  codeFields: LEGAL_CODES,
};
