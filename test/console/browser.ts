/**
 * The console's tests in a real browser: Debian's Chromium driven by playwright-core (never a browser
 * Playwright downloads itself), axe-core on every page, and a screenshot of every page written to
 * `test-results/console/` (gitignored).
 *
 * axe-core is injected through the DevTools protocol (`page.evaluate` of node_modules/axe-core/axe.min.js):
 * `page.addScriptTag` adds an inline script, which the console's Content-Security-Policy refuses, as it
 * should; the tests check that refusal too.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Browser, chromium, type Locator, type Page, type Response } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests can run here. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

const ROOT = join(import.meta.dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test-results', 'console');
const AXE = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

/** The Content-Security-Policy every answer must carry. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Chromium, headless, with a fresh profile (Playwright's `launch` makes a new temporary user-data
 * directory each time), nothing in the background, and `rebind.test` resolving to 127.0.0.1 so a
 * DNS-rebinding visit can be made for real.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP rebind.test 127.0.0.1',
    ],
  });
}

/** One page's axe-core result. */
export interface AxeResult {
  page: string;
  url: string;
  violations: { id: string; impact: string | null; nodes: number; help: string }[];
  passes: number;
}

/** Every page checked in this run, for the summary written at the end. */
export const axeResults: AxeResult[] = [];
let shot = 0;

/**
 * Check the page as it stands: axe-core with the WCAG 2.1 A and AA rules and best practices (no serious
 * or critical violation allowed), and a full-page screenshot named after it.
 */
export async function checkPage(page: Page, name: string): Promise<AxeResult> {
  // Each run starts with an empty folder, so the screenshots are this run's pages, numbered in order.
  const dir = artifactsOfThisFile();
  if (shot === 0) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<AxeRaw> } }).axe;
    interface AxeRaw {
      violations: { id: string; impact: string | null; nodes: unknown[]; help: string }[];
      passes: unknown[];
    }
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return {
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.length,
        help: v.help,
      })),
      passes: r.passes.length,
    };
  });
  const entry: AxeResult = { page: name, url: new URL(page.url()).pathname, ...result };
  axeResults.push(entry);
  shot++;
  await page.screenshot({
    path: join(dir, `${String(shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `axe-core on ${name} (${entry.url})`).toEqual([]);
  return entry;
}

/** Write the axe-core results of the run (test-results/console/<test file>/axe.json). */
export function writeAxeSummary(): void {
  const dir = artifactsOfThisFile();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'axe.json'), `${JSON.stringify(axeResults, null, 2)}\n`);
}

/**
 * The artifacts folder of the test file running (test-results/console/<name>/): the browser test files
 * run in parallel, and one must not empty the other's folder.
 */
function artifactsOfThisFile(): string {
  const file = expect.getState().testPath;
  return join(ARTIFACTS, file ? basename(file).replace(/\.test\.ts$/, '') : 'run');
}

/** Check the headers every console answer with personal data carries. */
export function expectProtected(response: Response | null): void {
  expect(response).not.toBeNull();
  const h = response!.headers();
  expect(h['content-security-policy']).toBe(CSP);
  expect(h['cache-control']).toBe('no-store');
  expect(h['x-frame-options']).toBe('DENY');
  expect(h['x-content-type-options']).toBe('nosniff');
}

/** All the text of what `locator` matches, whitespace (non-breaking spaces too) made single spaces. */
export async function textOf(locator: Locator): Promise<string> {
  return (await locator.allTextContents()).join(' ').replace(/\s+/g, ' ');
}

const WAIT = { timeout: 20_000, interval: 250 };

/** Wait until the text of `locator` contains `text`. */
export async function hasText(locator: Locator, text: string, timeout = WAIT.timeout): Promise<void> {
  await expect.poll(() => textOf(locator), { ...WAIT, timeout }).toContain(text.replace(/\s+/g, ' '));
}

/** Wait until the text of `locator` is `text`. */
export async function isText(locator: Locator, text: string): Promise<void> {
  await expect.poll(async () => (await textOf(locator)).trim(), WAIT).toBe(text);
}

/** Wait until `locator` has the attribute `name` set to `value`. */
export async function hasAttr(locator: Locator, name: string, value: string): Promise<void> {
  await expect.poll(() => locator.getAttribute(name), WAIT).toBe(value);
}

/** Wait until `locator` matches `count` elements. */
export async function hasCount(locator: Locator, count: number): Promise<void> {
  await expect.poll(() => locator.count(), WAIT).toBe(count);
}

/** Wait until the field `locator` holds `value`. */
export async function hasValue(locator: Locator, value: string): Promise<void> {
  await expect.poll(() => locator.inputValue(), WAIT).toBe(value);
}

/**
 * A screenshot of the top of the page for the README (`test-results/console/docs/<name>.png`; the
 * README's copies under docs/ are these, quantised with pngquant).
 */
export async function docShot(page: Page, name: string, height = 760): Promise<void> {
  mkdirSync(join(ARTIFACTS, 'docs'), { recursive: true });
  const width = page.viewportSize()?.width ?? 1100;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: join(ARTIFACTS, 'docs', `${name}.png`),
    clip: { x: 0, y: 0, width, height },
  });
}
