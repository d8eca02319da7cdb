/**
 * The rival-group check in the console, in a real browser (PROTOCOL.md §14.6 (5)): Göteborg's terms set
 * `rivalCheck`. Göteborg's coordinator keeps the unit's list on the page "Kända grupper och konflikter"
 * (an empty entry refused beside its fields); the uptake form shows what the list says about the
 * referral's group affiliation, refuses "Ingen konflikt" when the list shows one, and records the
 * conflict and why the case is accepted despite it; the case page shows the affiliation and the check.
 * Järva's referral form asks for the affiliation on the assessment page, required for Göteborg. axe-core
 * checks every page (WCAG 2.1 AA).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassphrase, type RunningConsole, startConsole } from '../../client-sdk/src/console/index.js';
import { AUDIENCE } from '../support/relay.js';
import {
  referInput,
  startWorkflow,
  type Workflow,
  type WorkflowUnit,
  worldWithMunicipalities,
} from '../support/workflow-world.js';
import { checkPage, expectProtected, HAVE_CHROMIUM, hasText, launchChromium } from './browser.js';

const PASS = 'en lång lösenfras för grupperna';
const G: WorkflowUnit = 'goteborg-nordost';
const J: WorkflowUnit = 'stockholm-jarva';

describe.skipIf(!HAVE_CHROMIUM)('the rival-group check in the console', { timeout: 600_000 }, () => {
  let w: Workflow;
  let browser: Browser;
  let dir: string;
  const consoles: RunningConsole[] = [];
  let greta: Page;
  let anna: Page;
  let caseId: string;

  async function consoleOf(unit: WorkflowUnit, users: [string, string][]): Promise<RunningConsole> {
    const device = w.world.units[unit];
    const running = await startConsole({
      device: {
        client: w.clients[unit],
        store: w.stores[unit].store,
        identity: { unit, key: device.key, hpkeKeys: device.hpke },
        agreement: w.world.agreement,
        name: device.name,
        relayUrl: w.url,
        audience: AUDIENCE,
      },
      databasePath: join(dir, `${unit}.sqlite`),
      port: 0,
      syncSeconds: 3600,
      now: () => w.relay.clock.date,
    });
    for (const [username, displayName] of users) {
      await running.db.addUser({
        username,
        displayName,
        role: 'coordinator',
        passHash: await hashPassphrase(PASS),
        now: w.relay.clock.date,
      });
    }
    consoles.push(running);
    return running;
  }

  async function login(running: RunningConsole, username: string): Promise<Page> {
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

  beforeAll(async () => {
    w = await startWorkflow('sqlite', { world: worldWithMunicipalities({ goteborg: { rivalCheck: true } }) });
    await w.syncAll();
    caseId = (
      await w.clients[J].refer({
        ...referInput(J, G),
        affiliation: {
          groups: ['Nätverk Norr'],
          assessedBy: { name: 'Anna Andersson', role: 'socialsekreterare' },
          assessedOn: '2025-02-24',
        },
      })
    ).caseId;
    await w.syncAll([J, G]);
    dir = mkdtempSync(join(tmpdir(), 'brygga-rivals-console-'));
    browser = await launchChromium();
    greta = await login(await consoleOf(G, [['greta', 'Greta Gren']]), 'greta');
    anna = await login(await consoleOf(J, [['anna', 'Anna Andersson']]), 'anna');
  });

  afterAll(async () => {
    await browser?.close();
    for (const c of consoles) await c.close();
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Göteborg keeps its list of known groups; an entry without its fields is refused beside them', async () => {
    const start = await greta.goto(`${consoles[0]!.url}/kanda-grupper`);
    expectProtected(start);
    await hasText(greta.getByRole('heading', { level: 1 }), 'Kända grupper och konflikter');
    await hasText(greta.locator('main'), 'Listan är tom.');
    await checkPage(greta, 'kanda-grupper-tom');
    await greta.getByRole('button', { name: 'Lägg till i listan' }).click();
    await hasText(greta.locator('.error-summary'), 'Fyll i grupperingens namn');
    await hasText(greta.locator('#kg-rivals-error'), 'Fyll i rivaliserande grupperingar');
    await checkPage(greta, 'kanda-grupper-fel');
    await greta.getByLabel('Grupperingens namn').fill('Syndikat Sextiotre');
    await greta.getByLabel('Kommun eller stadsdel där den finns').fill('Ale kommun');
    await greta.getByLabel('Rivaliserande grupperingar').fill('nätverk norr\nNätverk Väst');
    await greta.getByRole('button', { name: 'Lägg till i listan' }).click();
    await hasText(greta.locator('.banner'), 'Grupperingen har lagts till i listan.');
    await hasText(greta.locator('table'), 'Syndikat Sextiotre');
    await hasText(greta.locator('table'), 'nätverk norr, Nätverk Väst');
    await checkPage(greta, 'kanda-grupper');
    const kept = await w.clients[G].listKnownGroups();
    expect(kept.map((k) => [k.group, k.presentIn, k.rivals, k.addedBy])).toEqual([
      ['Syndikat Sextiotre', 'Ale kommun', ['nätverk norr', 'Nätverk Väst'], 'Greta Gren'],
    ]);
  });

  it('the uptake form shows the collision, refuses "Ingen konflikt", and records the conflict accepted despite it', async () => {
    await greta.goto(`${consoles[0]!.url}/arenden/${caseId}/beslut`);
    await greta.getByLabel('Ja, vi antar uppdraget').check();
    const fieldset = greta.locator('fieldset', { hasText: 'Kontroll mot rivaliserande grupperingar' });
    await hasText(
      fieldset,
      'Nätverk Norr: den rivaliserande grupperingen Syndikat Sextiotre finns i Ale kommun',
    );
    await checkPage(greta, 'beslut-rivaler');
    await greta.getByLabel('Ingen konflikt').check();
    await greta.getByRole('button', { name: 'Signera och skicka beslutet' }).click();
    await hasText(greta.locator('#rival-result-error'), 'Er lista över kända grupper visar en konflikt');
    await checkPage(greta, 'beslut-rivaler-fel');
    expect((await w.clients[G].getCase(caseId)).state.status).toBe('referred');
    await greta.getByLabel('Ja, vi antar uppdraget').check();
    await greta.getByLabel('Konflikt', { exact: true }).check();
    await greta
      .getByLabel('Varför antar ni uppdraget trots konflikten?')
      .fill('Placeras i en annan stadsdel');
    await greta.getByRole('button', { name: 'Signera och skicka beslutet' }).click();
    await hasText(greta.locator('.banner'), 'Beslut om mottagande');
    const records = greta.locator('#case-rivals');
    await hasText(records, 'Nätverk Norr');
    await hasText(records, 'Konflikt antaget trots konflikten');
    await hasText(records, 'Placeras i en annan stadsdel');
    await checkPage(greta, 'arende-rivaler');
    expect((await w.clients[G].getCase(caseId)).state.rivalCheck).toMatchObject({
      result: 'conflict',
      decision: 'accepted-despite',
      checkedBy: { name: 'Greta Gren', role: 'avhopparsamordnare' },
    });
  });

  it("Järva's case page shows the result, and nothing of Göteborg's list", async () => {
    await w.syncAll([G, J]);
    await anna.goto(`${consoles[1]!.url}/arenden/${caseId}`);
    const records = anna.locator('#case-rivals');
    await hasText(records, 'Rivaliserande grupperingar');
    await hasText(records, 'Konflikt antaget trots konflikten');
    expect(await anna.locator('main').textContent()).not.toContain('Syndikat');
    await checkPage(anna, 'arende-rivaler-hem');
  });

  it("Järva's referral form asks for the affiliation on the assessment page", async () => {
    await anna.goto(`${consoles[1]!.url}/nytt-uppdrag`);
    await anna.locator('input[name="to"][value="goteborg-nordost"]').check();
    await anna.locator('input[name="category"][value="avhoppare"]').check();
    await anna.locator('input[name="threatLevel"][value="low"]').check();
    await anna.getByRole('button', { name: 'Fortsätt' }).click();
    await anna.getByLabel('Personens namn').fill('Anonym Avhoppare');
    await anna.getByRole('button', { name: 'Fortsätt' }).click();
    await anna.locator('input[name="svc"][value="krisstod"]').check();
    await anna.getByRole('button', { name: 'Fortsätt' }).click();
    for (const p of ['p1', 'p2']) {
      await anna.locator(`#${p}-date`).fill('2025-02-26');
      await anna.locator(`#${p}-officer`).fill('Polis');
      await anna.locator(`#${p}-role`).fill('avhopparsamordnare');
      await anna.locator(`#${p}-reference`).fill('POL-1');
      await anna.locator(`#${p}-outcome`).fill('Inga invändningar.');
    }
    await anna.getByRole('button', { name: 'Fortsätt' }).click();
    const fieldset = anna.locator('fieldset', { hasText: 'Personens grupptillhörighet' });
    await hasText(fieldset, 'inte placeras i samma kommun eller i grannkommuner');
    await anna.getByRole('button', { name: 'Fortsätt' }).click();
    await hasText(anna.locator('#aff-assessedBy-error'), 'Fyll i vem bedömde tillhörigheten');
    await checkPage(anna, 'uppdrag-bedomning-tillhorighet');
  });
});
