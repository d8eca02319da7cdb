/** The shape of one CLI command, and the help text made from it. */
import type { Io } from './_io.js';

/** An option of a command (`--name value`, or a boolean `--name`). */
export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  required?: boolean;
}

/** Parsed arguments. */
export interface Args {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** The value of a string option, or undefined. */
export function str(args: Args, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** One command: its words (`['agreement', 'sign']`), its help and its action; returns the exit code. */
export interface Command {
  words: string[];
  /**
   * The command opens the device directory's keys with their passphrase (`withClient`, `openDevice`):
   * main.ts starts the passphrase's derivation while the command's modules load.
   */
  opensDevice?: boolean;
  summary: string;
  /** Positional arguments, e.g. `<case>`. */
  positionals?: string[];
  options?: Record<string, OptionSpec>;
  details?: string[];
  run(args: Args, io: Io): Promise<number | undefined>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print the result as JSON' },
  help: { type: 'boolean', description: 'show this help' },
};

/** The help of one command. */
export function commandHelp(c: Omit<Command, 'run'>): string {
  const options = { ...c.options, ...COMMON_OPTIONS };
  const lines = [
    `Usage: brygga ${c.words.join(' ')}${(c.positionals ?? []).map((p) => ` ${p}`).join('')} [options]`,
    '',
    c.summary,
    ...(c.details ? ['', ...c.details] : []),
    '',
    'Options:',
    ...Object.entries(options).map(([name, o]) => {
      const flag = `--${name}${o.type === 'string' ? ' <value>' : ''}`;
      return `  ${flag.padEnd(26)} ${o.description}${o.required ? ' (required)' : ''}`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}
