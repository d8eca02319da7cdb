/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** A follow-up (uppföljning; PROTOCOL.md §12.4.4): the month's summary, each planned service's status, the outcome measures. */
import { type ServiceStatus, validateFollowUp } from '../../index.js';
import { serviceName } from '../_cases.js';
import { MAX_TEXT } from '../_form-reader.js';
import { LegalBasisFields, OutcomeFields, readLegalBasis, readOutcomes } from '../_pages/fieldsets.js';
import { type FormValues, fieldValue, Input, Select, Textarea } from '../_views/components.js';
import { common, LEGAL_CODES, pathField, plannedServices, previousMonth, type Step } from './step.js';

/** The form. */
export const FOLLOW_UP_STEP: Step = {
  title: (t) => t.forms.followUp.title,
  submit: (t) => t.forms.followUp.submit,
  first: 'date',
  defaults: (s) => {
    const v: FormValues = { date: s.today, month: previousMonth(s.today) };
    for (const c of plannedServices(s.data)) v[`status-${c}`] = 'ongoing';
    return v;
  },
  fields: (s) => {
    const { t } = s.texts;
    const statuses: ServiceStatus[] = ['not-started', 'ongoing', 'paused', 'completed', 'cancelled'];
    return (
      <>
        <Input
          name="date"
          type="date"
          label={t.forms.followUp.date}
          hint={t.forms.dateHint}
          value={fieldValue(s.values, 'date')}
          width="short"
          {...common(s)}
        />
        <Input
          name="month"
          type="month"
          label={t.forms.followUp.month}
          hint={t.forms.monthHint}
          value={fieldValue(s.values, 'month')}
          width="short"
          {...common(s)}
        />
        <Textarea
          name="summary"
          label={t.forms.followUp.summary}
          hint={t.forms.followUp.summaryHint}
          value={fieldValue(s.values, 'summary')}
          {...common(s)}
        />
        {plannedServices(s.data).map((code) => (
          <Select
            name={`status-${code}`}
            label={t.forms.followUp.serviceStatus(serviceName(s.client, code))}
            choices={statuses.map((x) => ({ value: x, label: t.serviceStatuses[x] }))}
            value={fieldValue(s.values, `status-${code}`)}
            {...common(s)}
          />
        ))}
        <OutcomeFields texts={s.texts} values={s.values} errors={s.errors} />
        <LegalBasisFields texts={s.texts} values={s.values} errors={s.errors} />
      </>
    );
  },
  read: (f, s) => {
    const { t } = s.texts;
    const statuses = ['not-started', 'ongoing', 'paused', 'completed', 'cancelled'] as const;
    const date = f.date('date', t.forms.followUp.date);
    const month = f.month('month', t.forms.followUp.month);
    const summary = f.text('summary', t.forms.followUp.summary, { max: MAX_TEXT });
    const services = plannedServices(s.data).map((code) => ({
      code,
      status:
        f.choice(`status-${code}`, t.forms.followUp.serviceStatus(serviceName(s.client, code)), statuses) ??
        'ongoing',
    }));
    const outcomes = readOutcomes(f, s.texts);
    const legalBasis = readLegalBasis(f, s.texts);
    if (!f.ok || !date || !month || !summary) return null;
    const body = validateFollowUp({ date, month, summary, services, outcomes, legalBasis });
    return (client, caseId) => client.sendFollowUp(caseId, body);
  },
  fieldOf: pathField([
    ['follow-up.date', 'date'],
    ['follow-up.month', 'month'],
    ['follow-up.summary', 'summary'],
    ['follow-up.legalBasis', 'lb-provision'],
  ]),
  codeFields: LEGAL_CODES,
};
