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
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { PreparedWrites, SubmissionRecord, SubmissionResult, TokenRecord } from '../prepared-writes.js';
import type { RelaySchema } from '../schema.js';
import { INBOX_CHANNEL } from './postgres-inbox-notifier.js';

/**
 * The submission statement. Parameters: `$1` id, `$2` digest, `$3` received, `$4` expires, `$5` sender
 * unit, `$6` sender device, `$7` size, `$8` envelope, `$9` recipient devices, `$10` their units, `$11`
 * whether to notify; `withToken`, also `$12…$14` the token id's device, jti and expiry.
 */
function submitSql(withToken: boolean): string {
  const fresh = withToken
    ? `t as (
         insert into tokens (device, jti, expires_at) values ($12::text, $13::text, $14::bigint)
         on conflict do nothing returning 1
       ),`
    : '';
  return `with ${fresh}
    s as (
      insert into submissions (id, digest, received_at, expires_at)
      select $1::text, $2::text, $3::bigint, $4::bigint ${withToken ? 'where exists (select from t)' : ''}
      on conflict do nothing returning 1
    ),
    p as (
      insert into packets (id, digest, sender_unit, sender_device, size, envelope, received_at, expires_at)
      select $1::text, $2::text, $5::text, $6::text, $7::bigint, $8::bytea, $3::bigint, $4::bigint
      where exists (select from s)
    ),
    i as (
      insert into inbox (device, unit, kind, item_id, packet_id, created_at, expires_at)
      select r.device, r.unit, 'packet', $1::text, $1::text, $3::bigint, $4::bigint
      from unnest($9::text[], $10::text[]) as r(device, unit)
      where exists (select from s)
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
  'insert into tokens (device, jti, expires_at) values ($1, $2, $3) on conflict do nothing returning 1';
const LOCK_PACKET = 'select id from packets where id = $1 for update';
const ACK_PACKET = "delete from inbox where device = $1 and kind = 'packet' and item_id = $2";
const PACKET_GONE =
  "delete from packets where id = $1 and not exists (select from inbox i where i.item_id = packets.id and i.kind = 'packet')";
const ACK_NOTICE = "delete from inbox where device = $1 and kind = 'notice' and item_id = $2";

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
    if (r.token) parameters.push(r.token.device, r.token.jti, r.token.expiresAt);
    const query = CompiledQuery.raw(r.token ? SUBMIT_WITH_TOKEN : SUBMIT_WITHOUT_TOKEN, parameters);
    const { rows } = await this.#retry(() =>
      this.#db.executeQuery<{ fresh: boolean; created: boolean }>(query),
    );
    const outcome = rows[0]!;
    if (!outcome.fresh) return { status: 'replayed' };
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

  async useToken(token: TokenRecord): Promise<boolean> {
    const query = CompiledQuery.raw(USE_TOKEN, [token.device, token.jti, token.expiresAt]);
    const { rows } = await this.#retry(() => this.#db.executeQuery(query));
    return rows.length > 0;
  }

  acknowledgePacket(device: string, id: string): Promise<boolean> {
    return this.#write(async (trx) => {
      // Lock order everywhere: packet row, then inbox rows (see expiry.ts).
      await trx.executeQuery(CompiledQuery.raw(LOCK_PACKET, [id]));
      const deleted = await trx.executeQuery(CompiledQuery.raw(ACK_PACKET, [device, id]));
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
