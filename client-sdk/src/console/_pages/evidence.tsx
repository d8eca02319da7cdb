/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Verifying an evidence bundle (PROTOCOL.md §17) against the agreement this device pins: every
 * signature, the case chain, the consents and receipts, offline (the relay is not asked). The bundle
 * may come from either unit; it is read in the console and not kept.
 */
import { Hono } from 'hono';
import { BryggaClient, type EvidenceReport } from '../../index.js';
import { unitName } from '../_cases.js';
import type { ConsoleDeps, ConsoleEnv, Ctx } from '../_context.js';
import { userOf } from '../_context.js';
import { forbidden, logAccess, page } from '../_page.js';
import {
  Banner,
  Button,
  ErrorSummary,
  type FieldError,
  PostForm,
  SummaryList,
  W,
  Warning,
} from '../_views/components.js';

function EvidencePage(props: {
  c: Ctx;
  deps: ConsoleDeps;
  errors: FieldError[];
  report?: EvidenceReport;
  invalid?: string;
}) {
  const { c, deps, report } = props;
  const texts = c.get('texts');
  const { t } = texts;
  const fileError = props.errors.find((e) => e.field === 'bundle');
  return (
    <div class="grid-wide">
      <ErrorSummary title={t.errorSummaryTitle} errors={props.errors} />
      <h1 class="heading-l">{t.evidence.title}</h1>
      <p class="body lead">{t.evidence.lead}</p>
      {report ? (
        <section aria-labelledby="resultat" data-result="valid">
          <Banner>{t.evidence.valid}</Banner>
          <h2 class="visually-hidden" id="resultat">
            {t.evidence.valid}
          </h2>
          <SummaryList
            rows={[
              [t.evidence.caseLabel, <code class="code">{report.caseId}</code>],
              [t.case.home, <W>{unitName(deps.client, report.home)}</W>],
              [t.case.receiving, <W>{unitName(deps.client, report.receiving)}</W>],
              [t.case.status, t.status[report.state.status]],
              [t.evidence.packets, String(report.packets.length)],
              [t.evidence.exportedBy, <W>{unitName(deps.client, report.exportedBy.unit)}</W>],
              [t.evidence.exportedAt, texts.dateTime(report.exportedAt)],
            ]}
          />
        </section>
      ) : null}
      {props.invalid ? (
        <section data-result="invalid">
          <Warning label={t.errorPrefix}>
            {t.evidence.invalid} {props.invalid}
          </Warning>
        </section>
      ) : null}
      <PostForm action="/bevis" csrf={c.get('csrf')} multipart>
        <div class={`form-group${fileError ? ' form-group--error' : ''}`}>
          <label class="label" for="bundle">
            {t.evidence.file}
          </label>
          {fileError ? (
            <p class="error-message" id="bundle-error">
              <span class="visually-hidden">{t.errorPrefix} </span>
              {fileError.message}
            </p>
          ) : null}
          <input
            class="file-upload"
            id="bundle"
            name="bundle"
            type="file"
            accept="application/json,.json"
            aria-describedby={fileError ? 'bundle-error' : undefined}
          />
        </div>
        <Button>{t.evidence.submit}</Button>
      </PostForm>
    </div>
  );
}

/** The evidence verification page. */
export function evidenceRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.get('/bevis', (c) => {
    if (userOf(c).role === 'admin') return forbidden(c, deps);
    return page(c, deps, {
      title: c.get('texts').t.evidence.title,
      active: 'evidence',
      children: <EvidencePage c={c} deps={deps} errors={[]} />,
    });
  });

  app.post('/bevis', async (c) => {
    if (userOf(c).role === 'admin') return forbidden(c, deps);
    const texts = c.get('texts');
    const { t } = texts;
    const file = (await c.req.parseBody()).bundle;
    const render = (o: { errors?: FieldError[]; report?: EvidenceReport; invalid?: string }, status = 200) =>
      page(c, deps, {
        title: t.evidence.title,
        active: 'evidence',
        status,
        children: (
          <EvidencePage c={c} deps={deps} errors={o.errors ?? []} report={o.report} invalid={o.invalid} />
        ),
      });
    if (!(file instanceof File) || file.size === 0)
      return render({ errors: [{ field: 'bundle', message: t.evidence.fileMissing }] }, 422);
    let bundle: unknown;
    try {
      bundle = JSON.parse(await file.text());
    } catch {
      return render({ errors: [{ field: 'bundle', message: t.evidence.notJson }] }, 422);
    }
    await logAccess(c, deps, 'evidence.verify');
    try {
      const report = BryggaClient.verifyEvidence(bundle, deps.agreement);
      return render({ report });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return render({ invalid: texts.error(typeof code === 'string' ? code : 'ERR_EVIDENCE_INVALID') }, 422);
    }
  });

  return app;
}
