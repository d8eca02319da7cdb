/**
 * Internal field validators for packet bodies and signed case documents (PROTOCOL.md §12). Every
 * refusal is ERR_MALFORMED naming the field (a path such as `referral.policeConsultations[1].date`), so
 * a case system sees exactly what is wrong. No value is ever echoed into a message: bodies hold personal
 * data and error messages end up in logs.
 */
import { DATE_PATTERN, ID_PATTERN } from '../directory/validate.js';
import { BryggaError } from '../errors.js';
import { HASH_PATTERN } from './field-patterns.js';

/** 16 random bytes, base64url: packet ids, case ids, consent ids. */
const ID16_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** 32 random bytes, base64url. */
export const SALT_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Calendar month YYYY-MM. */
const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
/** Compact JWS. */
const COMPACT_JWS_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Longest free text (notes, summaries, documentation). */
const MAX_TEXT = 20_000;
/** Longest short text (names, roles, references). */
export const MAX_SHORT = 200;
/** Longest signed document embedded in a body (consent, claim, receipt). */
const MAX_JWS = 64 * 1024;

/** Throw ERR_MALFORMED naming `path`. */
export function malformed(path: string, problem: string): never {
  throw new BryggaError('ERR_MALFORMED', `${path} ${problem}`);
}

/** `value` must be a plain object. */
export function object(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    malformed(path, 'must be an object');
  return value as Record<string, unknown>;
}

/** `value` must be an object with exactly the `required` members and at most the `optional` ones. */
export function members(
  value: unknown,
  path: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Record<string, unknown> {
  const o = object(value, path);
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k)) malformed(`${path}.${k}`, 'is not a known member');
  }
  for (const k of required) if (!Object.hasOwn(o, k)) malformed(`${path}.${k}`, 'is required');
  return o;
}

/** A non-empty string of at most `max` characters, matching `pattern` if given. */
export function text(value: unknown, path: string, max = MAX_TEXT, pattern?: RegExp): string {
  if (typeof value !== 'string') malformed(path, 'must be a string');
  if (value.length === 0 || value.length > max) malformed(path, `must have 1 to ${max} characters`);
  if (pattern && !pattern.test(value)) malformed(path, 'is not well-formed');
  return value;
}

/** A {@link text}, or null. */
export function optionalText(value: unknown, path: string, max = MAX_TEXT): string | null {
  return value === null ? null : text(value, path, max);
}

/** A unit, municipality or catalogue identifier. */
export function id(value: unknown, path: string): string {
  return text(value, path, 64, ID_PATTERN);
}

/** A base64url SHA-256. */
export function hash(value: unknown, path: string): string {
  return text(value, path, 43, HASH_PATTERN);
}

/** 16 bytes, base64url: a packet, case or consent id. */
export function id16(value: unknown, path: string): string {
  return text(value, path, 22, ID16_PATTERN);
}

/** A compact JWS (checked for shape only). */
export function jws(value: unknown, path: string): string {
  return text(value, path, MAX_JWS, COMPACT_JWS_PATTERN);
}

/** A real calendar date YYYY-MM-DD (2025-02-30 is refused). */
export function date(value: unknown, path: string): string {
  const d = text(value, path, 10, DATE_PATTERN);
  if (new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) malformed(path, 'is not a calendar date');
  return d;
}

/** A {@link date}, or null. */
export function optionalDate(value: unknown, path: string): string | null {
  return value === null ? null : date(value, path);
}

/** A calendar month YYYY-MM. */
export function month(value: unknown, path: string): string {
  return text(value, path, 7, MONTH_PATTERN);
}

/** true or false. */
export function bool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') malformed(path, 'must be true or false');
  return value;
}

/** A safe integer from `min` to `max`. */
export function integer(value: unknown, path: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    malformed(path, `must be an integer from ${min} to ${max}`);
  }
  return value as number;
}

/** One of `allowed`. */
export function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    malformed(path, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** An array of `min` to `max` items, each checked by `item` with its index in the path. */
export function list<T>(
  value: unknown,
  path: string,
  min: number,
  max: number,
  item: (v: unknown, path: string) => T,
): T[] {
  if (!Array.isArray(value)) malformed(path, 'must be an array');
  if (value.length < min || value.length > max) malformed(path, `must have ${min} to ${max} items`);
  return value.map((v, i) => item(v, `${path}[${i}]`));
}

/** Items of `values` must be distinct (by `key`). */
export function distinct<T>(values: readonly T[], path: string, key: (v: T) => string = String): void {
  const seen = new Set<string>();
  for (const v of values) {
    const k = key(v);
    if (seen.has(k)) malformed(path, 'lists an item twice');
    seen.add(k);
  }
}

/** The calendar date (UTC) of a NumericDate. */
export function dayOf(numericDate: number): string {
  return new Date(numericDate * 1000).toISOString().slice(0, 10);
}
