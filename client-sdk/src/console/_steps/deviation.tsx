/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * A deviation from the guideline (avsteg; PROTOCOL.md §12.4.6): the rule departed from, chosen by its
 * Swedish name, the words naming it, its special reason and who decided it.
 */
import { DEVIATION_RULES, validateDeviation } from '../../index.js';
import { MAX_TEXT } from '../_form-reader.js';
import { LegalBasisFields, readLegalBasis } from '../_pages/fieldsets.js';
import { Choices, fieldValue, Input, Textarea } from '../_views/components.js';
import { common, LEGAL_CODES, pathField, type Step } from './step.js';

/** The form. */
export const DEVIATION_STEP: Step = {
  title: (t) => t.forms.deviation.title,
  submit: (t) => t.forms.deviation.submit,
  lead: (t) => t.forms.deviation.lead,
  first: 'date',
  defaults: (s) => ({ date: s.today }),
  fields: (s) => {
    const { t } = s.texts;
    const reasons = ['acute-time-pressure', 'safety', 'other'] as const;
    return (
      <>
        <Input
          name="date"
          type="date"
          label={t.forms.deviation.date}
          hint={t.forms.dateHint}
          value={fieldValue(s.values, 'date')}
          width="short"
          {...common(s)}
        />
        <Choices
          kind="radio"
          name="reason"
          label={t.forms.deviation.reason}
          choices={reasons.map((r) => ({ value: r, label: t.deviationReasons[r] }))}
          selected={[fieldValue(s.values, 'reason')]}
          {...common(s)}
        />
        <Choices
          kind="radio"
          name="rule"
          label={t.forms.deviation.rule}
          choices={DEVIATION_RULES.map((r) => ({ value: r, label: t.ruleNames[r] }))}
          selected={[fieldValue(s.values, 'rule')]}
          {...common(s)}
        />
        <Input
          name="guideline"
          label={t.forms.deviation.guideline}
          hint={t.forms.deviation.guidelineHint}
          value={fieldValue(s.values, 'guideline')}
          dirAuto
          {...common(s)}
        />
        <Textarea
          name="description"
          label={t.forms.deviation.description}
          value={fieldValue(s.values, 'description')}
          {...common(s)}
        />
        <Input
          name="decidedByName"
          label={t.forms.deviation.decidedByName}
          value={fieldValue(s.values, 'decidedByName')}
          dirAuto
          {...common(s)}
        />
        <Input
          name="decidedByRole"
          label={t.forms.deviation.decidedByRole}
          value={fieldValue(s.values, 'decidedByRole')}
          dirAuto
          {...common(s)}
        />
        <LegalBasisFields texts={s.texts} values={s.values} errors={s.errors} />
      </>
    );
  },
  read: (f, s) => {
    const { t } = s.texts;
    const date = f.date('date', t.forms.deviation.date);
    const reason = f.choice('reason', t.forms.deviation.reason, [
      'acute-time-pressure',
      'safety',
      'other',
    ] as const);
    const rule = f.choice('rule', t.forms.deviation.rule, DEVIATION_RULES);
    // The words are required only for another part of the guideline (PROTOCOL.md §12.4.6).
    const guideline = f.text('guideline', t.forms.deviation.guideline, { required: false });
    if (rule === 'guideline' && guideline === null) f.fail('guideline', t.forms.deviation.guidelineRequired);
    const description = f.text('description', t.forms.deviation.description, { max: MAX_TEXT });
    const name = f.text('decidedByName', t.forms.deviation.decidedByName);
    const role = f.text('decidedByRole', t.forms.deviation.decidedByRole);
    const legalBasis = readLegalBasis(f, s.texts);
    if (!f.ok || !date || !reason || !rule || !description || !name || !role) return null;
    const body = validateDeviation({
      date,
      reason,
      rule,
      guideline,
      description,
      decidedBy: { name, role },
      legalBasis,
    });
    return (client, caseId) => client.recordDeviation(caseId, body);
  },
  fieldOf: pathField([
    ['deviation.date', 'date'],
    ['deviation.rule', 'rule'],
    ['deviation.guideline', 'guideline'],
    ['deviation.description', 'description'],
    ['deviation.decidedBy.name', 'decidedByName'],
    ['deviation.decidedBy.role', 'decidedByRole'],
  ]),
  codeFields: LEGAL_CODES,
};
