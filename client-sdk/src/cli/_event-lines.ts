/**
 * The client's events (PROTOCOL.md §13.4) as one line each for a person watching `brygga inbox
 * --watch`: what arrived, what changed, what needs someone. Case ids are shown whole (they are what a
 * coordinator types next); packet ids and hashes are left out.
 */
import { type ClientEvent, isBryggaError, type WatchConnection } from '../index.js';
import { clockHint } from './_clock-hint.js';

type Describe = (data: Record<string, unknown>, caseId: string | null) => string;

const inCase = (caseId: string | null) => (caseId ? `case ${caseId}: ` : '');

const LINES: Record<string, Describe> = {
  'packet.applied': (d, c) =>
    d.direction === 'out'
      ? `${inCase(c)}${String(d.packetType)} sent`
      : `${inCase(c)}${String(d.packetType)} from ${String(d.from)}`,
  'case.status': (d, c) => `${inCase(c)}now ${String(d.status)}`,
  'case.gap': (_d, c) => `${inCase(c)}a packet waits for an earlier one that has not arrived (ERR_CASE_GAP)`,
  'case.fork': (_d, c) =>
    `${inCase(c)}two packets continued the case at once; one was set aside (ERR_CASE_FORK)`,
  'packet.rejected': (d, c) =>
    `${inCase(c)}refused a ${d.packetType === null ? 'packet' : String(d.packetType)} from ${String(d.from)} [${String(d.code)}]`,
  'packet.healed': (d, c) =>
    `${inCase(c)}${String(d.packetType)} sent again to the devices current now (the relay: ${String(d.problem)})`,
  'packet.voided': (d, c) =>
    `${inCase(c)}${d.packetType === null ? 'a packet' : String(d.packetType)} refused by the relay and undone [${String(d.code)}]`,
  'receipt.received': (d, c) => `${inCase(c)}receipt from ${String(d.unit)}: ${String(d.outcome)}`,
  'case.auto-declined': (_d, c) => `${inCase(c)}declined by this device: the quota is used up`,
  'quota.changed': (d) => `quota: a ${String(d.kind)} for ${String(d.municipality)} (${String(d.direction)})`,
  'reconciliation.proposed': (d) =>
    `reconciliation ${String(d.label)} proposed by the other unit: run \`brygga reconcile\` to countersign`,
  'reconciliation.agreed': (d) => `reconciliation ${String(d.label)} signed by both units`,
  'agreement.accepted': (d) => `agreement extension ${String(d.sequence)} accepted`,
  'packet.expired': (d) => `a packet of this device expired before ${JSON.stringify(d.recipient)} fetched it`,
  'directory.refused': (d) =>
    `the relay's directory held a statement that does not verify [${String(d.code)}]`,
  'unit.device-enrolled': (d) =>
    `a new device of this unit was enrolled: ${String(d.name)} (safety number ${String(d.safetyNumber)})`,
  'key.rotated': () => 'this device published a new encryption key',
  'log.alert': (d) =>
    `ALERT ${String(d.alert)}: ${String(d.detail)} [${String(d.code)}]: see \`brygga alerts\``,
  'directory.alert': (d) =>
    `ALERT ${String(d.alert)}: ${String(d.detail)} [${String(d.code)}]: see \`brygga alerts\``,
  'alert.acknowledged': (d) => `alert ${String(d.alert)} acknowledged by ${String(d.by)}`,
};

/** One line for a person: the time, then what happened. */
export function eventLine(e: ClientEvent): string {
  const describe = LINES[e.type];
  const text = describe ? describe(e.data, e.caseId) : `${e.type}${e.caseId ? ` ${e.caseId}` : ''}`;
  return `${e.at.slice(0, 19).replace('T', ' ')}  ${text}`;
}

/**
 * The line for a broken watch connection: a device whose clock is off is told so and by how much
 * (every retry would be refused the same way), anything else that the relay could not be reached.
 */
export function connectionLostLine(state: WatchConnection): string {
  const seconds = Math.max(1, Math.round((state.retryInMs ?? 0) / 1000));
  const err = state.error;
  if (isBryggaError(err, 'ERR_RELAY') && err.errorCode === 'ERR_CLOCK_SKEW') {
    const hint =
      err.clockOffsetSeconds === undefined
        ? "this device's clock is off: set it right"
        : clockHint(err.clockOffsetSeconds);
    return `brygga: the relay refuses this device's tokens: ${hint}; trying again in ${seconds} s\n`;
  }
  return `brygga: the relay could not be reached; trying again in ${seconds} s\n`;
}
