/**
 * Internal: the checks every public method of the client runs on its arguments before it uses them, so
 * that a caller's mistake (a missing field, a number where a string belongs, `undefined` for an
 * object) is a `BryggaError` naming the argument, never a TypeError from deep inside. What an argument
 * holds (a body's fields, a consent's dates) is checked further in by the validators of `cases/`,
 * which name the field.
 */
import { BryggaError, type ErrorCode } from '../errors.js';

function refuse(name: string, problem: string, code: ErrorCode = 'ERR_MALFORMED'): never {
  throw new BryggaError(code, `${name} ${problem}`);
}

/** A plain object (not null, not an array). */
export function objectArg(
  value: unknown,
  name: string,
  code: ErrorCode = 'ERR_MALFORMED',
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    refuse(name, 'must be an object', code);
  return value as Record<string, unknown>;
}

/** An object or undefined (an options argument). */
export function optionsArg(value: unknown, name: string): Record<string, unknown> {
  return value === undefined ? {} : objectArg(value, name);
}

/** A non-empty string of at most `max` characters. */
export function stringArg(value: unknown, name: string, max = 1000): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    refuse(name, `must be a string of 1 to ${max} characters`);
  }
  return value;
}

/** A case id as the case system holds it (the store answers ERR_UNKNOWN_CASE for one it does not know). */
export function caseIdArg(value: unknown): string {
  return stringArg(value, 'the case id', 64);
}

/** An integer from `min` to `max`. */
export function integerArg(value: unknown, name: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    refuse(name, `must be an integer from ${min} to ${max}`);
  }
  return value as number;
}

/** An array. */
export function arrayArg(value: unknown, name: string, max = 10_000): unknown[] {
  if (!Array.isArray(value) || value.length > max) refuse(name, `must be an array of at most ${max} items`);
  return value;
}

/** Bytes: a Uint8Array (of this realm or another). */
export function bytesArg(value: unknown, name: string): Uint8Array {
  if (
    !(value instanceof Uint8Array) &&
    !(ArrayBuffer.isView(value) && (value as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT === 1)
  ) {
    refuse(name, 'must be a Uint8Array');
  }
  return value as Uint8Array;
}

/** An instance of `type` (a class, whatever its constructor's visibility). */
export function instanceArg<T>(value: unknown, type: { prototype: T; name: string }, name: string): T {
  if (!(value instanceof (type as unknown as abstract new () => unknown)))
    refuse(name, `must be a ${type.name}`);
  return value as T;
}

/** An AbortSignal, or undefined. */
export function signalArg(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (typeof AbortSignal !== 'undefined' && !(value instanceof AbortSignal))
    refuse('signal', 'must be an AbortSignal');
  return value as AbortSignal;
}

/** A function. */
export function functionArg<T extends (...args: never[]) => unknown>(value: unknown, name: string): T {
  if (typeof value !== 'function') refuse(name, 'must be a function');
  return value as T;
}
