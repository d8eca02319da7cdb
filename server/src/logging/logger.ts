/**
 * Structured logs: one JSON object per line on stdout. Only public routing facts are
 * ever logged (method, route pattern, status, duration, device key id, packet id); never bodies, tokens,
 * keys, the admin token or anything from inside a packet. Callers pass fields explicitly, so nothing
 * reaches the log by accident.
 */

/** Log levels, in increasing severity; `silent` logs nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** The levels, for configuration checks. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Fields of one log line. Values must be public; see the module header. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Where log lines go (stdout by default; tests collect them). */
export type LogSink = (line: string) => void;

/** A JSON-lines logger with fixed context fields. */
export class Logger {
  readonly level: LogLevel;
  readonly #sink: LogSink;
  readonly #context: LogFields;
  readonly #now: () => number;

  constructor(options: { level?: LogLevel; sink?: LogSink; context?: LogFields; now?: () => number } = {}) {
    this.level = options.level ?? 'info';
    this.#sink = options.sink ?? ((line) => process.stdout.write(line));
    this.#context = options.context ?? {};
    this.#now = options.now ?? Date.now;
  }

  /** A logger that adds `context` to every line. */
  child(context: LogFields): Logger {
    return new Logger({
      level: this.level,
      sink: this.#sink,
      context: { ...this.#context, ...context },
      now: this.#now,
    });
  }

  /** Whether a line at `level` would be written (so callers can skip gathering its fields). */
  enabled(level: LogLevel): boolean {
    return SEVERITY[level] >= SEVERITY[this.level];
  }

  debug(msg: string, fields?: LogFields): void {
    this.#write('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.#write('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.#write('warn', msg, fields);
  }

  /** Error level is for bugs and operational failures, never for refused requests. */
  error(msg: string, fields?: LogFields): void {
    this.#write('error', msg, fields);
  }

  #write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (SEVERITY[level] < SEVERITY[this.level]) return;
    const line: Record<string, unknown> = { time: new Date(this.#now()).toISOString(), level, msg };
    for (const [k, v] of Object.entries({ ...this.#context, ...fields })) if (v !== undefined) line[k] = v;
    this.#sink(`${JSON.stringify(line)}\n`);
  }
}

/** Public facts about an unexpected error, for an error-level log: its kind and where it happened. */
export function errorFields(err: unknown): LogFields {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      error: err.name,
      // Messages of library errors (database drivers included) can quote values; keep them short.
      errorMessage: err.message.slice(0, 300),
      errorCode: typeof code === 'string' ? code : undefined,
      stack: err.stack?.split('\n').slice(1, 8).join(' | '),
    };
  }
  return { error: typeof err };
}
