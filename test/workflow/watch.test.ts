/**
 * `BryggaClient.watch` (PROTOCOL.md §9 `GET /v1/inbox/events`), on both engines: connected to the
 * relay's server-sent events, the client syncs when something arrives and yields each event once, from
 * now on (with `fromStart`, the stored events first); aborting ends it. Reconnecting after a relay
 * restart is tested with a real relay process, through the CLI (test/cli/watch-and-resume.test.ts).
 */
import type { ClientEvent, WatchConnection } from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { referInput, startWorkflow, type Workflow } from '../support/workflow-world.js';

/** Collect what `watch` yields until `until` holds, then abort it. */
async function collect(
  iterator: AsyncGenerator<ClientEvent>,
  stop: AbortController,
  until: (events: ClientEvent[]) => boolean,
): Promise<ClientEvent[]> {
  const events: ClientEvent[] = [];
  for await (const e of iterator) {
    events.push(e);
    if (until(events)) stop.abort();
  }
  return events;
}

describe.each(ENGINES)('watching the relay on %s', (engine) => {
  let w: Workflow;
  afterEach(async () => {
    await w?.close();
  });

  it('yields each arrival once, from now, and ends when aborted', async () => {
    w = await startWorkflow(engine);
    const c = w.clients;
    await w.syncAll();
    const { caseId: earlier } = await c['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'));
    await c.malmo.sync();
    const stop = new AbortController();
    const connections: WatchConnection[] = [];
    const watching = collect(
      c.malmo.watch({ signal: stop.signal, onConnection: (s) => connections.push(s) }),
      stop,
      (events) => events.some((e) => e.type === 'packet.applied' && e.data.packetType === 'referral'),
    );
    // Another referral arrives while Malmö watches.
    const { caseId } = await c['goteborg-nordost'].refer(referInput('goteborg-nordost', 'malmo'));
    const events = await watching;
    expect(events.find((e) => e.type === 'packet.applied')).toMatchObject({
      caseId,
      data: { from: 'goteborg-nordost' },
    });
    expect(events.filter((e) => e.caseId === earlier)).toEqual([]);
    expect(new Set(events.map((e) => e.seq)).size).toBe(events.length);
    expect(connections[0]).toEqual({ connected: true });

    // From the start: the stored events first, the earlier referral among them.
    const again = new AbortController();
    const history = await collect(c.malmo.watch({ signal: again.signal, fromStart: true }), again, (e) =>
      e.some((x) => x.caseId === caseId),
    );
    expect(history.some((e) => e.caseId === earlier && e.type === 'packet.applied')).toBe(true);
    expect(() => c.malmo.watch({ minPauseMs: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED' }),
    );
  });
});
