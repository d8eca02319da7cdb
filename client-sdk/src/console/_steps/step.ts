/**
 * The shape of a step form (the forms are one file each in this folder) and what they share. A form
 * reads its answers with a FormReader, builds the body, checks it with the SDK's validator, and returns
 * the call that signs and sends it.
 */
import type { Child } from 'hono/jsx';
import type { BryggaClient, SendResult } from '../../index.js';
import type { CaseData } from '../_cases.js';
import type { FormReader } from '../_form-reader.js';
import type { Texts } from '../_i18n/index.js';
import type { FieldError, FormValues } from '../_views/components.js';

/** What a step's form and reader get. */
export interface StepContext {
  texts: Texts;
  client: BryggaClient;
  data: CaseData;
  values: FormValues;
  errors: FieldError[];
  today: string;
}

/** One step's form. */
export interface Step {
  title(t: Texts['t']): string;
  submit(t: Texts['t']): string;
  lead?(t: Texts['t']): string;
  defaults(s: Omit<StepContext, 'values' | 'errors'>, user: { displayName: string }): FormValues;
  fields(s: StepContext): Child;
  /** Read the form; a function that sends, or null when a field is wrong (errors are in the reader). */
  read(
    f: FormReader,
    s: StepContext,
  ): ((client: BryggaClient, caseId: string) => Promise<SendResult | SendResult[]>) | null;
  /** The field an SDK body path names. */
  fieldOf?(path: string): string | undefined;
  /** The field a rule's error code concerns. */
  codeFields?: Record<string, string>;
  /** The access-log action, when it depends on the answers. */
  action?(values: FormValues): string;
  first: string;
}

/** Consent rules a legal basis answers: their errors go beside the legal basis field. */
export const LEGAL_CODES = {
  ERR_CONSENT_MISSING: 'lb-provision',
  ERR_CONSENT_WITHDRAWN: 'lb-provision',
  ERR_CONSENT_EXPIRED: 'lb-provision',
  ERR_CONSENT_SCOPE: 'lb-provision',
};

/** The month before `today`'s. */
export function previousMonth(today: string): string {
  const d = new Date(`${today.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

/** The field an SDK body path names, by the longest listed prefix. */
export function pathField(map: [string, string][]): (path: string) => string | undefined {
  return (path) => map.find(([prefix]) => path.startsWith(prefix))?.[1];
}

/** The services of the case's current plan, or every one ever planned. */
export function plannedServices(data: CaseData): string[] {
  return data.view.state.plan?.services ?? data.view.state.plannedEver;
}

/** What every field of a step form takes. */
export function common(s: StepContext) {
  return { errors: s.errors, errorPrefix: s.texts.t.errorPrefix };
}
