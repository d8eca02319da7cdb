/** Signed receipts (PROTOCOL.md §12.3.3). */
import { describe, expect, it } from 'vitest';
import { caseWorld, contextOf, newCaseId } from '../../../test/support/case-world.js';
import { codeOf } from '../../../test/support/error-code.js';
import { signCompact } from '../crypto/jws.js';
import { matchReceipt, RECEIPT_TYP, type SentPacketRecord, signReceipt, verifyReceipt } from './receipt.js';

const world = caseWorld();
const { resolve } = contextOf(world);

const sent: SentPacketRecord = {
  pid: 'AAAAAAAAAAAAAAAAAAAAAA',
  hash: 'h'.repeat(43),
  case: newCaseId(),
  type: 'referral',
  iss: 'stockholm-jarva',
  dev: world.devices['stockholm-jarva'].key.kid,
  rcp: [world.devices.malmo.key.kid],
};

function receipt(overrides: Partial<Parameters<typeof signReceipt>[1]> = {}, device = world.devices.malmo) {
  return signReceipt(device.key, {
    pid: sent.pid,
    hash: sent.hash,
    caseId: sent.case,
    type: sent.type,
    from: { unit: sent.iss, device: sent.dev },
    unit: device.unit,
    outcome: 'applied',
    now: world.now,
    ...overrides,
  });
}

describe('receipts', () => {
  it('verify and match the packet they name', () => {
    const r = verifyReceipt(receipt(), resolve);
    expect(r.unit).toBe('malmo');
    expect(codeOf(() => matchReceipt(r.payload, sent))).toBe('ok');
  });

  it('a receipt for a different packet, case, type or sender is refused (ERR_RECEIPT_MISMATCH)', () => {
    for (const o of [
      { hash: 'x'.repeat(43) },
      { pid: 'BBBBBBBBBBBBBBBBBBBBBB' },
      { caseId: newCaseId() },
      { type: 'message' },
      { from: { unit: 'goteborg-nordost', device: sent.dev } },
    ]) {
      expect(codeOf(() => matchReceipt(verifyReceipt(receipt(o), resolve).payload, sent))).toBe(
        'ERR_RECEIPT_MISMATCH',
      );
    }
    expect(codeOf(() => matchReceipt(verifyReceipt(receipt(), resolve).payload, undefined))).toBe(
      'ERR_RECEIPT_MISMATCH',
    );
  });

  it('a receipt from a device the packet was not sent to is refused', () => {
    const r = verifyReceipt(receipt({}, world.devices['goteborg-nordost']), resolve);
    expect(codeOf(() => matchReceipt(r.payload, sent))).toBe('ERR_RECEIPT_MISMATCH');
  });

  it('a receipt naming another device than its signer is refused', () => {
    const claims = JSON.parse(new TextDecoder().decode(Buffer.from(receipt().split('.')[1]!, 'base64url')));
    const lying = signCompact(
      RECEIPT_TYP,
      { ...claims, device: world.devices['goteborg-nordost'].key.kid },
      world.devices.malmo.key,
    );
    expect(codeOf(() => verifyReceipt(lying, resolve))).toBe('ERR_RECEIPT_MISMATCH');
  });

  it('outcome and code go together', () => {
    expect(codeOf(() => receipt({ outcome: 'rejected', code: null }))).toBe('ERR_MALFORMED');
    expect(codeOf(() => receipt({ outcome: 'applied', code: 'ERR_REPLAY' }))).toBe('ERR_MALFORMED');
    expect(verifyReceipt(receipt({ outcome: 'held', code: 'ERR_CASE_GAP' }), resolve).payload.code).toBe(
      'ERR_CASE_GAP',
    );
  });
});
