/**
 * Internal: units' signed figures (PROTOCOL.md §21). This unit's are computed from its cases and agreed
 * reconciliations, signed by this device, kept and sent in a `unit-figures` packet to every device of
 * every party; the other parties' arrive the same way, are verified (signed by a device of the unit
 * they name, for an accepted agreement, with that unit's statistics for its period) and kept with a
 * `figures.received` event. None of it belongs to a case.
 */
import { directoryResolver, documentHash } from '../cases/signed-document.js';
import {
  computeUnitFigures,
  signUnitFigures,
  type UnitFigures,
  verifyUnitFigures,
} from '../cases/unit-figures.js';
import type { UnitFiguresBody } from '../cases/unit-figures-body.js';
import type { Agreement } from '../directory/agreement.js';
import { BryggaError } from '../errors.js';
import { packetRecord } from './_case-book.js';
import type { DeviceRuntime } from './_device-runtime.js';
import { sendDocument } from './_outbound.js';
import { type Applied, type Received, STORED } from './_received.js';
import { agreedReconciliations, caseStates } from './_reports.js';
import type { SendResult } from './client-types.js';

/**
 * Another party's figures: from its own unit (ERR_WRONG_PARTY otherwise), verified, kept with a
 * `figures.received` event. The same document twice is kept once.
 */
export async function receiveUnitFigures(body: UnitFiguresBody, r: Received): Promise<Applied> {
  const { d, tx, pending, opened } = r;
  if (opened.claims.case !== null) {
    throw new BryggaError('ERR_MALFORMED', 'a unit-figures packet belongs to no case');
  }
  const doc = verifyUnitFigures(body.figures, directoryResolver(d.directory), d.directory.agreements);
  if (doc.unit !== opened.claims.iss) {
    throw new BryggaError('ERR_WRONG_PARTY', "a unit's figures must come from the unit itself");
  }
  const f = doc.payload;
  const hash = documentHash(doc.jws);
  const known = (await tx.listUnitFigures(f.agreement)).some((x) => x.hash === hash);
  if (!known) {
    await tx.putUnitFigures({ hash, agreement: f.agreement, unit: f.unit, iat: f.iat, jws: doc.jws });
    await d.recorder.emit(tx, pending, 'figures.received', null, {
      unit: f.unit,
      agreement: f.agreement,
      iat: f.iat,
    });
  }
  await tx.putPacket({ ...packetRecord(opened.claims, opened.jws, opened.hash, [], 'in'), status: 'stored' });
  return STORED;
}

/** This unit's figures for `agreement`, computed now (not signed). */
export async function ownFigures(d: DeviceRuntime, agreement: Agreement): Promise<UnitFigures> {
  return computeUnitFigures({
    unit: d.unit,
    agreement,
    cases: await caseStates(d),
    reconciliations: await agreedReconciliations(d),
    now: d.now(),
  });
}

/**
 * Sign this unit's figures for `agreement` and send them to every party; they are kept here too, so the
 * joint report holds this unit's own. Returns what was signed.
 */
export async function sendUnitFigures(
  d: DeviceRuntime,
  agreement: Agreement,
): Promise<{ figures: UnitFigures; jws: string; sent: SendResult }> {
  const figures = await ownFigures(d, agreement);
  const jws = signUnitFigures(figures, d.identity.key);
  const units = agreement.terms.parties.map((p) => p.unit).filter((u) => u !== d.unit);
  const sent = await sendDocument(d, 'unit-figures', { figures: jws }, units, async (tx, pending) => {
    await tx.putUnitFigures({
      hash: documentHash(jws),
      agreement: figures.agreement,
      unit: figures.unit,
      iat: figures.iat,
      jws,
    });
    await d.recorder.emit(tx, pending, 'figures.received', null, {
      unit: figures.unit,
      agreement: figures.agreement,
      iat: figures.iat,
    });
  });
  return { figures, jws, sent };
}
