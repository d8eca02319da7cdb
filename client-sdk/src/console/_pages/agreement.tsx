/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Avtalet och kvoterna: every agreement this device accepted (PROTOCOL.md §5), newest first, with its
 * terms in full (parties and their root keys' safety numbers, period, target group, catalogue) and, per
 * municipality and period, the cases handed over and received under it and the slots still free, as
 * this device counts the signed quota claims (§15).
 */
import { Hono } from 'hono';
import type { Agreement } from '../../index.js';
import { agreementAt } from '../../index.js';
import type { ConsoleDeps, ConsoleEnv } from '../_context.js';
import type { Texts } from '../_i18n/index.js';
import { page } from '../_page.js';
import { SummaryList, Tag, W } from '../_views/components.js';

async function AgreementSection(props: { a: Agreement; deps: ConsoleDeps; texts: Texts; inForce: boolean }) {
  const { a, deps, texts } = props;
  const { t } = texts;
  const terms = a.terms;
  const quotas = await Promise.all(
    terms.municipalities.map(async (m) => ({
      m,
      out: await deps.client.quotaUse(m.id, 'outgoing', a),
      in: await deps.client.quotaUse(m.id, 'incoming', a),
    })),
  );
  const id = `avtal-${terms.sequence}`;
  return (
    <section aria-labelledby={id} class="section">
      <h2 class="heading-l" id={id}>
        <W>{terms.title}</W>{' '}
        <Tag tone={props.inForce ? 'green' : 'grey'}>
          {props.inForce ? t.agreement.inForce : t.agreement.earlier}
        </Tag>
      </h2>
      <SummaryList
        rows={[
          [t.agreement.id, <W>{terms.id}</W>],
          [t.agreement.sequence, String(terms.sequence)],
          [t.agreement.periodLabel, `${texts.date(terms.period.from)} – ${texts.date(terms.period.to)}`],
          [t.agreement.signedByAll, t.yes],
          [t.agreement.digest, <code class="code">{a.digest}</code>],
        ]}
      />
      <h3 class="heading-m">{t.agreement.quotas}</h3>
      <p class="body">{t.agreement.quotaLead}</p>
      <table class="table">
        <caption class="visually-hidden">{t.agreement.quotas}</caption>
        <thead>
          <tr>
            <th scope="col">{t.agreement.municipality}</th>
            <th scope="col">{t.agreement.handedOver}</th>
            <th scope="col">{t.agreement.free}</th>
            <th scope="col">{t.agreement.received}</th>
            <th scope="col">{t.agreement.free}</th>
          </tr>
        </thead>
        <tbody>
          {quotas.map((q) => (
            <tr>
              <th scope="row">
                <W>{q.m.name}</W>
              </th>
              <td>
                {t.agreement.of(q.out.used, q.out.quota)}
                {q.out.void ? <span class="hint"> ({t.agreement.void(q.out.void)})</span> : null}
              </td>
              <td>{q.out.quota - q.out.used}</td>
              <td>
                {t.agreement.of(q.in.used, q.in.quota)}
                {q.in.void ? <span class="hint"> ({t.agreement.void(q.in.void)})</span> : null}
              </td>
              <td>{q.in.quota - q.in.used}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 class="heading-m">{t.agreement.parties}</h3>
      <table class="table">
        <caption class="visually-hidden">{t.agreement.parties}</caption>
        <thead>
          <tr>
            <th scope="col">{t.agreement.partyName}</th>
            <th scope="col">{t.agreement.municipality}</th>
            <th scope="col">{t.agreement.unit}</th>
            <th scope="col">{t.agreement.safetyNumber}</th>
          </tr>
        </thead>
        <tbody>
          {terms.parties.map((p) => (
            <tr>
              <td>
                <W>{p.name}</W>
              </td>
              <td>
                <W>{terms.municipalities.find((m) => m.id === p.municipality)?.name ?? p.municipality}</W>
              </td>
              <td>
                <code class="code">
                  <W>{p.unit}</W>
                </code>
              </td>
              <td>
                <span class="safety-number">{a.rootKeyOf(p.unit)?.safetyNumber(p.unit) ?? ''}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 class="heading-m">{t.agreement.admits}</h3>
      <SummaryList
        rows={[
          [t.agreement.categoriesLabel, terms.admits.categories.map((c) => t.categories[c]).join(', ')],
          [t.agreement.threatLabel, terms.admits.threatLevels.map((l) => t.threatLevels[l]).join(', ')],
        ]}
      />
      <h3 class="heading-m">{t.agreement.catalogue}</h3>
      <table class="table">
        <caption class="visually-hidden">{t.agreement.catalogue}</caption>
        <thead>
          <tr>
            <th scope="col">{t.agreement.service}</th>
            <th scope="col">{t.agreement.code}</th>
          </tr>
        </thead>
        <tbody>
          {terms.catalogue.map((c) => (
            <tr>
              <td>
                <W>{c.name}</W>
              </td>
              <td>
                <code class="code">
                  <W>{c.code}</W>
                </code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The agreement page. */
export function agreementRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.get('/avtal', async (c) => {
    const texts = c.get('texts');
    const all = [...deps.client.directory.agreements].reverse();
    const current = agreementAt(deps.client.directory.agreements, deps.now().toISOString().slice(0, 10));
    const sections = [];
    for (const a of all)
      sections.push(await AgreementSection({ a, deps, texts, inForce: a.digest === current?.digest }));
    return page(c, deps, {
      title: texts.t.agreement.title,
      active: 'agreement',
      live: true,
      children: (
        <>
          <h1 class="heading-xl">{texts.t.agreement.title}</h1>
          <div data-live id="agreements">
            {sections}
          </div>
        </>
      ),
    });
  });
  return app;
}
