/**
 * The client's side of the relay's transparency log (PROTOCOL.md §19): pin the log's key, check every
 * checkpoint the relay shows against the ones shown before (never smaller, never a different root for
 * a size, always joined by a consistency proof), check checkpoints other devices carry in their packets
 * against this device's own view, prove entries included, replay the log's entries to monitor it and
 * recompute its root without storing it, and witness checkpoints by cosigning them.
 *
 * Every failure is a {@link LogError} with its evidence (the signed checkpoints and the proof the relay
 * gave), so what the relay did can be shown to others. The verifier talks to the relay through a
 * {@link LogSource} (the SDK's `RelayClient` provides one) and keeps its state in a {@link LogState} that
 * the caller persists; it needs no platform API beyond what a browser has.
 */
import { concatBytes, equalBytes, fromBase64url, toBase64url, utf8, wipe } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import type { SigningKeyPair } from '../crypto/keys.js';
import { parseJson } from '../crypto/strict-json.js';
import { BryggaError, isBryggaError } from '../errors.js';
import { cosignCheckpoint, openCheckpoint, verifyCosignature } from './checkpoint.js';
import { LogEntryReader, LogEntryStreamError, MAX_STREAM_ENTRIES } from './log-entry-stream.js';
import { LogError, type LogErrorCode, type LogEvidence } from './log-evidence.js';
import {
  emptyRoot,
  HASH_SIZE,
  leafHash,
  MerkleFrontier,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
import { formatNote, type NoteSignature, parseNote, parseVerifierKey } from './note.js';

/** The first byte of a leaf's data: what kind of thing the leaf logs (PROTOCOL.md §18). */
export const LEAF_KINDS = { agreement: 0x01, statement: 0x02, envelope: 0x03 } as const;

/** A kind of log leaf. */
export type LeafKind = keyof typeof LEAF_KINDS;

/** The leaf kinds by their first byte ({@link LEAF_KINDS} the other way round); undefined for no kind. */
export const LEAF_KIND_NAMES: Readonly<Record<number, LeafKind | undefined>> = Object.freeze({
  [LEAF_KINDS.agreement]: 'agreement',
  [LEAF_KINDS.statement]: 'statement',
  [LEAF_KINDS.envelope]: 'envelope',
});

/** The leaf hash of a log entry: `leafHash(kind byte ‖ hash)`, with `hash` the 32 bytes it names. */
export function logLeafHash(kind: LeafKind, hash: Uint8Array): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE)
    throw new BryggaError('ERR_MALFORMED', 'a logged hash is 32 bytes');
  return leafHash(concatBytes(Uint8Array.of(LEAF_KINDS[kind]), hash));
}

/** The hash a statement is logged under: SHA-256 of its compact JWS text. */
export function statementLogHash(jws: string): Uint8Array {
  return sha256(utf8(jws));
}

/** The leaf hash (base64url) of a statement, an agreement (by digest) or an envelope (by digest). */
export function leafOf(kind: LeafKind, subject: string): string {
  const hash = kind === 'statement' ? statementLogHash(subject) : fromBase64url(subject, HASH_SIZE);
  return toBase64url(logLeafHash(kind, hash));
}

/** The key name a device cosigns checkpoints under: `brygga-witness/<unit>/<device kid>`. */
export function witnessName(unit: string, device: string): string {
  return `brygga-witness/${unit}/${device}`;
}

const WITNESS_NAME = /^brygga-witness\/([a-z0-9-]+)\/([A-Za-z0-9_-]{43})$/;

/** The unit and device key id a witness name ({@link witnessName}) names, or undefined for another name. */
export function parseWitnessName(name: string): { unit: string; device: string } | undefined {
  const m = WITNESS_NAME.exec(name);
  return m ? { unit: m[1]!, device: m[2]! } : undefined;
}

/** One entry of the log, as the relay lists it. */
export interface LogEntry {
  index: number;
  kind: LeafKind;
  /** The 32-byte hash the leaf names. */
  hash: Uint8Array;
  /** The statement (compact JWS) for statement entries; the agreement document for agreement entries. */
  jws?: unknown;
}

/** An entry replayed by {@link LogVerifier.monitor}, with its leaf hash (base64url). */
export interface MonitoredEntry extends LogEntry {
  leaf: string;
}

/** An inclusion proof as the relay gives it. */
export interface InclusionAnswer {
  index: number;
  size: number;
  proof: Uint8Array[];
}

/** A consistency proof as the relay gives it. */
export interface ConsistencyAnswer {
  from: number;
  to: number;
  proof: Uint8Array[];
}

/**
 * What the verifier asks the relay (PROTOCOL.md §18.4). Transport failures reject; a refusal by the
 * relay to give a proof (a 4xx answer) resolves `undefined`, which for an inclusion proof means the leaf
 * is not in the tree of that size.
 */
export interface LogSource {
  logKey(): Promise<{ origin: string; verifierKey: string }>;
  checkpoint(): Promise<string>;
  checkpointAt(size: number): Promise<string>;
  inclusionProof(leafHash: Uint8Array, size: number): Promise<InclusionAnswer | undefined>;
  consistencyProof(from: number, to: number): Promise<ConsistencyAnswer | undefined>;
  logEntries(start: number, limit: number): Promise<{ entries: LogEntry[]; size: number }>;
  /**
   * The entry stream (PROTOCOL.md §18.5, log-entry-stream.ts) of up to `limit` leaves from `start`, as
   * the chunks of the answer's body. Optional: without it the verifier replays through
   * {@link logEntries}. A transport failure while reading rejects with the transport's error.
   */
  logEntryStream?(start: number, limit: number): Promise<AsyncIterable<Uint8Array>>;
  submitCosignature(size: number, line: string): Promise<void>;
}

/** What {@link LogVerifier.monitor} returns of the entries it replays. */
export interface MonitorOptions {
  /**
   * Of the envelope entries, return only those whose leaf hash (base64url) is in this set (a device's
   * own submissions awaiting the log); all of them when absent. Agreement and statement entries are
   * always returned. A replay of a large log keeps in memory only what it returns.
   */
  envelopes?: ReadonlySet<string> | undefined;
}

/** What the verifier remembers between runs (the caller persists it, as JSON). */
export interface LogState {
  /** The pinned verifier key of the log. */
  key?: string;
  /** The newest checkpoint verified (signed note, with the cosignatures it came with). */
  latest?: string;
  /** The newest checkpoint that had its witness quorum. */
  final?: string;
  /** The replayed tree's right edge: its size and the roots of its perfect subtrees, largest first. */
  frontier?: { size: number; hashes: string[] };
  /** The size of the last checkpoint this device cosigned. */
  cosigned?: number;
}

/** A checkpoint whose log signature verified. */
export interface VerifiedCheckpoint {
  /** The signed note as received. */
  note: string;
  /** The checkpoint text (what was signed). */
  text: string;
  size: number;
  root: Uint8Array;
  signatures: NoteSignature[];
}

/** Options of a {@link LogVerifier}. */
export interface LogVerifierOptions {
  source: LogSource;
  /** The state saved last time (or `{}`). */
  state: LogState;
  /** Persist the state; called after every change. */
  save: (state: LogState) => Promise<void>;
  /** The log's verifier key, pinned by configuration; without it the first key seen is pinned. */
  logKey?: string | undefined;
  /**
   * Whether a checkpoint is final (witnessed by enough units; see {@link cosignerUnits}). Without it every
   * verified checkpoint is final.
   */
  isFinal?: ((checkpoint: VerifiedCheckpoint) => boolean) | undefined;
}

/** Entries asked for per request when replaying the log: the JSON form's most, the entry stream's most. */
const ENTRY_PAGE = 1000;
const STREAM_PAGE = MAX_STREAM_ENTRIES;
/** Roots remembered per tree size, for checking other devices' checkpoints without asking the relay. */
const ROOT_CACHE = 8192;
/**
 * Of a replay, the roots of its last sizes remembered: the checkpoints other devices carry are recent
 * ones. Any other size is checked by a consistency proof (§19.6).
 */
const ROOTS_REPLAYED = 1024;

/**
 * A device's verifier of one relay's log.
 *
 * @example
 * const log = new LogVerifier({ source, state: {}, save: async (s) => store.setMeta('log', JSON.stringify(s)) });
 * const { checkpoint } = await log.refresh();
 * if (!(await log.proveInclusion(leafOf('statement', jws), checkpoint))) throw …;
 */
export class LogVerifier {
  readonly #source: LogSource;
  readonly #save: (state: LogState) => Promise<void>;
  readonly #configuredKey: string | undefined;
  readonly #isFinal: ((checkpoint: VerifiedCheckpoint) => boolean) | undefined;
  #state: LogState;
  #key: { origin: string; publicKey: Uint8Array; vkey: string } | undefined;
  #latest: VerifiedCheckpoint | undefined;
  #final: VerifiedCheckpoint | undefined;
  /** Roots of tree sizes this device verified (replayed, or proven consistent with its view). */
  readonly #roots = new Map<number, string>();

  constructor(options: LogVerifierOptions) {
    this.#source = options.source;
    this.#save = options.save;
    this.#configuredKey = options.logKey;
    this.#isFinal = options.isFinal;
    this.#state = { ...options.state };
  }

  /** The pinned verifier key (after {@link pin}). */
  get verifierKey(): string | undefined {
    return this.#key?.vkey;
  }

  /** The newest verified checkpoint. */
  get latest(): VerifiedCheckpoint | undefined {
    return this.#latest;
  }

  /** The newest checkpoint that had its witness quorum. */
  get final(): VerifiedCheckpoint | undefined {
    return this.#final;
  }

  /** The replayed tree's size. */
  get monitoredSize(): number {
    return this.#state.frontier?.size ?? 0;
  }

  /**
   * Pin the log's key: the configured one, else the one pinned before, else the relay's (trust on first
   * use). A configured key that differs from a stored one replaces it: configuration is the operator's
   * word. Loads the stored checkpoints once the key is known.
   */
  async pin(): Promise<{ origin: string; verifierKey: string }> {
    if (!this.#key) {
      let vkey = this.#configuredKey ?? this.#state.key;
      if (vkey === undefined) {
        const offered = await this.#source.logKey();
        vkey = offered.verifierKey;
        if (parseVerifierKey(vkey).name !== offered.origin)
          throw new BryggaError('ERR_MALFORMED', "the relay's log key is not named by its origin");
      }
      const { name, publicKey } = parseVerifierKey(vkey);
      this.#key = { origin: name, publicKey, vkey };
      if (this.#state.key !== vkey) {
        // Checkpoints and the replayed tree of another key say nothing about this one's log.
        this.#state = { key: vkey };
        await this.#save(this.#state);
      }
      this.#latest = this.#state.latest ? this.open(this.#state.latest) : undefined;
      this.#final = this.#state.final ? this.open(this.#state.final) : undefined;
      if (this.#latest) this.#remember(this.#latest.size, this.#latest.root);
    }
    return { origin: this.#key.origin, verifierKey: this.#key.vkey };
  }

  /** Check a signed checkpoint's log signature. ERR_LOG_BAD_SIGNATURE (with the note) when it fails. */
  open(note: string): VerifiedCheckpoint {
    const key = this.#requireKey();
    try {
      const { checkpoint, text, signatures } = openCheckpoint(note, key.origin, key.publicKey);
      return { note, text, size: checkpoint.size, root: checkpoint.root, signatures };
    } catch (cause) {
      throw this.#fail(
        'ERR_LOG_BAD_SIGNATURE',
        'a checkpoint is not signed by the pinned log key',
        { checkpoints: [typeof note === 'string' ? note : String(note)] },
        cause,
      );
    }
  }

  /**
   * Fetch the relay's current checkpoint and accept it only if it extends the newest one seen:
   * ERR_LOG_ROLLBACK when smaller, ERR_LOG_INCONSISTENT when the same size has another root or the
   * consistency proof fails. With `replay`, the new entries are replayed too ({@link monitor}); when
   * the replayed tree is exactly the previous checkpoint's, the replay is the consistency proof (the
   * new root is made of the old tree's leaves and the new ones) and none is asked for. Then updates the
   * final checkpoint.
   */
  async refresh(
    replay = false,
    options: MonitorOptions = {},
  ): Promise<{ checkpoint: VerifiedCheckpoint; entries: MonitoredEntry[] }> {
    await this.pin();
    const next = this.open(await this.#source.checkpoint());
    const prev = this.#latest;
    let entries: MonitoredEntry[] = [];
    if (prev) {
      if (next.size < prev.size) {
        throw this.#fail('ERR_LOG_ROLLBACK', 'the relay showed a smaller checkpoint than before', {
          checkpoints: [prev.note, next.note],
        });
      }
      if (replay && this.monitoredSize === prev.size && next.size > prev.size) {
        entries = await this.monitor(next, prev, options);
      } else {
        await this.#joined(prev, next);
      }
    }
    if (replay) entries = [...entries, ...(await this.monitor(next, undefined, options))];
    this.#latest = next;
    this.#state.latest = next.note;
    this.#remember(next.size, next.root);
    await this.#updateFinal(prev);
    await this.#save(this.#state);
    return { checkpoint: next, entries };
  }

  /**
   * Check a checkpoint another device holds (carried in its packet) against this device's view: its
   * log signature, then the same root as any verified checkpoint of its size, else a consistency proof
   * from the relay between it and the newest checkpoint seen (whichever is smaller first).
   */
  async crossCheck(note: string): Promise<VerifiedCheckpoint> {
    await this.pin();
    const other = this.open(note);
    const mine = this.#latest ?? (await this.refresh()).checkpoint;
    const known = this.#roots.get(other.size);
    if (known !== undefined) {
      if (known === toBase64url(other.root)) return other;
      throw this.#fail('ERR_LOG_INCONSISTENT', 'two checkpoints of one size have different roots', {
        checkpoints: [mine.note, other.note],
      });
    }
    if (other.size <= mine.size) await this.#joined(other, mine);
    else await this.#joined(mine, other);
    this.#remember(other.size, other.root);
    return other;
  }

  /**
   * Prove the leaf (base64url leaf hash) included in `at`. Resolves the leaf's index, or undefined when
   * the relay says it is not in that tree; ERR_LOG_OMISSION when the proof it gives does not verify.
   */
  async proveInclusion(leaf: string, at: VerifiedCheckpoint): Promise<number | undefined> {
    const leafBytes = fromBase64url(leaf, HASH_SIZE);
    if (at.size === 0) return undefined;
    const answer = await this.#source.inclusionProof(leafBytes, at.size);
    if (!answer) return undefined;
    const proof = checkProof(answer.proof);
    if (
      answer.size !== at.size ||
      !proof ||
      !Number.isSafeInteger(answer.index) ||
      !verifyInclusion(answer.index, at.size, leafBytes, proof, at.root)
    ) {
      throw this.#fail('ERR_LOG_OMISSION', 'an inclusion proof does not verify', {
        checkpoints: [at.note],
        proof: {
          type: 'inclusion',
          leaf,
          index: Number.isSafeInteger(answer.index) ? answer.index : null,
          size: at.size,
          proof: encodeProof(answer.proof),
        },
      });
    }
    return answer.index;
  }

  /**
   * Replay the log's new entries up to `at` (the newest verified checkpoint): append each leaf to the
   * stored right edge and check that the tree it makes has `at`'s root, so the whole log is verified
   * incrementally without being stored. Statement entries must carry the statement they name. Reads the
   * entry stream where the source has it, else the JSON pages. Returns the new entries (see
   * {@link MonitorOptions}), only once their root matched; ERR_LOG_INCONSISTENT otherwise.
   */
  async monitor(
    at: VerifiedCheckpoint,
    prev?: VerifiedCheckpoint,
    options: MonitorOptions = {},
  ): Promise<MonitoredEntry[]> {
    const start = this.#state.frontier?.size ?? 0;
    if (at.size <= start) return [];
    const saved = (this.#state.frontier?.hashes ?? []).map((h) => fromBase64url(h, HASH_SIZE));
    const tree = new MerkleFrontier(start, saved);
    // Roots are remembered for the last sizes of a replay only: each costs a fold of the edge.
    const rootsFrom = at.size - ROOTS_REPLAYED;
    const roots = new Map<number, Uint8Array>();
    const out: MonitoredEntry[] = [];
    const wanted = options.envelopes;
    // The first four bytes of each wanted leaf: most leaves are ruled out without encoding them.
    const prefixes = wanted && new Set([...wanted].map((l) => prefixOf(fromBase64url(l, HASH_SIZE))));
    const broken = (detail: string, root?: Uint8Array) =>
      this.#fail('ERR_LOG_INCONSISTENT', detail, {
        checkpoints: prev ? [prev.note, at.note] : [at.note],
        proof: { type: 'entries', start, end: at.size, root: root ? toBase64url(root) : '' },
      });
    /** Append one checked entry: `leafData` is `kind ‖ hash`. */
    const append = (kind: LeafKind, leafData: Uint8Array, jws: unknown) => {
      const index = tree.size;
      const leaf = tree.appendLeafData(leafData);
      if (tree.size > rootsFrom) roots.set(tree.size, tree.root());
      if (
        kind === 'envelope' &&
        prefixes &&
        !(prefixes.has(prefixOf(leaf)) && wanted!.has(toBase64url(leaf)))
      )
        return;
      const hash = leafData.slice(1);
      out.push({ index, kind, hash, ...(jws === undefined ? {} : { jws }), leaf: toBase64url(leaf) });
    };
    if (this.#source.logEntryStream) {
      await this.#replayStream(at.size, tree, append, broken);
    } else {
      while (tree.size < at.size) {
        const size = tree.size;
        const page = await this.#source.logEntries(size, Math.min(ENTRY_PAGE, at.size - size));
        const entries = page.entries.slice(0, at.size - size);
        if (entries.length === 0) throw broken('the relay does not serve the entries its checkpoint holds');
        for (const e of entries) {
          if (e.index !== tree.size) throw broken('the relay served entries out of order');
          const hash = e.hash;
          if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE || !(e.kind in LEAF_KINDS))
            throw broken('the relay served a malformed entry');
          if (
            e.kind === 'statement' &&
            (typeof e.jws !== 'string' || !equalBytes(statementLogHash(e.jws), hash))
          )
            throw broken('a statement entry does not carry its statement');
          append(e.kind, concatBytes(Uint8Array.of(LEAF_KINDS[e.kind]), hash), e.jws);
        }
      }
    }
    const root = tree.root();
    if (!equalBytes(root, at.root)) throw broken("the log's entries do not make its signed root", root);
    for (const [s, r] of roots) this.#remember(s, r);
    this.#state.frontier = { size: tree.size, hashes: tree.hashes().map(toBase64url) };
    await this.#save(this.#state);
    return out;
  }

  /** Replay leaves up to `end` from the source's entry stream, in requests of up to {@link STREAM_PAGE}. */
  async #replayStream(
    end: number,
    tree: MerkleFrontier,
    append: (kind: LeafKind, leafData: Uint8Array, jws: unknown) => void,
    broken: (detail: string) => LogError,
  ): Promise<void> {
    const stream = this.#source.logEntryStream!.bind(this.#source);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    while (tree.size < end) {
      const from = tree.size;
      const limit = Math.min(STREAM_PAGE, end - from);
      const reader = new LogEntryReader(
        (leafData, data) => {
          const kind = LEAF_KIND_NAMES[leafData[0]!]!;
          if (kind === 'envelope') return append(kind, leafData, undefined);
          let jws: unknown;
          if (kind === 'statement') {
            try {
              if (!equalBytes(sha256(data!), leafData.subarray(1))) throw new Error('another hash');
              jws = decoder.decode(data);
            } catch {
              // A logged statement is ASCII: bytes that hash right but are not text are no statement.
              throw broken('a statement entry does not carry its statement');
            }
          } else {
            try {
              jws = parseJson(data!);
            } catch {
              throw broken('an agreement entry does not carry an agreement document');
            }
          }
          append(kind, leafData, jws);
        },
        (header) => {
          if (header.start !== from) throw broken('the relay served entries out of order');
          if (header.count > limit) throw broken('the relay served more entries than were asked for');
        },
      );
      // Entries beyond `end` (a relay whose log has grown) are not asked for, so none can come.
      try {
        for await (const chunk of await stream(from, limit)) reader.push(chunk);
        reader.end();
      } catch (err) {
        if (err instanceof LogEntryStreamError)
          throw broken(`the relay served a malformed entry stream: ${err.message}`);
        throw err;
      }
      if (tree.size === from) throw broken('the relay does not serve the entries its checkpoint holds');
    }
  }

  /**
   * Cosign `at` as the witness `name` with `key` at `time` (POSIX seconds) and post the cosignature,
   * once per checkpoint size. Only a checkpoint this verifier accepted should be cosigned: a witness
   * vouches that it saw the checkpoint extend everything it saw before.
   */
  async cosign(at: VerifiedCheckpoint, name: string, key: SigningKeyPair, time: number): Promise<boolean> {
    if (this.#state.cosigned !== undefined && this.#state.cosigned >= at.size) return false;
    const seed = key.exportSecret();
    let line: string;
    try {
      const signature = cosignCheckpoint(at.text, name, seed, time);
      const note = formatNote({ text: at.text, signatures: [signature] });
      line = note.slice(at.text.length + 1, -1);
    } finally {
      wipe(seed);
    }
    await this.#source.submitCosignature(at.size, line);
    this.#state.cosigned = at.size;
    await this.#save(this.#state);
    return true;
  }

  /** The newest checkpoint with the log's signature only: what a device carries in its packets. */
  claim(): string | undefined {
    const latest = this.#latest;
    const key = this.#key;
    if (!latest || !key) return undefined;
    const signatures = parseNote(latest.note).signatures.filter((s) => s.name === key.origin);
    return formatNote({ text: latest.text, signatures });
  }

  /** Fail with evidence built from what this verifier knows. */
  fail(
    code: LogErrorCode,
    detail: string,
    evidence: Omit<LogEvidence, 'v' | 'kind' | 'code' | 'detail' | 'logKey'>,
  ): LogError {
    return this.#fail(code, detail, evidence);
  }

  /** That `older` (smaller or equal) is a prefix of `newer`, by root or by the relay's consistency proof. */
  async #joined(older: VerifiedCheckpoint, newer: VerifiedCheckpoint): Promise<void> {
    if (older.size === newer.size) {
      if (equalBytes(older.root, newer.root)) return;
      throw this.#fail('ERR_LOG_INCONSISTENT', 'two checkpoints of one size have different roots', {
        checkpoints: [older.note, newer.note],
      });
    }
    if (older.size === 0) {
      if (equalBytes(older.root, emptyRoot())) return;
      throw this.#fail('ERR_LOG_INCONSISTENT', 'an empty checkpoint with a root', {
        checkpoints: [older.note],
      });
    }
    const answer = await this.#source.consistencyProof(older.size, newer.size);
    const proof = answer ? checkProof(answer.proof) : undefined;
    if (
      answer &&
      proof &&
      answer.from === older.size &&
      answer.to === newer.size &&
      verifyConsistency(older.size, newer.size, proof, older.root, newer.root)
    )
      return;
    throw this.#fail('ERR_LOG_INCONSISTENT', 'no consistency proof joins two checkpoints', {
      checkpoints: [older.note, newer.note],
      proof: {
        type: 'consistency',
        from: older.size,
        to: newer.size,
        proof: answer ? encodeProof(answer.proof) : null,
        ...(answer ? {} : { refusal: 'the relay refused the proof' }),
      },
    });
  }

  /** Move the final checkpoint forward: the newest one, or the previous newest if it has since been witnessed. */
  async #updateFinal(prev: VerifiedCheckpoint | undefined): Promise<void> {
    const latest = this.#latest!;
    if (!this.#isFinal) {
      this.#final = latest;
      this.#state.final = latest.note;
      return;
    }
    if (this.#isFinal(latest)) {
      this.#final = latest;
      this.#state.final = latest.note;
      return;
    }
    // Cosignatures arrive after a checkpoint is issued: the one seen last time may have its quorum now.
    if (prev && prev.size < latest.size && (!this.#final || this.#final.size < prev.size)) {
      let again: VerifiedCheckpoint;
      try {
        again = this.open(await this.#source.checkpointAt(prev.size));
      } catch (err) {
        if (isBryggaError(err, 'ERR_LOG_BAD_SIGNATURE')) throw err;
        return;
      }
      await this.#joined(again, prev);
      if (this.#isFinal(again)) {
        this.#final = again;
        this.#state.final = again.note;
      }
    }
  }

  #remember(size: number, root: Uint8Array): void {
    this.#roots.delete(size);
    this.#roots.set(size, toBase64url(root));
    if (this.#roots.size > ROOT_CACHE) this.#roots.delete(this.#roots.keys().next().value!);
  }

  #requireKey(): { origin: string; publicKey: Uint8Array; vkey: string } {
    if (!this.#key) throw new BryggaError('ERR_MALFORMED', 'the log key is not pinned yet');
    return this.#key;
  }

  #fail(
    code: LogErrorCode,
    detail: string,
    evidence: Omit<LogEvidence, 'v' | 'kind' | 'code' | 'detail' | 'logKey'>,
    cause?: unknown,
  ): LogError {
    return new LogError(
      { v: 1, kind: 'brygga.log-evidence', code, detail, logKey: this.#key?.vkey ?? '', ...evidence },
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The first four bytes of a hash, as a number. */
function prefixOf(hash: Uint8Array): number {
  return ((hash[0]! << 24) | (hash[1]! << 16) | (hash[2]! << 8) | hash[3]!) >>> 0;
}

function checkProof(proof: unknown): Uint8Array[] | undefined {
  if (!Array.isArray(proof) || !proof.every((p) => p instanceof Uint8Array && p.length === HASH_SIZE))
    return undefined;
  return proof as Uint8Array[];
}

function encodeProof(proof: unknown): string[] | null {
  if (!Array.isArray(proof)) return null;
  return proof.map((p) => (p instanceof Uint8Array ? toBase64url(p) : String(p)));
}

/**
 * The units whose devices validly cosigned `checkpoint` (names `brygga-witness/<unit>/<device kid>`),
 * with `keyOf` giving the signing key of an active device of that unit (undefined otherwise).
 */
export function cosignerUnits(
  checkpoint: VerifiedCheckpoint,
  keyOf: (unit: string, device: string) => Uint8Array | undefined,
): Set<string> {
  const units = new Set<string>();
  for (const s of checkpoint.signatures) {
    const witness = parseWitnessName(s.name);
    if (!witness) continue;
    const publicKey = keyOf(witness.unit, witness.device);
    if (publicKey && verifyCosignature(checkpoint.text, s, s.name, publicKey)) units.add(witness.unit);
  }
  return units;
}
