/**
 * `brygga case show` in readable form: every field of every packet of the case (PROTOCOL.md §12), one
 * `name: value` line each, nested fields indented; the signed consent attestations and withdrawals the
 * packets carry are opened and shown by their claims, and quota proofs (content-free signatures) are
 * named but not printed.
 *
 * What came over the wire is printed with control and direction-changing characters made visible
 * (`\u{202E}`), so a referral field cannot move the terminal's cursor or turn the text around it.
 */
import { type CaseLogEntry, type CaseView, decodeCompact } from '../index.js';

/** Control characters (C0 but tab and newline, DEL, C1) and the Unicode direction controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** A wire string, safe to print on a terminal. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

/** `personalIdentityNumber` → `personal identity number`. */
function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/** The claims of a signed document in a body (consent attestation or withdrawal). */
function claimsOf(jws: string): Record<string, unknown> | undefined {
  try {
    const claims = JSON.parse(new TextDecoder().decode(decodeCompact(jws).payloadBytes)) as Record<
      string,
      unknown
    >;
    const { v: _v, kind: _k, iat: _i, ...shown } = claims;
    return shown;
  } catch {
    return undefined;
  }
}

function valueLines(value: unknown, indent: string): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (item !== null && typeof item === 'object') {
        const [first, ...rest] = valueLines(item, `${indent}  `);
        return first === undefined ? [] : [`${indent}- ${first.trimStart()}`, ...rest];
      }
      return [`${indent}- ${scalar(item, indent)}`];
    });
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => fieldLines(k, v, indent));
  }
  return [`${indent}${scalar(value, indent)}`];
}

function scalar(v: unknown, indent = ''): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  // A multi-line text keeps its lines under its field.
  return printable(String(v)).replace(/\r?\n/g, `\n${indent}  `);
}

function fieldLines(key: string, value: unknown, indent: string): string[] {
  // Signed documents are shown by what they say; quota proofs carry no content worth reading.
  if ((key === 'consent' || key === 'attestation' || key === 'withdrawal') && typeof value === 'string') {
    const claims = claimsOf(value);
    if (claims) return [`${indent}${words(key)} (signed):`, ...valueLines(claims, `${indent}  `)];
  }
  if (key === 'quota') return value === null ? [] : [`${indent}quota: signed claim of a quota slot`];
  if (value === null) return [`${indent}${words(key)}: -`];
  if (Array.isArray(value) && value.length === 0) return [`${indent}${words(key)}: none`];
  if (typeof value === 'object') return [`${indent}${words(key)}:`, ...valueLines(value, `${indent}  `)];
  return [`${indent}${words(key)}: ${scalar(value, indent)}`];
}

/** Who did something and when: `Greta Gren (samordnare), 2025-03-03`. */
function byOn(who: { name: string; role: string }, on: string): string {
  return `${printable(who.name)} (${printable(who.role)}), ${on}`;
}

/** The rival-group rule's records (PROTOCOL.md §14.6 (5)) as summary lines; the names are in the packets. */
function rivalLines(s: CaseView['state']): string[] {
  const lines: string[] = [];
  const a = s.affiliation;
  if (a) {
    const groups = a.groups === 0 ? 'none known' : `${a.groups} group${a.groups === 1 ? '' : 's'} named`;
    lines.push(`  group affiliation: ${groups}; assessed by ${byOn(a.assessedBy, a.assessedOn)}`);
  }
  const c = s.rivalCheck;
  if (c) {
    const result =
      c.result === 'no-conflict'
        ? 'no conflict'
        : c.decision === 'accepted-despite'
          ? 'conflict, accepted despite it'
          : 'conflict, declined';
    lines.push(`  rival-group check: ${result}; checked by ${byOn(c.checkedBy, c.checkedOn)}`);
  }
  return lines;
}

/** The case as text: its status and parties, then every packet with every field. */
export function caseText(view: CaseView, log: CaseLogEntry[]): string[] {
  const s = view.state;
  return [
    `Case ${view.caseId}: ${view.status} (${s.home} → ${s.receiving})`,
    `  category: ${s.category}; threat level: ${s.threatLevel}`,
    ...rivalLines(s),
    ...log.flatMap((e) => [
      '',
      `${e.sentAt}  ${e.type} from ${e.from.unit} (${e.status})`,
      ...valueLines(e.body, '  '),
      ...e.attachments.map((a) => `  attachment: ${printable(a.name)} (${a.type}, ${a.data.length} bytes)`),
    ]),
  ];
}
