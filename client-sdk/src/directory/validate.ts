/**
 * Small validators for public, signed structures. They throw ERR_MALFORMED naming the field, so an
 * administrator can see what is wrong with a statement; nothing here handles secret data.
 */
import { BryggaError } from '../errors.js';

/** Unit, municipality and catalogue identifiers: lower-case letters, digits and hyphens. */
export const ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** base64url key id (43 characters: a SHA-256). */
export const KID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** ISO calendar date YYYY-MM-DD. */
export const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function fail(what: string): never {
  throw new BryggaError('ERR_MALFORMED', what);
}

export function obj(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(`${what} must be an object`);
  return value as Record<string, unknown>;
}

export function str(value: unknown, what: string, pattern?: RegExp, max = 1000): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) fail(`${what} must be a string`);
  if (pattern && !pattern.test(value)) fail(`${what} is not well-formed`);
  return value;
}

export function int(value: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)
    fail(`${what} out of range`);
  return value as number;
}

export function arr(value: unknown, what: string, max = 1000): unknown[] {
  if (!Array.isArray(value) || value.length > max) fail(`${what} must be an array`);
  return value;
}

export function only(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(value)) if (!allowed.includes(k)) fail(`${what} has an unknown member "${k}"`);
}

/** Seconds since the epoch for a Date (NumericDate, RFC 7519 §2). */
export function numericDate(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}
