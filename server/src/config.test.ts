import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/error-code.js';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from './config.js';

const TOKEN = 'x'.repeat(40);

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig([], {})).toEqual({ ...DEFAULT_CONFIG });
    expect(DEFAULT_CONFIG).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      database: './data/brygga.sqlite',
      publicUrl: 'http://127.0.0.1:8787',
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
