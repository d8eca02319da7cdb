/**
 * What a call refused with, for tests that check refusals by their stable code: the BryggaError's
 * `code`, `'ok'` when the call returned, and `foreign error: …` for anything that is not a BryggaError
 * (a TypeError from malformed input is a defect the tests must see, not a refusal).
 */
import { type ErrorCode, isBryggaError } from '../../client-sdk/src/errors.js';

export function codeOf(f: () => unknown): ErrorCode | 'ok' | `foreign error: ${string}` {
  try {
    f();
  } catch (err) {
    return isBryggaError(err) ? err.code : `foreign error: ${String(err)}`;
  }
  return 'ok';
}

/** {@link codeOf} for a promise. */
export async function codeOfAsync(
  p: Promise<unknown>,
): Promise<ErrorCode | 'ok' | `foreign error: ${string}`> {
  try {
    await p;
  } catch (err) {
    return isBryggaError(err) ? err.code : `foreign error: ${String(err)}`;
  }
  return 'ok';
}
