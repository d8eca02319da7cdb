/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The person's group affiliation in a new referral (PROTOCOL.md §12.4.1, §14.6 (5)), on the assessment
 * page: the group or groups as the unit names them (one a line; none when no affiliation is known), who
 * assessed it and when. Required where the receiving municipality's terms set `rivalCheck`; elsewhere
 * sent when filled in.
 */
import type { Child } from 'hono/jsx';
import { type Agreement, type GroupAffiliation, rivalCheckOf } from '../../index.js';
import type { FormReader } from '../_form-reader.js';
import type { Texts } from '../_i18n/index.js';
import {
  type FieldError,
  Fieldset,
  type FormValues,
  fieldValue,
  Input,
  Textarea,
  W,
} from '../_views/components.js';

/** What the fields need of the question pages' environment (questions.ts's `Env`). */
interface Env {
  texts: Texts;
  agreement: Agreement;
  draft: { values: FormValues };
}

/** The fields' names. */
export const AFFILIATION_FIELDS = /^aff-(groups|assessedOn|assessedBy|assessedRole)$/;

/** Whether the receiving municipality's terms require the affiliation. */
function required(e: Env): boolean {
  const to = fieldValue(e.draft.values, 'to');
  const m = e.agreement.terms.parties.find((p) => p.unit === to)?.municipality;
  return m !== undefined && rivalCheckOf(e.agreement.terms, m);
}

/** The group names of the textarea, one a line. */
function groupsOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((g) => g.trim())
    .filter((g) => g !== '');
}

/** The fieldset. */
export function AffiliationFields(props: { e: Env; values: FormValues; errors: FieldError[] }): Child {
  const { e, values, errors } = props;
  const { t } = e.texts;
  const r = t.rivals;
  const common = { errors, errorPrefix: t.errorPrefix };
  const opt = required(e) ? '' : ` ${t.optional}`;
  return (
    <Fieldset legend={r.affiliationLegend} hint={r.affiliationHint(required(e))} id="aff-legend">
      <Textarea
        name="aff-groups"
        label={`${r.groups} ${t.optional}`}
        hint={r.groupsHint}
        value={fieldValue(values, 'aff-groups')}
        rows={3}
        {...common}
      />
      <Input
        name="aff-assessedBy"
        label={`${r.assessedBy}${opt}`}
        value={fieldValue(values, 'aff-assessedBy')}
        width="medium"
        dirAuto
        {...common}
      />
      <Input
        name="aff-assessedRole"
        label={`${r.assessedRole}${opt}`}
        value={fieldValue(values, 'aff-assessedRole')}
        width="medium"
        dirAuto
        {...common}
      />
      <Input
        name="aff-assessedOn"
        type="date"
        label={`${r.assessedOn}${opt}`}
        hint={t.forms.dateHint}
        value={fieldValue(values, 'aff-assessedOn')}
        width="short"
        {...common}
      />
    </Fieldset>
  );
}

/**
 * Read the affiliation: required where the terms require it, else only when a field is filled in. Null
 * when left out; undefined when a field is wrong (the reader holds the errors).
 */
export function readAffiliation(e: Env, f: FormReader): GroupAffiliation | null | undefined {
  const r = e.texts.t.rivals;
  const filled = ['aff-groups', 'aff-assessedBy', 'aff-assessedRole', 'aff-assessedOn'].some(
    (n) => f.raw(n) !== '',
  );
  if (!required(e) && !filled) return null;
  const groups = groupsOf(f.raw('aff-groups'));
  if (groups.some((g) => g.length > 200)) f.fail('aff-groups', e.texts.t.field.tooLong(r.groups, 200));
  const name = f.text('aff-assessedBy', r.assessedBy);
  const role = f.text('aff-assessedRole', r.assessedRole);
  const on = f.date('aff-assessedOn', r.assessedOn);
  if (!f.ok || !name || !role || !on) return undefined;
  return { groups, assessedBy: { name, role }, assessedOn: on };
}

/** The check page's row. */
export function affiliationRow(e: Env, values: FormValues): [string, Child] {
  const { t } = e.texts;
  const r = t.rivals;
  const v = (n: string) => fieldValue(values, n);
  const groups = groupsOf(v('aff-groups'));
  if (!v('aff-assessedBy') && !v('aff-assessedOn') && groups.length === 0)
    return [r.affiliationLegend, t.none];
  return [
    r.affiliationLegend,
    <>
      {groups.length === 0 ? r.noneKnown : <W>{groups.join(', ')}</W>}
      <div class="hint">
        <W>{`${v('aff-assessedBy')} (${v('aff-assessedRole')})`}</W>, {e.texts.date(v('aff-assessedOn'))}
      </div>
    </>,
  ];
}
