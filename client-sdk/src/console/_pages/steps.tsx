/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The forms for every step of a case after the referral (PROTOCOL.md §12.3–12.4): uptake (accept, or
 * decline with a reason and a note), implementation plan (services from the catalogue), follow-up, cost
 * report, deviation, urgent child notice, message, a new consent, consent withdrawal and closure with the
 * outcome measures. Each form reads its answers, the SDK's validator for the body checks them, and the
 * client signs and sends; a refusal is shown beside the field it names, in the page's language.
 *
 * A step is offered only when the workflow allows it this unit now (`allowedSteps`); the SDK refuses
 * it anyway if the case moved meanwhile (ERR_INVALID_TRANSITION, shown on the form).
 */
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import {
  type BryggaClient,
  costTotals,
  DECLINE_REASONS,
  type PacketBodies,
  type SendResult,
  type ServiceStatus,
  validateChildNotice,
  validateContact,
  validateDeviation,
  validateFollowUp,
  validateImplementationPlan,
  validateMessage,
} from '../../index.js';
import { allowedSteps, type CaseData, STEPS, type StepKey, serviceName } from '../_cases.js';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { type FormReader, MAX_TEXT, FormReader as Reader, refusal } from '../_form-reader.js';
import type { Texts } from '../_i18n/index.js';
import { forbidden, logAccess, page } from '../_page.js';
import { flash } from '../_session.js';
import {
  Button,
  Choices,
  ErrorSummary,
  type FieldError,
  Fieldset,
  type FormValues,
  fieldValue,
  fieldValues,
  Input,
  PostForm,
  Select,
  SummaryList,
  Textarea,
  W,
} from '../_views/components.js';
import { caseFor, shortId } from './case.js';
import {
  ConsentFields,
  ContactFields,
  consentFieldOf,
  LegalBasisFields,
  OutcomeFields,
  readConsent,
  readContact,
  readLegalBasis,
  readOutcomes,
} from './fieldsets.js';

/** What a step's form and reader get. */
interface StepContext {
  texts: Texts;
  client: BryggaClient;
  data: CaseData;
  values: FormValues;
  errors: FieldError[];
  today: string;
}

/** One step's form. */
interface Step {
  title(t: Texts['t']): string;
  submit(t: Texts['t']): string;
  lead?(t: Texts['t']): string;
  defaults(s: Omit<StepContext, 'values' | 'errors'>, user: { displayName: string }): FormValues;
  fields(s: StepContext): Child;
  /** Read the form; a function that sends, or null when a field is wrong (errors are in the reader). */
  read(
    f: FormReader,
    s: StepContext,
  ): ((client: BryggaClient, caseId: string) => Promise<SendResult | SendResult[]>) | null;
  /** The field an SDK body path names. */
  fieldOf?(path: string): string | undefined;
  /** The field a rule's error code concerns. */
  codeFields?: Record<string, string>;
  /** The access-log action, when it depends on the answers. */
  action?(values: FormValues): string;
  first: string;
}

const LEGAL_CODES = {
  ERR_CONSENT_MISSING: 'lb-provision',
  ERR_CONSENT_WITHDRAWN: 'lb-provision',
  ERR_CONSENT_EXPIRED: 'lb-provision',
  ERR_CONSENT_SCOPE: 'lb-provision',
};

function previousMonth(today: string): string {
  const d = new Date(`${today.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

function pathField(map: [string, string][]): (path: string) => string | undefined {
  return (path) => map.find(([prefix]) => path.startsWith(prefix))?.[1];
}

/** The services of the case's current plan, or every one ever planned. */
function plannedServices(data: CaseData): string[] {
  return data.view.state.plan?.services ?? data.view.state.plannedEver;
}

function common(s: StepContext) {
  return { errors: s.errors, errorPrefix: s.texts.t.errorPrefix };
}

const STEP_FORMS: Record<StepKey, Step> = {
  decide: {
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
      return (client, caseId) =>
        client.decideUptake(caseId, { decision: 'accept', contacts: [contact], note });
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
  },

  plan: {
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
      const catalogue = s.client.directory.agreement.terms.catalogue;
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
      const codes = s.client.directory.agreement.terms.catalogue.map((c) => c.code);
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
  },

  followUp: {
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
  },

  costs: {
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
  },

  deviation: {
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
          <Input
            name="guideline"
            label={t.forms.deviation.guideline}
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
      const guideline = f.text('guideline', t.forms.deviation.guideline);
      const description = f.text('description', t.forms.deviation.description, { max: MAX_TEXT });
      const name = f.text('decidedByName', t.forms.deviation.decidedByName);
      const role = f.text('decidedByRole', t.forms.deviation.decidedByRole);
      const legalBasis = readLegalBasis(f, s.texts);
      if (!f.ok || !date || !reason || !guideline || !description || !name || !role) return null;
      const body = validateDeviation({
        date,
        reason,
        guideline,
        description,
        decidedBy: { name, role },
        legalBasis,
      });
      return (client, caseId) => client.recordDeviation(caseId, body);
    },
    fieldOf: pathField([
      ['deviation.date', 'date'],
      ['deviation.guideline', 'guideline'],
      ['deviation.description', 'description'],
      ['deviation.decidedBy.name', 'decidedByName'],
      ['deviation.decidedBy.role', 'decidedByRole'],
    ]),
    codeFields: LEGAL_CODES,
  },

  childNotice: {
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
  },

  message: {
    title: (t) => t.forms.message.title,
    submit: (t) => t.forms.message.submit,
    first: 'text',
    defaults: () => ({}),
    fields: (s) => (
      <>
        <Textarea
          name="text"
          label={s.texts.t.forms.message.text}
          value={fieldValue(s.values, 'text')}
          {...common(s)}
        />
        <LegalBasisFields texts={s.texts} values={s.values} errors={s.errors} />
      </>
    ),
    read: (f, s) => {
      const text = f.text('text', s.texts.t.forms.message.text, { max: MAX_TEXT });
      const legalBasis = readLegalBasis(f, s.texts);
      if (!f.ok || !text) return null;
      validateMessage({ text, legalBasis });
      return (client, caseId) => client.sendMessage(caseId, { text, legalBasis });
    },
    fieldOf: pathField([['message.text', 'text']]),
    codeFields: LEGAL_CODES,
  },

  consent: {
    title: (t) => t.forms.consent.title,
    submit: (t) => t.forms.consent.submit,
    lead: (t) => t.refer.consentPolice,
    first: 'consent-form',
    defaults: (s) => ({ validFrom: s.today }),
    fields: (s) => <ConsentFields texts={s.texts} values={s.values} errors={s.errors} />,
    read: (f, s) => {
      const details = readConsent(f, s.texts);
      if (!f.ok || !details) return null;
      return (client, caseId) => client.attestConsent(caseId, details);
    },
    fieldOf: consentFieldOf,
    codeFields: { ERR_CONSENT_SCOPE: 'consent-form' },
  },

  withdraw: {
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
  },

  close: {
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
  },
};

function stepOf(slug: string): StepKey | undefined {
  return (Object.keys(STEPS) as StepKey[]).find((k) => STEPS[k].slug === slug);
}

function StepPage(props: { c: Ctx; stepKey: StepKey; s: StepContext }) {
  const { c, stepKey: key, s } = props;
  const step = STEP_FORMS[key];
  const { t } = s.texts;
  const caseId = s.data.view.caseId;
  return (
    <div class="grid-wide">
      <ErrorSummary title={t.errorSummaryTitle} errors={s.errors} />
      <a class="back-link" href={`/arenden/${caseId}`}>
        {t.back}
      </a>
      <span class="caption">
        <W>{t.case.title(shortId(caseId))}</W>
      </span>
      <h1 class="heading-l">{step.title(t)}</h1>
      {step.lead ? <p class="body lead">{step.lead(t)}</p> : null}
      <PostForm action={`/arenden/${caseId}/${STEPS[key].slug}`} csrf={c.get('csrf')}>
        {step.fields(s)}
        <div class="button-group">
          <Button>{step.submit(t)}</Button>
          <a class="link" href={`/arenden/${caseId}`}>
            {t.cancel}
          </a>
        </div>
      </PostForm>
    </div>
  );
}

/** The step forms' routes: `/arenden/<case>/<step>`. */
export function stepRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  async function load(c: Ctx) {
    const key = stepOf(c.req.param('step') ?? '');
    if (!key) return undefined;
    const found = await caseFor(c, deps);
    if (found instanceof Response) return found;
    if (!allowedSteps(found.data.view, deps.client.unit).includes(key))
      return forbidden(c, deps, c.get('texts').error('ERR_INVALID_TRANSITION'));
    return { key, ...found };
  }

  app.get('/arenden/:id/:step', async (c, next) => {
    const found = await load(c);
    if (found === undefined) return next();
    if (found instanceof Response) return found;
    const texts = c.get('texts');
    const base = {
      texts,
      client: deps.client,
      data: found.data,
      today: deps.now().toISOString().slice(0, 10),
    };
    const values = STEP_FORMS[found.key].defaults(base, found.user);
    return page(c, deps, {
      title: STEP_FORMS[found.key].title(texts.t),
      children: <StepPage c={c} stepKey={found.key} s={{ ...base, values, errors: [] }} />,
    });
  });

  app.post('/arenden/:id/:step', async (c, next) => {
    const found = await load(c);
    if (found === undefined) return next();
    if (found instanceof Response) return found;
    const { key, data, user } = found;
    const step = STEP_FORMS[key];
    const texts = c.get('texts');
    const values = c.get('form');
    const s: StepContext = {
      texts,
      client: deps.client,
      data,
      values,
      errors: [],
      today: deps.now().toISOString().slice(0, 10),
    };
    const reader = new Reader(values, texts);
    const caseId = data.view.caseId;
    try {
      const send = step.read(reader, s);
      if (send) {
        const sent = await send(deps.client, caseId);
        const submitted = (Array.isArray(sent) ? sent : [sent]).every((r) => r.submitted);
        if ((await deps.db.assignees(caseId)).length === 0 && user.role === 'coordinator') {
          await deps.db.assign(caseId, user.username, user.username, deps.now());
        }
        await logAccess(c, deps, step.action?.(values) ?? STEPS[key].action, caseId);
        const what = step.title(texts.t);
        await flash(c, deps, submitted ? texts.t.case.sentFlash(what) : texts.t.case.queuedFlash(what));
        void deps.runner.syncSoon();
        deps.live.publish('update');
        return c.redirect(`/arenden/${caseId}`, 303);
      }
    } catch (err) {
      reader.errors.push(
        refusal(err, texts, { fieldOf: step.fieldOf, codeFields: step.codeFields, fallback: step.first }),
      );
    }
    return page(c, deps, {
      title: step.title(texts.t),
      status: 422,
      children: <StepPage c={c} stepKey={key} s={{ ...s, errors: reader.errors }} />,
    });
  });

  return app;
}
