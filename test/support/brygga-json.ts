/**
 * fast-check arbitraries for Brygga JSON (PROTOCOL.md §1.1): JSON values whose numbers are safe integers
 * (never -0), whose strings are well-formed Unicode and whose objects have unique member names.
 */
import fc from 'fast-check';

/** A JSON value within Brygga JSON, nested a few levels deep. */
export const bryggaJsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).map((n) => (n === 0 ? 0 : n)),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;
