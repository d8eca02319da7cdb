/**
 * Expiry: unacknowledged deliveries expire; each becomes exactly one notice in the
 * sender device's inbox; notices, used token ids and idempotency records expire in turn; and packets
 * left without deliveries are deleted.
 *
 * Safe with several sweepers at once (several relay processes on PostgreSQL): a delivery row is deleted
 * by exactly one of them (a concurrent DELETE skips rows another transaction deleted), and only the one
 * that deleted it writes its notice. Lock order is the same as acknowledgement's (packet rows first,
 * then inbox rows), so a sweep and an acknowledgement of the same packet cannot deadlock.
 */
import type { Database, WriteTransaction } from './database.js';
import type { InboxNotifier } from './inbox-notifier.js';

/** Counts of what one sweep removed or wrote. */
export interface SweepResult {
  expiredDeliveries: number;
  notices: number;
  expiredNotices: number;
  tokens: number;
  submissions: number;
  orphanPackets: number;
}

/** What a sweep needs. */
export interface ExpiryContext {
  database: Database;
  notifier: InboxNotifier;
  /** Source of notice ids. */
  newId: () => string;
  noticeTtlMs: number;
  /** Packets handled per transaction. */
  batch: number;
}

/** Delete those of the packets numbered `seqs` that have no delivery left. */
async function deletePacketsWithoutDeliveries(trx: WriteTransaction, seqs: readonly number[]): Promise<void> {
  await trx
    .deleteFrom('packets')
    .where('seq', 'in', seqs)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('inbox as i')
            .select('i.seq')
            .whereRef('i.packet_seq', '=', 'packets.seq')
            .where('i.kind', '=', 'packet'),
        ),
      ),
    )
    .execute();
}

/** One sweep at `now`, in bounded transactions until nothing expired is left. */
export async function sweepExpired(ctx: ExpiryContext, now: number): Promise<SweepResult> {
  const result: SweepResult = {
    expiredDeliveries: 0,
    notices: 0,
    expiredNotices: 0,
    tokens: 0,
    submissions: 0,
    orphanPackets: 0,
  };
  for (;;) {
    const { expired, notices } = await expireDeliveries(ctx, now);
    result.expiredDeliveries += expired;
    result.notices += notices;
    if (expired === 0) break;
  }
  const remove = async (run: (trx: WriteTransaction) => Promise<{ numDeletedRows: bigint }>) =>
    Number((await ctx.database.write(run)).numDeletedRows);
  // The remaining deletes touch rows nobody waits for; one statement each is enough.
  result.expiredNotices = await remove((trx) =>
    trx.deleteFrom('inbox').where('kind', '=', 'notice').where('expires_at', '<=', now).executeTakeFirst(),
  );
  result.tokens = await remove((trx) =>
    trx.deleteFrom('tokens').where('expires_at', '<=', now).executeTakeFirst(),
  );
  result.orphanPackets = await remove((trx) =>
    trx
      .deleteFrom('packets')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('inbox as i')
              .select('i.seq')
              .whereRef('i.packet_seq', '=', 'packets.seq')
              .where('i.kind', '=', 'packet'),
          ),
        ),
      )
      .executeTakeFirst(),
  );
  result.submissions = await remove((trx) =>
    trx
      .deleteFrom('submissions')
      .where('expires_at', '<=', now)
      // Kept until the transparency log holds the envelope (PROTOCOL.md §18.2): the row is what the
      // log takes it from.
      .where('log_index', 'is not', null)
      // The record lives as long as the packet it protects.
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(selectFrom('packets as p').select('p.seq').whereRef('p.seq', '=', 'submissions.packet_seq')),
        ),
      )
      .executeTakeFirst(),
  );
  return result;
}

async function expireDeliveries(
  ctx: ExpiryContext,
  now: number,
): Promise<{ expired: number; notices: number }> {
  let senders: string[] = [];
  const result = await ctx.database.write(async (trx) => {
    senders = [];
    const expiring = await trx
      .selectFrom('inbox')
      .select(['packet_id', 'packet_seq'])
      .distinct()
      .where('kind', '=', 'packet')
      .where('expires_at', '<=', now)
      .orderBy('packet_id')
      .limit(ctx.batch)
      .execute();
    // Every delivery names its packet (migrations/packet-seq.ts): a notice, which has none, is not here.
    const seqs = expiring.map((r) => r.packet_seq!);
    if (seqs.length === 0) return { expired: 0, notices: 0 };
    if (ctx.database.engine === 'postgres') {
      await trx
        .selectFrom('packets')
        .select('seq')
        .where('seq', 'in', seqs)
        .orderBy('seq')
        .forUpdate()
        .execute();
    }
    const expired = await trx
      .deleteFrom('inbox')
      .where('kind', '=', 'packet')
      .where('packet_seq', 'in', seqs)
      .where('expires_at', '<=', now)
      .returning(['device', 'unit', 'packet_id', 'expires_at'])
      .execute();
    const packets = new Map(
      (
        await trx
          .selectFrom('packets')
          .select(['id', 'sender_unit', 'sender_device'])
          .where('seq', 'in', seqs)
          .execute()
      ).map((p) => [p.id, p]),
    );
    const notices = expired.flatMap((e) => {
      const p = packets.get(e.packet_id);
      if (!p) return [];
      return [
        {
          device: p.sender_device,
          unit: p.sender_unit,
          kind: 'notice' as const,
          item_id: ctx.newId(),
          packet_id: e.packet_id,
          notice_type: 'expired',
          recipient_unit: e.unit,
          recipient_device: e.device,
          // When it expired, not when the sweep noticed.
          created_at: e.expires_at,
          expires_at: now + ctx.noticeTtlMs,
        },
      ];
    });
    for (let i = 0; i < notices.length; i += 200) {
      await trx
        .insertInto('inbox')
        .values(notices.slice(i, i + 200))
        .execute();
    }
    await deletePacketsWithoutDeliveries(trx, seqs);
    senders = notices.map((n) => n.device);
    await ctx.notifier.inTransaction(trx, senders);
    return { expired: expired.length, notices: notices.length };
  });
  if (senders.length > 0) ctx.notifier.afterCommit(senders);
  return result;
}
