/**
 * The README's administrator block ("Setting up a deployment with the CLI", the fenced block marked
 * `<!-- admin-setup: … -->`) and what runs it as written: `bash -euo pipefail` with `brygga` and
 * `brygga-relay` on the PATH (small scripts that run this repository's binaries). Used by
 * test/cli/readme-admin.test.ts and by the startup benchmark, which times commands against the
 * deployment the block sets up.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const MARKER = '<!-- admin-setup:';

/** The one fenced `sh` block right after the admin-setup marker in README.md. */
export function adminSetupBlock(readme: string): string {
  const parts = readme.split(MARKER);
  if (parts.length !== 2) throw new Error(`README.md must have exactly one ${MARKER} … --> marker`);
  const after = parts[1]!;
  const match = /^[^\n]*-->\n```sh\n([\s\S]*?)\n```\n/.exec(after);
  if (!match) throw new Error(`the line after ${MARKER} … --> must open a \`\`\`sh block`);
  return `${match[1]}\n`;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A directory holding `brygga` and `brygga-relay`, each running this repository's binary. */
export function commandShims(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [name, script] of [
    ['brygga', join(ROOT, 'client-sdk', 'bin', 'brygga.js')],
    ['brygga-relay', join(ROOT, 'server', 'bin', 'brygga-relay.js')],
  ] as const) {
    writeFileSync(join(bin, name), `#!/bin/sh\nexec '${process.execPath}' '${script}' "$@"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

/** Run `script` with bash in `cwd`; resolves with its exit status and output. */
export function runBash(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-euo', 'pipefail', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Whether a process with this id runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
