/**
 * Internal: the relay as the source the transparency log's verifier reads (PROTOCOL.md §18.5, §19). A
 * proof the relay refuses (a 4xx other than 401 and 429) is no proof (`undefined`), which the verifier
 * reports as the relay's failure, and so is a proof that is not even well-formed; anything else (a
 * token problem, a rate limit, the network) is thrown, and the check runs again at the next sync.
 */
import { isBryggaError } from '../errors.js';
import type { LogSource } from '../transparency/log-verifier.js';
import { type RelayClient, RelayError } from '../transport/relay-client.js';

/** What of the relay the source uses. */
export type TransparencyRelay = Pick<
  RelayClient,
  | 'logKey'
  | 'checkpoint'
  | 'checkpointAt'
  | 'inclusionProof'
  | 'consistencyProof'
  | 'logEntries'
  | 'logEntryStream'
  | 'submitCosignature'
>;

/** The relay as a {@link LogSource}: refusals of proofs become `undefined`. */
export function transparencySource(relay: TransparencyRelay): LogSource {
  const refused = (err: unknown) =>
    err instanceof RelayError &&
    err.status >= 400 &&
    err.status < 500 &&
    err.status !== 401 &&
    err.status !== 429;
  const malformed = (err: unknown) => isBryggaError(err, 'ERR_MALFORMED') && !(err instanceof RelayError);
  return {
    logKey: () => relay.logKey(),
    checkpoint: () => relay.checkpoint(),
    checkpointAt: (size) => relay.checkpointAt(size),
    async inclusionProof(leaf, size) {
      try {
        return await relay.inclusionProof(leaf, size);
      } catch (err) {
        if (refused(err)) return undefined;
        // A proof that is not even well-formed fails verification like a wrong one.
        if (malformed(err)) return { index: -1, size, proof: [] };
        throw err;
      }
    },
    async consistencyProof(from, to) {
      try {
        return await relay.consistencyProof(from, to);
      } catch (err) {
        if (refused(err) || malformed(err)) return undefined;
        throw err;
      }
    },
    logEntries: (start, limit) => relay.logEntries(start, limit),
    logEntryStream: (start, limit) => relay.logEntryStream(start, limit),
    async submitCosignature(size, line) {
      await relay.submitCosignature(size, line);
    },
  };
}
