/**
 * bin/brygga.js runs the compiled dist/ only while it was built from the sources as they are (the stamp
 * of client-sdk/bin/sources.js); an edited, added, removed or renamed source sends it to the sources
 * through tsx, and the relay's bin/build-if-stale.js to a rebuild; an edited test does not. An installed
 * package (no src/) runs dist/.
 * Checked on a small package of its own: a copy of bin/, a dist/ and a src/ whose `main` each say which
 * ran.
 */
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { newestSource } from '../../client-sdk/bin/sources.js';
import { upToDate } from '../../server/bin/build-if-stale.js';

const ROOT = join(import.meta.dirname, '..', '..');
const top = mkdtempSync(join(tmpdir(), 'brygga-stamp-'));
let pkg: string;
let round = 0;

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/** Stamp dist/ as the build does (scripts/finish-build.mjs). */
function stamp(): void {
  writeFileSync(join(pkg, 'dist', 'source-stamp.json'), JSON.stringify(newestSource(join(pkg, 'src'))));
}

/** Which `main` bin/brygga.js ran: "dist" or "src". */
function ran(): string {
  const run = spawnSync(process.execPath, [join(pkg, 'bin', 'brygga.js')], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.trim();
}

/** Set a file's modification time. */
function age(path: string, when: Date): void {
  utimesSync(path, when, when);
}

beforeEach(() => {
  pkg = join(top, `pkg-${round++}`);
  for (const name of ['brygga.js', 'sources.js'])
    write(join(pkg, 'bin', name), readFileSync(join(ROOT, 'client-sdk', 'bin', name), 'utf8'));
  write(join(pkg, 'package.json'), '{ "type": "module" }\n');
  write(
    join(pkg, 'dist', 'cli-bundle', 'main.js'),
    "export async function main() { process.stdout.write('dist\\n'); }\n",
  );
  write(
    join(pkg, 'src', 'cli', 'main.ts'),
    "export async function main(): Promise<void> { process.stdout.write('src\\n'); }\n",
  );
  write(join(pkg, 'src', 'deep', 'er', 'util.ts'), 'export const x: number = 1;\n');
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  stamp();
});
afterAll(() => rmSync(top, { recursive: true, force: true }));

describe('the source stamp', () => {
  it('runs dist/ while it was built from the sources as they are', () => {
    expect(ran()).toBe('dist');
    expect(upToDate(pkg)).toBe(true);
  });

  it('runs the sources once a nested source is edited, and the relay rebuilds', () => {
    const file = join(pkg, 'src', 'deep', 'er', 'util.ts');
    writeFileSync(file, 'export const x: number = 2;\n');
    // An edit within the same clock tick as the stamp is still later than it.
    age(file, new Date(newestSource(join(pkg, 'src')).newest + 1000));
    expect(ran()).toBe('src');
    expect(upToDate(pkg)).toBe(false);
  });

  it('runs the sources once a file is added, even one older than the build', () => {
    const file = join(pkg, 'src', 'deep', 'added.ts');
    write(file, 'export const y = 1;\n');
    age(file, new Date(0));
    expect(ran()).toBe('src');
    expect(upToDate(pkg)).toBe(false);
  });

  it('runs the sources once a file is removed', () => {
    rmSync(join(pkg, 'src', 'deep', 'er', 'util.ts'));
    expect(ran()).toBe('src');
    expect(upToDate(pkg)).toBe(false);
  });

  it('runs the sources once a file is renamed, its time and the count unchanged', () => {
    const from = join(pkg, 'src', 'deep', 'er', 'util.ts');
    const to = join(pkg, 'src', 'deep', 'er', 'helpers.ts');
    renameSync(from, to);
    // A rename keeps the file's time; only its directory's tells.
    age(join(pkg, 'src', 'deep', 'er'), new Date(newestSource(join(pkg, 'src')).newest + 1000));
    expect(ran()).toBe('src');
    expect(upToDate(pkg)).toBe(false);
  });

  it('runs dist/ after an edit of a test, which the build leaves out', () => {
    const test = join(pkg, 'src', 'deep', 'er', 'util.test.ts');
    write(test, 'export {};\n');
    stamp();
    writeFileSync(test, 'export const edited = true;\n');
    age(test, new Date(newestSource(join(pkg, 'src')).newest + 1000));
    expect(ran()).toBe('dist');
    expect(upToDate(pkg)).toBe(true);
  });

  it('runs dist/ of an installed package, which has no src/', () => {
    rmSync(join(pkg, 'src'), { recursive: true });
    expect(ran()).toBe('dist');
    expect(upToDate(pkg)).toBe(true);
  });
});
