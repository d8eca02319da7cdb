/**
 * The CLI's hints are keyed by the error table's codes (PROTOCOL.md §9): what it says about a refusal
 * follows from the refusal's code, and every key is a code of the table.
 */
import { describe, expect, it } from 'vitest';
import { describeFailure, HINTS, RELAY_HINTS } from '../../client-sdk/src/cli/_failure.js';
import { CliError } from '../../client-sdk/src/cli/_io.js';
import {
  BryggaError,
  ERROR_CODES,
  errorCodeOf,
  PROBLEM_CODES,
  problemType,
} from '../../client-sdk/src/errors.js';
import { RelayError } from '../../client-sdk/src/transport/relay-client.js';

describe('CLI hints', () => {
  it('are keyed by codes of the error table', () => {
    for (const code of Object.keys(HINTS)) expect(ERROR_CODES).toContain(code);
    for (const problem of Object.keys(RELAY_HINTS)) expect(PROBLEM_CODES).toContain(problem);
  });

  it('follow an SDK refusal by its code', () => {
    for (const [code, hint] of Object.entries(HINTS)) {
      const failure = describeFailure(new BryggaError(code as keyof typeof HINTS, 'refused'));
      expect(failure, code).toMatchObject({ code, hint, exit: 1 });
    }
    expect(describeFailure(new BryggaError('ERR_CASE_GAP', 'refused')).hint).toBeUndefined();
  });

  it('follow a relay refusal by its problem code, and fall back to the hint of ERR_RELAY', () => {
    for (const [problem, hint] of Object.entries(RELAY_HINTS)) {
      const code = errorCodeOf(problem)!;
      const failure = describeFailure(new RelayError(403, problemType(code), 'refused'));
      expect(failure, problem).toMatchObject({ code: 'ERR_RELAY', hint });
    }
    const unknown = new RelayError(409, problemType('ERR_CONFLICT'), 'taken');
    expect(describeFailure(unknown).hint).toBe(HINTS.ERR_RELAY);
    const foreign = new RelayError(400, 'urn:example:other', 'newer relay');
    expect(describeFailure(foreign)).toMatchObject({ code: 'ERR_RELAY', hint: HINTS.ERR_RELAY });
  });

  it('report a CLI error with its own code, hint and exit code', () => {
    const usage = new CliError('ERR_USAGE', 'unknown command', { usage: true, hint: 'see --help' });
    expect(describeFailure(usage)).toEqual({
      code: 'ERR_USAGE',
      message: 'unknown command',
      hint: 'see --help',
      exit: 2,
    });
    expect(describeFailure(new TypeError('x is undefined'))).toMatchObject({ code: 'ERR_INTERNAL', exit: 1 });
  });
});
