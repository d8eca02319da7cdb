/**
 * Display text in signed structures (PROTOCOL.md §3.5): device names, revocation reasons, and the
 * agreement's title and names. What a person reads on a screen must be what was signed, and look like
 * it: no control characters (C0, DEL, C1: NUL and ESC among them) that a terminal or a log acts on, no
 * bidirectional overrides or isolates that show text in another order than it is stored (the "Trojan
 * Source" trick), no lone surrogates, and Unicode Normalization Form C, so two texts that look the same
 * are the same string. A signed value is never rewritten: text that breaks the rule is refused, and the
 * SDK normalises what it is given to NFC before it signs (enrolDevice, revokeDevice, Agreement.create).
 * The relay judges statements and agreements with this same function, through the SDK's Directory.
 */
import { BryggaError } from '../errors.js';

/**
 * Whether code point `c` is refused: C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F),
 * bidirectional embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), or a surrogate
 * (iterating a string by code point yields one only when it is not part of a pair).
 */
function forbidden(c: number): boolean {
  return (
    c <= 0x1f ||
    (c >= 0x7f && c <= 0x9f) ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069) ||
    (c >= 0xd800 && c <= 0xdfff)
  );
}

/** Why `value` is not acceptable display text of at most `max` code points, or undefined when it is. */
export function displayTextProblem(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  let length = 0;
  for (const ch of value) {
    if (++length > max) return `may be at most ${max} characters`;
    if (forbidden(ch.codePointAt(0)!)) return 'must not hold control characters or bidirectional controls';
  }
  if (value.normalize('NFC') !== value) return 'must be in Unicode Normalization Form C';
  return undefined;
}

/**
 * Check display text (see the module header): throws ERR_MALFORMED naming `what`.
 *
 * @example
 * import { checkDisplayText } from '@brygga/client-sdk';
 * checkDisplayText('Malmö samordnare', 'device name', 200); // returns it
 * checkDisplayText('Malmo\u202e', 'device name', 200); // throws ERR_MALFORMED
 */
export function checkDisplayText(value: unknown, what: string, max: number): string {
  const problem = displayTextProblem(value, max);
  if (problem) throw new BryggaError('ERR_MALFORMED', `${what} ${problem}`);
  return value as string;
}

/** `value` in NFC, for signing: the SDK signs display text only in the form {@link checkDisplayText} admits. */
export function normalizeDisplayText(value: string): string {
  return typeof value === 'string' ? value.normalize('NFC') : value;
}
