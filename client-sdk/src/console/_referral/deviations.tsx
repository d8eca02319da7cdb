/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * A documented deviation (avsteg) in the referral form (PROTOCOL.md §5.4, §14.8): for each precondition
 * of a question page that the terms list as deviable (`deviations.deviable`), the page asks whether the
 * unit deviates from it and, if so, the special reason, what was departed from and why, who decided it
 * (name and role) and when. Only deviable rules are asked about; the consent never is (§14.1). A rule
 * deviated from is not required by the page's own checks, and the SDK sets it aside by the same list.
 * The deviation enters both units' deviation registers.
 */
import { deviableRules, type ReferralBody } from '../../index.js';
import type { FormReader } from '../_form-reader.js';
import { MAX_TEXT } from '../_form-reader.js';
import type { Texts } from '../_i18n/index.js';
import {
  Choices,
  type FieldError,
  Fieldset,
  type FormValues,
  fieldValue,
  Input,
  Textarea,
} from '../_views/components.js';

/** A rule a referral's deviation may name (the SDK's fixed list, PROTOCOL.md §14.8). */
type DeviableRule = ReferralBody['deviations'][number]['rule'];

/** The special reasons (särskilda skäl), as the referral's deviations name them. */
const REASONS = ['acute-time-pressure', 'safety', 'other'] as const;

/** The deviable rules each question page concerns. */
export const STEP_RULES = {
  samrad: ['police-consultation', 'police-approval'],
  bedomning: ['target-group', 'children', 'housing'],
} as const satisfies Record<string, readonly DeviableRule[]>;

/** A page with deviable rules. */
export type DeviationStep = keyof typeof STEP_RULES;

/** The fields of a page's deviations (`dv-<rule>…`), for the step's field list. */
export const DEVIATION_FIELDS = /^dv-[a-z-]+?(-(reason|description|by|role|date))?$/;

/** The rules of `step` that `terms` let a referral deviate from. */
export function stepDeviable(
  terms: { deviations?: { deviable: DeviableRule[] } },
  step: DeviationStep,
): DeviableRule[] {
  const deviable = deviableRules(terms);
  return STEP_RULES[step].filter((r) => deviable.includes(r));
}

/** Whether the draft deviates from `rule` (its question answered yes). */
export function deviates(values: FormValues, rule: DeviableRule): boolean {
  return fieldValue(values, `dv-${rule}`) === 'yes';
}

/** The deviation questions of a page: one fieldset per deviable rule. */
export function DeviationFields(props: {
  rules: readonly DeviableRule[];
  texts: Texts;
  values: FormValues;
  errors: FieldError[];
}) {
  const { t } = props.texts;
  const d = t.referralDeviation;
  const common = { errors: props.errors, errorPrefix: t.errorPrefix };
  const v = (n: string) => fieldValue(props.values, n);
  return (
    <>
      {props.rules.map((rule) => {
        const p = `dv-${rule}`;
        return (
          <Fieldset legend={d.legend(t.ruleNames[rule])} hint={d.hint} id={`${p}-legend`}>
            <Choices
              kind="radio"
              inline
              name={p}
              label={d.question(t.ruleNames[rule])}
              choices={[
                { value: 'no', label: d.no },
                { value: 'yes', label: d.yes },
              ]}
              selected={[v(p)]}
              {...common}
            />
            <div data-reveal-when={`${p}=yes`}>
              <Choices
                kind="radio"
                name={`${p}-reason`}
                label={d.reason}
                choices={REASONS.map((r) => ({ value: r, label: t.deviationReasons[r] }))}
                selected={[v(`${p}-reason`)]}
                {...common}
              />
              <Textarea
                name={`${p}-description`}
                label={d.description}
                hint={d.descriptionHint}
                value={v(`${p}-description`)}
                rows={3}
                {...common}
              />
              <Input name={`${p}-by`} label={d.by} value={v(`${p}-by`)} dirAuto {...common} />
              <Input name={`${p}-role`} label={d.role} value={v(`${p}-role`)} dirAuto {...common} />
              <Input
                name={`${p}-date`}
                type="date"
                label={d.date}
                hint={t.forms.dateHint}
                value={v(`${p}-date`)}
                width="short"
                {...common}
              />
            </div>
          </Fieldset>
        );
      })}
    </>
  );
}

/** Check a page's deviation answers (a yes needs every part of the deviation; no answer is no). */
export function checkDeviations(f: FormReader, texts: Texts, rules: readonly DeviableRule[]): void {
  const d = texts.t.referralDeviation;
  for (const rule of rules) {
    const p = `dv-${rule}`;
    // Unanswered is no: most referrals meet every rule, and the question is there for the one that cannot.
    if (f.raw(p) === '' || f.yesNo(p, d.question(texts.t.ruleNames[rule])) !== true) continue;
    f.choice(`${p}-reason`, d.reason, REASONS);
    f.text(`${p}-description`, d.description, { max: MAX_TEXT });
    f.text(`${p}-by`, d.by);
    f.text(`${p}-role`, d.role);
    f.date(`${p}-date`, d.date);
  }
}

/** The draft's deviations, for the referral body (the pages' checks have passed). */
export function draftDeviations(
  values: FormValues,
  terms: { deviations?: { deviable: DeviableRule[] } },
): ReferralBody['deviations'] {
  const v = (n: string) => fieldValue(values, n).trim();
  return deviableRules(terms)
    .filter((rule) => deviates(values, rule))
    .map((rule) => ({
      rule,
      date: v(`dv-${rule}-date`),
      reason: v(`dv-${rule}-reason`) as ReferralBody['deviations'][number]['reason'],
      description: v(`dv-${rule}-description`),
      decidedBy: { name: v(`dv-${rule}-by`), role: v(`dv-${rule}-role`) },
    }));
}
