/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Kända grupper och konflikter: the unit's own list of the groups it knows to be present in its
 * municipality and the neighbouring ones, and whom they are rivals of (PROTOCOL.md §14.6 (5)). The
 * rival-group check of an acceptance runs against it. The list is kept in the device's store: it is in
 * no packet and the relay never sees it. Coordinators and unit leads keep it; every change is in the
 * access log.
 */
import { Hono } from 'hono';
import type { KnownGroup } from '../../index.js';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { userOf } from '../_context.js';
import { FormReader, refusal } from '../_form-reader.js';
import { forbidden, logAccess, page } from '../_page.js';
import { flash } from '../_session.js';
import {
  Button,
  ErrorSummary,
  type FieldError,
  Fieldset,
  type FormValues,
  fieldValue,
  Input,
  PostForm,
  Textarea,
  W,
} from '../_views/components.js';
import { allowed } from '../_views/layout.js';

/** The names of a textarea, one a line. */
function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function KnownGroupsPage(props: { c: Ctx; groups: KnownGroup[]; values: FormValues; errors: FieldError[] }) {
  const { c, groups, values, errors } = props;
  const texts = c.get('texts');
  const { t } = texts;
  const p = t.rivals.page;
  const common = { errors, errorPrefix: t.errorPrefix };
  return (
    <>
      <ErrorSummary title={t.errorSummaryTitle} errors={errors} />
      <h1 class="heading-xl">{p.title}</h1>
      <p class="body lead">{p.lead}</p>
      {groups.length === 0 ? (
        <p class="body">{p.empty}</p>
      ) : (
        <table class="table">
          <caption class="visually-hidden">{p.title}</caption>
          <thead>
            <tr>
              <th scope="col">{p.group}</th>
              <th scope="col">{p.presentIn}</th>
              <th scope="col">{p.rivals}</th>
              <th scope="col">{p.note}</th>
              <th scope="col">{p.added}</th>
              <th scope="col">
                <span class="visually-hidden">{t.change}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr>
                <td>
                  <W>{g.group}</W>
                </td>
                <td>
                  <W>{g.presentIn}</W>
                </td>
                <td>
                  <W>{g.rivals.join(', ')}</W>
                </td>
                <td>{g.note === null ? t.none : <W>{g.note}</W>}</td>
                <td>
                  <W>{`${g.addedBy}, ${texts.dateTime(g.addedAt)}`}</W>
                </td>
                <td>
                  <PostForm
                    action={`/kanda-grupper/${g.id}/ta-bort`}
                    csrf={c.get('csrf')}
                    class="inline-form"
                  >
                    <Button secondary>
                      <W>{p.remove(g.group)}</W>
                    </Button>
                  </PostForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 class="heading-l" id="lagg-till">
        {p.addTitle}
      </h2>
      <PostForm action="/kanda-grupper" csrf={c.get('csrf')}>
        <Fieldset legend={p.addTitle} id="kg-legend">
          <Input
            name="kg-group"
            label={p.groupLabel}
            value={fieldValue(values, 'kg-group')}
            width="medium"
            dirAuto
            {...common}
          />
          <Input
            name="kg-presentIn"
            label={p.presentInLabel}
            hint={p.presentInHint}
            value={fieldValue(values, 'kg-presentIn')}
            width="medium"
            dirAuto
            {...common}
          />
          <Textarea
            name="kg-rivals"
            label={p.rivalsLabel}
            hint={p.rivalsHint}
            value={fieldValue(values, 'kg-rivals')}
            rows={3}
            {...common}
          />
          <Textarea
            name="kg-note"
            label={`${p.noteLabel} ${t.optional}`}
            value={fieldValue(values, 'kg-note')}
            rows={2}
            {...common}
          />
        </Fieldset>
        <div class="button-group">
          <Button>{p.submit}</Button>
        </div>
      </PostForm>
    </>
  );
}

/** The list page and its changes: `/kanda-grupper`. */
export function knownGroupsRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const render = async (c: Ctx, values: FormValues, errors: FieldError[], status = 200) =>
    page(c, deps, {
      title: c.get('texts').t.rivals.page.title,
      active: 'knownGroups',
      status,
      children: (
        <KnownGroupsPage c={c} groups={await deps.client.listKnownGroups()} values={values} errors={errors} />
      ),
    });

  app.get('/kanda-grupper', async (c) => {
    if (!allowed(userOf(c).role, 'knownGroups')) return forbidden(c, deps);
    await logAccess(c, deps, 'known-groups.view');
    return render(c, {}, []);
  });

  app.post('/kanda-grupper', async (c) => {
    const user = userOf(c);
    if (!allowed(user.role, 'knownGroups')) return forbidden(c, deps);
    const texts = c.get('texts');
    const p = texts.t.rivals.page;
    const values = c.get('form');
    const f = new FormReader(values, texts);
    const group = f.text('kg-group', p.groupLabel);
    const presentIn = f.text('kg-presentIn', p.presentInLabel);
    const rivals = lines(f.raw('kg-rivals'));
    if (rivals.length === 0) f.fail('kg-rivals', texts.t.field.required(p.rivalsLabel));
    const note = f.text('kg-note', p.noteLabel, { required: false, max: 2000 });
    if (f.ok && group && presentIn) {
      try {
        await deps.client.addKnownGroup({ group, presentIn, rivals, note, addedBy: user.displayName });
        await logAccess(c, deps, 'known-groups.add');
        await flash(c, deps, p.addedFlash);
        return c.redirect('/kanda-grupper', 303);
      } catch (err) {
        f.errors.push(
          refusal(err, texts, {
            fieldOf: (path) =>
              path.startsWith('knownGroup.rivals')
                ? 'kg-rivals'
                : path.startsWith('knownGroup.presentIn')
                  ? 'kg-presentIn'
                  : path.startsWith('knownGroup.note')
                    ? 'kg-note'
                    : undefined,
            fallback: 'kg-group',
          }),
        );
      }
    }
    return render(c, values, f.errors, 422);
  });

  app.post('/kanda-grupper/:id/ta-bort', async (c) => {
    if (!allowed(userOf(c).role, 'knownGroups')) return forbidden(c, deps);
    try {
      await deps.client.removeKnownGroup(c.req.param('id'));
      await logAccess(c, deps, 'known-groups.remove');
      await flash(c, deps, c.get('texts').t.rivals.page.removed);
    } catch {
      // Already removed (another tab, another coordinator): the list as it is now says so.
    }
    return c.redirect('/kanda-grupper', 303);
  });

  return app;
}
