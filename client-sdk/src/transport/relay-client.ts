/**
 * The relay client (PROTOCOL.md §8–9): a thin, fetch-based wrapper over the relay's HTTP API
 * (schemas/openapi.json). It authenticates every call with a fresh single-use token
 * ({@link createRelayToken}) and turns every `application/problem+json` refusal into a
 * {@link RelayError}.
 *
 * The relay is trusted for availability only: what this client returns is as the relay said it.
 * Directory statements must be verified by a {@link Directory} ({@link RelayClient.syncDirectory} does
 * so) and packets opened with `openPacket`, which checks every signature.
 */

import { fromBase64url, type Rng, toBase64url } from '../crypto/bytes.js';
import type { GeneralJws } from '../crypto/jws.js';
import type { SigningKeyPair } from '../crypto/keys.js';
import { parseJson } from '../crypto/strict-json.js';
import { Agreement } from '../directory/agreement.js';
import type { Directory } from '../directory/directory.js';
import { Envelope } from '../envelope/envelope.js';
import {
  BryggaError,
  bindErrorClass,
  ERROR_TABLE,
  type ErrorCode,
  errorCodeOf,
  type ProblemCode,
  problemCodeOf,
  problemType,
} from '../errors.js';
import { createRelayToken } from './relay-token.js';

/** Media type of envelope bodies. */
export const ENVELOPE_MEDIA_TYPE = 'application/vnd.brygga.envelope';

/** An RFC 9457 problem document as the relay sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

/**
 * A refusal by the relay (code `ERR_RELAY`). `status` is the HTTP status (0 when the relay could not
 * be reached); `problemType` the problem type as the relay sent it, such as
 * `urn:brygga:problem:token-replayed`; `problemCode` and `errorCode` what it stands for in the error table
 * (PROTOCOL.md §9), undefined for a problem type this SDK does not know.
 *
 * @example
 * import { RelayError } from '@brygga/client-sdk';
 * if (err instanceof RelayError && err.errorCode === 'ERR_TOKEN_REPLAYED') retryWithFreshToken();
 */
export class RelayError extends BryggaError<'ERR_RELAY'> {
  readonly status: number;
  readonly problemType: string;
  /**
   * On a `clock-skew` refusal (PROTOCOL.md §8): how many seconds this device's clock is ahead of the
   * relay's (negative: behind), from the relay's `Date` header and this client's clock when the answer
   * came. Undefined on every other refusal, and when the relay sent no readable `Date`.
   */
  readonly clockOffsetSeconds: number | undefined;

  constructor(
    status: number,
    problemType: string,
    detail: string,
    options?: { cause?: unknown; clockOffsetSeconds?: number | undefined },
  ) {
    super(
      'ERR_RELAY',
      `relay: ${detail} (${problemType}, HTTP ${status})`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.status = status;
    this.problemType = problemType;
    this.clockOffsetSeconds = options?.clockOffsetSeconds;
  }

  /** The problem code (`token-replayed` for `urn:brygga:problem:token-replayed`). */
  get problemCode(): ProblemCode | undefined {
    return problemCodeOf(this.problemType);
  }

  /** The error code the problem stands for (`ERR_TOKEN_REPLAYED` for `token-replayed`). */
  get errorCode(): ErrorCode | undefined {
    const problem = this.problemCode;
    return problem === undefined ? undefined : errorCodeOf(problem);
  }
}

declare module '../errors.js' {
  interface BryggaErrorClasses {
    ERR_RELAY: RelayError;
  }
}
bindErrorClass('ERR_RELAY', RelayError);

/** The fetch function the client uses (the global one by default). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Options of a {@link RelayClient}. */
export interface RelayClientOptions {
  /** The relay's base URL, e.g. `https://brygga.example.se` (without `/v1`). */
  baseUrl: string;
  /** The device's signing key; needed for every call except health, directory and statements. */
  key?: SigningKeyPair;
  /** The token audience: the relay's public URL. Defaults to `baseUrl`. */
  audience?: string;
  fetch?: FetchFunction;
  /** Clock for token timestamps. */
  now?: () => Date;
  rng?: Rng;
}

/** `GET /v1/health`. */
export interface RelayHealth {
  /** `degraded`: the relay serves, but not everything (its storage is full). */
  status: 'ok' | 'degraded';
  database: 'sqlite' | 'postgres';
  /**
   * `full`: the relay's disk is full; it refuses new packets (`insufficient-storage`, 507) while reads
   * and acknowledgements go on. Absent from relays that do not state it.
   */
  storage?: 'ok' | 'full';
  /**
   * How long the relay keeps a packet for its recipients, in seconds (PROTOCOL.md §9): senders seal only
   * to keys valid until then. Absent from relays that do not state it.
   */
  packetLifetimeSeconds?: number;
}

/** One page of `GET /v1/directory`. */
export interface DirectoryListing {
  /** Every installed agreement, oldest first (general JWS documents). */
  agreements: GeneralJws[];
  /** Statements after the requested sequence number, in the order the relay accepted them. */
  statements: { seq: number; jws: string }[];
  /** The sequence number of the newest statement (0 when there is none). */
  latest: number;
}

/** The relay's answer to a submission: the packet is committed. */
export interface SubmitReceipt {
  id: string;
  /** base64url SHA-256 of the envelope bytes. */
  digest: string;
  receivedAt: string;
  expiresAt: string;
  /** False when the same packet had already been accepted (HTTP 200 instead of 201). */
  created: boolean;
}

/** A packet waiting in the inbox. */
export interface InboxPacket {
  kind: 'packet';
  id: string;
  sender: { unit: string; device: string };
  size: number;
  receivedAt: string;
  expiresAt: string;
}

/** A notice in the inbox: a packet this device sent expired before a recipient device acknowledged it. */
export interface InboxNotice {
  kind: 'notice';
  id: string;
  type: 'expired';
  packetId: string;
  recipient: { unit: string; device: string };
  expiredAt: string;
}

/** An inbox item. */
export type InboxItem = InboxPacket | InboxNotice;

/** One page of `GET /v1/inbox`. */
export interface InboxPage {
  items: InboxItem[];
  /** Cursor of the next page of this listing, or null at its end. */
  next: string | null;
}

/** Options of {@link RelayClient.inbox}. */
export interface InboxOptions {
  /** Cursor from the previous page of the same listing. Start every sync without one. */
  cursor?: string;
  /** Items per page, 1 to 500 (relay default 100). */
  limit?: number;
  /** Long-poll: wait up to this many seconds (at most 30) for an item when the inbox is empty. */
  wait?: number;
  signal?: AbortSignal;
}

/** A push event: something arrived in this device's inbox. */
export interface RelayEvent {
  event: 'packet' | 'notice' | 'resync';
  /** The item id (absent for `resync`, which asks the client to list its inbox again). */
  id?: string;
}

/** `GET /v1/log/key`: the transparency log's signing key (PROTOCOL.md §18). */
export interface LogKeyInfo {
  /** The log's origin: the first line of its checkpoints and its key's name. */
  origin: string;
  /** `<origin>+<key id>+<base64(0x01 ‖ public key)>`. */
  verifierKey: string;
  /** The raw Ed25519 public key. */
  publicKey: Uint8Array;
  /** The key's safety number (§3.3, with the origin as owner), when the relay gives one. */
  safetyNumber?: string;
}

/** An inclusion proof as the relay gives it (`GET /v1/log/proof/inclusion`). */
export interface InclusionProofAnswer {
  index: number;
  size: number;
  /** The proof's hashes, 32 bytes each, in RFC 9162 order. */
  proof: Uint8Array[];
}

/** A consistency proof as the relay gives it (`GET /v1/log/proof/consistency`). */
export interface ConsistencyProofAnswer {
  from: number;
  to: number;
  proof: Uint8Array[];
}

/** One leaf of the log (`GET /v1/log/entries`). */
export interface LogEntryAnswer {
  index: number;
  kind: 'agreement' | 'statement' | 'envelope';
  /** The 32-byte hash the leaf names: agreement digest, statement hash or envelope digest. */
  hash: Uint8Array;
  /** The statement's compact JWS, or the agreement document; absent for envelopes. */
  jws?: string | GeneralJws;
}

/** A page of `GET /v1/log/entries`. */
export interface LogEntriesPage {
  entries: LogEntryAnswer[];
  /** The log's size when the page was read. */
  size: number;
}

/** The answer to `POST /v1/log/cosignatures`. */
export interface CosignatureReceipt {
  size: number;
  /** The witness key name the relay expected and stored it under. */
  witness: string;
  /** False when this witness's cosignature of that checkpoint was stored before. */
  created: boolean;
}

const LOG_KINDS = new Set(['agreement', 'statement', 'envelope']);

function proofOf(value: unknown): Uint8Array[] {
  if (!Array.isArray(value) || value.length > 128) malformedAnswer('proof');
  return value.map((p) => {
    if (typeof p !== 'string') malformedAnswer('proof element');
    return fromBase64url(p, 32);
  });
}

function isSize(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function malformedAnswer(what: string): never {
  throw new BryggaError('ERR_MALFORMED', `relay answer: ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A client of one relay for one device.
 *
 * @example
 * const relay = new RelayClient({ baseUrl: 'https://brygga.example.se', key: deviceKey });
 * await relay.submit(sealed.envelope.serialize());
 * const { items } = await relay.inbox({ wait: 25 });
 */
export class RelayClient {
  readonly baseUrl: string;
  readonly audience: string;
  readonly #key: SigningKeyPair | undefined;
  readonly #fetch: FetchFunction;
  readonly #now: () => Date;
  readonly #rng: Rng | undefined;

  constructor(options: RelayClientOptions) {
    if (typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
      throw new BryggaError('ERR_MALFORMED', 'the relay URL must be an http(s) URL');
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.audience = options.audience ?? this.baseUrl;
    this.#key = options.key;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#now = options.now ?? (() => new Date());
    this.#rng = options.rng;
  }

  /** `GET /v1/health`: the relay is up and its database reachable. */
  async health(signal?: AbortSignal): Promise<RelayHealth> {
    const body = await this.#json('GET', '/v1/health', { auth: false, signal });
    if (!isObject(body) || (body.status !== 'ok' && body.status !== 'degraded')) malformedAnswer('health');
    if (body.storage !== undefined && body.storage !== 'ok' && body.storage !== 'full') {
      malformedAnswer('health storage');
    }
    const lifetime = body.packetLifetimeSeconds;
    if (lifetime !== undefined && (!Number.isSafeInteger(lifetime) || (lifetime as number) <= 0)) {
      malformedAnswer('health packetLifetimeSeconds');
    }
    return body as unknown as RelayHealth;
  }

  /** `GET /v1/directory`: agreements and the statements after `after` (one page; see {@link syncDirectory}). */
  async directory(after?: number): Promise<DirectoryListing> {
    const query = after === undefined ? '' : `?after=${encodeURIComponent(String(after))}`;
    const body = await this.#json('GET', `/v1/directory${query}`, { auth: false });
    if (!isObject(body) || !Array.isArray(body.agreements) || !Array.isArray(body.statements)) {
      malformedAnswer('directory');
    }
    if (!Number.isSafeInteger(body.latest)) malformedAnswer('directory latest');
    for (const s of body.statements as unknown[]) {
      if (!isObject(s) || !Number.isSafeInteger(s.seq) || typeof s.jws !== 'string')
        malformedAnswer('statement');
    }
    return body as unknown as DirectoryListing;
  }

  /**
   * Bring `directory` up to date from the relay, verifying everything: agreement extensions must be
   * valid successors of the pinned agreement, and every statement must verify against it. Returns the
   * sequence number to pass as `after` next time. Throws (and applies nothing further) at the first
   * agreement or statement that does not verify.
   */
  async syncDirectory(directory: Directory, after = 0): Promise<number> {
    let cursor = after;
    for (;;) {
      const page = await this.directory(cursor);
      for (const doc of page.agreements) {
        const agreement = Agreement.deserialize(doc);
        // Agreements before the pinned one are history this client never accepted; skip them.
        if (agreement.terms.id !== directory.agreement.terms.id) continue;
        if (agreement.terms.sequence <= directory.agreement.terms.sequence) continue;
        directory.addAgreement(agreement);
      }
      for (const s of page.statements) {
        if (s.seq <= cursor) malformedAnswer('statements out of order');
        directory.apply(s.jws);
        cursor = s.seq;
      }
      if (page.statements.length === 0 || cursor >= page.latest) return cursor;
    }
  }

  /**
   * `POST /v1/admin/agreements`: install an agreement (administrators only; `adminToken` is the relay's
   * `BRYGGA_ADMIN_TOKEN`).
   */
  async installAgreement(
    adminToken: string,
    agreement: Agreement | GeneralJws,
  ): Promise<{ digest: string; sequence: number; created: boolean }> {
    const doc = agreement instanceof Agreement ? agreement.jws : agreement;
    const res = await this.#send('POST', '/v1/admin/agreements', {
      auth: false,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(doc),
    });
    const body = await this.#body(res);
    if (!isObject(body) || typeof body.digest !== 'string' || !Number.isSafeInteger(body.sequence)) {
      malformedAnswer('agreement installation');
    }
    return { digest: body.digest as string, sequence: body.sequence as number, created: res.status === 201 };
  }

  /** `POST /v1/directory/statements`: publish an enrolment, HPKE key or revocation. */
  async submitStatement(jws: string): Promise<{ seq: number; created: boolean }> {
    const res = await this.#send('POST', '/v1/directory/statements', {
      auth: false,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jws }),
    });
    const body = await this.#body(res);
    if (!isObject(body) || !Number.isSafeInteger(body.seq)) malformedAnswer('statement receipt');
    return { seq: body.seq as number, created: res.status === 201 };
  }

  /**
   * `POST /v1/packets`: submit a sealed envelope. Resolves once the relay has committed it; submitting
   * the same bytes again is safe and gives the same receipt.
   */
  async submit(envelope: Uint8Array | Envelope): Promise<SubmitReceipt> {
    const bytes = envelope instanceof Envelope ? envelope.serialize() : envelope;
    const res = await this.#send('POST', '/v1/packets', {
      auth: true,
      headers: { 'content-type': ENVELOPE_MEDIA_TYPE },
      body: bytes,
    });
    const body = await this.#body(res);
    if (!isObject(body) || typeof body.id !== 'string' || typeof body.digest !== 'string') {
      malformedAnswer('submit receipt');
    }
    return { ...(body as unknown as Omit<SubmitReceipt, 'created'>), created: res.status === 201 };
  }

  /**
   * `GET /v1/inbox`: one page of this device's undelivered items. A cursor pages through one listing
   * only: start every sync from the beginning, because acknowledged items disappear and, on a
   * PostgreSQL relay, an item can commit after items listed before it.
   */
  async inbox(options: InboxOptions = {}): Promise<InboxPage> {
    const params = new URLSearchParams();
    if (options.cursor !== undefined) params.set('cursor', options.cursor);
    if (options.limit !== undefined) params.set('limit', String(options.limit));
    if (options.wait !== undefined) params.set('wait', String(options.wait));
    const search = params.toString();
    const query = search === '' ? '' : `?${search}`;
    const body = await this.#json('GET', `/v1/inbox${query}`, { auth: true, signal: options.signal });
    if (
      !isObject(body) ||
      !Array.isArray(body.items) ||
      (body.next !== null && typeof body.next !== 'string')
    ) {
      malformedAnswer('inbox');
    }
    for (const item of body.items as unknown[]) {
      if (
        !isObject(item) ||
        (item.kind !== 'packet' && item.kind !== 'notice') ||
        typeof item.id !== 'string'
      ) {
        malformedAnswer('inbox item');
      }
    }
    return body as unknown as InboxPage;
  }

  /** `GET /v1/inbox/packets/{id}`: the envelope bytes of a packet addressed to this device. */
  async fetchPacket(id: string): Promise<Uint8Array> {
    const res = await this.#send('GET', `/v1/inbox/packets/${encodeURIComponent(id)}`, {
      auth: true,
      headers: { accept: ENVELOPE_MEDIA_TYPE },
    });
    if (!res.ok) await this.#refusal(res);
    return new Uint8Array(await res.arrayBuffer());
  }

  /**
   * `DELETE /v1/inbox/packets/{id}`: acknowledge a packet (after it was opened and stored). Resolves
   * false when it was not (or no longer) in this device's inbox, so a retried acknowledgement is harmless.
   */
  ack(id: string): Promise<boolean> {
    return this.#delete(`/v1/inbox/packets/${encodeURIComponent(id)}`);
  }

  /** `DELETE /v1/inbox/notices/{id}`: acknowledge a notice; false when it was not in the inbox. */
  ackNotice(id: string): Promise<boolean> {
    return this.#delete(`/v1/inbox/notices/${encodeURIComponent(id)}`);
  }

  /** `GET /v1/log/key` (public): the log's origin and signing key, to compare out of band and pin. */
  async logKey(): Promise<LogKeyInfo> {
    const body = await this.#json('GET', '/v1/log/key', { auth: false });
    if (
      !isObject(body) ||
      typeof body.origin !== 'string' ||
      typeof body.verifierKey !== 'string' ||
      typeof body.publicKey !== 'string' ||
      (body.safetyNumber !== undefined && typeof body.safetyNumber !== 'string')
    ) {
      malformedAnswer('log key');
    }
    return {
      origin: body.origin as string,
      verifierKey: body.verifierKey as string,
      publicKey: fromBase64url(body.publicKey as string, 32),
      ...(body.safetyNumber === undefined ? {} : { safetyNumber: body.safetyNumber as string }),
    };
  }

  /**
   * `GET /v1/log/checkpoint`: the latest checkpoint as the signed note the relay serves (its signature
   * and any witness cosignatures). Nothing is verified here: `openCheckpoint` does that.
   */
  checkpoint(): Promise<string> {
    return this.#text('/v1/log/checkpoint');
  }

  /** `GET /v1/log/checkpoints/{size}`: the checkpoint issued at `size`; a 404 RelayError if none was. */
  checkpointAt(size: number): Promise<string> {
    return this.#text(`/v1/log/checkpoints/${encodeURIComponent(String(size))}`);
  }

  /**
   * `GET /v1/log/proof/inclusion`: the inclusion proof of the leaf with hash `leafHash` in the tree of
   * `size` leaves (default: the latest checkpoint's). A 404 RelayError `not-logged` when the leaf is not
   * among them (yet).
   */
  async inclusionProof(leafHash: Uint8Array, size?: number): Promise<InclusionProofAnswer> {
    const params = new URLSearchParams({ leaf: toBase64url(leafHash) });
    if (size !== undefined) params.set('size', String(size));
    const body = await this.#json('GET', `/v1/log/proof/inclusion?${params}`, { auth: true });
    if (!isObject(body) || !isSize(body.index) || !isSize(body.size)) malformedAnswer('inclusion proof');
    return { index: body.index, size: body.size, proof: proofOf(body.proof) };
  }

  /** `GET /v1/log/proof/consistency`: the proof that the tree of `from` leaves is a prefix of that of `to`. */
  async consistencyProof(from: number, to: number): Promise<ConsistencyProofAnswer> {
    const params = new URLSearchParams({ from: String(from), to: String(to) });
    const body = await this.#json('GET', `/v1/log/proof/consistency?${params}`, { auth: true });
    if (!isObject(body) || !isSize(body.from) || !isSize(body.to)) malformedAnswer('consistency proof');
    return { from: body.from, to: body.to, proof: proofOf(body.proof) };
  }

  /** `GET /v1/log/entries`: up to `limit` (at most 1000) leaves from index `start`. */
  async logEntries(start = 0, limit?: number): Promise<LogEntriesPage> {
    const params = new URLSearchParams({ start: String(start) });
    if (limit !== undefined) params.set('limit', String(limit));
    const body = await this.#json('GET', `/v1/log/entries?${params}`, { auth: true });
    if (!isObject(body) || !Array.isArray(body.entries) || !isSize(body.size)) malformedAnswer('log entries');
    const entries = (body.entries as unknown[]).map((e): LogEntryAnswer => {
      if (!isObject(e) || !isSize(e.index) || typeof e.kind !== 'string' || !LOG_KINDS.has(e.kind)) {
        malformedAnswer('log entry');
      }
      if (typeof e.hash !== 'string') malformedAnswer('log entry hash');
      if (e.jws !== undefined && typeof e.jws !== 'string' && !isObject(e.jws))
        malformedAnswer('log entry jws');
      return {
        index: e.index,
        kind: e.kind as LogEntryAnswer['kind'],
        hash: fromBase64url(e.hash, 32),
        ...(e.jws === undefined ? {} : { jws: e.jws as string | GeneralJws }),
      };
    });
    return { entries, size: body.size };
  }

  /**
   * `POST /v1/log/cosignatures`: this device's cosignature, as a witness, of the checkpoint issued at
   * `size`. `line` is the signature line as in a signed note (`— brygga-witness/<unit>/<kid> <base64>`),
   * for example from `cosignCheckpoint` and `formatNote`.
   */
  async submitCosignature(size: number, line: string): Promise<CosignatureReceipt> {
    const res = await this.#send('POST', '/v1/log/cosignatures', {
      auth: true,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size, signature: line }),
    });
    const body = await this.#body(res);
    if (!isObject(body) || !isSize(body.size) || typeof body.witness !== 'string') {
      malformedAnswer('cosignature receipt');
    }
    return { size: body.size, witness: body.witness, created: res.status === 201 };
  }

  async #text(path: string): Promise<string> {
    const res = await this.#send('GET', path, { auth: true, headers: { accept: 'text/plain' } });
    if (!res.ok) await this.#refusal(res);
    return res.text();
  }

  async #delete(path: string): Promise<boolean> {
    const res = await this.#send('DELETE', path, { auth: true });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => {});
      return false;
    }
    if (!res.ok) await this.#refusal(res);
    return true;
  }

  /**
   * `GET /v1/inbox/events`: push events as they happen, until `signal` aborts or the relay closes the
   * stream. An event is a hint to list the inbox, not the item itself.
   *
   * @example
   * for await (const e of relay.events(controller.signal)) if (e.event !== 'notice') await sync();
   */
  async *events(signal?: AbortSignal): AsyncGenerator<RelayEvent> {
    const res = await this.#send('GET', '/v1/inbox/events', {
      auth: true,
      headers: { accept: 'text/event-stream' },
      signal,
    });
    if (!res.ok) await this.#refusal(res);
    if (!res.body) malformedAnswer('event stream without a body');
    const reader = res.body.getReader();
    const decoder = new TextDecoder('utf-8');
    let buffer = '';
    let event = '';
    let data = '';
    const onAbort = () => {
      reader.cancel().catch(() => {});
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (cause) {
          if (signal?.aborted) return;
          throw new RelayError(0, problemType('ERR_RELAY_UNREACHABLE'), 'the event stream broke', { cause });
        }
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        // A trailing CR may be the first half of a CRLF split across chunks: wait for the next one.
        const held = buffer.endsWith('\r') ? '\r' : '';
        const lines = (held ? buffer.slice(0, -1) : buffer).split(/\r\n|\r|\n/);
        buffer = (lines.pop() ?? '') + held;
        for (const line of lines) {
          if (line === '') {
            const parsed = parseEvent(event, data);
            event = '';
            data = '';
            if (parsed) yield parsed;
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = value;
          else if (field === 'data') data = data === '' ? value : `${data}\n${value}`;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      reader.cancel().catch(() => {});
    }
  }

  #token(): string {
    if (!this.#key) throw new BryggaError('ERR_MALFORMED', 'this call needs the device key');
    return createRelayToken(this.#key, this.audience, { now: this.#now(), rng: this.#rng });
  }

  async #send(
    method: string,
    path: string,
    opts: {
      auth: boolean;
      headers?: Record<string, string>;
      body?: string | Uint8Array;
      signal?: AbortSignal;
    },
  ): Promise<Response> {
    // GET and DELETE are idempotent, and so is a submission (the relay answers the same packet again as
    // already stored, PROTOCOL.md §9): each may be sent again when the connection it went out on was one
    // the relay had already closed.
    const idempotent = method === 'GET' || method === 'DELETE' || path === '/v1/packets';
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...opts.headers };
      // A fresh token for every attempt: the relay may have recorded the first one's id.
      if (opts.auth) headers.authorization = `Bearer ${this.#token()}`;
      const init: RequestInit = { method, headers };
      if (opts.body !== undefined) init.body = opts.body as BodyInit;
      if (opts.signal) init.signal = opts.signal;
      let res: Response;
      try {
        res = await this.#fetch(`${this.baseUrl}${path}`, init);
      } catch (cause) {
        if (opts.signal?.aborted) throw cause;
        if (idempotent && attempt === 0 && isClosedConnection(cause)) continue;
        throw new RelayError(0, problemType('ERR_RELAY_UNREACHABLE'), 'the relay could not be reached', {
          cause,
        });
      }
      // A relay that restarted moments ago cannot yet tell this token from one it accepted before
      // (PROTOCOL.md §8): it acted on nothing, and a fresh token passes after Retry-After.
      const wait = opts.auth && attempt < 2 ? await tokenUncertainWait(res) : undefined;
      if (wait === undefined) return res;
      await pause(wait, opts.signal);
    }
  }

  async #json(
    method: string,
    path: string,
    opts: { auth: boolean; signal?: AbortSignal | undefined },
  ): Promise<unknown> {
    const res = await this.#send(method, path, {
      auth: opts.auth,
      headers: { accept: 'application/json' },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return this.#body(res);
  }

  async #body(res: Response): Promise<unknown> {
    if (!res.ok) await this.#refusal(res);
    try {
      return parseJson(new Uint8Array(await res.arrayBuffer()));
    } catch (cause) {
      throw new BryggaError('ERR_MALFORMED', 'relay answer is not Brygga JSON', { cause });
    }
  }

  async #refusal(res: Response): Promise<never> {
    let type = 'about:blank';
    let detail = res.statusText || 'request refused';
    if ((res.headers.get('content-type') ?? '').startsWith('application/problem+json')) {
      try {
        const p = parseJson(new Uint8Array(await res.arrayBuffer())) as unknown;
        if (isObject(p)) {
          if (typeof p.type === 'string') type = p.type;
          if (typeof p.detail === 'string') detail = p.detail;
        }
      } catch {
        // The status alone still says what happened.
      }
    } else {
      await res.body?.cancel().catch(() => {});
    }
    const clockOffsetSeconds =
      type === problemType('ERR_CLOCK_SKEW') ? this.#clockOffset(res.headers.get('date')) : undefined;
    throw new RelayError(res.status, type, detail, { clockOffsetSeconds });
  }

  /** This client's clock minus the relay's `Date` (RFC 9110 §6.6.1, whole seconds), in seconds. */
  #clockOffset(date: string | null): number | undefined {
    const relayTime = date === null ? Number.NaN : Date.parse(date);
    if (!Number.isFinite(relayTime)) return undefined;
    return Math.round((this.#now().getTime() - relayTime) / 1000);
  }
}

/** The longest `Retry-After` a client waits out for `token-uncertain` before giving the refusal to its caller. */
const TOKEN_UNCERTAIN_MAX_WAIT_SECONDS = 10;

/**
 * The milliseconds to wait when `res` is the refusal `token-uncertain` (PROTOCOL.md §8, §9.1) with a
 * `Retry-After` of at most {@link TOKEN_UNCERTAIN_MAX_WAIT_SECONDS}; otherwise undefined. Reads a copy of
 * the body, so `res` stays readable.
 */
async function tokenUncertainWait(res: Response): Promise<number | undefined> {
  if (res.status !== ERROR_TABLE.ERR_TOKEN_UNCERTAIN.status) return undefined;
  const seconds = Number(res.headers.get('retry-after'));
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > TOKEN_UNCERTAIN_MAX_WAIT_SECONDS)
    return undefined;
  try {
    const problem = (await res.clone().json()) as { type?: unknown };
    return problem.type === problemType('ERR_TOKEN_UNCERTAIN') ? seconds * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Wait `ms`, or less if `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Whether a failed fetch went out on a pooled keep-alive connection the other side had closed: undici
 * (Node's fetch) reports it as a `SocketError` (`UND_ERR_SOCKET`, "other side closed") under the
 * `TypeError`. A connection pool keeps an idle connection until shortly before the relay's announced
 * `Keep-Alive: timeout`, but the relay (or a proxy in between) can close it while a request is on its
 * way; the request is then sent once more, on a new connection. Nothing else is retried: a refused
 * connection, a timeout or a reset of a fresh connection says the relay is down or unreachable.
 */
function isClosedConnection(err: unknown): boolean {
  const cause = (err as { cause?: unknown } | null)?.cause;
  return (cause as { code?: unknown } | null)?.code === 'UND_ERR_SOCKET';
}

function parseEvent(event: string, data: string): RelayEvent | undefined {
  if (event !== 'packet' && event !== 'notice' && event !== 'resync') return undefined;
  if (event === 'resync') return { event };
  try {
    const parsed = parseJson(data) as unknown;
    if (isObject(parsed) && typeof parsed.id === 'string') return { event, id: parsed.id };
  } catch {
    // An event we cannot read is skipped: the next listing will show the item anyway.
  }
  return undefined;
}
