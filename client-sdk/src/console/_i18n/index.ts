/**
 * The console's languages: Swedish by default, English selectable. Dates, times and amounts are
 * formatted with Intl in the language's locale (sv-SE: "1 mars 2026", "12 000 kr"); times are shown in
 * Swedish time (Europe/Stockholm), whatever the server's zone.
 */
import { en } from './en.js';
import { type Dictionary, sv } from './sv.js';

export type { Dictionary };

/** The languages of the console. */
export type Lang = 'sv' | 'en';

/** The default language. */
export const DEFAULT_LANG: Lang = 'sv';

const DICTIONARIES: Record<Lang, Dictionary> = { sv, en };

/** `value` as a language of the console, or the default. */
export function langOf(value: string | undefined | null): Lang {
  return value === 'en' || value === 'sv' ? value : DEFAULT_LANG;
}

/** Everything a page needs to speak one language: its strings and its formats. */
export class Texts {
  readonly lang: Lang;
  readonly t: Dictionary;
  readonly #date: Intl.DateTimeFormat;
  readonly #dateTime: Intl.DateTimeFormat;
  readonly #month: Intl.DateTimeFormat;
  readonly #amount: Intl.NumberFormat;
  readonly #number: Intl.NumberFormat;

  constructor(lang: Lang) {
    this.lang = lang;
    this.t = DICTIONARIES[lang];
    const locale = this.t.locale;
    this.#date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
    this.#dateTime = new Intl.DateTimeFormat(locale, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'Europe/Stockholm',
    });
    this.#month = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' });
    this.#amount = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: 'SEK',
      maximumFractionDigits: 0,
    });
    this.#number = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  }

  /** A calendar day (YYYY-MM-DD), e.g. "1 mars 2026". */
  date(day: string | null | undefined): string {
    if (!day) return this.t.none;
    const d = new Date(`${day}T00:00:00Z`);
    return Number.isNaN(d.getTime()) ? day : this.#date.format(d);
  }

  /** A moment (ISO 8601, a Date or a NumericDate in seconds), in Swedish time. */
  dateTime(at: string | Date | number): string {
    const d = typeof at === 'number' ? new Date(at * 1000) : typeof at === 'string' ? new Date(at) : at;
    return Number.isNaN(d.getTime()) ? String(at) : this.#dateTime.format(d);
  }

  /** A month (YYYY-MM), e.g. "mars 2026". */
  month(month: string): string {
    const d = new Date(`${month}-01T00:00:00Z`);
    return Number.isNaN(d.getTime()) ? month : this.#month.format(d);
  }

  /** A whole number in the language's format, e.g. "1 234". */
  number(n: number): string {
    return this.#number.format(n);
  }

  /** Whole Swedish kronor, e.g. "12 000 kr". */
  amount(sek: number): string {
    return this.#amount.format(sek);
  }

  /** A duration in the largest whole unit: minutes, hours or days. */
  duration(ms: number): string {
    const minutes = Math.max(0, Math.floor(ms / 60_000));
    if (minutes === 0) return this.t.duration.justNow;
    if (minutes < 60) return this.t.duration.minutes(minutes);
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return this.t.duration.hours(hours);
    return this.t.duration.days(Math.floor(hours / 24));
  }

  /** The Swedish (or English) message for an SDK error code, or the generic one naming the code. */
  error(code: string): string {
    return (this.t.errors as Record<string, string | undefined>)[code] ?? this.t.errorFallback(code);
  }
}

const cache = new Map<Lang, Texts>();

/** The texts of `lang` (made once per language). */
export function textsFor(lang: Lang): Texts {
  let texts = cache.get(lang);
  if (!texts) cache.set(lang, (texts = new Texts(lang)));
  return texts;
}
