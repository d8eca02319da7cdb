/**
 * The promise of PROTOCOL.md §13.5 as a test helper: at every moment each party's case log is a prefix
 * of the other's, and after a sync they are equal. A case log here is what the case system sees of it:
 * the applied packets of `client.caseLog(caseId)`, in order, compared entry by entry (packet id, hash,
 * predecessor, type, sending unit and device, signing time). Held and set-aside packets are not part
 * of the log.
 */
import type { BryggaClient, CaseLogEntry } from '@brygga/client-sdk';
import { expect } from 'vitest';

/** One entry of an applied log, as compared. */
export interface LogLine {
  pid: string;
  hash: string;
  prev: string | null;
  type: string;
  from: string;
  sentAt: string;
}

/** The applied log of `caseId` at `client` (empty when it does not hold the case). */
export async function appliedLog(client: BryggaClient, caseId: string): Promise<LogLine[]> {
  let entries: CaseLogEntry[];
  try {
    entries = await client.caseLog(caseId);
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.status === 'applied')
    .map((e) => ({
      pid: e.pid,
      hash: e.hash,
      prev: e.prev,
      type: e.type,
      from: `${e.from.unit}/${e.from.device}`,
      sentAt: e.sentAt,
    }));
}

/**
 * Assert that the case logs of `parties` (two or more clients) are, pairwise, one a prefix of the
 * other, entry by entry; with `equal`, that they are the same (after a sync of every party). Returns
 * the longest log.
 */
export async function expectLogsAgree(
  parties: readonly BryggaClient[],
  caseId: string,
  options: { equal?: boolean; label?: string } = {},
): Promise<LogLine[]> {
  const logs = await Promise.all(parties.map((p) => appliedLog(p, caseId)));
  const longest = logs.reduce((a, b) => (b.length > a.length ? b : a), [] as LogLine[]);
  const where = options.label ? ` (${options.label})` : '';
  logs.forEach((log, i) => {
    const who = `${parties[i]!.unit}/${parties[i]!.device.slice(0, 6)}`;
    // Entry by entry: a party's log is the start of the longest one.
    expect(log, `${who}'s log of ${caseId} is a prefix of the longest${where}`).toEqual(
      longest.slice(0, log.length),
    );
    if (options.equal) {
      expect(log.length, `${who} holds the whole log of ${caseId}${where}`).toBe(longest.length);
    }
  });
  if (options.equal && parties.length > 1 && longest.length > 0) {
    const states = await Promise.all(parties.map((p) => p.getCase(caseId).then((c) => c.state)));
    for (const s of states.slice(1)) expect(s).toEqual(states[0]);
  }
  return longest;
}
