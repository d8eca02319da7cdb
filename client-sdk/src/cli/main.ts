/**
 * `brygga`, the command-line client: administration (unit keys, the agreement,
 * devices), coordination (the case workflow of PROTOCOL.md §12–16), evidence (§17) and the agreement's
 * reporting (§20–23: statistics, the deviation register, the joint evaluation, deadlines, retention).
 *
 * Exit codes scripts can trust: 0 ok, 1 refused or failed (the message names the rule or problem and
 * what to do), 2 usage. Passphrases come from a prompt or BRYGGA_PASSPHRASE, the relay admin token from
 * BRYGGA_ADMIN_TOKEN; never from flags, and never printed.
 */
import { parseArgs } from 'node:util';
import type { DerivationAhead } from '../node/index.js';
import { COMMON_OPTIONS, commandHelp } from './_command.js';
import { type CommandEntry, commandTable, loadCommand } from './_command-table.js';
import { deviceDir, devicePaths } from './_device-paths.js';
import { EXIT } from './_exit.js';
import type { Io } from './_io.js';

function helpText(table: CommandEntry[]): string {
  const width = Math.max(...table.map((c) => c.words.join(' ').length)) + 2;
  return [
    'Usage: brygga <command> [options]     (brygga <command> --help for details)',
    '',
    'Commands:',
    ...table.map((c) => `  ${c.words.join(' ').padEnd(width)} ${c.summary}`),
    '',
    'Exit codes: 0 ok, 1 refused or failed, 2 usage.',
    'Passphrases: a prompt, or BRYGGA_PASSPHRASE. Admin token: BRYGGA_ADMIN_TOKEN.',
    '',
  ].join('\n');
}

/** Find the command named by the leading words of `argv`. */
function findCommand(
  table: CommandEntry[],
  argv: string[],
): { command: CommandEntry; rest: string[] } | undefined {
  let best: { command: CommandEntry; rest: string[] } | undefined;
  for (const c of table) {
    if (c.words.every((w, i) => argv[i] === w) && (!best || c.words.length > best.command.words.length)) {
      best = { command: c, rest: argv.slice(c.words.length) };
    }
  }
  return best;
}

/**
 * `rest` made plain for node's parser: each `--name value` of a string option joined into `--name=value`,
 * and every argument that is not an option moved, in its order, behind a `--`. So a value or an argument
 * that begins with '-' is still a value or an argument: ids and hashes are base64url (PROTOCOL.md §1),
 * and one in 64 begins with '-', which node's parser would otherwise refuse as ambiguous or as an
 * unknown one-letter option (the CLI has none).
 */
function plainArgs(rest: string[], options: Record<string, { type: string }>): string[] {
  const flags: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i] as string;
    if (token === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (!token.startsWith('--')) {
      positionals.push(token);
      continue;
    }
    const name = token.includes('=') ? undefined : token.slice(2);
    if (name !== undefined && options[name]?.type === 'string' && i + 1 < rest.length) {
      flags.push(`${token}=${rest[++i]}`);
    } else {
      flags.push(token);
    }
  }
  return [...flags, '--', ...positionals];
}

/** A usage error (exit 2). Its module, and the SDK under it, load only on this path. */
async function usage(message: string, hint: string): Promise<Error> {
  return (await import('./_io.js')).usage(message, hint);
}

/**
 * For a command that opens the device: the derivation of its passphrase, started before the command's
 * modules (the SDK, Kysely, …) load, so that scrypt runs on libuv's thread pool while they are read and
 * compiled (PROTOCOL.md §3.4; DerivationAhead in src/node). Only for a passphrase from BRYGGA_PASSPHRASE
 * (one typed at the prompt is asked where the command asks it, as before) and on the platform's crypto
 * (BRYGGA_CRYPTO unset or `native`, the provider that derives on that pool).
 */
async function deriveAhead(io: Omit<Io, 'json'>, device: unknown): Promise<DerivationAhead | undefined> {
  const pass = io.env.BRYGGA_PASSPHRASE;
  const crypto = io.env.BRYGGA_CRYPTO;
  if (pass === undefined || pass === '' || (crypto !== undefined && crypto !== '' && crypto !== 'native'))
    return undefined;
  const { DerivationAhead } = await import('../node/index.js');
  const dir = deviceDir(io, typeof device === 'string' ? device : undefined);
  return DerivationAhead.start(devicePaths(dir).store, pass);
}

/** Run the CLI on `argv` (without `node` and the script); resolves with the exit code. */
export async function runCli(argv: string[], io: Omit<Io, 'json'>): Promise<number> {
  const json = argv.includes('--json');
  const full: Io = { ...io, json };
  let derived: DerivationAhead | undefined;
  try {
    const table = await commandTable();
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' || argv[0] === '-h') {
      io.out(helpText(table));
      return argv.length === 0 ? EXIT.usage : EXIT.ok;
    }
    const found = findCommand(table, argv);
    if (!found) {
      const group = table.filter((c) => c.words[0] === argv[0]);
      if (group.length && (argv.length === 1 || argv[1] === '--help')) {
        io.out(`${group.map((c) => commandHelp(c)).join('\n')}`);
        return argv[1] === '--help' ? EXIT.ok : EXIT.usage;
      }
      throw await usage(`unknown command: ${argv.slice(0, 2).join(' ')}`, 'run `brygga --help` for the list');
    }
    const { command, rest } = found;
    const seeHelp = `see brygga ${command.words.join(' ')} --help`;
    let parsed: ReturnType<typeof parseArgs>;
    const options = { ...command.options, ...COMMON_OPTIONS };
    try {
      parsed = parseArgs({
        args: plainArgs(rest, options),
        options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type }])),
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw await usage((err as Error).message, seeHelp);
    }
    if (parsed.values.help === true) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    const expected = command.positionals?.length ?? 0;
    if (parsed.positionals.length > expected) {
      throw await usage(`unexpected argument: ${parsed.positionals[expected]}`, seeHelp);
    }
    for (const [name, o] of Object.entries(command.options ?? {})) {
      if (o.required && parsed.values[name] === undefined)
        throw await usage(`--${name} is required`, seeHelp);
    }
    if (command.opensDevice) derived = await deriveAhead(io, parsed.values.device);
    const { run } = await loadCommand(command);
    return (
      (await run(
        {
          positionals: parsed.positionals,
          values: parsed.values as Record<string, string | boolean | undefined>,
        },
        derived ? { ...full, derived } : full,
      )) ?? EXIT.ok
    );
  } catch (err) {
    // What a failure means is told by the SDK's errors: loaded only when a command fails.
    return (await import('./_failure.js')).reportFailure(full, err);
  } finally {
    derived?.discard();
  }
}

/** The entry point of `bin/brygga.js`: run on the process's arguments and set its exit code. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    tty: process.stderr.isTTY === true,
  });
}
