/**
 * The command table: every command's words, summary, arguments and help, and the module whose `run`
 * acts. `brygga --help` and a command's `--help` read only the table; a command's module, and with it
 * the SDK, its store and the console, is loaded when that command runs.
 *
 * In the compiled CLI the table is dist/cli/commands.json, written by the build from the modules
 * themselves (scripts/finish-build.mjs calls {@link describeCommands}), so it cannot differ from them;
 * run from the sources (tsx, the tests), it is read from the modules.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from './_command.js';

/** The modules of the commands, in the order of `brygga --help`; each is loaded only when needed. */
const COMMAND_MODULES = {
  admin: async () => (await import('./_admin-commands.js')).ADMIN_COMMANDS,
  case: async () => (await import('./_case-commands.js')).CASE_COMMANDS,
  childNotice: async () => (await import('./_child-notice-commands.js')).CHILD_NOTICE_COMMANDS,
  rivals: async () => (await import('./_rival-commands.js')).RIVAL_COMMANDS,
  reconcile: async () => (await import('./_reconcile-commands.js')).RECONCILE_COMMANDS,
  report: async () => (await import('./_report-commands.js')).REPORT_COMMANDS,
  log: async () => (await import('./_log-commands.js')).LOG_COMMANDS,
  alert: async () => (await import('./_alert-commands.js')).ALERT_COMMANDS,
  console: async () => (await import('./_console-commands.js')).CONSOLE_COMMANDS,
} satisfies Record<string, () => Promise<Command[]>>;

/** A command as the table knows it: everything but its action, and the module that has it. */
export type CommandEntry = Omit<Command, 'run'> & { module: keyof typeof COMMAND_MODULES };

/** The table read from the command modules (loading every one of them). */
export async function describeCommands(): Promise<CommandEntry[]> {
  const table: CommandEntry[] = [];
  for (const [module, load] of Object.entries(COMMAND_MODULES)) {
    for (const { run: _, ...entry } of await load()) {
      table.push({ ...entry, module: module as CommandEntry['module'] });
    }
  }
  return table;
}

/** Where the build writes the table, beside this module. */
export const TABLE_FILE = 'commands.json';

/** The table: the build's file beside this module when there is one, else read from the modules. */
export async function commandTable(): Promise<CommandEntry[]> {
  const file = new URL(TABLE_FILE, import.meta.url);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as CommandEntry[];
  return describeCommands();
}

/** The command an entry of the table names, its module loaded. */
export async function loadCommand(entry: CommandEntry): Promise<Command> {
  const words = entry.words.join(' ');
  const command = (await COMMAND_MODULES[entry.module]()).find((c) => c.words.join(' ') === words);
  if (!command) throw new Error(`the command table names ${words} in ${entry.module}, which lacks it`);
  return command;
}
