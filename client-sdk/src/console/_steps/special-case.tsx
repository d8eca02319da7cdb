/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The special case (särskilt avhopparärende; PROTOCOL.md §14.6 (4)) in a form: whether the unit marks
 * the case as special and, where its municipality's terms name the body that assesses special cases
 * (`specialCases`, §5.5; in Göteborg, stadsledningskontoret), that body's assessment: who assessed,
 * when, the outcome and the body's reference. Shown only where the terms name a body; the SDK's
 * `SpecialCaseMark` is what it reads. An assessment left out entirely is passed on as missing, so the
 * SDK's rule (ERR_SPECIAL_CASE_NOT_ASSESSED) has the last word and its message stands beside the field.
 */
import { SPECIAL_OUTCOMES, type SpecialCaseMark, validateSpecial } from '../../index.js';
import type { FormReader } from '../_form-reader.js';
import type { Texts } from '../_i18n/index.js';
import {
  Choices,
  type FieldError,
  Fieldset,
  type FormValues,
  fieldValue,
  Input,
} from '../_views/components.js';

/** The form's field names, by the prefix of the form that holds them (`sp`). */
export const SPECIAL_FIELDS = {
  special: 'sp-special',
  assessedBy: 'sp-assessedBy',
  assessedRole: 'sp-assessedRole',
  assessedOn: 'sp-assessedOn',
  outcome: 'sp-outcome',
  reference: 'sp-reference',
} as const;

/** What the fields take: the body the terms name, and where the fieldset shows (`revealWhen`). */
export interface SpecialCaseFieldsProps {
  body: string;
  texts: Texts;
  values: FormValues;
  errors: FieldError[];
  revealWhen?: string;
}

/** The fieldset: "is the case special?" and, when it is, the body's assessment. */
export function SpecialCaseFields(props: SpecialCaseFieldsProps) {
  const { body, texts, values, errors } = props;
  const { t } = texts;
  const sc = t.specialCase;
  const common = { errors, errorPrefix: t.errorPrefix };
  const f = SPECIAL_FIELDS;
  return (
    <Fieldset legend={sc.legend} hint={sc.hint(body)} id="special-legend" revealWhen={props.revealWhen}>
      <Choices
        kind="radio"
        name={f.special}
        label={sc.question}
        choices={[
          { value: 'no', label: sc.no },
          { value: 'yes', label: sc.yes },
        ]}
        selected={[fieldValue(values, f.special)]}
        inline
        {...common}
      />
      <div data-reveal-when={`${f.special}=yes`}>
        <Input
          name={f.assessedBy}
          label={sc.assessedBy(body)}
          value={fieldValue(values, f.assessedBy)}
          dirAuto
          {...common}
        />
        <Input
          name={f.assessedRole}
          label={sc.assessedRole(body)}
          value={fieldValue(values, f.assessedRole)}
          dirAuto
          {...common}
        />
        <Input
          name={f.assessedOn}
          type="date"
          label={sc.assessedOn(body)}
          hint={t.forms.dateHint}
          value={fieldValue(values, f.assessedOn)}
          width="short"
          {...common}
        />
        <Choices
          kind="radio"
          name={f.outcome}
          label={sc.outcome(body)}
          choices={SPECIAL_OUTCOMES.map((o) => ({ value: o, label: sc.outcomes[o] }))}
          selected={[fieldValue(values, f.outcome)]}
          {...common}
        />
        <Input
          name={f.reference}
          label={sc.reference(body)}
          value={fieldValue(values, f.reference)}
          width="medium"
          dirAuto
          {...common}
        />
      </div>
    </Fieldset>
  );
}

/**
 * Read the mark: null when the case is not marked special (or the terms name no body, `body` null);
 * the mark without an assessment when every assessment field is empty (the SDK refuses it by its rule);
 * undefined when a field is wrong (the errors are in the reader).
 */
export function readSpecialCase(
  f: FormReader,
  texts: Texts,
  body: string | null,
  path: string,
): SpecialCaseMark | null | undefined {
  if (body === null) return null;
  const sc = texts.t.specialCase;
  const n = SPECIAL_FIELDS;
  const special = f.yesNo(n.special, sc.question);
  if (special === null) return undefined;
  if (!special) return null;
  const names = [n.assessedBy, n.assessedRole, n.assessedOn, n.outcome, n.reference];
  if (names.every((name) => f.raw(name) === '')) return { body, assessment: null };
  const assessedBy = f.text(n.assessedBy, sc.assessedBy(body));
  const assessedRole = f.text(n.assessedRole, sc.assessedRole(body));
  const assessedOn = f.date(n.assessedOn, sc.assessedOn(body));
  const outcome = f.choice(n.outcome, sc.outcome(body), SPECIAL_OUTCOMES);
  const reference = f.text(n.reference, sc.reference(body));
  if (!assessedBy || !assessedRole || !assessedOn || !outcome || !reference) return undefined;
  return validateSpecial(
    {
      body,
      assessment: { assessedBy: { name: assessedBy, role: assessedRole }, assessedOn, outcome, reference },
    },
    path,
  );
}

/** The fields SDK body paths under `path` (e.g. `uptake-decision.special`) name. */
export function specialPathFields(path: string): [string, string][] {
  const n = SPECIAL_FIELDS;
  return [
    [`${path}.assessment.assessedOn`, n.assessedOn],
    [`${path}.assessment.assessedBy.name`, n.assessedBy],
    [`${path}.assessment.assessedBy.role`, n.assessedRole],
    [`${path}.assessment.reference`, n.reference],
    [`${path}.assessment.outcome`, n.outcome],
    [path, n.special],
  ];
}
