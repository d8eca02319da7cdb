/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The joint evaluation report as one printable HTML document (PROTOCOL.md §21.3): the console serves it
 * (`/rapporter/utvardering/utskrift`, its stylesheet a file of the console's own, as the CSP requires),
 * and `brygga report evaluation --out report.html` writes it with the stylesheet inside, so the file
 * prints, or becomes a PDF, the same anywhere. A4, black on white, tables that do not break across pages.
 */
import { readFileSync } from 'node:fs';
import type { EvaluationReport } from '../index.js';
import { type Lang, textsFor } from './_i18n/index.js';
import { EvaluationBody } from './_reports/evaluation.js';

/** The print stylesheet of the report. */
export function reportStylesheet(): string {
  return readFileSync(new URL('./static/report.css', import.meta.url), 'utf8');
}

/** How to render the report. */
export interface EvaluationHtmlOptions {
  /** Swedish (default) or English. */
  lang?: Lang;
  /** When it was compiled (shown in the report). */
  generatedAt: Date;
  /** The stylesheet inside the document (a file), or linked from the console (`/static/report.css`). */
  stylesheet: 'inline' | 'link';
  /** A device's name, by key id, when the directory knows it. */
  deviceName?: (kid: string) => string | undefined;
}

/**
 * The report as a complete HTML document.
 *
 * @example writeFileSync('report.html', renderEvaluationReport(await client.evaluationReport(), { generatedAt: new Date(), stylesheet: 'inline' }));
 */
export function renderEvaluationReport(report: EvaluationReport, options: EvaluationHtmlOptions): string {
  const texts = textsFor(options.lang ?? 'sv');
  const e = texts.t.reports.evaluation;
  const html = (
    <html lang={texts.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${e.documentTitle}: ${report.agreement.title}`}</title>
        {options.stylesheet === 'inline' ? (
          // The stylesheet is the console's own file, as it is; CSS is raw text inside <style>.
          <style dangerouslySetInnerHTML={{ __html: reportStylesheet() }} />
        ) : (
          <link rel="stylesheet" href="/static/report.css" />
        )}
      </head>
      <body class="report">
        <main>
          <EvaluationBody
            texts={texts}
            report={report}
            generatedAt={options.generatedAt}
            {...(options.deviceName ? { deviceName: options.deviceName } : {})}
          />
        </main>
      </body>
    </html>
  );
  return `<!doctype html>${html}`;
}
