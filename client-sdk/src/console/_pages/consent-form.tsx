/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The consent form's print page (samtyckesblankett; PROTOCOL.md §12.3.1): the Swedish form for a case's
 * consent scope, exactly as `brygga consent form` writes it (`consentFormText`, the same bytes), with
 * the SHA-256 of those bytes that the attestation of a written consent carries, so the signed paper
 * can be matched to the attestation. Printed, the page is the form and its checksum alone: the menu,
 * the links and the buttons are hidden by the print styles (`@media print` in console.css).
 *
 * Two pages: `/nytt-uppdrag/samtyckesblankett`, for the referral being written (the person and the
 * receiving unit from the draft, the validity from the page's own small form), and
 * `/arenden/<id>/samtyckesblankett`, for a case's attested consent (the person from the referral, the
 * validity from the attestation), which also says whether the checksum is the attestation's.
 */
import { Hono } from 'hono';
import { type BryggaClient, type ConsentFormInput, consentFormSha256, consentFormText } from '../../index.js';
import type { ConsoleDeps, ConsoleEnv } from '../_context.js';
import { userOf } from '../_context.js';
import type { Texts } from '../_i18n/index.js';
import { forbidden, logAccess, page } from '../_page.js';
import { fieldValue } from '../_views/components.js';
import { caseFor } from './case.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A party of the consent as the agreement names it, or undefined when `unit` is not a party. */
function party(client: BryggaClient, unit: string): ConsentFormInput['home'] | undefined {
  const agreement = client.directory.agreement;
  const p = agreement.terms.parties.find((x) => x.unit === unit);
  const m = agreement.municipalityOf(unit);
  return p && m ? { unit, name: p.name, municipality: m.name } : undefined;
}

/** The page's body: the form as printed, its checksum, and (not printed) where it came from. */
function ConsentFormSheet(props: {
  texts: Texts;
  input: ConsentFormInput;
  back: string;
  /** The attestation's checksum, when the page is a case's; null for an oral consent. */
  attested?: string | null;
  /** The referral's page offers the validity to change. */
  validityForm?: boolean;
}) {
  const { t } = props.texts;
  const f = t.consentForm;
  const hash = consentFormSha256(props.input);
  return (
    <>
      <a class="back-link no-print" href={props.back}>
        {t.back}
      </a>
      <h1 class="heading-xl no-print">{f.title}</h1>
      <div class="no-print">
        <p class="body">{f.intro}</p>
        {props.attested === undefined ? null : (
          <p class="body" id="consent-form-match">
            {props.attested === null ? f.oral : props.attested === hash ? f.matches : f.differs}
          </p>
        )}
        {props.validityForm ? (
          <form method="get" action="/nytt-uppdrag/samtyckesblankett" class="consent-form-validity">
            <div class="form-group">
              <label class="label" for="fran">
                {f.validFrom}
              </label>
              <div class="hint" id="fran-hint">
                {t.forms.dateHint}
              </div>
              <input
                class="input input--short"
                id="fran"
                name="fran"
                type="date"
                value={props.input.validFrom}
                aria-describedby="fran-hint"
              />
            </div>
            <div class="form-group">
              <label class="label" for="till">
                {`${f.validUntil} ${t.optional}`}
              </label>
              <div class="hint" id="till-hint">
                {f.validUntilHint}
              </div>
              <input
                class="input input--short"
                id="till"
                name="till"
                type="date"
                value={props.input.validUntil ?? ''}
                aria-describedby="till-hint"
              />
            </div>
            <button class="button button--secondary" type="submit">
              {f.update}
            </button>
          </form>
        ) : null}
      </div>
      <pre class="consent-form" id="consent-form-text" lang="sv">
        {consentFormText(props.input)}
      </pre>
      <p class="consent-form-hash">
        {f.hash} <code id="consent-form-sha256">{hash}</code>
      </p>
    </>
  );
}

/** The print pages of the consent form. */
export function consentFormRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  // For the referral being written: the draft's person and receiving unit.
  app.get('/nytt-uppdrag/samtyckesblankett', async (c) => {
    if (userOf(c).role === 'admin') return forbidden(c, deps);
    const texts = c.get('texts');
    const { t } = texts;
    const draft = deps.drafts.get(c.get('session')!.idHash)?.values ?? {};
    const person = fieldValue(draft, 'name').trim();
    const home = party(deps.client, deps.client.unit);
    const receiving = party(deps.client, fieldValue(draft, 'to'));
    const from = c.req.query('fran') ?? fieldValue(draft, 'validFrom');
    const until = c.req.query('till') ?? fieldValue(draft, 'validUntil');
    if (!person || !home || !receiving) {
      return page(c, deps, {
        title: t.consentForm.title,
        active: 'refer',
        children: (
          <>
            <h1 class="heading-xl">{t.consentForm.title}</h1>
            <p class="body">{t.consentForm.draftMissing}</p>
            <p class="body">
              <a href="/nytt-uppdrag">{t.consentForm.toReferral}</a>
            </p>
          </>
        ),
      });
    }
    const input: ConsentFormInput = {
      person,
      home,
      receiving,
      validFrom: DATE.test(from) ? from : deps.now().toISOString().slice(0, 10),
      validUntil: DATE.test(until) ? until : null,
    };
    return page(c, deps, {
      title: t.consentForm.title,
      active: 'refer',
      children: <ConsentFormSheet texts={texts} input={input} back="/nytt-uppdrag/samtycke" validityForm />,
    });
  });

  // For a case: the referral's person, the attested consent's validity (`?samtycke=<id>` for another).
  app.get('/arenden/:id/samtyckesblankett', async (c) => {
    const found = await caseFor(c, deps);
    if (found instanceof Response) return found;
    const { data } = found;
    const texts = c.get('texts');
    const caseId = data.view.caseId;
    const chosen = c.req.query('samtycke');
    const consent = (chosen ? data.consents.find((x) => x.claims.id === chosen) : data.consents[0])?.claims;
    const s = data.view.state;
    const home = party(deps.client, s.home);
    const receiving = party(deps.client, s.receiving);
    if (!consent || !data.referral || !home || !receiving) {
      return page(c, deps, {
        title: texts.t.consentForm.title,
        status: 404,
        children: <p class="body">{texts.t.consentForm.noConsent}</p>,
      });
    }
    await logAccess(c, deps, 'case.consent-form', caseId);
    const input: ConsentFormInput = {
      person: data.referral.person.name,
      home,
      receiving,
      validFrom: consent.validFrom,
      validUntil: consent.validUntil,
    };
    return page(c, deps, {
      title: texts.t.consentForm.title,
      children: (
        <ConsentFormSheet
          texts={texts}
          input={input}
          back={`/arenden/${caseId}`}
          attested={consent.written?.documentSha256 ?? null}
        />
      ),
    });
  });

  return app;
}
