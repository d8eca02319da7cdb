/**
 * Internal: calendar arithmetic on UTC days (`YYYY-MM-DD`), as the agreement's deadlines count them
 * (PROTOCOL.md §22, §23).
 */

/** `day` plus `n` days. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** `day` plus `n` calendar months; a day the month does not have becomes its last (31 January + 1 → 28 February). */
export function addMonths(day: string, n: number): string {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7)) - 1 + n;
  const target = new Date(Date.UTC(y, m, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(Number(day.slice(8, 10)), last));
  return target.toISOString().slice(0, 10);
}

/** The same day `years` later (29 February becomes 28 February in a year without it). */
export function addYears(day: string, years: number): string {
  return addMonths(day, 12 * years);
}
