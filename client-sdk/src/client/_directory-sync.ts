/**
 * Internal: bringing the device's directory up to date from the relay (PROTOCOL.md §6.4, §19.3). Every
 * agreement and statement is proven included in the relay's transparency log before it is applied; one
 * that is logged but not yet in a final checkpoint waits (the cursor stays before it) for a later sync.
 */
import type { GeneralJws } from '../crypto/jws.js';
import { Agreement } from '../directory/agreement.js';
import { isRootKeyChange } from '../directory/trust-chain.js';
import { BryggaError, isBryggaError } from '../errors.js';
import { recordRootKeyAlert } from './_alerts.js';
import type { DeviceRuntime } from './_device-runtime.js';

/** Where the store keeps how far the relay's directory has been read. */
const DIRECTORY_CURSOR = 'directory.cursor';

/** Read the relay's directory from the stored cursor on; see the module header. */
export async function syncDirectory(d: DeviceRuntime): Promise<void> {
  await d.monitor.requireAgreements(d.directory.agreements.map((a) => a.digest));
  let cursor = Number((await d.store.getMeta(DIRECTORY_CURSOR)) ?? '0');
  for (;;) {
    const page = await d.relay.directory(cursor);
    for (const doc of page.agreements) await acceptSuccessor(d, doc);
    for (const s of page.statements) {
      if (s.seq <= cursor) throw new BryggaError('ERR_MALFORMED', 'relay answer: statements out of order');
      if (!(await d.monitor.requireLogged('statement', s.jws))) return;
      try {
        d.directory.apply(s.jws);
        await d.store.addStatement(s.jws);
      } catch (err) {
        await d.recorder.record(async (tx, p) => {
          await d.recorder.emit(tx, p, 'directory.refused', null, {
            code: isBryggaError(err) ? err.code : 'ERR_MALFORMED',
          });
        });
      }
      cursor = s.seq;
      await d.store.setMeta(DIRECTORY_CURSOR, String(cursor));
    }
    if (page.statements.length === 0 || cursor >= page.latest) return;
  }
}

/**
 * Read the relay's directory before a use case seals anything, so that a packet goes to the devices
 * current now (a device the other unit enrolled since the last sync, a key it rotated) and its rules
 * run under the agreement in force. Best effort: a relay out of reach, or a log check that fails (which
 * the next sync reports), leaves the directory as it was, and the packet waits in the outbox.
 */
export async function refreshDirectory(d: DeviceRuntime): Promise<void> {
  try {
    await syncDirectory(d);
  } catch (err) {
    if (isBryggaError(err, 'ERR_STORE')) throw err;
  }
}

/**
 * Accept an agreement the relay lists if it is the next extension of the current one, a valid successor
 * (PROTOCOL.md §5), and proven in the log; anything else is passed over.
 */
async function acceptSuccessor(d: DeviceRuntime, doc: GeneralJws): Promise<void> {
  let next: Agreement;
  try {
    next = Agreement.deserialize(doc);
  } catch {
    return;
  }
  const current = d.directory.agreement;
  if (next.terms.id !== current.terms.id || next.terms.sequence !== current.terms.sequence + 1) return;
  try {
    d.directory.verifySuccessor(next);
  } catch (err) {
    // Refused over a root key: an alert for the administrators to judge (PROTOCOL.md §5.1), kept once.
    if (isRootKeyChange(err)) await recordRootKeyAlert(d, err.alert, err.message);
    return;
  }
  if (!(await d.monitor.requireLogged('agreement', next.digest))) return;
  await d.recorder.record(async (tx, p) => {
    await tx.putAgreement(next.digest, next.terms.sequence, next.serialize());
    await d.recorder.emit(tx, p, 'agreement.accepted', null, {
      digest: next.digest,
      sequence: next.terms.sequence,
    });
    p.after.push(() => d.directory.addAgreement(next));
  });
}
