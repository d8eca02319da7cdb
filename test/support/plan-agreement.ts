/**
 * The receiving unit's agreement to a case's implementation plan (PROTOCOL.md §14.6), for tests that
 * need an active case: the plan takes effect, and follow-ups and cost reports count against it, only
 * once the receiving unit agrees to it.
 */
import type { BryggaClient, SendResult } from '@brygga/client-sdk';

/** Who decides the answer in tests. */
export const PLAN_DECIDER = { name: 'Samordnare', role: 'avhopparsamordnare' };

/** `receiving` syncs (to hold the plan) and agrees to the case's current plan. */
export async function agreePlan(receiving: BryggaClient, caseId: string): Promise<SendResult> {
  await receiving.sync();
  return receiving.respondToPlan(caseId, { decision: 'agree', decidedBy: PLAN_DECIDER });
}
