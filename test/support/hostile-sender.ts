/**
 * A modified sender for the workflow tests: it signs, seals and submits a packet with the unit's real
 * device key straight to the relay, skipping every check its SDK would make. The other end must refuse
 * what the rules refuse (PROTOCOL.md §14: both ends apply the same rules).
 */
import {
  attestConsent,
  makeQuotaClaim,
  type PacketBodies,
  type PacketType,
  type ReferralBody,
  RelayClient,
  sealPacket,
} from '@brygga/client-sdk';
import type { TestDevice } from './fixtures.js';
import { AUDIENCE } from './relay.js';
import { referInput, type Workflow, type WorkflowUnit } from './workflow-world.js';

/**
 * Seal `body` as `unit`'s device, to `to`'s devices, and submit it; the sealed packet's claims. `via`
 * names another device of `unit` to sign with (one of a case's circle, PROTOCOL.md §13.6) and the only
 * devices of `to` to seal to (its intake, or its part of the circle), so the packet passes the circle
 * and meets the rule it is about.
 */
export async function submitUnchecked<T extends PacketType>(
  w: Workflow,
  unit: WorkflowUnit,
  to: WorkflowUnit,
  p: { type: T; caseId: string; prev: string | null; body: PacketBodies[T] },
  via: { sender?: TestDevice; devices?: readonly string[] } = {},
): Promise<{ pid: string }> {
  const key = (via.sender ?? w.world.units[unit]).key;
  const now = w.relay.clock.date;
  const recipients = w.clients[to].directory.recipientsFor([to], now);
  const sealed = await sealPacket({
    sender: { unit, key },
    recipients: via.devices ? recipients.filter((r) => via.devices!.includes(r.device)) : recipients,
    type: p.type,
    caseId: p.caseId,
    prev: p.prev,
    body: p.body,
    now,
  });
  const relay = new RelayClient({ baseUrl: w.url, audience: AUDIENCE, key, now: () => w.relay.clock.date });
  await relay.submit(sealed.envelope);
  return { pid: sealed.claims.pid };
}

/**
 * A referral body from `home` to `to` with its own consent and outgoing quota proof, changed by
 * `change`, that no SDK check has seen.
 */
export function uncheckedReferral(
  w: Workflow,
  home: WorkflowUnit,
  to: WorkflowUnit,
  caseId: string,
  change: (body: ReferralBody) => ReferralBody = (b) => b,
): ReferralBody {
  const key = w.world.units[home].key;
  const now = w.relay.clock.date;
  const { proof } = makeQuotaClaim(key, {
    agreement: w.world.agreement,
    unit: home,
    direction: 'outgoing',
    caseId,
    now,
  });
  const input = referInput(home, to);
  const consent = attestConsent(key, {
    caseId,
    unit: home,
    form: 'written',
    written: input.consent.written!,
    scope: { units: [home, to], police: true, processing: true },
    validFrom: input.consent.validFrom,
    validUntil: null,
    now,
  });
  const { consent: _details, note: _note, ...rest } = input;
  return change({
    ...rest,
    deviations: rest.deviations ?? [],
    affiliation: rest.affiliation ?? null,
    consent,
    quota: proof,
    note: null,
  });
}

/** The receiver's report of `pid` after a sync, and the receipts it signed for it (outcome, code, unit). */
export async function refusedBy(w: Workflow, unit: WorkflowUnit, pid: string) {
  const report = await w.clients[unit].sync();
  const receipts = await w.stores[unit].db.selectFrom('brygga_receipts').selectAll().execute();
  return {
    received: report.received.find((r) => r.pid === pid),
    receipts: receipts.filter((r) => r.pid === pid).map((r) => [r.outcome, r.code, r.unit]),
  };
}
