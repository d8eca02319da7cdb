/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The rival-group check of the uptake decision (PROTOCOL.md §14.6 (5)): the form shows what the unit's
 * own list of known groups says about the referral's group affiliation, and records the result: no
 * conflict, or the conflict and why the case is accepted despite it, with who checked and when. Only
 * that result is sent; the list stays with the unit. Required where the receiving municipality's terms
 * set `rivalCheck`; elsewhere recorded when a result is chosen.
 */
import { RIVAL_RESULTS, type RivalCheck, rivalCheckOf, validateRivalCheck } from '../../index.js';
import type { FormReader } from '../_form-reader.js';
import { Choices, Fieldset, fieldValue, Input, Textarea, W, Warning } from '../_views/components.js';
import { common, type StepContext } from './step.js';

/** Whether the receiving municipality's terms require the check. */
function required(s: Pick<StepContext, 'client' | 'data'>): boolean {
  return rivalCheckOf(s.client.directory.agreement.terms, s.data.view.state.receivingMunicipality);
}

/** What the unit's list says about the referral's affiliation. */
function ListResult(props: { s: StepContext }) {
  const { s } = props;
  const r = s.texts.t.rivals;
  if (!s.data.referral?.affiliation) return <p class="body">{r.noAffiliation}</p>;
  if (s.data.collisions.length === 0) return <p class="body">{r.noCollision}</p>;
  return (
    <>
      <Warning label={s.texts.t.errorPrefix}>{`${r.listShows}:`}</Warning>
      <ul class="list">
        {s.data.collisions.map((c) => (
          <li>
            <W>{r.collision(c.group, c.rival, c.presentIn)}</W>
          </li>
        ))}
      </ul>
    </>
  );
}

/** The fieldset of the check, shown when the case is accepted. */
export function RivalCheckFields(props: { s: StepContext }) {
  const { s } = props;
  const { t } = s.texts;
  const r = t.rivals;
  const opt = required(s) ? '' : ` ${t.optional}`;
  return (
    <Fieldset
      legend={r.checkLegend}
      hint={required(s) ? r.checkHintRequired : r.checkHintOptional}
      id="rival-legend"
      revealWhen="decision=accept"
    >
      <ListResult s={s} />
      <Choices
        kind="radio"
        name="rival-result"
        label={`${r.result}${opt}`}
        choices={RIVAL_RESULTS.map((v) => ({ value: v, label: r.results[v] }))}
        selected={[fieldValue(s.values, 'rival-result')]}
        {...common(s)}
      />
      <div data-reveal-when="rival-result=conflict">
        <Textarea
          name="rival-reason"
          label={r.reason}
          hint={r.reasonHint}
          value={fieldValue(s.values, 'rival-reason')}
          rows={3}
          {...common(s)}
        />
      </div>
      <Input
        name="rival-checkedBy"
        label={r.checkedBy}
        value={fieldValue(s.values, 'rival-checkedBy')}
        dirAuto
        {...common(s)}
      />
      <Input
        name="rival-checkedRole"
        label={r.checkedRole}
        value={fieldValue(s.values, 'rival-checkedRole')}
        dirAuto
        {...common(s)}
      />
      <Input
        name="rival-checkedOn"
        type="date"
        label={r.checkedOn}
        hint={t.forms.dateHint}
        value={fieldValue(s.values, 'rival-checkedOn')}
        width="short"
        {...common(s)}
      />
    </Fieldset>
  );
}

/** The check's defaults: the signed-in user checked it today. */
export function rivalCheckDefaults(today: string, user: { displayName: string }) {
  return {
    'rival-checkedBy': user.displayName,
    'rival-checkedRole': 'avhopparsamordnare',
    'rival-checkedOn': today,
  };
}

/**
 * Read the check of an acceptance: required where the terms require it; elsewhere only when a result
 * is chosen. Null when left out; undefined when a field is wrong.
 */
export function readRivalCheck(f: FormReader, s: StepContext): RivalCheck | null | undefined {
  const r = s.texts.t.rivals;
  const result = f.choice('rival-result', r.result, RIVAL_RESULTS, required(s));
  if (result === null) return f.ok ? null : undefined;
  const reason = f.text('rival-reason', r.reason, { required: result === 'conflict', max: 2000 });
  const checkedBy = f.text('rival-checkedBy', r.checkedBy, { max: 200 });
  const checkedRole = f.text('rival-checkedRole', r.checkedRole, { max: 200 });
  const checkedOn = f.date('rival-checkedOn', r.checkedOn);
  if (!f.ok || !checkedBy || !checkedRole || !checkedOn) return undefined;
  return validateRivalCheck(
    {
      result,
      decision: result === 'conflict' ? 'accepted-despite' : null,
      reason: result === 'conflict' ? reason : null,
      checkedBy: { name: checkedBy, role: checkedRole },
      checkedOn,
    },
    'uptake-decision.rivalCheck',
    'accept',
  );
}

/** The form fields the SDK's paths and codes of the check name. */
export const RIVAL_FIELDS: { paths: [string, string][]; codes: Record<string, string> } = {
  paths: [
    ['uptake-decision.rivalCheck.reason', 'rival-reason'],
    ['uptake-decision.rivalCheck.checkedOn', 'rival-checkedOn'],
  ],
  codes: { ERR_RIVAL_CHECK_MISSING: 'rival-result', ERR_RIVAL_CONFLICT_UNRECORDED: 'rival-result' },
};
