/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The implementation plan (genomförandeplan; PROTOCOL.md §12.4.3): services from the agreement's catalogue, with their dates. */
import { offeredServices, validateImplementationPlan } from '../../index.js';
import { serviceName } from '../_cases.js';
import { MAX_TEXT } from '../_form-reader.js';
import { LegalBasisFields, readLegalBasis } from '../_pages/fieldsets.js';
import {
  Choices,
  Fieldset,
  type FormValues,
  fieldValue,
  fieldValues,
  Input,
  Textarea,
} from '../_views/components.js';
import { common, LEGAL_CODES, pathField, type Step } from './step.js';

/** The form. */
export const PLAN_STEP: Step = {
  title: (t) => t.forms.plan.title,
  submit: (t) => t.forms.plan.submit,
  lead: (t) => t.forms.plan.lead,
  first: 'decidedOn',
  defaults: (s) => {
    const v: FormValues = { decidedOn: s.today };
    const codes = s.data.view.state.plan?.services ?? s.data.referral?.requestedServices ?? [];
    v.svc = codes;
    for (const c of codes) v[`from-${c}`] = s.today;
    return v;
  },
  fields: (s) => {
    const { t } = s.texts;
    const terms = s.client.directory.agreement.terms;
    const offered = offeredServices(terms, s.data.view.state.receivingMunicipality);
    const catalogue = terms.catalogue.filter((c) => offered.includes(c.code));
    const checked = fieldValues(s.values, 'svc');
    return (
      <>
        <Input
          name="decidedOn"
          type="date"
          label={t.forms.plan.decidedOn}
          hint={t.forms.dateHint}
          value={fieldValue(s.values, 'decidedOn')}
          width="short"
          {...common(s)}
        />
        <Choices
          kind="checkbox"
          name="svc"
          label={t.forms.plan.services}
          legendAsHeading
          choices={catalogue.map((c) => ({ value: c.code, label: c.name }))}
          selected={checked}
          {...common(s)}
        />
        {catalogue.map((c) => (
          <Fieldset legend={c.name} id={`svc-${c.code}`}>
            <div class="field-row">
              <Input
                name={`from-${c.code}`}
                type="date"
                label={t.body.from}
                value={fieldValue(s.values, `from-${c.code}`)}
                width="short"
                {...common(s)}
              />
              <Input
                name={`to-${c.code}`}
                type="date"
                label={`${t.body.to} ${t.optional}`}
                value={fieldValue(s.values, `to-${c.code}`)}
                width="short"
                {...common(s)}
              />
            </div>
            <Input
              name={`desc-${c.code}`}
              label={`${t.body.description} ${t.optional}`}
              value={fieldValue(s.values, `desc-${c.code}`)}
              dirAuto
              {...common(s)}
            />
          </Fieldset>
        ))}
        <Textarea
          name="note"
          label={`${t.forms.plan.note} ${t.optional}`}
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
    const codes = offeredServices(
      s.client.directory.agreement.terms,
      s.data.view.state.receivingMunicipality,
    );
    const decidedOn = f.date('decidedOn', t.forms.plan.decidedOn);
    const chosen = f.checked('svc', codes);
    if (chosen.length === 0) f.fail('svc', t.field.atLeastOne);
    const services = chosen.map((code) => {
      const from = f.date(`from-${code}`, `${serviceName(s.client, code)}: ${t.body.from}`);
      const to = f.date(`to-${code}`, `${serviceName(s.client, code)}: ${t.body.to}`, false);
      if (from && to && to < from) f.fail(`to-${code}`, t.field.untilBeforeFrom);
      const description = f.text(`desc-${code}`, t.body.description, { required: false, max: 2000 });
      return { code, description, from: from ?? '', to };
    });
    const note = f.text('note', t.forms.plan.note, { required: false, max: MAX_TEXT });
    const legalBasis = readLegalBasis(f, s.texts);
    if (!f.ok || !decidedOn) return null;
    const body = validateImplementationPlan({ decidedOn, services, note, legalBasis });
    return (client, caseId) => client.sendPlan(caseId, body);
  },
  fieldOf: pathField([
    ['implementation-plan.decidedOn', 'decidedOn'],
    ['implementation-plan.services', 'svc'],
    ['implementation-plan.note', 'note'],
    ['implementation-plan.legalBasis', 'lb-provision'],
  ]),
  codeFields: { ...LEGAL_CODES, ERR_SERVICE_NOT_IN_CATALOGUE: 'svc', ERR_OUTSIDE_PERIOD: 'decidedOn' },
};
