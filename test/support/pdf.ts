/**
 * A page printed to PDF by Debian's Chromium (`page.pdf()` through playwright-core, as the console's
 * browser tests drive it) and read back with poppler's `pdftotext -layout`, so a test checks what a
 * printed report says, not what its HTML says.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, launchChromium } from '../console/browser.js';

/** Whether PDFs can be made and read here (Chromium and poppler-utils installed). */
export const HAVE_PDF = HAVE_CHROMIUM && existsSync('/usr/bin/pdftotext');

/** The text of a PDF, as `pdftotext -layout` reads it. */
export function pdfToText(pdf: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-pdf-'));
  try {
    const file = join(dir, 'report.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Print `page` as it stands to an A4 PDF, with its print stylesheet, and read its text. */
export async function printedText(page: Page): Promise<{ pdf: Uint8Array; text: string }> {
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ format: 'A4', printBackground: false, preferCSSPageSize: true });
  return { pdf, text: pdfToText(pdf) };
}

/** Print a whole HTML document (its styles inside it) to PDF and read its text. */
export async function printHtml(html: string): Promise<{ pdf: Uint8Array; text: string }> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return await printedText(page);
  } finally {
    await browser.close();
  }
}

/** `text` with every run of white space (non-breaking ones too) as one space. */
export function squeeze(text: string): string {
  return text.replace(/[\s\u00a0\u202f]+/g, ' ');
}
