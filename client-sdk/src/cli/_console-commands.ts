/**
 * `brygga console`: the coordinators' console on this device (see client-sdk/src/console/ and the
 * README's section for coordinators), its users (`brygga console user add|remove|list|reset`), and
 * `brygga consent hash`, the checksum of a signed consent form for a console without script.
 *
 * Users' passphrases come from a prompt (asked twice) or BRYGGA_USER_PASSPHRASE, never from a flag.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConsoleDatabase,
  hashPassphrase,
  MIN_PASSPHRASE_LENGTH,
  ROLES,
  type Role,
  startConsole,
  USERNAME_PATTERN,
} from '../console/index.js';
import { hashConsentForm } from '../index.js';
import { type Args, type Command, str } from './_command.js';
import { DEVICE_OPTION, deviceDir, devicePaths, openDevice } from './_device-dir.js';
import { CliError, type Io, passphrase, readText, report, usage } from './_io.js';

function consoleDatabasePath(io: Io, args: Args): string {
  const paths = devicePaths(deviceDir(io, str(args, 'device')));
  if (!existsSync(paths.config)) {
    throw new CliError('ERR_NO_DEVICE', `no enrolled device in ${paths.root}`, {
      hint: 'enrol one with `brygga device enrol`, or point --device (or BRYGGA_DEVICE) at its directory',
    });
  }
  return join(paths.root, 'console.sqlite');
}

function username(args: Args): string {
  const name = args.positionals[0];
  if (name === undefined) throw usage('the user name is required', 'see --help');
  if (!USERNAME_PATTERN.test(name)) {
    throw usage(
      `${name} is not a user name`,
      'use 2 to 64 lower-case letters, digits, dots, dashes or underscores',
    );
  }
  return name;
}

async function newPassphrase(io: Io, name: string): Promise<string> {
  const pass = await passphrase(
    { ...io, env: { BRYGGA_PASSPHRASE: io.env.BRYGGA_USER_PASSPHRASE } },
    `the console user ${name}`,
    {
      confirm: true,
    },
  );
  if (pass.length < MIN_PASSPHRASE_LENGTH) {
    throw new CliError(
      'ERR_WEAK_PASSPHRASE',
      `the passphrase is shorter than ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  }
  return pass;
}

async function withDatabase<T>(path: string, action: (db: ConsoleDatabase) => Promise<T>): Promise<T> {
  const db = await ConsoleDatabase.open(path);
  try {
    return await action(db);
  } finally {
    await db.close();
  }
}

function integerOption(args: Args, name: string, min: number, max: number): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw usage(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

export const CONSOLE_COMMANDS: Command[] = [
  {
    words: ['console'],
    opensDevice: true,
    summary: "Serve the coordinators' console (a web application) from this device, until Ctrl-C.",
    details: [
      'Opens the device (its passphrase from the prompt or BRYGGA_PASSPHRASE), keeps it in step with the',
      'relay, and serves the console on 127.0.0.1:8788. Add users first with `brygga console user add`.',
      'For the unit network: run it behind a TLS proxy with --public-url https://… (see the README).',
    ],
    options: {
      ...DEVICE_OPTION,
      host: { type: 'string', description: 'address to listen on (default 127.0.0.1)' },
      port: { type: 'string', description: 'port (default 8788; 0 picks a free one)' },
      'public-url': {
        type: 'string',
        description: 'the https:// address people open, behind a TLS proxy (only that host name is answered)',
      },
      'idle-minutes': {
        type: 'string',
        description: 'minutes without activity before a session ends (default 20)',
      },
      'sync-seconds': { type: 'string', description: 'seconds between periodic syncs (default 60)' },
    },
    async run(args, io) {
      const dbPath = consoleDatabasePath(io, args);
      const publicUrl = str(args, 'public-url');
      if (publicUrl !== undefined && !/^https?:\/\/[^/]+\/?$/.test(publicUrl)) {
        throw usage(
          `--public-url ${publicUrl} is not an address`,
          'give scheme and host only, e.g. https://konsol.enhet.example',
        );
      }
      const host = str(args, 'host');
      if ((host === '0.0.0.0' || host === '::') && publicUrl === undefined) {
        throw usage(
          `--host ${host} answers on every address, but only to the names of --public-url`,
          'give --public-url https://… (the address people open through the TLS proxy)',
        );
      }
      const port = integerOption(args, 'port', 0, 65535);
      const idleMinutes = integerOption(args, 'idle-minutes', 1, 24 * 60);
      const syncSeconds = integerOption(args, 'sync-seconds', 5, 3600);
      const users = await withDatabase(dbPath, (db) => db.listUsers());
      if (users.length === 0) {
        throw new CliError('ERR_NO_USERS', 'the console has no users yet', {
          hint: 'add one with `brygga console user add <name> --name "…" --role coordinator`',
        });
      }
      const device = await openDevice(io, deviceDir(io, str(args, 'device')));
      let running: Awaited<ReturnType<typeof startConsole>>;
      try {
        running = await startConsole({
          device: {
            client: device.client,
            store: device.store.store,
            identity: device.identity,
            agreement: device.agreement,
            name: device.config.name,
            relayUrl: device.config.relayUrl,
            audience: device.config.audience,
          },
          databasePath: dbPath,
          ...(host ? { host } : {}),
          ...(port !== undefined ? { port } : {}),
          ...(publicUrl ? { publicUrl } : {}),
          ...(idleMinutes ? { idleMinutes } : {}),
          ...(syncSeconds ? { syncSeconds } : {}),
        });
      } catch (err) {
        await device.close();
        throw err;
      }
      report(io, { msg: 'listening', url: running.url, port: running.port }, () => [
        `The console of ${device.config.unit} is at ${running.url} (Ctrl-C stops it).`,
      ]);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.close();
      await device.close();
      return 0;
    },
  },
  {
    words: ['console', 'user', 'add'],
    summary: 'Add a console user: a named person with a role and a passphrase of their own.',
    positionals: ['<user name>'],
    options: {
      ...DEVICE_OPTION,
      name: { type: 'string', description: 'the person\'s name, e.g. "Anna Andersson"', required: true },
      role: { type: 'string', description: `one of ${ROLES.join(', ')}`, required: true },
    },
    details: [
      'The passphrase is asked twice (or taken from BRYGGA_USER_PASSPHRASE); at least 12 characters.',
    ],
    async run(args, io) {
      const name = username(args);
      const role = str(args, 'role') as Role;
      if (!ROLES.includes(role))
        throw usage(`--role ${role} is not a role`, `use one of ${ROLES.join(', ')}`);
      const displayName = (str(args, 'name') ?? '').trim();
      if (displayName === '' || displayName.length > 200) throw usage('--name must have 1 to 200 characters');
      const path = consoleDatabasePath(io, args);
      const passHash = await hashPassphrase(await newPassphrase(io, name));
      const added = await withDatabase(path, (db) =>
        db.addUser({ username: name, displayName, role, passHash, now: new Date() }),
      );
      if (!added)
        throw new CliError('ERR_EXISTS', `the user ${name} exists already`, {
          hint: 'use `brygga console user reset` for a new passphrase',
        });
      report(io, { username: name, displayName, role }, () => [`Added ${name} (${displayName}, ${role}).`]);
      return 0;
    },
  },
  {
    words: ['console', 'user', 'remove'],
    summary:
      'Remove a console user, with their sessions and case assignments (the access log keeps their lines).',
    positionals: ['<user name>'],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const name = username(args);
      const removed = await withDatabase(consoleDatabasePath(io, args), (db) => db.removeUser(name));
      if (!removed)
        throw new CliError('ERR_UNKNOWN_USER', `there is no user ${name}`, {
          hint: 'see `brygga console user list`',
        });
      report(io, { username: name, removed: true }, () => [`Removed ${name}.`]);
      return 0;
    },
  },
  {
    words: ['console', 'user', 'list'],
    summary: 'List the console users, their roles and whether they are locked out.',
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const now = Date.now();
      const users = (await withDatabase(consoleDatabasePath(io, args), (db) => db.listUsers())).map((u) => ({
        username: u.username,
        displayName: u.displayName,
        role: u.role,
        locked: u.lockedUntil !== null && Date.parse(u.lockedUntil) > now,
      }));
      report(io, { users }, () =>
        users.length
          ? users.map(
              (u) =>
                `${u.username.padEnd(20)} ${u.role.padEnd(12)} ${u.displayName}${u.locked ? '  (locked)' : ''}`,
            )
          : ['No users.'],
      );
      return 0;
    },
  },
  {
    words: ['console', 'user', 'reset'],
    summary: 'Give a console user a new passphrase, unlock the account and end their sessions.',
    positionals: ['<user name>'],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const name = username(args);
      const path = consoleDatabasePath(io, args);
      const exists = await withDatabase(path, (db) => db.getUser(name));
      if (!exists)
        throw new CliError('ERR_UNKNOWN_USER', `there is no user ${name}`, {
          hint: 'see `brygga console user list`',
        });
      const passHash = await hashPassphrase(await newPassphrase(io, name));
      await withDatabase(path, (db) => db.setPassphrase(name, passHash, new Date()));
      report(io, { username: name, reset: true }, () => [
        `New passphrase set for ${name}; the account is unlocked.`,
      ]);
      return 0;
    },
  },
  {
    words: ['consent', 'hash'],
    summary: "Print the SHA-256 of a signed consent form (base64url), for the referral's consent.",
    positionals: ['<file>'],
    details: ['The file stays where it is: only the checksum goes into the referral.'],
    async run(args, io) {
      const path = args.positionals[0];
      if (path === undefined) throw usage('the file is required');
      readText(path, 'the consent form');
      const hash = hashConsentForm(new Uint8Array(readFileSync(path)));
      report(io, { documentSha256: hash }, () => [hash]);
      return 0;
    },
  },
];
