/**
 * The console's reports in a real browser (PROTOCOL.md §20–22): Järva's console, served in this process
 * on a simulated clock against a real relay, after a spring of cases between Stockholm, Göteborg and
 * Malmö. The overview shows the reminders due (follow-ups, a child notice to answer, a decision overdue
 * at Malmö's end); the statistics page shows a month and a year with the chart drawn on the server
 * beside its table, and downloads the same figures as CSV; the deviation register lists the unit's
 * deviations and exports them without the cases; the unit lead signs and sends the unit's figures, and
 * once the others' have arrived the joint evaluation report is complete, and its printable version
 * prints to a PDF whose text holds its figures. axe-core checks every page; coordinators see the reports
 * but cannot sign.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassphrase, type RunningConsole, startConsole } from '../../client-sdk/src/console/index.js';
import { G, J, M, setDay, syncYear, yearWorld } from '../reports/year-world.js';
import { HAVE_PDF, printedText, squeeze } from '../support/pdf.js';
import { agreePlan } from '../support/plan-agreement.js';
import { AUDIENCE } from '../support/relay.js';
import { referInput, startWorkflow, type Workflow } from '../support/workflow-world.js';
import { checkPage, expectProtected, HAVE_CHROMIUM, hasText, launchChromium } from './browser.js';

const PASS = 'en lång lösenfras för rapporterna';

describe.skipIf(!HAVE_CHROMIUM)('the console’s reports in a real browser', { timeout: 600_000 }, () => {
  let w: Workflow;
  let running: RunningConsole;
  let browser: Browser;
  let dir: string;
  let sara: Page;
  let anna: Page;
  const cases: string[] = [];

  async function login(username: string): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1200, height: 900 },
      locale: 'sv-SE',
      timezoneId: 'Europe/Stockholm',
    });
    const page = await context.newPage();
    await page.goto(`${running.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenfras').fill(PASS);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.locator('h1', { hasText: 'Översikt' }).waitFor();
    return page;
  }

  /** The rows of the table with `caption`, each its cells' text joined by spaces (white space made single). */
  async function rows(page: Page, caption: string): Promise<string[]> {
    const table = page.locator('table', { has: page.locator('caption', { hasText: caption }) }).first();
    return table.evaluate((t) =>
      Array.from((t as HTMLTableElement).tBodies[0]!.rows).map((r) =>
        Array.from(r.cells)
          .map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim())
          .join(' '),
      ),
    );
  }

  beforeAll(async () => {
    w = await startWorkflow('sqlite', { world: yearWorld() });
    const c = w.clients;
    setDay(w, '2025-03-02');
    await syncYear(w);
    for (let i = 0; i < 6; i++) cases.push((await c[J].refer(referInput(J, M))).caseId);
    const toGoteborg = (await c[J].refer(referInput(J, G))).caseId;
    await syncYear(w);
    setDay(w, '2025-03-04');
    const contact = { unit: M, name: 'Mona Malmberg', role: 'avhopparsamordnare', phone: null, email: null };
    for (const id of cases) await c[M].decideUptake(id, { decision: 'accept', contacts: [contact] });
    await c[G].decideUptake(toGoteborg, { decision: 'decline', reason: 'no-capacity' });
    await syncYear(w);
    setDay(w, '2025-03-06');
    for (const id of cases) {
      await c[J].sendPlan(id, {
        decidedOn: '2025-03-06',
        services: [{ code: 'krisstod', description: null, from: '2025-03-06', to: null }],
        note: null,
        legalBasis: null,
      });
    }
    for (const id of cases) await agreePlan(c[M], id);
    await c[J].sync();
    await c[J].recordDeviation(cases[0]!, {
      date: '2025-03-06',
      reason: 'acute-time-pressure',
      rule: 'police-consultation',
      guideline: 'Riktlinje 4.2: samråd före flytt',
      description: 'Flytten skedde innan samrådsprotokollet var klart.',
      decidedBy: { name: 'Sara Svensson', role: 'enhetschef' },
      legalBasis: null,
    });
    await syncYear(w);
    setDay(w, '2025-04-20');
    await c[M].sendChildNotice(cases[1]!, {
      date: '2025-04-20',
      description: 'Ett barn har framkommit i ärendet.',
      proposedResponsibility: 'home',
      measuresTaken: null,
      answers: null,
      settlement: null,
      legalBasis: null,
    });
    // Malmö refers one to Göteborg, which has not decided a month later.
    await c[M].refer(referInput(M, G));
    await syncYear(w);
    setDay(w, '2025-05-20');
    await syncYear(w);

    dir = mkdtempSync(join(tmpdir(), 'brygga-reports-console-'));
    const device = w.world.units[J];
    running = await startConsole({
      device: {
        client: c[J],
        store: w.stores[J].store,
        identity: { unit: J, key: device.key, hpkeKeys: device.hpke },
        agreement: w.world.agreement,
        name: device.name,
        relayUrl: w.url,
        audience: AUDIENCE,
      },
      databasePath: join(dir, 'console.sqlite'),
      port: 0,
      syncSeconds: 3600,
      now: () => w.relay.clock.date,
    });
    const now = w.relay.clock.date;
    for (const [username, displayName, role] of [
      ['sara', 'Sara Svensson', 'lead'],
      ['anna', 'Anna Andersson', 'coordinator'],
    ] as const) {
      await running.db.addUser({ username, displayName, role, passHash: await hashPassphrase(PASS), now });
    }
    browser = await launchChromium();
    sara = await login('sara');
    anna = await login('anna');
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the overview shows what is due: follow-ups, a child notice to answer', async () => {
    await sara.goto(`${running.url}/`);
    const todo = sara.locator('#overview-todo');
    await hasText(todo, 'Uppföljningar att göra');
    await hasText(todo, 'uppföljning senast 6 april 2025; hemkommunen leder uppföljningen');
    await hasText(todo, 'Brådskande barnanmälningar');
    // A month past the answer limit: overdue, and the responsibility is to be settled at once (§14.7).
    await hasText(todo, 'försenad: skulle ha besvarats 21 april 2025');
    expect(await sara.locator('#uppfoljningar + ul > li').count()).toBe(6);
    await checkPage(sara, 'rapporter-oversikt-paminnelser');
  });

  it('statistics for a month: the chart drawn on the server beside its table, small counts suppressed', async () => {
    const res = await sara.goto(`${running.url}/rapporter?period=2025-03`);
    expectProtected(res);
    await hasText(sara.locator('h2'), 'Statistik för mars 2025');
    expect(await rows(sara, 'Uppdrag som enheten har skickat')).toEqual([
      'Göteborgs stad <5',
      'Malmö stad x',
      'Totalt 7',
    ]);
    expect(await rows(sara, 'Pågående ärenden')).toEqual([
      'Som hemkommun 6',
      'Som mottagande kommun 0',
      'Totalt 6',
    ]);
    // The chart: an image with a title and a description, and the same figures in the table beside it.
    const chart = sara.locator('svg[role="img"]');
    expect(await chart.getAttribute('aria-labelledby')).toBe('referrals-chart-title referrals-chart-desc');
    await hasText(sara.locator('#referrals-chart-title'), 'Uppdrag per månad 2025');
    const beside = await rows(sara, 'Uppdrag per månad 2025');
    expect(beside).toContain('mars 2025 7 0');
    expect(beside).toContain('april 2025 0 0');
    // March's seven referrals are a bar; the months with none have no bar.
    expect(await sara.locator('svg[role="img"] rect.chart__bar--0').count()).toBe(1);
    await checkPage(sara, 'rapporter-statistik-manad');

    // The same figures as CSV.
    const csv = await sara.request.get(`${running.url}/rapporter/statistik.csv?period=2025-03`);
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
    const body = await csv.text();
    expect(body).toContain('stockholm-jarva,2025-03,referrals-sent,total,7\r\n');
    expect(body).toContain('stockholm-jarva,2025-03,referrals-sent,goteborg,<5\r\n');
    for (const id of cases) expect(body).not.toContain(id);
  });

  it('statistics for the year, and in English, and without script', async () => {
    await sara.goto(`${running.url}/rapporter`);
    await sara.getByLabel('Vilken period?').selectOption('2025');
    await sara.getByRole('button', { name: 'Visa statistiken' }).click();
    await hasText(sara.locator('h2'), 'Statistik för Hela året 2025');
    await checkPage(sara, 'rapporter-statistik-ar');
    await sara.getByRole('button', { name: 'In English' }).click();
    await hasText(sara.locator('h2'), 'Statistics for The whole of 2025');
    await checkPage(sara, 'rapporter-statistik-engelska');
    await sara.getByRole('button', { name: 'På svenska' }).click();

    const context = await browser.newContext({ javaScriptEnabled: false });
    const plain = await context.newPage();
    await plain.goto(`${running.url}/logga-in`);
    await plain.getByLabel('Användarnamn').fill('anna');
    await plain.getByLabel('Lösenfras').fill(PASS);
    await plain.getByRole('button', { name: 'Logga in' }).click();
    await plain.goto(`${running.url}/rapporter?period=2025-03`);
    expect(await plain.locator('svg[role="img"] rect.chart__bar').count()).toBeGreaterThan(0);
    await context.close();
  });

  it('the deviation register lists the unit’s deviations and exports them without the cases', async () => {
    await sara.goto(`${running.url}/rapporter/avsteg`);
    const [entry] = await rows(sara, 'Enhetens avsteg');
    expect(entry).toMatch(
      /^1 6 mars 2025 Samråd med polisen i båda kommunerna: Riktlinje 4\.2: samråd före flytt Akut tidsbrist Sara Svensson, enhetschef Ärende \S+$/,
    );
    await checkPage(sara, 'rapporter-avsteg');
    const csv = await (await sara.request.get(`${running.url}/rapporter/avsteg.csv`)).text();
    expect(csv).toBe(
      'number,date,rule,guideline,reason,decided_by,role\r\n1,2025-03-06,police-consultation,Riktlinje 4.2: samråd före flytt,acute-time-pressure,Sara Svensson,enhetschef\r\n',
    );
    const json = await (await sara.request.get(`${running.url}/rapporter/avsteg.json`)).json();
    expect(json).toMatchObject({
      kind: 'brygga.deviation-register',
      unit: J,
      entries: [{ number: 1, rule: 'police-consultation', guideline: 'Riktlinje 4.2: samråd före flytt' }],
    });
    expect(JSON.stringify(json)).not.toContain(cases[0]!);
  });

  it('the unit lead signs the figures; with every party’s, the joint report is complete and prints', async () => {
    // A coordinator reads the report but may not sign.
    await anna.goto(`${running.url}/rapporter/utvardering`);
    await hasText(anna.locator('main'), 'Rapporten är inte komplett än.');
    expect(await anna.getByRole('button', { name: 'Signera och skicka enhetens siffror' }).count()).toBe(0);

    await sara.goto(`${running.url}/rapporter/utvardering`);
    await hasText(
      sara.locator('main'),
      'Siffror saknas från: Järva stadsdelsförvaltning, Social resursförvaltning Nordost, Konsultationsteamet.',
    );
    await checkPage(sara, 'rapporter-utvardering-ofullstandig');
    await sara.getByRole('button', { name: 'Signera och skicka enhetens siffror' }).click();
    await hasText(sara.locator('.banner'), 'Enhetens siffror är signerade och skickade till alla parter.');
    await hasText(
      sara.locator('main'),
      'Siffror saknas från: Social resursförvaltning Nordost, Konsultationsteamet.',
    );

    await w.clients[G].sendFigures();
    await w.clients[M].sendFigures();
    await w.clients[J].sync();
    await sara.goto(`${running.url}/rapporter/utvardering`);
    await hasText(
      sara.locator('main'),
      'Alla parters siffror finns med, signaturerna stämmer och siffrorna stämmer med varandra.',
    );
    expect(await rows(sara, 'Lämnade och mottagna ärenden per kommun')).toEqual([
      'Stockholms stad 12 / 12 6 0 +6',
      'Göteborgs stad 12 / 12 0 0 0',
      'Malmö stad 12 / 12 0 6 −6',
    ]);
    await checkPage(sara, 'rapporter-utvardering');

    const res = await sara.goto(`${running.url}/rapporter/utvardering/utskrift`);
    expectProtected(res);
    await checkPage(sara, 'rapporter-utvardering-utskrift');
    if (HAVE_PDF) {
      const { text } = await printedText(sara);
      const printed = squeeze(text);
      expect(printed).toContain('Gemensam utvärderingsrapport');
      expect(printed).toContain('Stockholms stad 12 / 12 6 0 +6');
      expect(printed).toContain('Malmö stad 12 / 12 0 6 −6');
      expect(printed).toContain('Göteborgs stad 12 / 12 0 0 0');
    }
    await sara.emulateMedia({ media: 'screen' });
    const forbidden = await anna.request.post(`${running.url}/rapporter/utvardering`, {
      form: { _csrf: 'x' },
    });
    expect(forbidden.status()).toBe(403);
  });
});
