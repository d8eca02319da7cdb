/**
 * The PostgreSQL side of ../prepared-writes.ts: SQL written once, sent with parameters, no query building
 * per request.
 *
 * A submission is one statement in its own (autocommit) transaction, so it costs one round trip
 * instead of seven (begin, four inserts, notify, commit). Data-modifying CTEs chain the steps: the
 * idempotency record is inserted only if the token id was new, the packet and its deliveries only if
 * the record was new, and the wake-ups (`pg_notify`, delivered by PostgreSQL only on commit) only
 * then. All of it commits together or not at all. When the packet id was taken, the earlier record is
 * read by a second statement: its own snapshot sees a record committed by a concurrent submission
 * that the first statement waited for (`ON CONFLICT` waits for it) but could not see.
 *
 * Token ids are rows of the UNLOGGED `tokens` table (migrations/token-epoch.ts): recorded only while
 * `token_epoch` has its row and the token's `iat` is above `token_floor`, checked in the recording
 * statement itself; a token id not recorded is told apart (replayed, uncertain, or lost in a crash) by a
 * second statement, on that rare path only.
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type {
  PreparedWrites,
  SubmissionRecord,
  SubmissionResult,
  TokenOutcome,
  TokenRecord,
} from '../prepared-writes.js';
import type { RelaySchema } from '../schema.js';
import { INBOX_CHANNEL } from './postgres-inbox-notifier.js';

/**
 * The submission statement. Parameters: `$1` id, `$2` digest, `$3` received, `$4` expires, `$5` sender
 * unit, `$6` sender device, `$7` size, `$8` envelope, `$9` recipient devices, `$10` their units, `$11`
 * whether to notify; `withToken`, also `$12…$15` the token id's device, jti, expiry and `iat`. The
 * packet's number is drawn with the idempotency record, so that the record names the packet it stores
 * (migrations/packet-seq.ts).
 */
function submitSql(withToken: boolean): string {
  const fresh = withToken
    ? `t as (
         insert into tokens (device, jti, expires_at) select $12::text, $13::text, $14::bigint
         where ${tokenAcceptable('$15')}
         on conflict do nothing returning 1
       ),`
    : '';
  return `with ${fresh}
    s as (
      insert into submissions (id, digest, received_at, expires_at, packet_seq)
      select $1::text, $2::text, $3::bigint, $4::bigint, nextval('packets_seq_seq')
      ${withToken ? 'where exists (select from t)' : ''}
      on conflict do nothing returning packet_seq
    ),
    p as (
      insert into packets (seq, id, digest, sender_unit, sender_device, size, envelope, received_at, expires_at)
      overriding system value
      select s.packet_seq, $1::text, $2::text, $5::text, $6::text, $7::bigint, $8::bytea, $3::bigint, $4::bigint
      from s
      returning seq
    ),
    i as (
      insert into inbox (device, unit, kind, item_id, packet_id, packet_seq, created_at, expires_at)
      select r.device, r.unit, 'packet', $1::text, $1::text, p.seq, $3::bigint, $4::bigint
      from unnest($9::text[], $10::text[]) as r(device, unit), p
    ),
    n as (
      select pg_notify('${INBOX_CHANNEL}', d.device)
      from (select distinct unnest($9::text[]) as device) as d
      where $11::boolean and exists (select from s)
    )
    select ${withToken ? 'exists (select from t)' : 'true'} as fresh,
      exists (select from s) as created,
      (select count(*) from n) as notified`;
}

const SUBMIT_WITH_TOKEN = submitSql(true);
const SUBMIT_WITHOUT_TOKEN = submitSql(false);
const EARLIER = 'select digest, received_at, expires_at from submissions where id = $1';
const USE_TOKEN =
  'insert into tokens (device, jti, expires_at) select $1::text, $2::text, $3::bigint ' +
  `where ${tokenAcceptable('$4')} on conflict do nothing returning 1`;
/** Why a token id was not recorded (parameters: device, jti). */
const TOKEN_STATE =
  'select exists (select from token_epoch) as epoch, ' +
  'exists (select from tokens where device = $1 and jti = $2) as used';
const RAISE_FLOOR = 'update token_floor set iat = greatest(iat, $1::bigint)';
const RESTORE_EPOCH = 'insert into token_epoch (id) values (1) on conflict do nothing';
// A packet is found by its id through its submission, and named by its `seq` (migrations/packet-seq.ts).
const PACKET_SEQ = '(select packet_seq from submissions where id = $1)';
const LOCK_PACKET = `select seq from packets where seq = ${PACKET_SEQ} for update`;
const ACK_PACKET = `delete from inbox where kind = 'packet' and device = $2 and packet_seq = ${PACKET_SEQ}`;
const PACKET_GONE =
  `delete from packets where seq = ${PACKET_SEQ} ` +
  "and not exists (select from inbox i where i.packet_seq = packets.seq and i.kind = 'packet')";
const ACK_NOTICE = "delete from inbox where device = $1 and kind = 'notice' and item_id = $2";

/**
 * The condition under which a token id may be recorded, its `iat` the parameter `iat`: the token ids
 * were not lost since the floor was last set, and the token is newer than the floor.
 */
function tokenAcceptable(iat: string): string {
  return `exists (select from token_epoch) and ${iat}::bigint > (select iat from token_floor)`;
}

/** Both drivers bind a Buffer as a blob; a view shares the bytes instead of copying them. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Prepared writes on PostgreSQL. */
export class PostgresWrites implements PreparedWrites {
  readonly #db: Kysely<RelaySchema>;
  readonly #retry: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly #write: <T>(job: (trx: Transaction<RelaySchema>) => Promise<T>) => Promise<T>;

  /**
   * `retry` re-runs a statement that failed on a deadlock or serialisation failure; `write` runs a
   * transaction (with the same retries).
   */
  constructor(
    db: Kysely<RelaySchema>,
    retry: <T>(fn: () => Promise<T>) => Promise<T>,
    write: <T>(job: (trx: Transaction<RelaySchema>) => Promise<T>) => Promise<T>,
  ) {
    this.#db = db;
    this.#retry = retry;
    this.#write = write;
  }

  async submit(r: SubmissionRecord): Promise<SubmissionResult> {
    const parameters: unknown[] = [
      r.id,
      r.digest,
      r.receivedAt,
      r.expiresAt,
      r.senderUnit,
      r.senderDevice,
      r.envelope.byteLength,
      asBuffer(r.envelope),
      r.recipientDevices,
      r.recipientUnits,
      r.notify === true,
    ];
    if (r.token) parameters.push(r.token.device, r.token.jti, r.token.expiresAt, r.token.issuedAt);
    const query = CompiledQuery.raw(r.token ? SUBMIT_WITH_TOKEN : SUBMIT_WITHOUT_TOKEN, parameters);
    const { rows } = await this.#retry(() =>
      this.#db.executeQuery<{ fresh: boolean; created: boolean }>(query),
    );
    const outcome = rows[0]!;
    if (!outcome.fresh) return { status: await this.#notRecorded(r.token!) };
    if (outcome.created) return { status: 'created' };
    const earlier = await this.#db.executeQuery<{ digest: string; received_at: number; expires_at: number }>(
      CompiledQuery.raw(EARLIER, [r.id]),
    );
    const row = earlier.rows[0];
    if (!row) throw new Error('the idempotency record of a taken packet id is missing');
    return {
      status: 'exists',
      earlier: { digest: row.digest, receivedAt: row.received_at, expiresAt: row.expires_at },
    };
  }

  async useToken(token: TokenRecord): Promise<TokenOutcome> {
    const query = CompiledQuery.raw(USE_TOKEN, [token.device, token.jti, token.expiresAt, token.issuedAt]);
    const { rows } = await this.#retry(() => this.#db.executeQuery(query));
    return rows.length > 0 ? 'fresh' : this.#notRecorded(token);
  }

  /**
   * Why `token` was not recorded: used before, lost in a crash (no epoch row), or at or below the floor.
   * Should none of these hold any more (another relay set the floor meanwhile, below this token), it is
   * `uncertain` all the same: the client retries with a fresh token.
   */
  async #notRecorded(token: TokenRecord): Promise<Exclude<TokenOutcome, 'fresh'>> {
    const { rows } = await this.#db.executeQuery<{ epoch: boolean; used: boolean }>(
      CompiledQuery.raw(TOKEN_STATE, [token.device, token.jti]),
    );
    const state = rows[0]!;
    if (state.used) return 'replayed';
    if (!state.epoch) return 'emptied';
    return 'uncertain';
  }

  async restoreTokens(floor: number): Promise<void> {
    // One transaction, the floor first: no token is recorded under the new epoch before the floor is
    // committed with it.
    await this.#write(async (trx) => {
      await trx.executeQuery(CompiledQuery.raw(RAISE_FLOOR, [floor]));
      await trx.executeQuery(CompiledQuery.raw(RESTORE_EPOCH));
    });
  }

  acknowledgePacket(device: string, id: string): Promise<boolean> {
    return this.#write(async (trx) => {
      // Lock order everywhere: packet row, then inbox rows (see expiry.ts).
      await trx.executeQuery(CompiledQuery.raw(LOCK_PACKET, [id]));
      const deleted = await trx.executeQuery(CompiledQuery.raw(ACK_PACKET, [id, device]));
      if (!deleted.numAffectedRows) return false;
      await trx.executeQuery(CompiledQuery.raw(PACKET_GONE, [id]));
      return true;
    });
  }

  async acknowledgeNotice(device: string, id: string): Promise<boolean> {
    const query = CompiledQuery.raw(ACK_NOTICE, [device, id]);
    const deleted = await this.#retry(() => this.#db.executeQuery(query));
    return Boolean(deleted.numAffectedRows);
  }
}
