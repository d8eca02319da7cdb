/**
 * Packets, inboxes, token ids and expiry on either engine.
 *
 * Guarantees:
 * - A submission is one transaction: the idempotency record, the envelope bytes and one inbox row per
 *   recipient device, or nothing. The caller hears "created" only after commit.
 * - A packet id is bound to one digest for as long as the packet can be delivered: the same bytes again
 *   are a duplicate (same receipt), other bytes a conflict. The record outlives acknowledgement, so a
 *   client retrying after every recipient acknowledged does not deliver the packet twice.
 * - A device reads, lists and acknowledges only its own inbox rows; everything is keyed by device.
 * - The packet row goes when its last delivery goes (acknowledged or expired). On PostgreSQL the packet
 *   row is locked first, so two recipients acknowledging at once cannot both leave it behind; a sweep
 *   also removes any packet left without deliveries.
 * - Expiry (expiry.ts) turns each expired delivery into exactly one notice in the sender device's inbox.
 *
 * Submissions, token ids and acknowledgements, a request's frequent writes, run as prepared writes of
 * the engine (prepared-writes.ts); the rest through Kysely.
 *
 * On a full disk (README "What faults look like") submissions fail (`ERR_STORAGE_FULL`, 507) but reads
 * and acknowledgements must not, or recipients could not collect the packets whose deletion frees the
 * space. {@link RelayStore.storageFull} says whether the disk was found full and no packet has been
 * stored since (health reports it).
 *
 * Token ids (PROTOCOL.md §8): a SQLite relay, one process, keeps them in memory with a durable ceiling
 * per device (token-ids.ts), so a read, an acknowledgement and a submission write no token row; a ceiling
 * raise that finds the disk full gives up the storage reserve, and if the disk is still full the ceiling
 * is held in memory only, as THREAT-MODEL.md says. Several PostgreSQL processes share no memory, so there
 * every token id is a row, recorded in the submission's own statement or on its own, and a full disk
 * refuses the call; the rows are in an UNLOGGED table, so a read logs no row and waits for no flush,
 * and a durable floor keeps out every token that may have been used before a crash emptied the table
 * (migrations/token-epoch.ts).
 *
 * What one submission writes, by engine (README "What one submission writes"): the packet row, its
 * idempotency record, one inbox row per recipient device, and on PostgreSQL the token id's row.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from '../logging/index.js';
import type { Database } from './database.js';
import { isStorageFull } from './database-failure.js';
import { type SweepResult, sweepExpired } from './expiry.js';
import type { InboxNotifier } from './inbox-notifier.js';
import type { TokenOutcome, TokenRecord } from './prepared-writes.js';
import { TokenIds, type TokenVerdict } from './token-ids.js';

export type { SweepResult };

/** A packet to store. */
export interface NewPacket {
  id: string;
  digest: string;
  sender: { unit: string; device: string };
  recipients: readonly { unit: string; device: string }[];
  envelope: Uint8Array;
  receivedAt: number;
  expiresAt: number;
  /** The submitting request's token id, used before anything is stored (a replay stores nothing). */
  token?: TokenUse;
}

/** A token id to use: refused until `expiresAt` (ms); `issuedAt` is the token's `iat` (seconds). */
export interface TokenUse extends TokenRecord {
  issuedAt: number;
}

export type { TokenVerdict };

/** What the relay says about a stored packet. */
export interface PacketReceipt {
  id: string;
  digest: string;
  receivedAt: number;
  expiresAt: number;
}

/** The outcome of a submission. */
export type SubmitOutcome =
  | { status: 'created' | 'duplicate'; receipt: PacketReceipt }
  | { status: 'conflict' }
  | { status: 'replayed' }
  /** The token may have been used before the relay restarted (token-ids.ts). */
  | { status: 'before-restart' }
  /** PostgreSQL: the token may have been used before the database lost its token ids in a crash. */
  | { status: 'before-database-restart' };

/** An inbox row as listed. */
export type InboxEntry =
  | {
      kind: 'packet';
      seq: number;
      id: string;
      sender: { unit: string; device: string };
      size: number;
      receivedAt: number;
      expiresAt: number;
    }
  | {
      kind: 'notice';
      seq: number;
      id: string;
      type: string;
      packetId: string;
      recipient: { unit: string; device: string };
      expiredAt: number;
    };

/** Options of a {@link RelayStore}. */
export interface RelayStoreOptions {
  /** How long an expiry notice waits for its device, in milliseconds. */
  noticeTtlMs: number;
  /** Source of notice ids (tests pass a deterministic one). */
  newId?: () => string;
  /** Rows handled per sweep transaction. */
  sweepBatch?: number;
  /** The clock, in milliseconds (for token ids kept in memory). */
  now?: () => number;
  /** Where a full disk's handling is logged. */
  logger?: Logger;
}

/**
 * How far ahead of the relay's clock a token's `iat` may be (PROTOCOL.md §8): after the database lost
 * its token ids in a crash, every token accepted before has its `iat` at or below the clock plus this.
 */
const IAT_AHEAD_SECONDS = 30;

/** The verdict on a token id of what recording it found. */
function verdictOf(outcome: TokenOutcome): TokenVerdict {
  if (outcome === 'fresh' || outcome === 'replayed') return outcome;
  return 'before-database-restart';
}

function randomId(): string {
  return randomBytes(16).toString('base64url');
}

/** The relay's packet and inbox storage. */
export class RelayStore {
  readonly #database: Database;
  readonly #notifier: InboxNotifier;
  readonly #noticeTtlMs: number;
  readonly #newId: () => string;
  readonly #sweepBatch: number;
  /** SQLite: token ids in memory with a durable ceiling per device (token-ids.ts). */
  readonly #tokenIds: TokenIds | undefined;
  #storageFull = false;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;

  constructor(database: Database, notifier: InboxNotifier, options: RelayStoreOptions) {
    this.#database = database;
    this.#notifier = notifier;
    this.#noticeTtlMs = options.noticeTtlMs;
    this.#newId = options.newId ?? randomId;
    this.#sweepBatch = options.sweepBatch ?? 500;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    if (database.engine === 'sqlite') {
      this.#tokenIds = new TokenIds(
        { load: () => this.#loadCeilings(), raise: (device, iat) => this.#raiseCeiling(device, iat) },
        this.#now,
      );
    }
  }

  /**
   * Whether a write found the disk full and no submission has been stored since. Only a stored packet
   * clears it: a token id or an acknowledgement fits where a packet may not.
   */
  get storageFull(): boolean {
    return this.#storageFull;
  }

  /** Run a write, noting a full disk; a stored submission (`clears`) notes that there is room again. */
  async #write<T>(write: () => Promise<T>, clears = false): Promise<T> {
    try {
      const result = await write();
      if (clears) this.#storageFull = false;
      return result;
    } catch (err) {
      if (isStorageFull(err)) this.#storageFull = true;
      throw err;
    }
  }

  /** Store a packet and its deliveries in one transaction (see the module header). */
  async submit(packet: NewPacket): Promise<SubmitOutcome> {
    const recipientDevices = packet.recipients.map((r) => r.device);
    let token: TokenRecord | undefined = packet.token;
    if (packet.token && this.#tokenIds) {
      const verdict = await this.#tokenIds.use(packet.token);
      if (verdict !== 'fresh') return { status: verdict };
      token = undefined;
    }
    const result = await this.#afterTokenLoss(() =>
      this.#write(
        () =>
          this.#database.writes.submit({
            id: packet.id,
            digest: packet.digest,
            senderUnit: packet.sender.unit,
            senderDevice: packet.sender.device,
            recipientDevices,
            recipientUnits: packet.recipients.map((r) => r.unit),
            envelope: packet.envelope,
            receivedAt: packet.receivedAt,
            expiresAt: packet.expiresAt,
            token: token && {
              device: token.device,
              jti: token.jti,
              expiresAt: token.expiresAt,
              issuedAt: token.issuedAt,
            },
            notify: this.#notifier.notifiesInTransaction,
          }),
        true,
      ),
    );
    const reserve = this.#database.storageReserve;
    if (reserve && !reserve.held && reserve.retake(this.#now())) {
      this.#logger?.warn('storage reserve held again', {});
    }
    switch (result.status) {
      case 'replayed':
        return { status: 'replayed' };
      case 'uncertain':
      case 'emptied':
        return { status: 'before-database-restart' };
      case 'exists': {
        const { earlier } = result;
        if (earlier.digest !== packet.digest) return { status: 'conflict' };
        return { status: 'duplicate', receipt: { id: packet.id, ...earlier } };
      }
      case 'created':
        this.#notifier.afterCommit(recipientDevices);
        return {
          status: 'created',
          receipt: {
            id: packet.id,
            digest: packet.digest,
            receivedAt: packet.receivedAt,
            expiresAt: packet.expiresAt,
          },
        };
    }
  }

  /**
   * Bytes `unit` and its device `device` have waiting at the relay (PROTOCOL.md §9): the envelope sizes
   * of their stored, unexpired packets, read from the database, so every relay process on it counts the
   * same (running totals kept by the database itself: migrations/queued-bytes.ts).
   */
  queuedBytes(unit: string, device: string, now: number): Promise<{ device: number; unit: number }> {
    return this.#database.queuedBytes(unit, device, now);
  }

  /** The receipt of an accepted packet id, while its idempotency record is kept. */
  async receipt(id: string): Promise<PacketReceipt | undefined> {
    const row = await this.#database.db
      .selectFrom('submissions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && { id: row.id, digest: row.digest, receivedAt: row.received_at, expiresAt: row.expires_at };
  }

  /**
   * Items of `device`'s inbox after `after` (a listing position), oldest first, leaving out items whose
   * time has passed but that the sweeper has not reached yet. Returns one more than `limit` if there is.
   */
  async list(device: string, options: { after: number; limit: number; now: number }): Promise<InboxEntry[]> {
    const rows = await this.#database.db
      .selectFrom('inbox as i')
      .leftJoin('packets as p', (join) =>
        join.onRef('p.seq', '=', 'i.packet_seq').on('i.kind', '=', 'packet'),
      )
      .select([
        'i.seq',
        'i.kind',
        'i.item_id',
        'i.packet_id',
        'i.notice_type',
        'i.recipient_unit',
        'i.recipient_device',
        'i.created_at',
        'i.expires_at',
        'p.sender_unit',
        'p.sender_device',
        'p.size',
      ])
      .where('i.device', '=', device)
      .where('i.seq', '>', options.after)
      .where('i.expires_at', '>', options.now)
      .orderBy('i.seq')
      .limit(options.limit + 1)
      .execute();
    const out: InboxEntry[] = [];
    for (const r of rows) {
      if (r.kind === 'packet') {
        if (r.sender_unit === null || r.sender_device === null || r.size === null) continue;
        out.push({
          kind: 'packet',
          seq: r.seq,
          id: r.item_id,
          sender: { unit: r.sender_unit, device: r.sender_device },
          size: r.size,
          receivedAt: r.created_at,
          expiresAt: r.expires_at,
        });
      } else {
        out.push({
          kind: 'notice',
          seq: r.seq,
          id: r.item_id,
          type: r.notice_type ?? 'expired',
          packetId: r.packet_id,
          recipient: { unit: r.recipient_unit ?? '', device: r.recipient_device ?? '' },
          expiredAt: r.created_at,
        });
      }
    }
    return out;
  }

  /** The envelope bytes of packet `id`, only if `device` has an unexpired delivery of it. */
  async envelope(device: string, id: string, now: number): Promise<Uint8Array | undefined> {
    // The packet by its id through its submission, then the device's delivery of it by the packet's
    // `seq` (migrations/packet-seq.ts).
    const row = await this.#database.db
      .selectFrom('submissions as s')
      .innerJoin('packets as p', 'p.seq', 's.packet_seq')
      .innerJoin('inbox as i', 'i.packet_seq', 'p.seq')
      .select('p.envelope')
      .where('s.id', '=', id)
      .where('i.kind', '=', 'packet')
      .where('i.device', '=', device)
      .where('i.expires_at', '>', now)
      .executeTakeFirst();
    return row?.envelope;
  }

  /**
   * Acknowledge packet `id` for `device`: its delivery goes, and the packet with it when it was the
   * last. False if `device` had no delivery of it. On PostgreSQL the packet row is locked first (lock
   * order everywhere: packet row, then inbox rows).
   */
  acknowledgePacket(device: string, id: string): Promise<boolean> {
    return this.#freeing(() => this.#database.writes.acknowledgePacket(device, id));
  }

  /** Acknowledge notice `id` for `device`. False if `device` has no such notice. */
  acknowledgeNotice(device: string, id: string): Promise<boolean> {
    return this.#freeing(() => this.#database.writes.acknowledgeNotice(device, id));
  }

  /** A write that frees space: on a full disk, the storage reserve is given up for it and it runs again. */
  async #freeing<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await this.#write(write);
    } catch (err) {
      if (!isStorageFull(err) || !this.#database.storageReserve?.release()) throw err;
      this.#logger?.warn('storage full: reserve released for acknowledgements', {});
      return this.#write(write);
    }
  }

  /**
   * Use a token id: `fresh` if it was not used before (now it is), `replayed` if it was, `before-restart`
   * if it may have been used before this SQLite relay restarted (token-ids.ts).
   */
  async useToken(token: TokenUse): Promise<TokenVerdict> {
    if (this.#tokenIds) return this.#tokenIds.use(token);
    const record = {
      device: token.device,
      jti: token.jti,
      expiresAt: token.expiresAt,
      issuedAt: token.issuedAt,
    };
    const outcome = await this.#afterTokenLoss(async () => {
      const found = await this.#write(() => this.#database.writes.useToken(record));
      return { status: found };
    });
    return verdictOf(outcome.status);
  }

  /**
   * Run `attempt` (a write recording a token id), and when it finds the token ids lost in a crash of the
   * database (PostgreSQL, migrations/token-epoch.ts), set the floor from this relay's clock and run it
   * once more. A second loss answers as the first (`emptied`): the token is refused as uncertain.
   */
  async #afterTokenLoss<T extends { status: string }>(attempt: () => Promise<T>): Promise<T> {
    const first = await attempt();
    const restore = this.#database.writes.restoreTokens;
    if (first.status !== 'emptied' || !restore) return first;
    const floor = Math.ceil(this.#now() / 1000) + IAT_AHEAD_SECONDS;
    await this.#write(() => restore.call(this.#database.writes, floor));
    this.#logger?.warn('token ids lost in a database crash: tokens issued before the floor are refused', {
      floor,
    });
    return attempt();
  }

  /** Token ids held in memory (SQLite; 0 on PostgreSQL). */
  get tokenIdsInMemory(): number {
    return this.#tokenIds?.size ?? 0;
  }

  async #loadCeilings(): Promise<Map<string, number>> {
    const rows = await this.#database.db.selectFrom('token_ceilings').select(['device', 'iat']).execute();
    return new Map(rows.map((r) => [r.device, Number(r.iat)]));
  }

  /**
   * Raise `device`'s token ceiling to `iat`, durably. On a full disk the storage reserve is given up for
   * it (reads and acknowledgements free space); when even that finds no room, the ceiling is held in
   * memory only (THREAT-MODEL.md, "Token replay on a full disk").
   */
  async #raiseCeiling(device: string, iat: number): Promise<number | undefined> {
    try {
      const row = await this.#freeing(() =>
        this.#database.write((trx) =>
          trx
            .insertInto('token_ceilings')
            .values({ device, iat, raised_from: null })
            .onConflict((oc) =>
              // In SET, a column names the row as it was: `raised_from` keeps the ceiling found.
              oc.column('device').doUpdateSet({
                raised_from: sql<number>`token_ceilings.iat`,
                iat: sql<number>`max(token_ceilings.iat, ${iat})`,
              }),
            )
            .returning('raised_from')
            .executeTakeFirstOrThrow(),
        ),
      );
      return row.raised_from === null ? undefined : Number(row.raised_from);
    } catch (err) {
      if (!isStorageFull(err)) throw err;
      this.#logger?.warn('storage full: token ceiling held in memory', {});
      return undefined;
    }
  }

  /**
   * One sweep at `now`: expire deliveries (a notice to each sender device), drop expired notices,
   * token ids, idempotency records and packets left without deliveries. Safe to run in several
   * processes at once. See expiry.ts.
   */
  sweep(now: number): Promise<SweepResult> {
    return sweepExpired(
      {
        database: this.#database,
        notifier: this.#notifier,
        newId: this.#newId,
        noticeTtlMs: this.#noticeTtlMs,
        batch: this.#sweepBatch,
      },
      now,
    );
  }
}
