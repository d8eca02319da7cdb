/**
 * Reading a posted form into the values an SDK body needs, with an error beside each field that is
 * wrong, in the page's language. These checks only shape the answers (required, a real date, a length);
 * the SDK's own validators and rules (PROTOCOL.md §12, §14) then have the last word, and what they
 * refuse is shown beside the field they name, with the message for their error code.
 */
import { isBryggaError } from '../index.js';
import type { Texts } from './_i18n/index.js';
import type { FieldError, FormValues } from './_views/components.js';
import { fieldValue, fieldValues } from './_views/components.js';

/** Longest short text of a body (names, roles, references; PROTOCOL.md §12.1). */
export const MAX_SHORT = 200;
/** Longest free text of a body (notes, summaries, documentation; PROTOCOL.md §12.1). */
export const MAX_TEXT = 20_000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function isCalendarDate(d: string): boolean {
  if (!DATE.test(d)) return false;
  const parsed = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === d;
}

/** Reads fields of a form, collecting an error per wrong field. */
export class FormReader {
  readonly errors: FieldError[] = [];
  readonly values: FormValues;
  readonly #texts: Texts;

  constructor(values: FormValues, texts: Texts) {
    this.values = values;
    this.#texts = texts;
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }

  /** Record an error for `field` (once per field). */
  fail(field: string, message: string): null {
    if (!this.errors.some((e) => e.field === field)) this.errors.push({ field, message });
    return null;
  }

  raw(name: string): string {
    return fieldValue(this.values, name).trim();
  }

  /** A text; null when empty and optional. */
  text(name: string, label: string, o: { required?: boolean; max?: number } = {}): string | null {
    const v = this.raw(name);
    const { field } = this.#texts.t;
    if (v === '') return o.required === false ? null : this.fail(name, field.required(label));
    const max = o.max ?? MAX_SHORT;
    if (v.length > max) return this.fail(name, field.tooLong(label, max));
    return v;
  }

  /** A text matching `pattern`; `message` says what it must look like. */
  matching(name: string, label: string, pattern: RegExp, message: string, required = true): string | null {
    const v = this.raw(name);
    if (v === '') return required ? this.fail(name, this.#texts.t.field.required(label)) : null;
    return pattern.test(v) ? v : this.fail(name, message);
  }

  /** A calendar date YYYY-MM-DD. */
  date(name: string, label: string, required = true): string | null {
    const v = this.raw(name);
    if (v === '') return required ? this.fail(name, this.#texts.t.field.required(label)) : null;
    return isCalendarDate(v) ? v : this.fail(name, this.#texts.t.field.date(label));
  }

  /** A month YYYY-MM. */
  month(name: string, label: string): string | null {
    const v = this.raw(name);
    if (v === '') return this.fail(name, this.#texts.t.field.required(label));
    return MONTH.test(v) ? v : this.fail(name, this.#texts.t.field.month(label));
  }

  /** One of `allowed`; `message` says what to choose when nothing (or something else) was. */
  choice<T extends string>(
    name: string,
    label: string,
    allowed: readonly T[],
    required = true,
    message?: string,
  ): T | null {
    const v = this.raw(name);
    if ((allowed as readonly string[]).includes(v)) return v as T;
    return required ? this.fail(name, message ?? this.#texts.t.field.choose(label)) : null;
  }

  /** The checked ones of `allowed`. */
  checked<T extends string>(name: string, allowed: readonly T[]): T[] {
    return fieldValues(this.values, name).filter((v): v is T => (allowed as readonly string[]).includes(v));
  }

  /** Yes or no (radios valued "yes" and "no"). */
  yesNo(name: string, label: string): boolean | null {
    const v = this.choice(name, label, ['yes', 'no'] as const, true, this.#texts.t.field.answer(label));
    return v === null ? null : v === 'yes';
  }

  /** Whole kronor, 0 or more; null when empty. */
  amount(name: string, label: string): number | null {
    const v = this.raw(name).replace(/[\s\u00a0]/g, '');
    if (v === '') return null;
    if (!/^\d{1,9}$/.test(v)) return this.fail(name, this.#texts.t.field.amount(label));
    return Number(v);
  }
}

/** Refusals whose message begins with the body path they are about (`follow-up.summary …`). */
const PATH_FIRST = new Set(['ERR_MALFORMED', 'ERR_PRECONDITION_DATE']);

/**
 * An SDK refusal as a field error: ERR_MALFORMED and ERR_PRECONDITION_DATE name a body path
 * (`follow-up.summary`), which `fieldOf` maps to the field that holds it; a rule's code maps to a field
 * through `codeFields`. Other failures go to `fallback` (the first field), with their message.
 */
export function refusal(
  err: unknown,
  texts: Texts,
  o: {
    fieldOf?: (path: string) => string | undefined;
    codeFields?: Record<string, string>;
    fallback: string;
  },
): FieldError {
  if (!isBryggaError(err)) {
    const code = (err as { code?: unknown } | null)?.code;
    return { field: o.fallback, message: texts.error(typeof code === 'string' ? code : 'ERR_INTERNAL') };
  }
  if (PATH_FIRST.has(err.code)) {
    const path = err.message.split(' ')[0] ?? '';
    const field = o.fieldOf?.(path);
    if (field) return { field, message: texts.error(err.code) };
  }
  return { field: o.codeFields?.[err.code] ?? o.fallback, message: texts.error(err.code) };
}
