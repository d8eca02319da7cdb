/**
 * The shapes of the workflow's fields (PROTOCOL.md §12, §16), for a caller that checks input before the
 * SDK sees it (a form, the `brygga` command line): the same expressions the body validators use, so an
 * answer that passes here is not refused for its shape there. Identifiers and dates (`ID_PATTERN`,
 * `DATE_PATTERN`) are the directory's (PROTOCOL.md §5).
 */
import { DATE_PATTERN } from '../directory/validate.js';

/** base64url of a SHA-256 (43 characters): packet and document hashes, a signed consent form's hash. */
export const HASH_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A personnummer or samordningsnummer: YYYYMMDD and four digits, with `-`, `+` or nothing between. */
export const PERSONAL_IDENTITY_NUMBER_PATTERN = /^(18|19|20)\d{6}[-+]?\d{4}$/;

/** A contact person's phone number: digits, spaces, brackets and dashes, an optional leading `+`. */
export const PHONE_PATTERN = /^\+?[0-9 ()-]{5,30}$/;

/** A contact person's email address (its shape only). */
export const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

/** A half-year (PROTOCOL.md §16): `YYYY-H1` (January–June) or `YYYY-H2`. */
export const HALF_YEAR_PATTERN = /^(\d{4})-H([12])$/;

/**
 * The period a reconciliation covers (PROTOCOL.md §16): a quarter `YYYY-Q1` … `YYYY-Q4`, a half-year
 * `YYYY-H1` or `YYYY-H2`, or a year `YYYY`, as the agreement's interval says (§5.3).
 */
export const RECONCILIATION_PERIOD_PATTERN = /^(\d{4})(?:-(H[12]|Q[1-4]))?$/;

/** Whether `text` is a real calendar date `YYYY-MM-DD` (`2025-02-30` is not). */
export function isCalendarDate(text: string): boolean {
  return DATE_PATTERN.test(text) && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text;
}
