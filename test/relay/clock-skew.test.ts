/**
 * A device with a wrong clock (PROTOCOL.md §8): the relay names the condition (`clock-skew`) and gives its
 * own time in the `Date` header, the SDK reads the offset from it, and the CLI tells the user how far off
 * the device's clock is. Over a real socket, with the SDK's own clock set ahead and behind.
 */
import { RelayClient, RelayError } from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionLostLine } from '../../client-sdk/src/cli/_event-lines.js';
import { describeFailure } from '../../client-sdk/src/cli/_failure.js';
import { AUDIENCE, listen, startTestRelay, type TestRelay } from '../support/relay.js';

describe('a device whose clock is off', () => {
  let relay: TestRelay;
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  afterEach(async () => {
    await server?.close();
    await relay?.close();
  });

  async function refusal(offsetMs: number): Promise<RelayError> {
    const device = relay.world.devices.malmo;
    const client = new RelayClient({
      baseUrl: server!.url,
      audience: AUDIENCE,
      key: device.key,
      now: () => new Date(relay.clock.now + offsetMs),
    });
    const caught = await client.inbox().catch((err: unknown) => err);
    expect(caught).toBeInstanceOf(RelayError);
    return caught as RelayError;
  }

  it.each([
    ['ahead', 600_000],
    ['behind', -600_000],
  ])('is told its clock is %s, by how much, and what to do', async (direction, offsetMs) => {
    relay = await startTestRelay('sqlite');
    server = await listen(relay);
    const err = await refusal(offsetMs);
    expect(err.status).toBe(401);
    expect(err.errorCode).toBe('ERR_CLOCK_SKEW');
    expect(err.message).toMatch(new RegExp(`600 seconds ${direction === 'ahead' ? 'ahead of' : 'behind'}`));
    // The Date header has whole seconds: the offset is within one of the truth.
    expect(Math.abs(err.clockOffsetSeconds! - offsetMs / 1000)).toBeLessThanOrEqual(1);
    const failure = describeFailure(err);
    expect(failure.hint).toMatch(new RegExp(`this device's clock is 60\\d seconds ${direction}`));
    expect(failure.hint).toMatch(/set it right/);
    // `brygga inbox --watch` says the same while it retries.
    expect(connectionLostLine({ connected: false, retryInMs: 4000, error: err })).toMatch(
      new RegExp(
        `refuses this device's tokens: this device's clock is 60\\d seconds ${direction}.*trying again in 4 s`,
      ),
    );
    // A device within the tolerance is served.
    const ok = new RelayClient({
      baseUrl: server.url,
      audience: AUDIENCE,
      key: relay.world.devices.malmo.key,
      now: () => new Date(relay.clock.now + Math.sign(offsetMs) * 20_000),
    });
    await expect(ok.inbox()).resolves.toMatchObject({ items: [] });
  });

  it('gets the Date header on every answer, refusals included', async () => {
    relay = await startTestRelay('sqlite');
    server = await listen(relay);
    for (const path of ['/v1/health', '/v1/inbox', '/v1/no-such-thing']) {
      const res = await fetch(`${server.url}${path}`);
      await res.body?.cancel();
      expect(res.headers.get('date'), path).toBe(relay.clock.date.toUTCString());
    }
  });

  it('has no clock offset on other refusals', async () => {
    relay = await startTestRelay('sqlite');
    server = await listen(relay);
    const stranger = new RelayClient({
      baseUrl: server.url,
      audience: 'https://elsewhere.test',
      key: relay.world.devices.malmo.key,
      now: () => relay.clock.date,
    });
    const caught = (await stranger.inbox().catch((err: unknown) => err)) as RelayError;
    expect(caught.errorCode).toBe('ERR_UNAUTHORIZED');
    expect(caught.clockOffsetSeconds).toBeUndefined();
  });
});
