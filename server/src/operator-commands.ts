/**
 * The relay's operator commands, run by `brygga-relay <command>` on the relay's database (the same
 * settings as the relay: `--database`, `BRYGGA_DATABASE`, …), beside or instead of a running relay:
 *
 * - `log-origin show`: the transparency log's origin stored at the first start (PROTOCOL.md §18.3).
 * - `log-origin set <origin> --confirm`: change it. Every checkpoint from then on is signed under the
 *   new name (those issued so far are signed again), so every device must re-pin the log's key (`brygga log repin`, PROTOCOL.md §19) after the
 *   change is announced; relays running on the database use the new origin once restarted.
 *
 * - `backup <file> [--force]`: an online copy of the relay's SQLite database (operations/sqlite-backup.ts)
 *   while relays keep serving on it; refused for PostgreSQL, whose backup is `pg_dump -Fc` (README,
 *   "Backup and restore").
 *
 * Each prints one JSON line on stdout saying what it did, like the relay's own log.
 */
import { parseArgs } from 'node:util';
import { ConfigError, type Environment, loadConfig, SETTINGS } from './config.js';
import { Logger } from './logging/index.js';
import { BackupRefused, backupSqliteDatabase } from './operations/index.js';
import { openDatabase, setLogOrigin, storedLogOrigin, TransparencyLogKey } from './storage/index.js';

/** The origin's syntax (a signed-note key name): printable ASCII without spaces or '+'. */
const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/;

/**
 * Run the operator command in `argv` (its name first). Throws {@link ConfigError} for a usage or
 * configuration error; returns the exit code otherwise.
 */
export async function runOperatorCommand(
  argv: readonly string[],
  env: Environment,
  now = Date.now,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'backup') return backup(rest, env);
  if (name !== 'log-origin') throw new ConfigError(`unknown command ${name}`);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { confirm: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
  });
  const [action, origin, ...extra] = positionals;
  const settings = rest.filter((a) => a !== '--confirm' && !positionals.includes(a));
  const config = loadConfig(settings, env);
  const logger = new Logger({ level: 'info' });
  if (extra.length > 0) throw new ConfigError(`unexpected ${extra.join(' ')}`);
  if (action === 'show') {
    const database = await openDatabase(config.database, { poolSize: 1 });
    try {
      logger.info('transparency log origin', { origin: (await storedLogOrigin(database)) ?? null });
    } finally {
      await database.close();
    }
    return 0;
  }
  if (action !== 'set' || origin === undefined) {
    throw new ConfigError('usage: brygga-relay log-origin show | log-origin set <origin> --confirm');
  }
  if (!ORIGIN.test(origin)) throw new ConfigError('the origin must be printable ASCII without spaces or +');
  if (values.confirm !== true) {
    throw new ConfigError(
      'changing the log origin changes the name of the log key every device has pinned: each must run `brygga log repin` after you announce it; add --confirm to change it',
    );
  }
  const database = await openDatabase(config.database, { poolSize: 1 });
  try {
    const key = await TransparencyLogKey.load(database, { origin, file: config.logKeyFile, now: now() });
    const before = await setLogOrigin(database, key, now());
    logger.warn('transparency log origin changed', {
      from: before ?? null,
      to: origin,
      detail: 'restart the relays on this database; every device must run brygga log repin',
    });
  } finally {
    await database.close();
  }
  return 0;
}

/** Every flag of the relay's settings, as `parseArgs` options. */
const SETTING_FLAGS = Object.fromEntries(
  SETTINGS.flatMap((s) => (s.flag === undefined ? [] : [[s.flag, { type: 'string' as const }]])),
);

/** `backup <file> [--force] [options]`: exit 0 with the copy written, 1 when refused at run time. */
async function backup(rest: readonly string[], env: Environment): Promise<number> {
  // The relay's settings are parsed as the flags they are, so `--database x` is not taken for the file.
  const { values, positionals, tokens } = parseArgs({
    args: [...rest],
    options: { ...SETTING_FLAGS, force: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const [file, ...extra] = positionals;
  const settings = tokens.flatMap((t) =>
    t.kind === 'option' && t.name !== 'force'
      ? [t.value === undefined ? t.rawName : `${t.rawName}=${t.value}`]
      : [],
  );
  const config = loadConfig(settings, env);
  if (file === undefined) throw new ConfigError('usage: brygga-relay backup <file> [--force] [options]');
  if (extra.length > 0) throw new ConfigError(`unexpected ${extra.join(' ')}`);
  if (/^postgres(ql)?:\/\//i.test(config.database)) {
    throw new ConfigError(
      'the database is PostgreSQL: back it up with pg_dump -Fc and restore with pg_restore (README, "Backup and restore")',
    );
  }
  if (config.database === ':memory:') throw new ConfigError('an in-memory database has nothing to back up');
  const logger = new Logger({ level: 'info' });
  try {
    const result = await backupSqliteDatabase(config.database, file, { force: values.force === true });
    logger.info('backup written', { ...result });
    return 0;
  } catch (err) {
    if (!(err instanceof BackupRefused)) throw err;
    logger.error('backup refused', { detail: err.message });
    return 1;
  }
}
