/**
 * Case history (ärendets historik; PROTOCOL.md §12.4.13, §13.6): the case log up to an assignment, as
 * its packets' signed JWS, sent by the assigning device to the devices the assignment adds to its
 * unit's circle, so that they read the case from its referral on. Each packet verifies on its own (its
 * signer's key, judged at its signing time), so the carrier vouches for nothing but their delivery.
 */
import { list, members, text } from './_fields.js';

/** Most packets one history carries. */
export const MAX_HISTORY_PACKETS = 2000;
/** Longest packet JWS a history carries (characters). */
const MAX_PACKET_JWS = 4 * 1024 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Body of a `case-history` packet: the case log's packets in log order, from the referral on. */
export interface CaseHistoryBody {
  packets: string[];
}

/** Validate a `case-history` body; ERR_MALFORMED naming the field. */
export function validateCaseHistory(value: unknown): CaseHistoryBody {
  const o = members(value, 'case-history', ['packets']);
  return {
    packets: list(o.packets, 'case-history.packets', 1, MAX_HISTORY_PACKETS, (v, path) =>
      text(v, path, MAX_PACKET_JWS, COMPACT_JWS),
    ),
  };
}
