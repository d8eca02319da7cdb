import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/error-code.js';
import { ConfigError, DEFAULT_CONFIG, helpText, loadConfig, SETTINGS } from './config.js';

const TOKEN = 'x'.repeat(40);

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig([], {})).toEqual({ ...DEFAULT_CONFIG });
    expect(DEFAULT_CONFIG).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      database: './data/brygga.sqlite',
      // None: the address actually listened on (relay.ts).
      publicUrl: undefined,
      maxEnvelopeBytes: 16 * 1024 * 1024,
      ratePerMinute: 600,
      packetTtlSeconds: 14 * 86400,
      sweepSeconds: 60,
      maxQueuedBytesPerDevice: 256 * 1024 * 1024,
      maxQueuedBytesPerUnit: 1024 * 1024 * 1024,
      maxConnections: 1024,
    });
    expect(
      loadConfig(['--max-connections', '8'], {
        BRYGGA_MAX_QUEUED_BYTES_PER_DEVICE: String(32 * 1024 * 1024),
        BRYGGA_MAX_QUEUED_BYTES_PER_UNIT: String(64 * 1024 * 1024),
      }),
    ).toMatchObject({
      maxConnections: 8,
      maxQueuedBytesPerDevice: 32 * 1024 * 1024,
      maxQueuedBytesPerUnit: 64 * 1024 * 1024,
    });
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      BRYGGA_HOST: '0.0.0.0',
      BRYGGA_PORT: '9000',
      BRYGGA_DATABASE: 'postgres://relay@db/brygga',
      BRYGGA_PUBLIC_URL: 'https://brygga.example.se/',
      BRYGGA_RATE_PER_MINUTE: '60',
      BRYGGA_PACKET_TTL_SECONDS: '3600',
      BRYGGA_LOG_LEVEL: 'warn',
      BRYGGA_ADMIN_TOKEN: TOKEN,
      BRYGGA_AGREEMENT: '/etc/brygga/avtal.json',
    };
    expect(loadConfig([], env)).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      database: 'postgres://relay@db/brygga',
      publicUrl: 'https://brygga.example.se',
      ratePerMinute: 60,
      packetTtlSeconds: 3600,
      logLevel: 'warn',
      adminToken: TOKEN,
      agreementFile: '/etc/brygga/avtal.json',
    });
    expect(loadConfig(['--port', '0', '--host', '::1', '--rate-per-minute=5'], env)).toMatchObject({
      port: 0,
      host: '::1',
      ratePerMinute: 5,
    });
  });

  it('reads the CORS origins: exact origins only, none by default', () => {
    expect(DEFAULT_CONFIG.corsOrigins).toEqual([]);
    expect(
      loadConfig([], { BRYGGA_CORS_ORIGINS: 'https://arende.malmo.example, http://127.0.0.1:5173' })
        .corsOrigins,
    ).toEqual(['https://arende.malmo.example', 'http://127.0.0.1:5173']);
    expect(loadConfig(['--cors-origins', 'https://a.example'], {}).corsOrigins).toEqual([
      'https://a.example',
    ]);
    for (const bad of [
      '*',
      'https://a.example/',
      'https://a.example/page',
      'ftp://a.example',
      'a.example',
      'https://a.example,',
    ]) {
      expect(() => loadConfig([], { BRYGGA_CORS_ORIGINS: bad })).toThrow(/BRYGGA_CORS_ORIGINS/);
    }
  });

  it('reads the admin token from a file, never from a flag', () => {
    const files: Record<string, string> = { '/run/secrets/admin': `${TOKEN}\n` };
    const read = (p: string) => {
      if (!(p in files)) throw new Error('ENOENT');
      return files[p]!;
    };
    expect(loadConfig(['--admin-token-file', '/run/secrets/admin'], {}, read).adminToken).toBe(TOKEN);
    expect(loadConfig([], { BRYGGA_ADMIN_TOKEN_FILE: '/run/secrets/admin' }, read).adminToken).toBe(TOKEN);
    expect(() => loadConfig(['--admin-token-file', '/nope'], {}, read)).toThrow(ConfigError);
    expect(codeOf(() => loadConfig(['--admin-token', TOKEN], {}))).toBe('ERR_CONFIG');
  });

  it('reads the metrics token from the environment or a file, never from a flag', () => {
    const read = (p: string) => {
      if (p !== '/run/secrets/metrics') throw new Error('ENOENT');
      return `${TOKEN}\n`;
    };
    expect(loadConfig([], {}).metricsToken).toBeUndefined();
    expect(loadConfig([], { BRYGGA_METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig(['--metrics-token-file', '/run/secrets/metrics'], {}, read).metricsToken).toBe(TOKEN);
    expect(() => loadConfig([], { BRYGGA_METRICS_TOKEN: 'short' })).toThrow(/metrics token must be at least/);
    expect(() => loadConfig(['--metrics-token', TOKEN], {})).toThrow(/BRYGGA_METRICS_TOKEN/);
  });

  it('refuses a secret given as a flag, saying how to pass it, without repeating it', () => {
    const message = (argv: string[]) => {
      try {
        loadConfig(argv, {});
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    for (const argv of [['--admin-token', TOKEN], [`--admin-token=${TOKEN}`]]) {
      const text = message(argv);
      expect(text).toMatch(/BRYGGA_ADMIN_TOKEN/);
      expect(text).toMatch(/--admin-token-file/);
      expect(text).not.toContain(TOKEN);
    }
    const withPassword = message(['--database', 'postgres://relay:hemligt-lösen@db/brygga']);
    expect(withPassword).toMatch(/BRYGGA_DATABASE/);
    expect(withPassword).toMatch(/PGPASSWORD/);
    expect(withPassword).not.toContain('hemligt');
    // In the environment, or without a password, the same URL is taken.
    expect(loadConfig([], { BRYGGA_DATABASE: 'postgres://relay:pw@db/brygga' }).database).toBe(
      'postgres://relay:pw@db/brygga',
    );
    expect(loadConfig(['--database', 'postgres://relay@db/brygga'], {}).database).toBe(
      'postgres://relay@db/brygga',
    );
  });

  it('names the admin token file it cannot read', () => {
    const read = () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    expect(() => loadConfig(['--admin-token-file', '/etc/brygga/admin-token'], {}, read)).toThrow(
      /the admin token file \/etc\/brygga\/admin-token cannot be read \(EACCES\)/,
    );
  });

  it('lists in --help every setting it reads, each with its flag and default', () => {
    const help = helpText();
    // Every environment variable config.ts names is a row of SETTINGS, and every row is in the help.
    const source = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
    const named = new Set(source.match(/BRYGGA_[A-Z_]*[A-Z]\b(?!_)/g));
    expect(new Set(SETTINGS.map((s) => s.env))).toEqual(named);
    for (const s of SETTINGS) {
      expect(help).toContain(s.env);
      if (s.flag !== undefined) expect(help).toContain(`--${s.flag} `);
      expect(help).toContain(s.default);
    }
    // Every flag in the help is taken (a secret has none).
    for (const s of SETTINGS.filter((x) => x.flag !== undefined && x.flag !== 'admin-token-file')) {
      expect(() => loadConfig([`--${s.flag}`, 'x'], {})).not.toThrow(/Unknown option/);
    }
  });

  it('refuses bad values with a message naming the setting', () => {
    const bad = (argv: string[], env: Record<string, string> = {}) => {
      try {
        loadConfig(argv, env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(bad(['--port', '70000'])).toMatch(/BRYGGA_PORT/);
    expect(bad([], { BRYGGA_PORT: '12ab' })).toMatch(/BRYGGA_PORT/);
    expect(bad([], { BRYGGA_MAX_RECIPIENTS: '65' })).toMatch(/BRYGGA_MAX_RECIPIENTS/);
    expect(bad([], { BRYGGA_PUBLIC_URL: 'relay.example.se' })).toMatch(/BRYGGA_PUBLIC_URL/);
    expect(bad([], { BRYGGA_PUBLIC_URL: 'ftp://relay.example.se' })).toMatch(/BRYGGA_PUBLIC_URL/);
    expect(bad([], { BRYGGA_LOG_LEVEL: 'loud' })).toMatch(/BRYGGA_LOG_LEVEL/);
    expect(bad([], { BRYGGA_ADMIN_TOKEN: 'short' })).toMatch(/admin token/);
    expect(bad([], { BRYGGA_ADMIN_TOKEN: `${TOKEN} ${TOKEN}` })).toMatch(/admin token/);
    // A device's quota fits at least one largest envelope; a unit's at least its device's.
    expect(bad([], { BRYGGA_MAX_QUEUED_BYTES_PER_DEVICE: String(1024 * 1024) })).toMatch(
      /BRYGGA_MAX_QUEUED_BYTES_PER_DEVICE must be at least BRYGGA_MAX_ENVELOPE_BYTES/,
    );
    expect(bad([], { BRYGGA_MAX_QUEUED_BYTES_PER_UNIT: String(64 * 1024 * 1024) })).toMatch(
      /BRYGGA_MAX_QUEUED_BYTES_PER_UNIT/,
    );
    expect(bad(['--max-connections', '0'])).toMatch(/BRYGGA_MAX_CONNECTIONS/);
    expect(bad(['--unknown'])).not.toBe('accepted');
    expect(bad(['positional'])).not.toBe('accepted');
  });
});
