/**
 * Audit of the relay's transparency log (PROTOCOL.md §18): the RFC 9162 Merkle log of every agreement,
 * directory statement and accepted envelope, with C2SP signed checkpoints cosigned by the units'
 * devices. `log checkpoint` shows the relay's newest checkpoint once its signature verifies and it
 * extends what this device saw before; `log verify` downloads every entry and recomputes the tree from
 * nothing, checking each agreement and statement against the agreement this device pins; `log keys`
 * lists one unit's key history from the same verified replay.
 *
 * The log key is the one given with `--log-key`, else the one this device pinned (the device's own log
 * state, so the CLI and the device's syncs trust the same key), else the relay's, pinned now: its
 * safety number is printed to compare with the relay's operator out of band. `log repin` replaces the
 * pinned key after the relay's operator announced a change of the log's origin or key (PROTOCOL.md
 * §19.1): it shows both safety numbers, asks, checks that the log under its new key extends the one
 * this device saw, and records the change in the device's store.
 */

import {
  Agreement,
  appendLeaves,
  DEVICE_TYP,
  Directory,
  emptyRoot,
  equalBytes,
  fromBase64url,
  HPKE_KEY_TYP,
  ID_PATTERN,
  INTAKE_TYP,
  isBryggaError,
  isLogError,
  LEAF_KIND_NAMES,
  type LeafKind,
  type LogEntryAnswer,
  LogEntryReader,
  LogEntryStreamError,
  type LogSource,
  type LogState,
  LogVerifier,
  logLeafHash,
  MAX_STREAM_ENTRIES,
  parseJson,
  parseStatement,
  parseVerifierKey,
  parseWitnessName,
  RelayClient,
  RelayError,
  SigningPublicKey,
  type Statement,
  statementLogHash,
  toBase64,
  type VerifiedCheckpoint,
  verifyConsistency,
  verifyCosignature,
} from '../index.js';
import { type Args, type Command, str } from './_command.js';
import { DEVICE_OPTION, type OpenDevice, withClient } from './_device-dir.js';
import { AnswerReader, CliError, type Io, progress, report, usage } from './_io.js';

/** Where the device keeps its view of the log (the SDK's LogVerifier state, PROTOCOL.md §19). */
const LOG_STATE = 'log.state';
/** Where the device records each re-pinning of the log key (`log repin`): a JSON list, oldest first. */
const LOG_REPINS = 'log.repins';
/** Leaves folded into the tree's right edge at a time while a replay reads the stream. */
const FOLD = 4096;

const LOG_OPTIONS = {
  ...DEVICE_OPTION,
  'log-key': {
    type: 'string',
    description: "the log's verifier key (<origin>+<key id>+<key>); default: the key this device pinned",
  },
  relay: { type: 'string', description: "the relay's base URL, when not the device's (a mirror, a proxy)" },
} as const;

/** The relay as the verifier's source: a refused proof is `undefined`, which the verifier reports. */
function sourceOf(relay: RelayClient): LogSource {
  const refused = (err: unknown) => err instanceof RelayError && err.status >= 400 && err.status < 500;
  const orUndefined = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (err) {
      if (refused(err)) return undefined;
      throw err;
    }
  };
  return {
    logKey: () => relay.logKey(),
    checkpoint: () => relay.checkpoint(),
    checkpointAt: (size) => relay.checkpointAt(size),
    inclusionProof: (leaf, size) => orUndefined(() => relay.inclusionProof(leaf, size)),
    consistencyProof: (from, to) => orUndefined(() => relay.consistencyProof(from, to)),
    logEntries: (start, limit) => relay.logEntries(start, limit),
    logEntryStream: (start, limit) => relay.logEntryStream(start, limit),
    async submitCosignature(size, line) {
      await relay.submitCosignature(size, line);
    },
  };
}

/** The log as one command sees it: the relay, the verifier and where its key came from. */
interface LogContext {
  device: OpenDevice;
  relay: RelayClient;
  verifier: LogVerifier;
  /** `flag` (--log-key), `pinned` (earlier) or `first-use` (pinned by this run). */
  keySource: 'flag' | 'pinned' | 'first-use';
}

/**
 * Open the device and its view of the log. With `--log-key` the device's own view is left alone: a key
 * given for one audit must not replace what the device pinned.
 */
function withLog<T>(args: Args, io: Io, action: (log: LogContext) => Promise<T>): Promise<T> {
  const flag = str(args, 'log-key');
  if (flag !== undefined) {
    try {
      parseVerifierKey(flag);
    } catch {
      throw usage(
        '--log-key is not a verifier key',
        'give it as <origin>+<key id>+<base64 key>, from the relay operator',
      );
    }
  }
  return withClient(io, str(args, 'device'), async (_client, device) => {
    const relay = new RelayClient({
      baseUrl: str(args, 'relay') ?? device.config.relayUrl,
      audience: device.config.audience,
      key: device.identity.key,
    });
    const store = device.store.store;
    const saved = flag === undefined ? await store.getMeta(LOG_STATE) : undefined;
    const state = saved ? (JSON.parse(saved) as LogState) : {};
    const verifier = new LogVerifier({
      source: sourceOf(relay),
      state,
      save: flag === undefined ? (s) => store.setMeta(LOG_STATE, JSON.stringify(s)) : async () => {},
      logKey: flag,
    });
    const keySource = flag !== undefined ? 'flag' : state.key ? 'pinned' : 'first-use';
    try {
      return await action({ device, relay, verifier, keySource });
    } catch (err) {
      throw explained(err);
    }
  });
}

/** A verifier refusal, with what to do about it. */
function explained(err: unknown): unknown {
  if (!isLogError(err)) return err;
  const hint =
    err.code === 'ERR_LOG_BAD_SIGNATURE'
      ? 'the checkpoint is not signed by the log key: compare the key and its safety number with the relay operator, or give --log-key'
      : 'the relay showed this device a log that contradicts what it showed before: keep the output of `brygga log checkpoint --json` as evidence and tell the other parties';
  return new CliError(err.code, err.message, { hint, cause: err });
}

/** The log key in use, with its safety number (the origin as owner). */
function keyOf(verifier: LogVerifier): { verifierKey: string; origin: string; safetyNumber: string } {
  const verifierKey = verifier.verifierKey!;
  const { name, publicKey } = parseVerifierKey(verifierKey);
  return { verifierKey, origin: name, safetyNumber: new SigningPublicKey(publicKey).safetyNumber(name) };
}

/** A cosignature of the checkpoint, checked against the device key the directory holds for it. */
function cosignatures(checkpoint: VerifiedCheckpoint, origin: string, directory: Directory) {
  return checkpoint.signatures
    .filter((s) => s.name !== origin)
    .map((s) => {
      const witness = parseWitnessName(s.name);
      const device = witness ? directory.device(witness.device) : undefined;
      const known = device !== undefined && device.unit === witness!.unit;
      const ok = known ? verifyCosignature(checkpoint.text, s, s.name, device.key.bytes) : undefined;
      return {
        witness: s.name,
        unit: witness?.unit ?? null,
        device: witness?.device ?? null,
        known,
        valid: ok !== undefined,
        time: ok ? new Date(ok.time * 1000).toISOString() : null,
      };
    });
}

/** A place where the log is not what the relay signed: exit 1, naming the entry. */
function discrepancy(index: number | null, kind: string | null, problem: string): CliError {
  return new CliError(
    'ERR_LOG_DISCREPANCY',
    index === null
      ? `the log does not match its checkpoint: ${problem}`
      : `log entry ${index} (${kind}): ${problem}`,
    {
      hint: "the relay's log is not what it signed: keep this output and `brygga log checkpoint --json` as evidence, and tell the relay's operator and the other parties",
    },
  );
}

/** The directories a replay checks statements against: the pinned agreement's, and any other agreement's. */
class Directories {
  readonly #byId = new Map<string, Directory>();
  readonly #anchor: string;

  constructor(anchor: Agreement) {
    this.#anchor = anchor.terms.id;
    this.#byId.set(anchor.terms.id, new Directory(anchor));
  }

  /** An agreement entry: the pinned agreement, a successor, an earlier version, or another agreement in force. */
  agreement(a: Agreement): void {
    const directory = this.#byId.get(a.terms.id);
    if (!directory) {
      this.#byId.set(a.terms.id, new Directory(a));
      return;
    }
    if (directory.agreements.some((x) => x.digest === a.digest)) return;
    // A device pins the agreement it enrolled under; the log also holds the ones before it.
    if (a.terms.sequence < directory.agreements[0]!.terms.sequence) a.verify();
    else directory.addAgreement(a);
  }

  /** A statement, applied to the directory of an agreement its unit is a party to (the pinned one first). */
  statement(st: Statement): void {
    const ordered = [this.#byId.get(this.#anchor)!, ...this.#byId.values()];
    const directory = ordered.find((d) => d.agreements.some((a) => a.rootKeyOf(st.claims.unit)));
    if (!directory) throw new Error(`unit ${st.claims.unit} is a party to no agreement in the log`);
    directory.apply(st.jws);
  }
}

function why(err: unknown): string {
  return isBryggaError(err) ? `${err.message} [${err.code}]` : (err as Error).message;
}

/** Check one entry: it hashes to its leaf, and what it logs verifies. Throws the discrepancy. */
function checkEntry(e: LogEntryAnswer, directories: Directories): Statement | undefined {
  if (e.kind === 'agreement') {
    let a: Agreement;
    try {
      a = Agreement.deserialize(e.jws as never);
    } catch (err) {
      throw discrepancy(e.index, e.kind, `the entry carries no agreement document (${why(err)})`);
    }
    if (!equalBytes(fromBase64url(a.digest), e.hash))
      throw discrepancy(e.index, e.kind, 'the agreement does not hash to the digest logged');
    try {
      directories.agreement(a);
    } catch (err) {
      throw discrepancy(e.index, e.kind, `the agreement does not verify: ${why(err)}`);
    }
    return undefined;
  }
  if (e.kind === 'statement') {
    if (typeof e.jws !== 'string') throw discrepancy(e.index, e.kind, 'the entry carries no statement');
    if (!equalBytes(statementLogHash(e.jws), e.hash))
      throw discrepancy(e.index, e.kind, 'the statement does not hash to the hash logged');
    try {
      const st = parseStatement(e.jws);
      directories.statement(st);
      return st;
    } catch (err) {
      throw discrepancy(e.index, e.kind, `the statement does not verify against the agreement: ${why(err)}`);
    }
  }
  return undefined;
}

/** What a replay found. */
interface Replayed {
  size: number;
  root: Uint8Array;
  entries: Record<LeafKind, number>;
}

/**
 * Download every entry of `checkpoint`'s tree through the entry stream (PROTOCOL.md §18.5: up to
 * 65536 leaves a request, so a log of millions of entries takes a few dozen authenticated requests,
 * well inside a device's rate), check each, and recompute the root keeping only the tree's right edge
 * (memory stays the same whatever the log's size). `onStatement` sees each statement once it verified,
 * with its index.
 */
async function replay(
  log: LogContext,
  checkpoint: VerifiedCheckpoint,
  io: Io,
  onStatement: (index: number, st: Statement) => void = () => {},
): Promise<Replayed> {
  const directories = new Directories(log.device.agreement);
  const entries: Record<LeafKind, number> = { agreement: 0, statement: 0, envelope: 0 };
  let size = 0;
  let frontier: Uint8Array[] = [];
  let root = emptyRoot();
  let leaves: Uint8Array[] = [];
  const fold = () => {
    ({ size, frontier, root } = appendLeaves(size, frontier, leaves));
    leaves = [];
  };
  const text = new TextDecoder('utf-8', { fatal: true });
  const shown = progress(io);
  try {
    while (size < checkpoint.size) {
      shown.update(`verifying the log… ${size} of ${checkpoint.size} entries`);
      const from = size;
      const limit = Math.min(MAX_STREAM_ENTRIES, checkpoint.size - from);
      let index = from;
      const reader = new LogEntryReader(
        (leafData, data) => {
          const kind = LEAF_KIND_NAMES[leafData[0]!]!;
          const e: LogEntryAnswer = { index, kind, hash: leafData.slice(1) };
          if (data) {
            try {
              e.jws = kind === 'statement' ? text.decode(data) : (parseJson(data) as LogEntryAnswer['jws']);
            } catch (err) {
              throw discrepancy(
                index,
                kind,
                `the entry's ${kind} is not ${kind === 'statement' ? 'text' : 'JSON'} (${why(err)})`,
              );
            }
          }
          const st = checkEntry(e, directories);
          if (st) onStatement(index, st);
          entries[kind]++;
          leaves.push(logLeafHash(kind, e.hash));
          index++;
          if (leaves.length === FOLD) fold();
        },
        (header) => {
          if (header.start !== from)
            throw discrepancy(from, null, `the relay served entry ${header.start} in its place`);
          if (header.count > limit)
            throw discrepancy(from, null, 'the relay served more entries than were asked for');
        },
      );
      try {
        for await (const chunk of await log.relay.logEntryStream(from, limit)) reader.push(chunk);
        reader.end();
      } catch (err) {
        if (err instanceof LogEntryStreamError)
          throw discrepancy(index, null, `the relay served a malformed entry stream: ${err.message}`);
        throw err;
      }
      fold();
      if (size === from)
        throw discrepancy(size, null, 'the relay does not serve an entry its checkpoint holds');
    }
  } finally {
    shown.done();
  }
  if (!equalBytes(root, checkpoint.root)) {
    throw discrepancy(
      null,
      null,
      `its ${size} entries make the root ${toBase64(root)}, but the signed root is ${toBase64(checkpoint.root)}`,
    );
  }
  return { size, root, entries };
}

/** The checkpoint to check against: the relay's newest, verified against the key and this device's past view. */
async function currentCheckpoint(log: LogContext): Promise<VerifiedCheckpoint> {
  await log.verifier.pin();
  return (await log.verifier.refresh()).checkpoint;
}

function keyLines(log: LogContext): string[] {
  const k = keyOf(log.verifier);
  const how = {
    flag: 'given with --log-key',
    pinned: 'pinned by this device',
    'first-use': 'pinned now, on first use: compare the safety number with the relay operator',
  }[log.keySource];
  return [`Log key ${k.verifierKey} (${how})`, `  safety number ${k.safetyNumber}`];
}

/** A verifier key with its origin and safety number. */
function describeKey(vkey: string): { verifierKey: string; origin: string; safetyNumber: string } {
  const { name, publicKey } = parseVerifierKey(vkey);
  return {
    verifierKey: vkey,
    origin: name,
    safetyNumber: new SigningPublicKey(publicKey).safetyNumber(name),
  };
}

/** One re-pinning, as recorded in the device's store. */
interface Repin {
  at: string;
  from: string | null;
  to: string;
  /** The size of the checkpoint under the new key that the old view was checked against. */
  size: number;
}

/**
 * The relay's checkpoint under `key`, checked to extend `state`'s newest checkpoint under the key pinned
 * before: the same log under a new name, not another log (PROTOCOL.md §19.1).
 */
async function continuedCheckpoint(
  relay: RelayClient,
  state: LogState,
  key: string,
): Promise<VerifiedCheckpoint> {
  const noSave = async () => {};
  const fresh = new LogVerifier({ source: sourceOf(relay), state: { key }, save: noSave });
  const { checkpoint } = await fresh.refresh();
  if (state.key === undefined || state.latest === undefined) return checkpoint;
  const before = new LogVerifier({ source: sourceOf(relay), state, save: noSave });
  await before.pin();
  const seen = before.open(state.latest);
  if (checkpoint.size < seen.size) {
    throw new CliError(
      'ERR_LOG_ROLLBACK',
      `the log under the new key has ${checkpoint.size} entries, fewer than the ${seen.size} this device saw`,
      { hint: 'the key was not re-pinned: tell the relay operator' },
    );
  }
  const proof =
    checkpoint.size === seen.size ? [] : (await relay.consistencyProof(seen.size, checkpoint.size)).proof;
  if (!verifyConsistency(seen.size, checkpoint.size, proof, seen.root, checkpoint.root)) {
    throw new CliError(
      'ERR_LOG_INCONSISTENT',
      'the log under the new key does not extend the log this device saw',
      {
        hint: 'the key was not re-pinned: tell the relay operator',
      },
    );
  }
  return checkpoint;
}

function date(numericDate: number): string {
  return new Date(numericDate * 1000).toISOString();
}

export const LOG_COMMANDS: Command[] = [
  {
    words: ['log', 'repin'],
    opensDevice: true,
    summary:
      "Pin the relay's log key again, after its operator announced a change of the log's origin or key.",
    details: [
      "Shows the pinned key and the relay's new one with their safety numbers: compare the new one with",
      'the relay operator before you answer. The log under the new key must extend the log this device',
      'saw; the change is recorded in the device. With --yes it does not ask (scripts).',
    ],
    options: {
      ...DEVICE_OPTION,
      yes: { type: 'boolean', description: 'pin the new key without asking' },
      relay: LOG_OPTIONS.relay,
    },
    async run(args, io) {
      const result = await withClient(io, str(args, 'device'), async (_client, device) => {
        const relay = new RelayClient({
          baseUrl: str(args, 'relay') ?? device.config.relayUrl,
          audience: device.config.audience,
          key: device.identity.key,
        });
        const store = device.store.store;
        const saved = await store.getMeta(LOG_STATE);
        const state = saved ? (JSON.parse(saved) as LogState) : {};
        const offered = await relay.logKey();
        const after = describeKey(offered.verifierKey);
        if (after.origin !== offered.origin) {
          throw new CliError('ERR_MALFORMED', "the relay's log key is not named by its origin");
        }
        const before = state.key === undefined ? undefined : describeKey(state.key);
        if (before?.verifierKey === after.verifierKey)
          return { changed: false, before, after, size: undefined };
        io.err(
          [
            before
              ? `Pinned log key   ${before.verifierKey}\n  safety number  ${before.safetyNumber}`
              : 'No log key pinned yet.',
            `Relay's log key  ${after.verifierKey}\n  safety number  ${after.safetyNumber}`,
            '',
          ].join('\n'),
        );
        if (args.values.yes !== true) {
          const reader = new AnswerReader();
          let answer: string | undefined;
          try {
            answer = await reader.ask(
              'Is this the safety number the relay operator announced? Pin it? (y/N) ',
            );
          } finally {
            reader.close();
          }
          if (answer === undefined || !['y', 'yes', 'j', 'ja'].includes(answer.toLowerCase())) {
            throw new CliError('ERR_NOT_CONFIRMED', 'the log key was not re-pinned', {
              hint: 'nothing was changed',
            });
          }
        }
        const checkpoint = await continuedCheckpoint(relay, state, after.verifierKey);
        // The old key's checkpoints say nothing under the new one; the replayed tree is the same log's.
        const next: LogState = {
          key: after.verifierKey,
          latest: checkpoint.note,
          ...(state.frontier ? { frontier: state.frontier } : {}),
          ...(state.cosigned === undefined ? {} : { cosigned: state.cosigned }),
        };
        await store.setMeta(LOG_STATE, JSON.stringify(next));
        const repins = JSON.parse((await store.getMeta(LOG_REPINS)) ?? '[]') as Repin[];
        const record: Repin = {
          at: new Date().toISOString(),
          from: before?.verifierKey ?? null,
          to: after.verifierKey,
          size: checkpoint.size,
        };
        await store.setMeta(LOG_REPINS, JSON.stringify([...repins, record]));
        return { changed: true, before, after, record };
      });
      report(
        io,
        {
          changed: result.changed,
          logKey: result.after.verifierKey,
          safetyNumber: result.after.safetyNumber,
          previous: result.before?.verifierKey ?? null,
          recorded: result.record ?? null,
        },
        () =>
          result.changed
            ? [
                `Log key re-pinned: ${result.after.verifierKey}`,
                `  safety number ${result.after.safetyNumber}`,
              ]
            : [`The relay's log key is the one pinned already: ${result.after.verifierKey}`],
      );
      return 0;
    },
  },
  {
    words: ['log', 'evidence'],
    opensDevice: true,
    summary:
      'Export the evidence this device kept of the log checks that failed (signed checkpoints, proofs).',
    details: [
      'Printed as JSON on standard output: each entry names the check (ERR_LOG_...), the log key, the',
      'signed checkpoints as received and the proof or answer that failed. It holds no case content.',
    ],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const evidence = await withClient(io, str(args, 'device'), (client) => client.logEvidence());
      io.out(`${JSON.stringify(evidence, null, 2)}\n`);
      return 0;
    },
  },
  {
    words: ['log', 'checkpoint'],
    opensDevice: true,
    summary:
      "Show the relay's current log checkpoint, its signature checked, with the witnesses' cosignatures.",
    details: [
      'The checkpoint must be signed by the log key and extend every checkpoint this device saw before.',
      'Cosignatures are checked against the device keys this device holds (run `brygga inbox` first).',
    ],
    options: LOG_OPTIONS,
    async run(args, io) {
      const out = await withLog(args, io, async (log) => {
        const checkpoint = await currentCheckpoint(log);
        const key = keyOf(log.verifier);
        return {
          lines: keyLines(log),
          value: {
            origin: key.origin,
            size: checkpoint.size,
            root: toBase64(checkpoint.root),
            logKey: key.verifierKey,
            safetyNumber: key.safetyNumber,
            keySource: log.keySource,
            witnesses: cosignatures(checkpoint, key.origin, log.device.client.directory),
            note: checkpoint.note,
          },
        };
      });
      const v = out.value;
      report(io, v, () => [
        `Checkpoint of ${v.origin}: ${v.size} entries, root ${v.root}`,
        ...out.lines,
        v.witnesses.length
          ? `Cosigned by ${v.witnesses.length} witness(es):`
          : 'No witness has cosigned it yet.',
        ...v.witnesses.map(
          (w) =>
            `  ${(w.unit ?? w.witness).padEnd(20)} ${w.device ?? ''}  ${
              w.valid
                ? `cosigned ${w.time}`
                : w.known
                  ? 'DOES NOT VERIFY'
                  : 'unknown device (run `brygga inbox`)'
            }`,
        ),
      ]);
      return 0;
    },
  },
  {
    words: ['log', 'verify'],
    opensDevice: true,
    summary:
      'Download the whole log, recompute its tree and check every entry; exit 1 at the first discrepancy.',
    details: [
      'Checks that the entries make the root of the signed checkpoint, that every agreement and directory',
      'statement hashes to its leaf, and that each verifies against the agreement this device pins.',
    ],
    options: LOG_OPTIONS,
    async run(args, io) {
      const out = await withLog(args, io, async (log) => {
        const checkpoint = await currentCheckpoint(log);
        const replayed = await replay(log, checkpoint, io);
        return { replayed, lines: keyLines(log), origin: keyOf(log.verifier).origin };
      });
      const { replayed: r } = out;
      const root = toBase64(r.root);
      report(io, { valid: true, origin: out.origin, size: r.size, root, entries: r.entries }, () => [
        `The log of ${out.origin} verifies: ${r.size} entries make the signed root ${root}.`,
        `  ${r.entries.agreement} agreement(s), ${r.entries.statement} directory statement(s), ${r.entries.envelope} envelope(s).`,
        ...out.lines,
      ]);
      return 0;
    },
  },
  {
    words: ['log', 'keys'],
    opensDevice: true,
    summary: "One unit's key history from the log: enrolments, HPKE keys, revocations, in log order.",
    details: ['The whole log is verified first, as by `brygga log verify`.'],
    positionals: ['<unit>'],
    options: LOG_OPTIONS,
    async run(args, io) {
      const unit = args.positionals[0];
      if (unit === undefined) throw usage('the unit id is required', 'e.g. brygga log keys malmo');
      if (!ID_PATTERN.test(unit))
        throw usage(`${unit} is not a unit id`, 'use lower-case letters, digits and -');
      const history: Record<string, unknown>[] = [];
      const published = new Set<string>();
      const size = await withLog(args, io, async (log) => {
        const checkpoint = await currentCheckpoint(log);
        await replay(log, checkpoint, io, (index, st) => {
          if (st.claims.unit !== unit) return;
          const c = st.claims;
          if (st.typ === DEVICE_TYP) {
            const key = SigningPublicKey.deserialize(st.claims.key);
            history.push({
              index,
              event: 'enrolment',
              device: st.claims.device,
              name: st.claims.name,
              safetyNumber: key.safetyNumber(unit),
              date: date(c.iat),
            });
          } else if (st.typ === HPKE_KEY_TYP) {
            const k = st.claims;
            history.push({
              index,
              event: published.has(k.device) ? 'rotation' : 'publication',
              device: k.device,
              keyId: k.kid,
              date: date(k.iat),
              validFrom: date(k.nbf),
              validUntil: date(k.exp),
            });
            published.add(k.device);
          } else if (st.typ === INTAKE_TYP) {
            history.push({ index, event: 'intake', devices: st.claims.devices, date: date(c.iat) });
          } else {
            history.push({
              index,
              event: 'revocation',
              device: st.claims.device,
              reason: st.claims.reason,
              date: date(c.iat),
            });
          }
        });
        return checkpoint.size;
      });
      report(io, { unit, size, history }, () => [
        history.length
          ? `Keys of ${unit} in the log (all ${size} entries verified):`
          : `No key of ${unit} in the log (all ${size} entries verified).`,
        ...history.map((h) => {
          const at = `  #${String(h.index).padEnd(6)} ${String(h.date).slice(0, 19).replace('T', ' ')}  ${String(h.event).padEnd(11)}`;
          if (h.event === 'enrolment')
            return `${at} device ${h.device} "${h.name}", safety number ${h.safetyNumber}`;
          if (h.event === 'revocation') return `${at} device ${h.device}: ${h.reason}`;
          return `${at} HPKE key ${h.keyId} of device ${h.device}, valid to ${String(h.validUntil).slice(0, 10)}`;
        }),
      ]);
      return 0;
    },
  },
];
