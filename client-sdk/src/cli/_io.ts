/**
 * The CLI's input and output: typed errors with the exit code a script can trust, passphrases (from a
 * hidden prompt or BRYGGA_PASSPHRASE, never a flag), files written atomically and never overwritten by
 * accident, and output as plain text or `--json`.
 */
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { BryggaError, checkNewPassphrase, type ErrorCode, parseJson } from '../index.js';
import type { DerivationAhead } from '../node/index.js';
import { EXIT } from './_exit.js';

export { EXIT };

/** A failure the CLI reports in words: what is wrong (a code of the SDK's vocabulary), and what to do. */
export class CliError extends BryggaError {
  override readonly name = 'CliError';
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; usage?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.exitCode = options.usage ? EXIT.usage : EXIT.refused;
  }
}

/**
 * A failure after answers typed by hand were confirmed: the failure as it is, and where the answers are
 * kept (PROTOCOL-independent: the CLI's own promise that confirmed answers are never lost).
 */
export class AnswersKept extends Error {
  readonly path: string;
  constructor(cause: unknown, path: string) {
    super('the referral was not sent; the answers are kept', { cause });
    this.name = 'AnswersKept';
    this.path = path;
  }
}

/** A usage error (exit 2). */
export function usage(message: string, hint?: string): CliError {
  return new CliError('ERR_USAGE', message, { usage: true, ...(hint ? { hint } : {}) });
}

/** Where output goes; tests and `main` pass the process streams. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  json: boolean;
  /** stderr is a terminal: progress is shown there. Scripts and logs get none. */
  tty?: boolean;
  /**
   * The device passphrase's derivation, started by main.ts before the command's modules loaded, for a
   * command that opens the device with BRYGGA_PASSPHRASE set (PROTOCOL.md §3.4).
   */
  derived?: DerivationAhead;
}

/** A progress line on stderr, rewritten in place; see {@link progress}. */
export interface Progress {
  update(text: string): void;
  /** Clear the line, before the result is printed. */
  done(): void;
}

/**
 * Progress for a long operation ("syncing… 3 packets"), on stderr and only when stderr is a terminal,
 * so a script's stderr holds nothing but errors.
 */
export function progress(io: Io): Progress {
  let shown = false;
  return {
    update(text) {
      if (!io.tty) return;
      io.err(`\r${text}\x1b[K`);
      shown = true;
    },
    done() {
      if (shown) io.err('\r\x1b[K');
      shown = false;
    },
  };
}

/** Print `value` as JSON with `--json`, else print the lines of `text()`. */
export function report(io: Io, value: unknown, text: () => string[]): void {
  // A progress line may still stand on the terminal (`inbox --watch` reports while it syncs).
  if (io.tty) io.err('\r\x1b[K');
  if (io.json) io.out(`${JSON.stringify(value, null, 2)}\n`);
  else for (const line of text()) io.out(`${line}\n`);
}

/**
 * The passphrase: BRYGGA_PASSPHRASE if set, else a prompt on the terminal that does not echo. With
 * `confirm`, the prompt asks twice. A non-interactive run without the variable is refused.
 */
export async function passphrase(io: Io, what: string, options: { confirm?: boolean } = {}): Promise<string> {
  const fromEnv = io.env.BRYGGA_PASSPHRASE;
  if (fromEnv !== undefined && fromEnv !== '') return options.confirm ? checkNewPassphrase(fromEnv) : fromEnv;
  if (!process.stdin.isTTY) {
    throw new CliError('ERR_NO_PASSPHRASE', `a passphrase is needed for ${what}`, {
      hint: 'run in a terminal to be asked for it, or set BRYGGA_PASSPHRASE in the environment',
    });
  }
  const first = await prompt(`Passphrase for ${what}: `);
  if (options.confirm) {
    if (first.length < 12)
      throw new CliError('ERR_WEAK_PASSPHRASE', 'the passphrase is shorter than 12 characters');
    const again = await prompt('Repeat the passphrase: ');
    if (again !== first) throw new CliError('ERR_PASSPHRASE_MISMATCH', 'the two passphrases differ');
  }
  return first;
}

/**
 * Answers read line by line from standard input: typed at a terminal (with line editing), or piped by a
 * script. Questions go to stderr, so stdout holds only the result. Lines are buffered as they arrive,
 * so piped answers are never lost between two questions.
 */
export class AnswerReader {
  readonly #rl: Interface;
  readonly #lines: AsyncIterator<string>;
  readonly #terminal: boolean;
  #count = 0;
  #interrupted = false;

  constructor() {
    this.#terminal = process.stdin.isTTY === true;
    this.#rl = createInterface({
      input: process.stdin,
      ...(this.#terminal ? { output: process.stderr, terminal: true } : { terminal: false }),
    });
    this.#lines = this.#rl[Symbol.asyncIterator]();
    // At a terminal, readline turns Ctrl-C into this event and would otherwise only pause the input,
    // leaving the command waiting for an answer that cannot come.
    this.#rl.on('SIGINT', () => {
      this.#interrupted = true;
      process.stderr.write('\n');
      this.#rl.close();
    });
  }

  /** How many questions were answered. */
  get count(): number {
    return this.#count;
  }

  /** Ask `question`; the answer trimmed, or undefined when the input has ended. */
  async ask(question: string): Promise<string | undefined> {
    if (this.#terminal) {
      this.#rl.setPrompt(question);
      this.#rl.prompt();
    } else {
      process.stderr.write(`${question.trimEnd()}\n`);
    }
    const next = await this.#lines.next();
    if (this.#interrupted) {
      throw new CliError('ERR_INTERRUPTED', 'stopped at Ctrl-C', { hint: 'nothing was signed or sent' });
    }
    if (next.done) return undefined;
    this.#count++;
    return next.value.trim();
  }

  close(): void {
    this.#rl.close();
  }
}

function prompt(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve, reject) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    // Without a listener, Ctrl-C at this prompt would only pause the input and leave it waiting.
    rl.on('SIGINT', () => {
      rl.close();
      process.stderr.write('\n');
      reject(new CliError('ERR_INTERRUPTED', 'stopped at Ctrl-C', { hint: 'nothing was changed' }));
    });
    muted = true;
  });
}

/** Read a file as text; a missing or unreadable file is a clear refusal. */
export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(
      'ERR_FILE',
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        hint: 'check the path',
      },
    );
  }
}

/** Read and parse a JSON file. */
export function readJsonFile(path: string, what: string): unknown {
  const text = readText(path, what);
  try {
    return parseJson(text);
  } catch {
    throw new CliError('ERR_MALFORMED', `${what} ${path} is not valid JSON`, {
      hint: 'fix the file and try again',
    });
  }
}

/**
 * Refuse `path` when a file is there already: a command checks its `--out` before it starts, so nothing
 * is fetched, signed or sent for a file it could not write.
 */
export function refuseExisting(path: string): void {
  if (existsSync(path)) {
    throw new CliError('ERR_EXISTS', `${path} already exists`, {
      hint: 'choose another path, or move the existing file away first',
    });
  }
}

/**
 * Write `text` to `path` through a temporary file and a rename, so a crash never leaves half a file.
 * Unless `overwrite`, an existing file is refused (a key file is never replaced by accident).
 */
export function writeFileAtomic(
  path: string,
  text: string,
  options: { mode?: number; overwrite?: boolean } = {},
) {
  if (!options.overwrite) refuseExisting(path);
  const tmp = join(dirname(path), `.${Date.now().toString(36)}-${process.pid}.tmp`);
  const mode = options.mode ?? 0o644;
  writeFileSync(tmp, text, { mode });
  // The mode of a file created now; a leftover temporary file of the same name gets it too.
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** What `brygga` says on stderr of every file it writes with personal data in it. */
export function personalDataNotice(path: string): string {
  return `${path} holds personal data and is readable by you only (mode 600). Keep it on an encrypted disk, and delete it once it is no longer needed.\n`;
}

/**
 * Write a file that holds personal data (case content, a person's details): readable by its owner only
 * (0600, also when it replaces a file), and said so on stderr (THREAT-MODEL.md: data at the ends).
 */
export function writePersonalFile(io: Io, path: string, text: string, options: { overwrite?: boolean } = {}) {
  writeFileAtomic(path, text, { mode: 0o600, overwrite: options.overwrite ?? false });
  io.err(personalDataNotice(path));
}
