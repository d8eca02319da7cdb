/**
 * Migration 4: an index on the packets' sender, for the queued-bytes quotas (PROTOCOL.md §9): each
 * submission sums the sizes of its sending unit's undelivered packets (relay-store.ts `queuedBytes`).
 */
import type { Kysely, Migration } from 'kysely';

/** The fourth migration (the same on both engines). */
export function senderQuota(): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the database as it is, not as typed.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('packets_sender')
        .on('packets')
        .columns(['sender_unit', 'sender_device'])
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up().
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('packets_sender').ifExists().execute();
    },
  };
}
