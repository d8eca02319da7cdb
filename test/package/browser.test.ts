/**
 * The SDK in a browser (README, "In a browser"): the esbuild bundle (client-sdk/scripts/bundle-browser.mjs)
 * in headless Chromium, on a page served from its own 127.0.0.1 origin: a packet sealed and opened in the
 * page, and a referral end to end against a real relay on another origin (allowed by
 * BRYGGA_CORS_ORIGINS), each unit's store in sql.js.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript module without declarations.
import { bundleBrowser } from '../../client-sdk/scripts/bundle-browser.mjs';
import { HAVE_CHROMIUM, launchChromium } from '../console/browser.js';
import { agreementTerms, party, periodFromThisYear } from '../support/agreement-terms.js';
import { ROOT } from '../support/packed-sdk.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';

const AUDIENCE = 'https://brygga.browser.test';
const SQL_JS = join(ROOT, 'node_modules', 'sql.js', 'dist');

const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

const TERMS = agreementTerms([party('stockholm-jarva', 'x'), party('malmo', 'x')], {
  period: periodFromThisYear(),
  municipalities: [
    { id: 'stockholm', name: 'Stockholms stad', quota: { outgoing: 2, incoming: 2 } },
    { id: 'malmo', name: 'Malmö stad', quota: { outgoing: 2, incoming: 2 } },
  ],
});

const REFERRAL = {
  to: 'malmo',
  category: 'avhoppare',
  threatLevel: 'low',
  person: {
    name: 'Webbläsarens Avhoppare',
    personalIdentityNumber: '19990101-1234',
    dateOfBirth: '1999-01-01',
  },
  requestedServices: ['krisstod'],
  policeConsultations: [
    {
      municipality: 'stockholm',
      date: day(-6),
      officer: { name: 'Kommissarie Ek', role: 'kommissarie' },
      reference: 'P-1',
      outcome: 'Inga hinder.',
    },
    {
      municipality: 'malmo',
      date: day(-4),
      officer: { name: 'Kommissarie Al', role: 'kommissarie' },
      reference: 'P-2',
      outcome: 'Inga hinder.',
    },
  ],
  policeApprovals: [],
  targetGroup: {
    criminalEnvironment: true,
    threat: 'concrete',
    motivated: true,
    notSuspectedOfSeriousCrime: true,
    assessedOn: day(-7),
    assessedBy: { name: 'Handläggare', role: 'socialsekreterare' },
    assessment: 'Motiverad.',
  },
  childrenCheck: { responsibleForChildren: false, checkedOn: day(-7) },
  temporaryHousing: { arrangedByHome: true, from: day(3), address: 'Skyddad adress' },
  contacts: [
    { unit: 'stockholm-jarva', name: 'Handläggare', role: 'socialsekreterare', phone: null, email: null },
  ],
  consent: {
    form: 'written',
    written: { documentSha256: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', signedOn: day(-2) },
    validFrom: day(-2),
    validUntil: day(300),
  },
};

/** The page's files: its HTML, its module, the SDK bundle, sql.js and its WebAssembly. */
function pageServer(bundle: Uint8Array): Server {
  const files: Record<string, [string, Uint8Array | string]> = {
    '/': [
      'text/html; charset=utf-8',
      '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Ärendesystem</title>' +
        '<script src="/sql-wasm.js"></script><script type="module" src="/page.js"></script></head>' +
        '<body><main><h1>Ärendesystem</h1></main></body></html>',
    ],
    '/page.js': ['text/javascript', readFileSync(join(import.meta.dirname, 'browser-page.js'))],
    '/brygga-sdk.js': ['text/javascript', bundle],
    '/sql-wasm.js': ['text/javascript', readFileSync(join(SQL_JS, 'sql-wasm.js'))],
    '/sql-wasm.wasm': ['application/wasm', readFileSync(join(SQL_JS, 'sql-wasm.wasm'))],
    '/favicon.ico': ['image/x-icon', ''],
  };
  return createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://page').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
}

describe.skipIf(!HAVE_CHROMIUM)('the SDK in a browser', { timeout: 300_000 }, () => {
  let dir: string;
  let bundle: Uint8Array;
  let server: Server;
  let pageOrigin: string;
  let relay: RelayProcess;
  let browser: Browser;
  let page: Page;
  const adminToken = randomBytes(32).toString('base64url');
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brygga-browser-'));
    bundle = (await bundleBrowser(join(dir, 'brygga-sdk.js'))) as Uint8Array;
    server = pageServer(bundle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    relay = await spawnRelay({
      BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
      BRYGGA_ADMIN_TOKEN: adminToken,
      BRYGGA_PUBLIC_URL: AUDIENCE,
      BRYGGA_CORS_ORIGINS: pageOrigin,
    });
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => (window as unknown as { pageReady?: boolean }).pageReady === true);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    await new Promise((resolve) => server?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('bundles without node: imports or better-sqlite3', () => {
    const gzipped = gzipSync(bundle, { level: 9 }).length;
    console.log(`browser bundle: ${bundle.length} bytes minified, ${gzipped} bytes gzipped`);
    const text = new TextDecoder().decode(bundle);
    expect(text).not.toMatch(/from\s*["']node:|better-sqlite3/);
    expect(bundle.length).toBeGreaterThan(0);
  });

  it('seals a packet and opens it in the page', async () => {
    const result = await page.evaluate(
      ([terms, text]) =>
        (window as unknown as { sealAndOpen: (t: unknown, s: string) => Promise<unknown> }).sealAndOpen(
          terms,
          text,
        ),
      [TERMS, 'Hej från webbläsaren'] as const,
    );
    expect(result).toMatchObject({ body: { text: 'Hej från webbläsaren' }, from: 'stockholm-jarva' });
    expect(consoleErrors).toEqual([]);
  });

  it('runs a referral end to end against the relay on another origin', async () => {
    expect(new URL(relay.url).origin).not.toBe(pageOrigin);
    const result = await page.evaluate(
      (args) => (window as unknown as { referral: (a: unknown) => Promise<unknown> }).referral(args),
      { relayUrl: relay.url, audience: AUDIENCE, adminToken, terms: TERMS, referral: REFERRAL },
    );
    expect(result).toMatchObject({
      type: 'referral',
      person: 'Webbläsarens Avhoppare',
      from: 'stockholm-jarva',
      receipts: 1,
    });
    expect(consoleErrors).toEqual([]);
  });

  it('is refused by the browser when the relay does not list the page origin', async () => {
    const other = await spawnRelay({
      BRYGGA_DATABASE: join(dir, 'other.sqlite'),
      BRYGGA_ADMIN_TOKEN: adminToken,
      BRYGGA_PUBLIC_URL: AUDIENCE,
    });
    try {
      const outcome = await page.evaluate(async (url) => {
        try {
          await fetch(`${url}/v1/health`);
          return 'read';
        } catch (e) {
          return `refused: ${(e as Error).name}`;
        }
      }, other.url);
      expect(outcome).toBe('refused: TypeError');
    } finally {
      await other.stop();
    }
  });
});
