/**
 * Internal: one sync with the relay (PROTOCOL.md §9, §13.3, §13.5, §19): learn the relay's packet
 * lifetime, send what waits in the outbox (healing or undoing what the relay refuses), start a round of
 * the transparency monitor, update the directory, rotate this device's HPKE key when it is due
 * (§6.2), then read the inbox page by page, processing
 * each packet exactly once and acknowledging it only after its transaction committed; last, send what
 * the packets provoked (receipts, decisions) and check that what this device submitted reached the log.
 */
import type { InboxNotice, InboxPacket } from '../transport/relay-client.js';
import { RelayError } from '../transport/relay-client.js';
import type { DeviceRuntime } from './_device-runtime.js';
import { syncDirectory } from './_directory-sync.js';
import { receive } from './_inbound.js';
import { rotateKeyIfDue } from './_key-rotation.js';
import { flushOutbox } from './_outbound.js';
import type { ReceiveResult, SyncReport } from './client-types.js';

/** Sync the device with the relay; see the module header. */
export async function syncDevice(d: DeviceRuntime, signal?: AbortSignal): Promise<SyncReport> {
  const report: SyncReport = { received: [], sent: 0, notices: 0, healed: [], voided: [] };
  const flush = async () => {
    const flushed = await flushOutbox(d);
    report.sent += flushed.sent;
    report.healed.push(...flushed.healed);
    report.voided.push(...flushed.voided.map((v) => ({ pid: v.pid, code: v.code, voided: v.pids })));
  };
  try {
    await d.learnPacketLifetime(signal);
  } catch {
    // The relay out of reach: the calls below say so.
  }
  await flush();
  await d.monitor.refresh();
  await syncDirectory(d);
  await rotateKeyIfDue(d);
  let cursor: string | undefined;
  do {
    const page = await d.relay.inbox({ cursor, limit: 100, signal });
    for (const item of page.items) {
      if (item.kind === 'notice') {
        await recordExpiry(d, item);
        report.notices++;
        continue;
      }
      const result = await receiveListed(d, item);
      if (result) report.received.push(result);
    }
    cursor = page.next ?? undefined;
  } while (cursor !== undefined);
  await flush();
  await d.monitor.settle();
  return report;
}

/** The relay let a packet of this device expire: record `packet.expired`, then acknowledge the notice. */
async function recordExpiry(d: DeviceRuntime, notice: InboxNotice): Promise<void> {
  await d.recorder.record(async (tx, p) => {
    await d.recorder.emit(tx, p, 'packet.expired', null, {
      pid: notice.packetId,
      recipient: notice.recipient,
    });
  });
  await d.relay.ackNotice(notice.id);
}

/**
 * Fetch, process and acknowledge one packet the inbox lists: a packet already processed is only
 * acknowledged (ERR_REPLAY); one gone from the relay meanwhile (404) is passed over (undefined).
 */
async function receiveListed(d: DeviceRuntime, item: InboxPacket): Promise<ReceiveResult | undefined> {
  if (await d.store.getProcessed(item.id)) {
    await d.relay.ack(item.id);
    return { pid: item.id, outcome: 'duplicate', code: 'ERR_REPLAY' };
  }
  let bytes: Uint8Array;
  try {
    bytes = await d.relay.fetchPacket(item.id);
  } catch (err) {
    if (err instanceof RelayError && err.status === 404) return undefined;
    throw err;
  }
  const result = await receive(d, bytes, item.id, () => syncDirectory(d));
  await d.relay.ack(item.id);
  return result;
}
