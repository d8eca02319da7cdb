/**
 * Every step form, by step (see `_cases.ts` for which the workflow allows when).
 */
import type { StepKey } from '../_cases.js';
import { CHILD_NOTICE_STEP } from './child-notice.js';
import { CHILD_NOTICE_ANSWER_STEP } from './child-notice-answer.js';
import { CLOSE_STEP } from './close.js';
import { CONSENT_STEP } from './consent.js';
import { COSTS_STEP } from './costs.js';
import { DEVIATION_STEP } from './deviation.js';
import { FOLLOW_UP_STEP } from './follow-up.js';
import { MESSAGE_STEP } from './message.js';
import { PLAN_STEP } from './plan.js';
import { PLAN_RESPONSE_STEP } from './plan-response.js';
import type { Step } from './step.js';
import { UPTAKE_STEP } from './uptake.js';
import { WITHDRAW_STEP } from './withdraw.js';

export type { Step, StepContext } from './step.js';

/** The form of each step. */
export const STEP_FORMS: Record<StepKey, Step> = {
  decide: UPTAKE_STEP,
  plan: PLAN_STEP,
  planResponse: PLAN_RESPONSE_STEP,
  followUp: FOLLOW_UP_STEP,
  costs: COSTS_STEP,
  deviation: DEVIATION_STEP,
  childNotice: CHILD_NOTICE_STEP,
  childNoticeAnswer: CHILD_NOTICE_ANSWER_STEP,
  message: MESSAGE_STEP,
  consent: CONSENT_STEP,
  withdraw: WITHDRAW_STEP,
  close: CLOSE_STEP,
};
