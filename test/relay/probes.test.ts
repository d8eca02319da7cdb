/**
 * The liveness and readiness probes (PROTOCOL.md §9): live while the process answers; ready only while
 * the database answers and the transparency log's integrator runs.
 */
import { DEFAULT_CONFIG, Logger, startRelay } from '@brygga/server';
import { describe, expect, it } from 'vitest';

describe('the liveness and readiness probes', () => {
  it('are live and ready while serving, and not ready once the log stops or the database is gone', async () => {
    const relay = await startRelay(
      { ...DEFAULT_CONFIG, port: 0, database: ':memory:', logLevel: 'silent' },
      { logger: new Logger({ level: 'silent' }) },
    );
    try {
      const get = (path: string) => fetch(`${relay.url}${path}`);
      const live = await get('/v1/health/live');
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'live' });
      const ready = await get('/v1/health/ready');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });

      await relay.transparency.stop();
      const stopped = await get('/v1/health/ready');
      expect(stopped.status).toBe(503);
      expect(stopped.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect((await stopped.json()).detail).toMatch(/transparency log/);

      await relay.database.close();
      const gone = await get('/v1/health/ready');
      expect(gone.status).toBe(503);
      expect((await gone.json()).detail).toMatch(/database does not answer/);
      // Liveness checks nothing but the process.
      expect((await get('/v1/health/live')).status).toBe(200);
    } finally {
      await relay.close().catch(() => {});
    }
  });
});
