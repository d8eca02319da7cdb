/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * A new referral (uppdrag; PROTOCOL.md §12.4.1), one question page at a time as `brygga refer` asks at
 * the terminal, then a page to check every answer before the referral is signed and sent. Each page's
 * answers are checked as they are given: an answer the agreement's rules refuse (no approved police
 * consultation, motivation not assessed, responsibility for children, housing not arranged by the home
 * municipality) is refused on its own page with the rule's message, keyed by the SDK's error code. On
 * sending, the SDK checks everything again and has the last word.
 *
 * The draft is kept in the console's memory for the session only (never on disk), and is gone when the
 * session ends.
 */
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import type { Agreement, ReferInput } from '../../index.js';
import { serviceName, unitName } from '../_cases.js';
import type { ConsoleDeps, ConsoleEnv, Ctx, ReferralDraft } from '../_context.js';
import { userOf } from '../_context.js';
import { FormReader, MAX_TEXT, refusal } from '../_form-reader.js';
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
  SummaryList,
  Textarea,
  W,
} from '../_views/components.js';
import { ConsentFields, ContactFields, consentFieldOf, readConsent, readContact } from './fieldsets.js';

const PIN = /^(18|19|20)\d{6}[-+]?\d{4}$/;

type StepId = 'mottagare' | 'person' | 'insatser' | 'samrad' | 'bedomning' | 'kontakter' | 'samtycke';
const ORDER: StepId[] = ['mottagare', 'person', 'insatser', 'samrad', 'bedomning', 'kontakter', 'samtycke'];
const CHECK = 'kontrollera';

/** The step whose page holds a field (for errors found when sending). */
const FIELD_STEP: [RegExp, StepId][] = [
  [/^(to|category|threatLevel)$/, 'mottagare'],
  [/^(name|pin|dob)$/, 'person'],
  [/^svc$/, 'insatser'],
  [/^p[12]-/, 'samrad'],
  [/^(motivation|assessedOn|assessment|responsible|checkedOn|housing|housingFrom|address)$/, 'bedomning'],
  [/^c[12]-/, 'kontakter'],
  [
    /^(consent-form|documentSha256|signedOn|givenOn|witnessName|witnessRole|documentation|validFrom|validUntil|note)$/,
    'samtycke',
  ],
];

/** The fields of each step (posted values of other names are ignored). */
const STEP_FIELDS: Record<StepId, RegExp> = {
  mottagare: /^(to|category|threatLevel)$/,
  person: /^(name|pin|dob)$/,
  insatser: /^svc$/,
  samrad: /^p[12]-(date|reference|approved)$/,
  bedomning: /^(motivation|assessedOn|assessment|responsible|checkedOn|housing|housingFrom|address)$/,
  kontakter: /^c[12]-(name|role|phone|email)$/,
  samtycke:
    /^(consent-form|documentSha256|signedOn|givenOn|witnessName|witnessRole|documentation|validFrom|validUntil|note)$/,
};

interface Env {
  texts: Texts;
  deps: ConsoleDeps;
  agreement: Agreement;
  home: string;
  homeMunicipality: string;
  draft: ReferralDraft;
}

function receivers(e: Env): { unit: string; municipality: string }[] {
  return e.agreement.terms.parties
    .filter((p) => p.municipality !== e.homeMunicipality)
    .map((p) => ({ unit: p.unit, municipality: p.municipality }));
}

function municipalityName(e: Env, id: string | undefined): string {
  return e.agreement.terms.municipalities.find((m) => m.id === id)?.name ?? id ?? '';
}

function receivingMunicipality(e: Env): string | undefined {
  const to = fieldValue(e.draft.values, 'to');
  return e.agreement.terms.parties.find((p) => p.unit === to)?.municipality;
}

function stepTitle(t: Texts['t'], id: StepId | typeof CHECK): string {
  const map = {
    mottagare: t.refer.steps.to,
    person: t.refer.steps.person,
    insatser: t.refer.steps.services,
    samrad: t.refer.steps.police,
    bedomning: t.refer.steps.assessment,
    kontakter: t.refer.steps.contacts,
    samtycke: t.refer.steps.consent,
    kontrollera: t.refer.steps.check,
  };
  return map[id];
}

function yesNoChoices(t: Texts['t']) {
  return [
    { value: 'yes', label: t.yes },
    { value: 'no', label: t.no },
  ];
}

function fields(id: StepId, e: Env, values: FormValues, errors: FieldError[]): Child {
  const { t } = e.texts;
  const v = (n: string) => fieldValue(values, n);
  const common = { errors, errorPrefix: t.errorPrefix };
  const { categories, threatLevels } = e.agreement.terms.admits;
  switch (id) {
    case 'mottagare':
      return (
        <>
          <Choices
            kind="radio"
            name="to"
            label={t.refer.to}
            hint={t.refer.toHint}
            choices={receivers(e).map((r) => ({ value: r.unit, label: unitName(e.deps.client, r.unit) }))}
            selected={[v('to')]}
            {...common}
          />
          <Choices
            kind="radio"
            name="category"
            label={t.refer.category}
            choices={categories.map((c) => ({ value: c, label: t.categories[c] }))}
            selected={[v('category')]}
            {...common}
          />
          <Choices
            kind="radio"
            name="threatLevel"
            label={t.refer.threatLevel}
            choices={threatLevels.map((l) => ({ value: l, label: t.threatLevels[l] }))}
            selected={[v('threatLevel')]}
            {...common}
          />
        </>
      );
    case 'person':
      return (
        <>
          <Input name="name" label={t.refer.name} value={v('name')} dirAuto {...common} />
          <Input
            name="pin"
            label={`${t.refer.pin} ${t.optional}`}
            hint={t.refer.pinHint}
            value={v('pin')}
            width="medium"
            spellcheck={false}
            {...common}
          />
          <Input
            name="dob"
            type="date"
            label={`${t.refer.dob} ${t.optional}`}
            hint={t.forms.dateHint}
            value={v('dob')}
            width="short"
            {...common}
          />
        </>
      );
    case 'insatser':
      return (
        <Choices
          kind="checkbox"
          name="svc"
          label={t.refer.services}
          hint={t.refer.servicesHint}
          choices={e.agreement.terms.catalogue.map((c) => ({ value: c.code, label: c.name }))}
          selected={fieldValues(values, 'svc')}
          {...common}
        />
      );
    case 'samrad':
      return (
        <>
          {[e.homeMunicipality, receivingMunicipality(e)].map((m, i) => {
            const p = `p${i + 1}`;
            const name = municipalityName(e, m);
            return (
              <Fieldset legend={t.refer.policeIn(name)} id={`${p}-legend`}>
                <Input
                  name={`${p}-date`}
                  type="date"
                  label={t.refer.policeDate}
                  hint={t.forms.dateHint}
                  value={v(`${p}-date`)}
                  width="short"
                  {...common}
                />
                <Input
                  name={`${p}-reference`}
                  label={t.refer.policeReference}
                  value={v(`${p}-reference`)}
                  width="medium"
                  dirAuto
                  {...common}
                />
                <Choices
                  kind="radio"
                  inline
                  name={`${p}-approved`}
                  label={t.refer.policeApproved(name)}
                  choices={yesNoChoices(t)}
                  selected={[v(`${p}-approved`)]}
                  {...common}
                />
              </Fieldset>
            );
          })}
        </>
      );
    case 'bedomning':
      return (
        <>
          <Fieldset legend={t.case.motivation}>
            <Choices
              kind="radio"
              inline
              name="motivation"
              label={t.refer.motivationAssessed}
              choices={yesNoChoices(t)}
              selected={[v('motivation')]}
              {...common}
            />
            <Input
              name="assessedOn"
              type="date"
              label={t.refer.assessedOn}
              hint={t.forms.dateHint}
              value={v('assessedOn')}
              width="short"
              {...common}
            />
            <Textarea
              name="assessment"
              label={t.refer.assessment}
              value={v('assessment')}
              rows={4}
              {...common}
            />
          </Fieldset>
          <Fieldset legend={t.case.children}>
            <Choices
              kind="radio"
              inline
              name="responsible"
              label={t.refer.responsible}
              choices={yesNoChoices(t)}
              selected={[v('responsible')]}
              {...common}
            />
            <Input
              name="checkedOn"
              type="date"
              label={t.refer.checkedOn}
              hint={t.forms.dateHint}
              value={v('checkedOn')}
              width="short"
              {...common}
            />
          </Fieldset>
          <Fieldset legend={t.case.housing}>
            <Choices
              kind="radio"
              inline
              name="housing"
              label={t.refer.housingArranged(municipalityName(e, e.homeMunicipality))}
              choices={yesNoChoices(t)}
              selected={[v('housing')]}
              {...common}
            />
            <Input
              name="housingFrom"
              type="date"
              label={t.refer.housingFrom}
              hint={t.forms.dateHint}
              value={v('housingFrom')}
              width="short"
              {...common}
            />
            <Textarea
              name="address"
              label={`${t.refer.address} ${t.optional}`}
              hint={t.refer.addressHint}
              value={v('address')}
              rows={2}
              {...common}
            />
          </Fieldset>
        </>
      );
    case 'kontakter':
      return (
        <>
          <ContactFields
            prefix="c1"
            legend={t.forms.legend.contact(1)}
            texts={e.texts}
            values={values}
            errors={errors}
          />
          <ContactFields
            prefix="c2"
            legend={`${t.refer.secondContact} ${t.optional}`}
            texts={e.texts}
            values={values}
            errors={errors}
          />
        </>
      );
    case 'samtycke':
      return (
        <>
          <p class="body">{t.refer.consentPolice}</p>
          <ConsentFields texts={e.texts} values={values} errors={errors} />
          <Textarea
            name="note"
            label={`${t.refer.note} ${t.optional}`}
            value={v('note')}
            rows={3}
            {...common}
          />
        </>
      );
  }
}

/** Check one step's answers; the rules the agreement sets are refused here with their SDK code's message. */
function check(id: StepId, e: Env, f: FormReader): void {
  const { t } = e.texts;
  const rule = (field: string, code: string) => f.fail(field, e.texts.error(code));
  switch (id) {
    case 'mottagare':
      f.choice(
        'to',
        t.refer.to,
        receivers(e).map((r) => r.unit),
      );
      if (f.raw('category') && !e.agreement.terms.admits.categories.includes(f.raw('category') as never))
        rule('category', 'ERR_CATEGORY_NOT_ADMITTED');
      f.choice('category', t.refer.category, e.agreement.terms.admits.categories);
      if (
        f.raw('threatLevel') &&
        !e.agreement.terms.admits.threatLevels.includes(f.raw('threatLevel') as never)
      )
        rule('threatLevel', 'ERR_THREAT_LEVEL_NOT_ADMITTED');
      f.choice('threatLevel', t.refer.threatLevel, e.agreement.terms.admits.threatLevels);
      return;
    case 'person':
      f.text('name', t.refer.name);
      f.matching('pin', t.refer.pin, PIN, t.field.pin, false);
      f.date('dob', t.refer.dob, false);
      return;
    case 'insatser': {
      const codes = e.agreement.terms.catalogue.map((c) => c.code);
      if (f.checked('svc', codes).length === 0) f.fail('svc', t.field.atLeastOne);
      if (fieldValues(f.values, 'svc').some((c) => !codes.includes(c)))
        rule('svc', 'ERR_SERVICE_NOT_IN_CATALOGUE');
      return;
    }
    case 'samrad':
      for (const p of ['p1', 'p2']) {
        f.date(`${p}-date`, t.refer.policeDate);
        f.text(`${p}-reference`, t.refer.policeReference);
        const approved = f.yesNo(`${p}-approved`, t.case.approved);
        if (approved === false) rule(`${p}-approved`, 'ERR_POLICE_CONSULTATION_MISSING');
      }
      return;
    case 'bedomning': {
      if (f.yesNo('motivation', t.refer.motivationAssessed) === false)
        rule('motivation', 'ERR_MOTIVATION_MISSING');
      f.date('assessedOn', t.refer.assessedOn);
      f.text('assessment', t.refer.assessment, { max: MAX_TEXT });
      if (f.yesNo('responsible', t.refer.responsible) === true)
        rule('responsible', 'ERR_CHILDREN_RESPONSIBILITY');
      f.date('checkedOn', t.refer.checkedOn);
      if (f.yesNo('housing', t.case.arrangedByHome) === false) rule('housing', 'ERR_HOUSING_NOT_ARRANGED');
      f.date('housingFrom', t.refer.housingFrom);
      f.text('address', t.refer.address, { required: false, max: 500 });
      return;
    }
    case 'kontakter':
      readContact(f, e.texts, 'c1', e.home);
      readContact(f, e.texts, 'c2', e.home, true);
      return;
    case 'samtycke':
      readConsent(f, e.texts);
      f.text('note', t.refer.note, { required: false, max: MAX_TEXT });
      return;
  }
}

/** The referral the draft makes (every step checked). */
function referInput(e: Env, f: FormReader): ReferInput | null {
  const v = (n: string) => f.raw(n);
  const consent = readConsent(f, e.texts);
  const c1 = readContact(f, e.texts, 'c1', e.home);
  const c2 = readContact(f, e.texts, 'c2', e.home, true);
  if (!consent || !c1) return null;
  const receiving = receivingMunicipality(e) ?? '';
  return {
    to: v('to'),
    category: v('category') as ReferInput['category'],
    threatLevel: v('threatLevel') as ReferInput['threatLevel'],
    person: { name: v('name'), personalIdentityNumber: v('pin') || null, dateOfBirth: v('dob') || null },
    requestedServices: fieldValues(f.values, 'svc'),
    policeConsultations: [e.homeMunicipality, receiving].map((m, i) => ({
      municipality: m,
      date: v(`p${i + 1}-date`),
      reference: v(`p${i + 1}-reference`),
      approved: v(`p${i + 1}-approved`) === 'yes',
    })),
    motivation: {
      assessed: v('motivation') === 'yes',
      assessedOn: v('assessedOn'),
      assessment: v('assessment'),
    },
    childrenCheck: { responsibleForChildren: v('responsible') === 'yes', checkedOn: v('checkedOn') },
    temporaryHousing: {
      arrangedByHome: v('housing') === 'yes',
      from: v('housingFrom'),
      address: v('address') || null,
    },
    contacts: c2 ? [c1, c2] : [c1],
    consent,
    note: v('note') || null,
  };
}

/** The check page's rows: every answer, with a link to change it. */
function CheckAnswers(props: { e: Env }) {
  const { e } = props;
  const { t } = e.texts;
  const texts = e.texts;
  const v = (n: string) => fieldValue(e.draft.values, n);
  const w = (x: string) => (x ? <W>{x}</W> : t.none);
  const yn = (x: string) => (x === 'yes' ? t.yes : x === 'no' ? t.no : t.none);
  const sections: [StepId, [string, Child][]][] = [
    [
      'mottagare',
      [
        [t.refer.to, w(unitName(e.deps.client, v('to')))],
        [t.refer.category, t.categories[v('category') as 'avhoppare'] ?? t.none],
        [t.refer.threatLevel, t.threatLevels[v('threatLevel') as 'low'] ?? t.none],
      ],
    ],
    [
      'person',
      [
        [t.refer.name, w(v('name'))],
        [t.refer.pin, w(v('pin'))],
        [t.refer.dob, texts.date(v('dob'))],
      ],
    ],
    [
      'insatser',
      [
        [
          t.refer.services,
          <ul class="list">
            {fieldValues(e.draft.values, 'svc').map((c) => (
              <li>{w(serviceName(e.deps.client, c))}</li>
            ))}
          </ul>,
        ],
      ],
    ],
    [
      'samrad',
      [e.homeMunicipality, receivingMunicipality(e)].flatMap(
        (m, i) =>
          [
            [
              t.refer.policeIn(municipalityName(e, m)),
              <>
                {texts.date(v(`p${i + 1}-date`))}, {w(v(`p${i + 1}-reference`))}
              </>,
            ],
            [t.case.approved, yn(v(`p${i + 1}-approved`))],
          ] as [string, Child][],
      ),
    ],
    [
      'bedomning',
      [
        [
          t.case.assessed,
          <>
            {yn(v('motivation'))}, {texts.date(v('assessedOn'))}
          </>,
        ],
        [
          t.case.assessment,
          <div class="prewrap" dir="auto">
            {v('assessment')}
          </div>,
        ],
        [
          t.case.responsibleForChildren,
          <>
            {yn(v('responsible'))}, {texts.date(v('checkedOn'))}
          </>,
        ],
        [
          t.case.arrangedByHome,
          <>
            {yn(v('housing'))}, {texts.date(v('housingFrom'))}
          </>,
        ],
        [t.case.address, w(v('address'))],
      ],
    ],
    [
      'kontakter',
      ['c1', 'c2']
        .filter((p) => v(`${p}-name`))
        .map(
          (p, i) =>
            [
              t.forms.legend.contact(i + 1),
              <>
                {w(v(`${p}-name`))}, {w(v(`${p}-role`))}
                {v(`${p}-phone`) ? <>, {w(v(`${p}-phone`))}</> : null}
                {v(`${p}-email`) ? <>, {w(v(`${p}-email`))}</> : null}
              </>,
            ] as [string, Child],
        ),
    ],
    [
      'samtycke',
      [
        [t.case.consentForm, v('consent-form') === 'oral' ? t.consentForms.oral : t.consentForms.written],
        ...(v('consent-form') === 'oral'
          ? ([
              [t.case.givenOn, texts.date(v('givenOn'))],
              [
                t.case.witness,
                <>
                  {w(v('witnessName'))}, {w(v('witnessRole'))}
                </>,
              ],
              [t.case.documentation, w(v('documentation'))],
            ] as [string, Child][])
          : ([
              [t.case.signedOn, texts.date(v('signedOn'))],
              [t.case.documentHash, <code class="code">{w(v('documentSha256'))}</code>],
            ] as [string, Child][])),
        [t.case.validFrom, texts.date(v('validFrom'))],
        [t.case.validUntil, v('validUntil') ? texts.date(v('validUntil')) : t.untilFurther],
        [t.case.note, w(v('note'))],
      ],
    ],
  ];
  return (
    <>
      {sections.map(([id, rows]) => (
        <>
          <h2 class="heading-m">{stepTitle(t, id)}</h2>
          <SummaryList
            rows={rows}
            actions={rows.map((r) => (
              <a href={`/nytt-uppdrag/${id}?andra=1`}>
                {t.change}
                <span class="visually-hidden"> {r[0]}</span>
              </a>
            ))}
          />
        </>
      ))}
    </>
  );
}

function StepPage(props: {
  c: Ctx;
  e: Env;
  id: StepId | typeof CHECK;
  values: FormValues;
  errors: FieldError[];
  change: boolean;
}) {
  const { c, e, id } = props;
  const { t } = e.texts;
  const n = id === CHECK ? ORDER.length + 1 : ORDER.indexOf(id) + 1;
  const previous = id === CHECK ? ORDER[ORDER.length - 1] : ORDER[ORDER.indexOf(id) - 1];
  return (
    <div class="grid-wide">
      <ErrorSummary title={t.errorSummaryTitle} errors={props.errors} />
      {previous ? (
        <a class="back-link" href={`/nytt-uppdrag/${previous}`}>
          {t.back}
        </a>
      ) : null}
      <span class="caption">
        {t.refer.title} · {t.refer.step(n, ORDER.length + 1)}
      </span>
      <h1 class="heading-l">{stepTitle(t, id)}</h1>
      {id === CHECK ? (
        <>
          <p class="body lead">{t.refer.checkLead}</p>
          <CheckAnswers e={e} />
          <PostForm action="/nytt-uppdrag/kontrollera" csrf={c.get('csrf')}>
            <Button>{t.refer.submit}</Button>
          </PostForm>
        </>
      ) : (
        <PostForm action={`/nytt-uppdrag/${id}${props.change ? '?andra=1' : ''}`} csrf={c.get('csrf')}>
          {fields(id, e, props.values, props.errors)}
          <Button>{t.continue}</Button>
        </PostForm>
      )}
    </div>
  );
}

/** The referral pages: `/nytt-uppdrag/<step>`, then `/nytt-uppdrag/kontrollera`. */
export function referRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  function env(c: Ctx): Env | undefined {
    const session = c.get('session');
    if (!session) return undefined;
    let draft = deps.drafts.get(session.idHash);
    if (!draft) deps.drafts.set(session.idHash, (draft = { values: {}, done: new Set() }));
    const agreement = deps.client.directory.agreement;
    const home = deps.client.unit;
    return {
      texts: c.get('texts'),
      deps,
      agreement,
      home,
      homeMunicipality: agreement.municipalityOf(home)?.id ?? '',
      draft,
    };
  }

  /** The first step not yet answered, or the check page. */
  function nextOpen(e: Env): StepId | typeof CHECK {
    return ORDER.find((s) => !e.draft.done.has(s)) ?? CHECK;
  }

  app.use('/nytt-uppdrag/*', async (c, next) => {
    if (userOf(c).role === 'admin') return forbidden(c, deps);
    return next();
  });
  app.use('/nytt-uppdrag', async (c, next) => {
    if (userOf(c).role === 'admin') return forbidden(c, deps);
    return next();
  });

  app.get('/nytt-uppdrag', (c) => {
    const e = env(c)!;
    return c.redirect(`/nytt-uppdrag/${nextOpen(e)}`, 303);
  });

  app.get('/nytt-uppdrag/:step', async (c, next) => {
    const id = c.req.param('step') as StepId | typeof CHECK;
    if (id !== CHECK && !ORDER.includes(id)) return next();
    const e = env(c)!;
    const open = nextOpen(e);
    // A later step needs the earlier answers (the police consultations need the receiving unit).
    if (
      (id === CHECK && open !== CHECK) ||
      (id !== CHECK && ORDER.indexOf(id) > ORDER.indexOf(open as StepId) && open !== CHECK)
    ) {
      return c.redirect(`/nytt-uppdrag/${open}`, 303);
    }
    const values = { ...e.draft.values };
    if (id === 'samtycke' && !values.validFrom) values.validFrom = deps.now().toISOString().slice(0, 10);
    return page(c, deps, {
      title: stepTitle(e.texts.t, id),
      active: 'refer',
      children: (
        <StepPage c={c} e={e} id={id} values={values} errors={[]} change={c.req.query('andra') === '1'} />
      ),
    });
  });

  app.post('/nytt-uppdrag/kontrollera', async (c) => {
    const e = env(c)!;
    const { t } = e.texts;
    if (nextOpen(e) !== CHECK) return c.redirect(`/nytt-uppdrag/${nextOpen(e)}`, 303);
    const f = new FormReader(e.draft.values, e.texts);
    const errors: FieldError[] = [];
    try {
      for (const id of ORDER) check(id, e, f);
      const input = referInput(e, f);
      if (f.ok && input) {
        const sent = await deps.client.refer(input);
        const user = userOf(c);
        await deps.db.assign(sent.caseId, user.username, user.username, deps.now());
        await logAccess(c, deps, 'case.refer', sent.caseId);
        deps.drafts.delete(c.get('session')!.idHash);
        await flash(c, deps, sent.submitted ? t.refer.sent : t.case.queuedFlash(t.refer.title));
        void deps.runner.syncSoon();
        deps.live.publish('update');
        return c.redirect(`/arenden/${sent.caseId}`, 303);
      }
    } catch (err) {
      const codeFields: Record<string, string> = {
        ERR_POLICE_CONSULTATION_MISSING: 'p1-approved',
        ERR_MOTIVATION_MISSING: 'motivation',
        ERR_CHILDREN_RESPONSIBILITY: 'responsible',
        ERR_HOUSING_NOT_ARRANGED: 'housing',
        ERR_CATEGORY_NOT_ADMITTED: 'category',
        ERR_THREAT_LEVEL_NOT_ADMITTED: 'threatLevel',
        ERR_SERVICE_NOT_IN_CATALOGUE: 'svc',
        ERR_QUOTA_EXCEEDED: 'to',
        ERR_WRONG_PARTY: 'to',
        ERR_OUTSIDE_PERIOD: 'validFrom',
      };
      const fieldOf = (path: string) =>
        consentFieldOf(path) ??
        (
          [
            ['referral.to', 'to'],
            ['referral.person.name', 'name'],
            ['referral.person.personalIdentityNumber', 'pin'],
            ['referral.person.dateOfBirth', 'dob'],
            ['referral.requestedServices', 'svc'],
            ['referral.policeConsultations[0]', 'p1-date'],
            ['referral.policeConsultations[1]', 'p2-date'],
            ['referral.motivation', 'assessment'],
            ['referral.childrenCheck', 'checkedOn'],
            ['referral.temporaryHousing', 'address'],
            ['referral.contacts[0]', 'c1-name'],
            ['referral.contacts[1]', 'c2-name'],
            ['referral.note', 'note'],
          ] as [string, string][]
        ).find(([p]) => path.startsWith(p))?.[1];
      f.errors.push(refusal(err, e.texts, { fieldOf, codeFields, fallback: 'to' }));
    }
    // Every error links to the page that holds its field.
    for (const err of f.errors) {
      const step = FIELD_STEP.find(([re]) => re.test(err.field))?.[1] ?? 'mottagare';
      errors.push({ field: `/nytt-uppdrag/${step}?andra=1#${err.field}`, message: err.message });
    }
    return page(c, deps, {
      title: stepTitle(t, CHECK),
      active: 'refer',
      status: 422,
      children: <StepPage c={c} e={e} id={CHECK} values={e.draft.values} errors={errors} change={false} />,
    });
  });

  app.post('/nytt-uppdrag/:step', async (c, next) => {
    const id = c.req.param('step') as StepId;
    if (!ORDER.includes(id)) return next();
    const e = env(c)!;
    const posted = c.get('form');
    const before = fieldValue(e.draft.values, 'to');
    // Keep this step's answers in the draft, replacing the earlier ones (an unticked box is an answer too).
    for (const k of Object.keys(e.draft.values)) if (STEP_FIELDS[id].test(k)) delete e.draft.values[k];
    for (const [k, v] of Object.entries(posted)) if (STEP_FIELDS[id].test(k)) e.draft.values[k] = v;
    const f = new FormReader(e.draft.values, e.texts);
    check(id, e, f);
    if (!f.ok) {
      e.draft.done.delete(id);
      return page(c, deps, {
        title: stepTitle(e.texts.t, id),
        active: 'refer',
        status: 422,
        children: (
          <StepPage
            c={c}
            e={e}
            id={id}
            values={e.draft.values}
            errors={f.errors}
            change={c.req.query('andra') === '1'}
          />
        ),
      });
    }
    e.draft.done.add(id);
    // A new receiving unit changes the municipality of the second police consultation: ask it again.
    if (id === 'mottagare' && fieldValue(e.draft.values, 'to') !== before) e.draft.done.delete('samrad');
    const change = c.req.query('andra') === '1';
    return c.redirect(`/nytt-uppdrag/${change ? nextOpen(e) : (ORDER[ORDER.indexOf(id) + 1] ?? CHECK)}`, 303);
  });

  return app;
}
