/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** A cost report (kostnadsrapport; PROTOCOL.md §12.4.5): whole kronor per planned service for one month. */
import type { PacketBodies } from '../../index.js';
import { serviceName } from '../_cases.js';
import { fieldValue, Input } from '../_views/components.js';
import { common, pathField, type Step } from './step.js';

/** The form. */
export const COSTS_STEP: Step = {
  title: (t) => t.forms.costs.title,
  submit: (t) => t.forms.costs.submit,
  lead: (t) => t.forms.costs.lead,
  first: 'month',
  defaults: (s) => ({ month: s.today.slice(0, 7) }),
  fields: (s) => {
    const { t } = s.texts;
    return (
      <>
        <Input
          name="month"
          type="month"
          label={t.forms.costs.month}
          hint={t.forms.monthHint}
          value={fieldValue(s.values, 'month')}
          width="short"
          {...common(s)}
        />
        <p class="hint">{t.forms.costs.amountHint}</p>
        {s.data.view.state.plannedEver.map((code) => (
          <Input
            name={`amount-${code}`}
            label={t.forms.costs.amount(serviceName(s.client, code))}
            value={fieldValue(s.values, `amount-${code}`)}
            inputmode="numeric"
            width="short"
            {...common(s)}
          />
        ))}
      </>
    );
  },
  read: (f, s) => {
    const { t } = s.texts;
    const month = f.month('month', t.forms.costs.month);
    const lines: PacketBodies['cost-report']['lines'] = [];
    for (const code of s.data.view.state.plannedEver) {
      const amount = f.amount(`amount-${code}`, t.forms.costs.amount(serviceName(s.client, code)));
      if (amount !== null && month) lines.push({ service: code, month, amountSek: amount });
    }
    if (f.ok && lines.length === 0)
      f.fail(`amount-${s.data.view.state.plannedEver[0] ?? 'x'}`, t.field.noLines);
    if (!f.ok) return null;
    return (client, caseId) => client.reportCosts(caseId, lines);
  },
  fieldOf: pathField([['cost-report.lines', 'month']]),
  codeFields: { ERR_SERVICE_NOT_IN_PLAN: 'month' },
};
