/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The answer to the other unit's urgent child notice (PROTOCOL.md §12.4.7, §14.7): which municipality
 * takes the main responsibility, and for each municipality of the case the responsibility it takes, who
 * is responsible and from when. The SDK refuses an answer that settles nothing.
 */
import type { ChildNoticeRecord, ChildResponsibility } from '../../index.js';
import { validateChildNotice } from '../../index.js';
import { municipalityName } from '../_cases.js';
import { MAX_TEXT } from '../_form-reader.js';
import { LegalBasisFields, readLegalBasis } from '../_pages/fieldsets.js';
import { Choices, Fieldset, fieldValue, Input, Textarea } from '../_views/components.js';
import { common, LEGAL_CODES, pathField, type Step, type StepContext } from './step.js';

/** The other unit's notices still unanswered, oldest first. */
export function noticesToAnswer(s: { childNoticeLog: readonly ChildNoticeRecord[] }, unit: string) {
  return s.childNoticeLog.filter((n) => n.unit !== unit && n.answeredIn === null);
}

/** The two municipalities of the case, as the answer's parts: a field prefix and the municipality. */
function parts(s: Pick<StepContext, 'data'>) {
  const state = s.data.view.state;
  return [
    { prefix: 'hem', municipality: state.homeMunicipality },
    { prefix: 'mot', municipality: state.receivingMunicipality },
  ];
}

/** The form. */
export const CHILD_NOTICE_ANSWER_STEP: Step = {
  title: (t) => t.forms.childNoticeAnswer.title,
  submit: (t) => t.forms.childNoticeAnswer.submit,
  lead: (t) => t.forms.childNoticeAnswer.lead,
  first: 'notice',
  defaults: (s) => ({
    date: s.today,
    notice: noticesToAnswer(s.data.view.state, s.client.unit)[0]?.in ?? '',
    'hem-fran': s.today,
    'mot-fran': s.today,
  }),
  fields: (s) => {
    const { t } = s.texts;
    const f = t.forms.childNoticeAnswer;
    const open = noticesToAnswer(s.data.view.state, s.client.unit);
    return (
      <>
        <Choices
          kind="radio"
          name="notice"
          label={f.notice}
          choices={open.map((n) => ({ value: n.in, label: f.noticeOf(s.texts.dateTime(n.at)) }))}
          selected={[fieldValue(s.values, 'notice')]}
          {...common(s)}
        />
        <Input
          name="date"
          type="date"
          label={f.date}
          hint={t.forms.dateHint}
          value={fieldValue(s.values, 'date')}
          width="short"
          {...common(s)}
        />
        <Textarea
          name="description"
          label={f.description}
          value={fieldValue(s.values, 'description')}
          {...common(s)}
        />
        <Choices
          kind="radio"
          name="responsibility"
          label={f.main}
          choices={(['home', 'receiving'] as const).map((o) => ({ value: o, label: t.responsibility[o] }))}
          selected={[fieldValue(s.values, 'responsibility')]}
          {...common(s)}
        />
        {parts(s).map((p) => (
          <Fieldset legend={f.part(municipalityName(s.client, p.municipality))} hint={f.partHint}>
            <Textarea
              name={`${p.prefix}-ansvar`}
              label={f.what}
              value={fieldValue(s.values, `${p.prefix}-ansvar`)}
              rows={3}
              {...common(s)}
            />
            <Input
              name={`${p.prefix}-namn`}
              label={f.who}
              value={fieldValue(s.values, `${p.prefix}-namn`)}
              dirAuto
              {...common(s)}
            />
            <Input
              name={`${p.prefix}-roll`}
              label={f.role}
              value={fieldValue(s.values, `${p.prefix}-roll`)}
              dirAuto
              {...common(s)}
            />
            <Input
              name={`${p.prefix}-fran`}
              type="date"
              label={f.from}
              hint={t.forms.dateHint}
              value={fieldValue(s.values, `${p.prefix}-fran`)}
              width="short"
              {...common(s)}
            />
          </Fieldset>
        ))}
        <LegalBasisFields texts={s.texts} values={s.values} errors={s.errors} />
      </>
    );
  },
  read: (f, s) => {
    const t = s.texts.t.forms.childNoticeAnswer;
    const open = noticesToAnswer(s.data.view.state, s.client.unit).map((n) => n.in);
    const notice = f.choice('notice', t.notice, open);
    const date = f.date('date', t.date);
    const description = f.text('description', t.description, { max: MAX_TEXT });
    const main = f.choice('responsibility', t.main, ['home', 'receiving'] as const);
    const settlement: ChildResponsibility[] = [];
    for (const p of parts(s)) {
      const responsibility = f.text(`${p.prefix}-ansvar`, t.what, { required: false, max: MAX_TEXT });
      if (!responsibility) continue;
      const name = f.text(`${p.prefix}-namn`, t.who);
      const role = f.text(`${p.prefix}-roll`, t.role);
      const from = f.date(`${p.prefix}-fran`, t.from);
      if (name && role && from) {
        settlement.push({ municipality: p.municipality, responsibility, responsible: { name, role }, from });
      }
    }
    if (settlement.length === 0 && !f.raw('hem-ansvar') && !f.raw('mot-ansvar')) {
      f.fail('hem-ansvar', t.noneGiven);
    }
    const legalBasis = readLegalBasis(f, s.texts);
    if (!f.ok || !notice || !date || !description || !main) return null;
    const body = validateChildNotice({
      date,
      description,
      proposedResponsibility: main,
      measuresTaken: null,
      answers: notice,
      settlement,
      legalBasis,
    });
    return (client, caseId) => client.sendChildNotice(caseId, body);
  },
  fieldOf: pathField([
    ['child-notice.date', 'date'],
    ['child-notice.description', 'description'],
  ]),
  codeFields: {
    ERR_CHILD_NOTICE_UNSETTLED: 'responsibility',
    ERR_CHILD_NOTICE_UNKNOWN: 'notice',
    ...LEGAL_CODES,
  },
  action: () => 'case.child-notice-answer',
};
