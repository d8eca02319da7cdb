/**
 * What the CLI says when a command fails: the code of the SDK's vocabulary, the message, what to do
 * (HINTS for the SDK's refusals, RELAY_HINTS for the relay's, by problem code) and the exit code. Loaded
 * by main.ts only when a command fails, with the SDK it needs to tell the errors apart.
 */
import { type ErrorCode, isBryggaError, type ProblemCode, RelayError } from '../index.js';
import { clockHint } from './_clock-hint.js';
import { AnswersKept, CliError, EXIT, type Io } from './_io.js';

/** What to do about an SDK refusal, by code (a renamed code fails the type check). */
export const HINTS: Readonly<Partial<Record<ErrorCode, string>>> = {
  ERR_WRONG_PASSPHRASE: 'check the passphrase (BRYGGA_PASSPHRASE or the prompt) and try again',
  ERR_NOT_IN_AGREEMENT: 'the unit must be a party to the agreement: check the unit id and the agreement file',
  ERR_AGREEMENT_INVALID: 'every party must sign the agreement first: see `brygga agreement show`',
  ERR_KEY_REVOKED: 'this device is revoked: enrol a new device with `brygga device enrol`',
  ERR_UNKNOWN_KEY: 'the key is not in the directory: is the device enrolled, and the agreement installed?',
  ERR_MALFORMED: 'fix the input named above and try again; nothing was sent or stored',
  ERR_CONSENT_MISSING: 'record the consent in the referral file',
  ERR_CONSENT_WITHDRAWN: 'consent was withdrawn: no more personal data may be sent in this case',
  ERR_QUOTA_EXCEEDED: 'the agreement quota is used up for this period',
  ERR_RELAY: 'check --relay and that the relay is running',
  ERR_PRECONDITION_DATE: 'a precondition cannot be dated after the referral: correct the date named above',
  ERR_POLICE_CONSULTATION_MISSING:
    "record the police consultation (samråd) in both municipalities: who, the police's reference, when and what they said",
  ERR_POLICE_APPROVAL_MISSING:
    'the terms require police approval (godkännande) in both municipalities for this case: record it, or the referral must wait',
  ERR_PACKET_STALE: 'the packet waited too long to be sent and was undone: send it again',
  ERR_LOG_BAD_SIGNATURE:
    'the relay answered with a log it did not sign: see `brygga alerts` and tell its operator',
  ERR_LOG_ROLLBACK: 'the relay showed an older log than before: see `brygga alerts` and tell its operator',
  ERR_LOG_INCONSISTENT: 'the relay showed two different logs: see `brygga alerts` and tell its operator',
  ERR_LOG_OMISSION: 'the relay left something out of its log: see `brygga alerts` and tell its operator',
  ERR_LOG_UNEXPECTED_KEY:
    "a key of your unit that it did not publish: see `brygga alerts` and call your unit's administrator",
  ERR_FIGURES_INVALID:
    "a unit's signed figures are not those of its agreement period: ask that unit to send them again with `brygga report figures --send`",
  ERR_RECONCILIATION_MISMATCH:
    "the two units' records differ: run `brygga inbox` at both ends so each holds every cost report, then reconcile again",
  ERR_SERVICE_NOT_OFFERED:
    'choose services the receiving municipality offers: see its `offers` in `brygga agreement show`',
  ERR_OUTSIDE_CIRCLE:
    "this device is not among the case's officers: ask an officer of the case to assign it with `brygga case assign`",
  ERR_PLAN_NOT_AGREED:
    'the receiving unit must agree to the implementation plan first: it answers with `brygga plan-response`',
  ERR_RELOCATION_NOT_NOTIFIED:
    'notify the body your terms name (`relocationNotice` in `brygga agreement show`) of the planned area first, and give its reference in "relocation.notice" of `brygga accept`',
  ERR_RELOCATION_NOT_CLEARED:
    'accept only once your check of the planned relocation area is cleared; with concerns, choose another area or decline',
  ERR_CHILD_NOTICE_UNSETTLED:
    'say in the settlement which municipality of the case takes which responsibility, who and from when, including the one named in proposedResponsibility',
  ERR_CHILD_NOTICE_UNKNOWN:
    'answer an unanswered child notice of the other unit: give its hash (`brygga case show`) with --notice',
  ERR_DEVIATION_NOT_ALLOWED:
    'the agreement lists the rules a documented deviation may set aside (`brygga agreement show`): meet this rule instead',
  ERR_CHILD_NOTICE_OPEN:
    'answer the urgent child notice first (`brygga child-notice answer`), or ask the other unit to: no plan until the responsibility for the children is settled',
  ERR_SPECIAL_CASE_NOT_ASSESSED:
    'a special case needs the assessment of the body your terms name (`specialCases` in `brygga agreement show`): give it in "special.assessment" of `brygga accept`',
  ERR_GROUP_AFFILIATION_MISSING:
    'the receiving municipality checks placements against rival groups (`rivalCheck` in `brygga agreement show`): give the person\'s group affiliation in "affiliation" of the referral, with an empty "groups" when none is known',
  ERR_RIVAL_CHECK_MISSING:
    'record your check against your known groups (`brygga rivals`, `brygga rivals check <case>`) in "rivalCheck" of `brygga accept`: no conflict, or the conflict and why you accept despite it',
  ERR_RIVAL_CONFLICT_UNRECORDED:
    'your list of known groups shows a conflict (`brygga rivals check <case>`): record it in "rivalCheck" with the reason you accept despite it, or decline the case',
};

/** What to do about a relay refusal, by problem code (PROTOCOL.md §9); others get the hint of ERR_RELAY. */
export const RELAY_HINTS: Readonly<Partial<Record<ProblemCode, string>>> = {
  unauthorized:
    "is this device enrolled and not revoked, and is --audience the relay's public URL (BRYGGA_PUBLIC_URL)?",
  'admin-disabled': 'the relay has no admin token configured: its operator must set BRYGGA_ADMIN_TOKEN',
  'unknown-device': 'enrol the device first (`brygga device enrol`), or check --relay',
  'device-revoked': 'this device is revoked: enrol a new device with `brygga device enrol`',
  'not-in-agreement': 'install the agreement on the relay first (`brygga relay install-agreement`)',
  'device-not-in-agreement':
    "this device's unit is not a party to the agreement installed on the relay: install the current agreement (`brygga relay install-agreement`)",
  'rate-limited': 'wait a minute and try again',
  'insufficient-storage':
    "the relay's disk is full: nothing was sent; tell its operator, and try again later (its recipients can still collect what waits)",
  'token-uncertain': 'the relay has just restarted: try again in a few seconds',
  'clock-skew':
    "this device's clock differs from the relay's: set it right (turn on automatic time, NTP) and try again",
  'sender-quota-exceeded':
    'the recipients have not yet fetched enough of what was sent: try again once they have (the packet is kept)',
};

/** How the CLI reports a failure: its code, message, what to do, and the exit code. */
export interface Failure {
  code: ErrorCode;
  message: string;
  hint: string | undefined;
  exit: number;
}

/**
 * What to say about `caught` (see {@link HINTS}, {@link RELAY_HINTS}); answers a failed `refer` kept
 * are named in the hint. Secrets never reach a message.
 */
export function describeFailure(caught: unknown): Failure {
  let code: ErrorCode;
  let message: string;
  let hint: string | undefined;
  let exit: number = EXIT.refused;
  const kept = caught instanceof AnswersKept ? caught.path : undefined;
  const err = caught instanceof AnswersKept ? caught.cause : caught;
  if (err instanceof CliError) {
    ({ code, message, hint } = err);
    exit = err.exitCode;
  } else if (err instanceof RelayError) {
    code = err.code;
    message = `the relay refused: ${err.message}`;
    const problem = err.problemCode;
    hint = (problem === undefined ? undefined : RELAY_HINTS[problem]) ?? HINTS.ERR_RELAY;
    if (problem === 'clock-skew' && err.clockOffsetSeconds !== undefined)
      hint = clockHint(err.clockOffsetSeconds);
  } else if (isBryggaError(err)) {
    code = err.code;
    message = err.message;
    hint = HINTS[err.code];
  } else {
    const cause = err as NodeJS.ErrnoException;
    if (cause?.code === 'ECONNREFUSED' || (err instanceof TypeError && /fetch/.test(err.message))) {
      code = 'ERR_RELAY';
      message = 'the relay could not be reached';
      hint = HINTS.ERR_RELAY;
    } else {
      code = 'ERR_INTERNAL';
      message = `unexpected failure: ${err instanceof Error ? err.message : String(err)}`;
      hint = 'this is a bug: please report it with the command you ran (without any secrets)';
    }
  }
  if (kept !== undefined) {
    const again = `your answers are kept in ${kept} (readable only by you): run \`brygga refer --resume\` to send them`;
    hint = hint ? `${hint}; ${again}` : again;
  }
  return { code, message, hint, exit };
}

/** Report `err` in words (or JSON) and give its exit code. */
export function reportFailure(io: Io, err: unknown): number {
  const { code, message, hint, exit } = describeFailure(err);
  if (io.json)
    io.out(`${JSON.stringify({ error: { code, message, hint: hint ?? null, exitCode: exit } })}\n`);
  io.err(`brygga: ${message} [${code}]\n${hint ? `  What to do: ${hint}\n` : ''}`);
  return exit;
}
