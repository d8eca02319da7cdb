/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The receiving unit's answer to the implementation plan (svar på genomförandeplan; PROTOCOL.md
 * §12.4.14, §14.6): agree, and the plan takes effect, or ask for changes, each with what and why.
 */
import { validatePlanResponse } from '../../index.js';
import { serviceName } from '../_cases.js';
import { MAX_TEXT } from '../_form-reader.js';
import { Choices, Fieldset, fieldValue, Input, Select, Textarea } from '../_views/components.js';
import { common, LEGAL_CODES, pathField, type Step } from './step.js';

/** How many changes the form asks for at most. */
const ROWS = [1, 2, 3] as const;

/** The form. */
export const PLAN_RESPONSE_STEP: Step = {
  title: (t) => t.forms.planResponse.title,
  submit: (t) => t.forms.planResponse.submit,
  lead: (t) => t.forms.planResponse.lead,
  first: 'decision',
  defaults: (s, user) => ({
    decision: '',
    date: s.today,
    decidedByName: user.displayName,
    decidedByRole: 'avhopparsamordnare',
  }),
  fields: (s) => {
    const { t } = s.texts;
    const planned = s.data.view.state.plan?.services ?? [];
    const services = [
      { value: '', label: t.forms.planResponse.wholePlan },
      ...planned.map((c) => ({ value: c, label: serviceName(s.client, c) })),
    ];
    return (
      <>
        <Choices
          kind="radio"
          name="decision"
          label={t.forms.planResponse.decision}
          legendAsHeading
          choices={[
            { value: 'agree', label: t.forms.planResponse.agree },
            { value: 'changes', label: t.forms.planResponse.changes },
          ]}
          selected={[fieldValue(s.values, 'decision')]}
          {...common(s)}
        />
        <div data-reveal-when="decision=changes">
          {ROWS.map((i) => (
            <Fieldset legend={t.forms.planResponse.change(i)} id={`ch${i}-legend`}>
              <Select
                name={`ch${i}-service`}
                label={t.forms.planResponse.service}
                choices={services}
                value={fieldValue(s.values, `ch${i}-service`)}
                {...common(s)}
              />
              <Input
                name={`ch${i}-what`}
                label={i === 1 ? t.forms.planResponse.what : `${t.forms.planResponse.what} ${t.optional}`}
                value={fieldValue(s.values, `ch${i}-what`)}
                dirAuto
                {...common(s)}
              />
              <Input
                name={`ch${i}-why`}
                label={i === 1 ? t.forms.planResponse.why : `${t.forms.planResponse.why} ${t.optional}`}
                value={fieldValue(s.values, `ch${i}-why`)}
                dirAuto
                {...common(s)}
              />
            </Fieldset>
          ))}
        </div>
        <Input
          name="date"
          type="date"
          label={t.forms.planResponse.date}
          hint={t.forms.dateHint}
          value={fieldValue(s.values, 'date')}
          width="short"
          {...common(s)}
        />
        <Input
          name="decidedByName"
          label={t.forms.planResponse.decidedByName}
          value={fieldValue(s.values, 'decidedByName')}
          dirAuto
          {...common(s)}
        />
        <Input
          name="decidedByRole"
          label={t.forms.planResponse.decidedByRole}
          value={fieldValue(s.values, 'decidedByRole')}
          dirAuto
          {...common(s)}
        />
        <Textarea
          name="note"
          label={`${t.forms.planResponse.note} ${t.optional}`}
          value={fieldValue(s.values, 'note')}
          rows={3}
          {...common(s)}
        />
      </>
    );
  },
  read: (f, s) => {
    const { t } = s.texts;
    const decision = f.choice('decision', t.forms.planResponse.decision, ['agree', 'changes'] as const);
    const date = f.date('date', t.forms.planResponse.date);
    const name = f.text('decidedByName', t.forms.planResponse.decidedByName);
    const role = f.text('decidedByRole', t.forms.planResponse.decidedByRole);
    const note = f.text('note', t.forms.planResponse.note, { required: false, max: MAX_TEXT });
    const planned = s.data.view.state.plan?.services ?? [];
    const changes: { service: string | null; what: string; why: string }[] = [];
    if (decision === 'changes') {
      for (const i of ROWS) {
        const first = i === 1;
        const what = f.text(`ch${i}-what`, t.forms.planResponse.what, { required: first, max: 2000 });
        const why = f.text(`ch${i}-why`, t.forms.planResponse.why, {
          required: first || what !== null,
          max: 2000,
        });
        const service = fieldValue(f.values, `ch${i}-service`);
        if (service !== '' && !planned.includes(service))
          f.fail(`ch${i}-service`, t.forms.planResponse.service);
        if (what && why) changes.push({ service: service === '' ? null : service, what, why });
      }
    }
    const plan = s.data.view.state.plan?.in;
    if (!f.ok || !decision || !date || !name || !role || !plan) return null;
    const body = validatePlanResponse({
      plan,
      decision,
      changes,
      date,
      decidedBy: { name, role },
      note,
      legalBasis: null,
    });
    return (client, caseId) =>
      client.respondToPlan(caseId, {
        decision: body.decision,
        changes: body.changes,
        date: body.date,
        decidedBy: body.decidedBy,
        note: body.note,
      });
  },
  fieldOf: pathField([
    ['plan-response.changes', 'ch1-what'],
    ['plan-response.date', 'date'],
    ['plan-response.decidedBy.name', 'decidedByName'],
    ['plan-response.decidedBy.role', 'decidedByRole'],
    ['plan-response.note', 'note'],
  ]),
  codeFields: { ...LEGAL_CODES, ERR_CONSENT_WITHDRAWN: 'note', ERR_PRECONDITION_DATE: 'date' },
  action: (v) => (fieldValue(v, 'decision') === 'changes' ? 'case.plan-changes' : 'case.plan-agree'),
};
