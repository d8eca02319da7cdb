/**
 * Statistical disclosure control for the de-identified statistics (PROTOCOL.md §20.3): small cells are
 * suppressed, and further cells (complementary suppression) so that no total, and no sum across the
 * months of a longer period, gives a suppressed figure back.
 *
 * Markers: a count of 1 up to one less than the threshold `t` is published as `"<t"` (primary
 * suppression); any other hidden figure is published as `"x"`: an amount that covers fewer than `t`
 * cases, and every cell hidden so that a sum does not reveal a small one (complementary suppression).
 * Zero is published as 0.
 *
 * The audit reads a table as its reader can: a published figure is exact, `"<t"` lies in 1 … t − 1, and
 * `"x"` is any figure from 0 up. With a total (or a total another table prints) the hidden figures sum
 * to what the total leaves, so each has a feasible interval; a protected figure (a small one, or one
 * hidden so as not to reveal one) must not be pinned to one value. Complementary suppression hides the
 * smallest published non-zero figure first, then a zero, then the total, until no protected figure is
 * pinned. Tables that share a total (the closures, and the outcome measures of those closures) are
 * audited together, each narrowing the shared total for the others, until nothing changes.
 *
 * The audit checks each sum on its own (each table's total; each figure's months against its value for
 * the whole period): it does not look for combinations of several sums at once.
 */

/** A published figure: a number, `"<t"` (fewer than the threshold t, but not none) or `"x"` (hidden). */
export type Figure = number | string;

/** The marker of a hidden figure. */
export const HIDDEN = 'x';

/** The marker of a small count under threshold `t`: `"<5"`. */
export function smallMarker(threshold: number): string {
  return `<${threshold}`;
}

/** What a table's figures are: counts of cases, amounts in SEK, or medians (in days). */
export type FigureKind = 'count' | 'amount' | 'median';

/** A table as computed, before suppression. */
export interface RawTable {
  id: string;
  kind: FigureKind;
  /** Each row's value and how many cases it covers (for a count, the count itself). */
  rows: { key: string; value: number; cases: number }[];
  /** The sum of the rows, when the rows divide it (a partition), and how many cases it covers. */
  total: { value: number; cases: number } | null;
  /** The rows divide the total of the table with this id (printed there, not here). */
  sumOf?: string;
  /** The rows of a longer period are the sums of its months' rows (counts of events, amounts). */
  additive: boolean;
}

/** A table as published. */
export interface PublishedTable {
  id: string;
  kind: FigureKind;
  rows: { key: string; value: Figure }[];
  /** The total, or null for a table without one. */
  total: Figure | null;
}

/** One figure during suppression. */
interface Item {
  value: number;
  cases: number;
  state: 'shown' | 'small' | 'hidden';
  /** It must not be pinned: a small figure, or one hidden so as not to reveal one. */
  protect: boolean;
}

/** One table during suppression; `total` may be another table's (shared) total. */
interface Work {
  raw: RawTable;
  rows: Item[];
  total: Item | null;
  /** The total is printed in this table (not borrowed from the table it divides). */
  printsTotal: boolean;
}

/** The suppression of one period: its tables, with the state of every figure. */
export interface Suppressed {
  threshold: number;
  works: Work[];
}

type Bound = readonly [number, number];

/** A figure's bounds as a reader knows them. */
function bound(item: Item, t: number): Bound {
  if (item.state === 'shown') return [item.value, item.value];
  if (item.state === 'small') return [1, t - 1];
  return [0, Number.POSITIVE_INFINITY];
}

function intersect(a: Bound, b: Bound): Bound {
  return [Math.max(a[0], b[0]), Math.min(a[1], b[1])];
}

const exact = (b: Bound) => b[0] === b[1];

/**
 * The feasible interval of every cell and of the total, given that the cells sum to the total: for cell
 * i, [max(lo_i, T_lo − Σ_{j≠i} hi_j), min(hi_i, T_hi − Σ_{j≠i} lo_j)].
 */
function feasible(cells: readonly Bound[], total: Bound): { cells: Bound[]; total: Bound } {
  const sumExcept = (i: number, side: 0 | 1) => {
    let s = 0;
    for (let j = 0; j < cells.length; j++) if (j !== i) s += cells[j]![side];
    return s;
  };
  const out = cells.map((c, i) => {
    const lo = Math.max(c[0], total[0] - sumExcept(i, 1));
    const hi = Math.min(c[1], total[1] - sumExcept(i, 0));
    return [lo, hi] as const;
  });
  let lo = 0;
  let hi = 0;
  for (const c of cells) {
    lo += c[0];
    hi += c[1];
  }
  return { cells: out, total: intersect(total, [lo, hi]) };
}

/** Whether a count (or the cases an amount covers) is small: 1 … t − 1. */
function isSmall(cases: number, t: number): boolean {
  return cases >= 1 && cases < t;
}

/** The initial state of a figure: primary suppression, or hidden because `forced`. */
function item(value: number, cases: number, kind: FigureKind, t: number, forced: boolean): Item {
  if (kind === 'median') {
    return { value, cases, state: cases < t ? 'hidden' : 'shown', protect: false };
  }
  if (isSmall(cases, t)) {
    return { value, cases, state: kind === 'count' ? 'small' : 'hidden', protect: true };
  }
  return { value, cases, state: forced ? 'hidden' : 'shown', protect: forced };
}

/** The key of a figure of a table: a row's key, or `total`. */
export function figureKey(table: string, row: string | null): string {
  return `${table}\u0000${row ?? '\u0000total'}`;
}

/** The bounds of a work's total: its own marker's, narrowed by every other table that shares it. */
function totalBound(work: Work, works: readonly Work[], t: number): Bound {
  let b = bound(work.total!, t);
  for (const other of works) {
    if (other === work || other.total !== work.total) continue;
    b = intersect(
      b,
      feasible(
        other.rows.map((r) => bound(r, t)),
        bound(other.total!, t),
      ).total,
    );
  }
  return b;
}

/** Whether some protected figure of `work` (a cell, or its total) is pinned to one value. */
function pinned(work: Work, works: readonly Work[], t: number): boolean {
  if (!work.total) return false;
  const f = feasible(
    work.rows.map((r) => bound(r, t)),
    totalBound(work, works, t),
  );
  if (work.rows.some((r, i) => r.protect && r.state !== 'shown' && exact(f.cells[i]!))) return true;
  return work.total.protect && work.total.state !== 'shown' && exact(f.total);
}

/** One way to hide more of a table, and how to take it back. */
interface Move {
  apply(): void;
  undo(): void;
}

/** Hide `item` (its earlier state restored by undo); a hidden total is protected, like a small figure. */
function hideMove(item: Item, protect: boolean): Move {
  const before = { state: item.state, protect: item.protect };
  return {
    apply() {
      item.state = 'hidden';
      item.protect = item.protect || protect;
    },
    undo() {
      item.state = before.state;
      item.protect = before.protect;
    },
  };
}

/**
 * The ways to hide more of `work`, in the order they are preferred: the smallest published non-zero cell,
 * a published zero, every small cell widened to `"x"` (a reader then no longer knows it is at least 1),
 * the total.
 */
function moves(work: Work): Move[] {
  const shown = work.rows
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.state === 'shown')
    .sort((a, b) => {
      const za = a.r.value === 0 ? 1 : 0;
      const zb = b.r.value === 0 ? 1 : 0;
      return za - zb || a.r.value - b.r.value || a.i - b.i;
    });
  const out = shown.map(({ r }) => hideMove(r, false));
  const small = work.rows.filter((r) => r.state === 'small');
  if (small.length > 0) {
    const widen = small.map((r) => hideMove(r, false));
    out.push({
      apply() {
        for (const m of widen) m.apply();
      },
      undo() {
        for (const m of widen) m.undo();
      },
    });
  }
  if (work.total && work.total.state !== 'hidden') out.push(hideMove(work.total, true));
  return out;
}

/**
 * Hide more of `work` (complementary suppression): the first move, in order of preference, that leaves
 * no protected figure pinned; when no single move does, the first move, and the caller asks again.
 * Returns false when there is nothing more to hide.
 */
function hideMore(work: Work, works: readonly Work[], t: number): boolean {
  const options = moves(work);
  if (options.length === 0) return false;
  for (const m of options) {
    m.apply();
    if (!pinned(work, works, t)) return true;
    m.undo();
  }
  options[0]!.apply();
  return true;
}

/**
 * Suppress a period's tables under threshold `t`. Figures named in `forced` (by {@link figureKey}) are
 * hidden and protected whatever their value: the figures whose months would otherwise give a small
 * monthly figure back.
 */
export function suppress(
  tables: readonly RawTable[],
  t: number,
  forced: ReadonlySet<string> = new Set(),
): Suppressed {
  const works: Work[] = [];
  const byId = new Map<string, Work>();
  for (const raw of tables) {
    const rows = raw.rows.map((r) =>
      item(r.value, r.cases, raw.kind, t, forced.has(figureKey(raw.id, r.key))),
    );
    let total: Item | null = null;
    let printsTotal = false;
    if (raw.total) {
      total = item(raw.total.value, raw.total.cases, raw.kind, t, forced.has(figureKey(raw.id, null)));
      printsTotal = true;
    } else if (raw.sumOf) {
      total = byId.get(raw.sumOf)?.total ?? null;
    }
    const work: Work = { raw, rows, total, printsTotal };
    works.push(work);
    byId.set(raw.id, work);
  }
  // Each round hides at least one figure or ends; there are finitely many figures.
  for (;;) {
    let changed = false;
    for (const work of works) {
      while (pinned(work, works, t)) {
        if (!hideMore(work, works, t)) break;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return { threshold: t, works };
}

/** The published figure of an item. */
function figureOf(item: Item, t: number): Figure {
  return item.state === 'shown' ? item.value : item.state === 'small' ? smallMarker(t) : HIDDEN;
}

/** The tables as published. */
export function published(s: Suppressed): PublishedTable[] {
  return s.works.map((w) => ({
    id: w.raw.id,
    kind: w.raw.kind,
    rows: w.raw.rows.map((r, i) => ({ key: r.key, value: figureOf(w.rows[i]!, s.threshold) })),
    total: w.printsTotal && w.total ? figureOf(w.total, s.threshold) : null,
  }));
}

/**
 * The figures of a longer period that would give a protected figure of one of its months back: for each
 * additive figure published for the whole period, its months' figures (as those months publish them)
 * must sum to it, so a figure is named here when that sum pins a protected monthly figure.
 */
export function pinnedByMonths(whole: Suppressed, months: readonly Suppressed[]): Set<string> {
  const out = new Set<string>();
  const t = whole.threshold;
  for (const w of whole.works) {
    if (!w.raw.additive || w.raw.kind === 'median') continue;
    const monthly = months.map((m) => m.works.find((x) => x.raw.id === w.raw.id));
    const check = (key: string | null, item: Item, monthItems: (Item | null | undefined)[]) => {
      if (item.state !== 'shown') return;
      const present = monthItems.filter((m): m is Item => m !== null && m !== undefined);
      const f = feasible(
        present.map((m) => bound(m, t)),
        [item.value, item.value],
      );
      if (present.some((m, i) => m.protect && m.state !== 'shown' && exact(f.cells[i]!))) {
        out.add(figureKey(w.raw.id, key));
      }
    };
    w.raw.rows.forEach((r, i) => {
      check(
        r.key,
        w.rows[i]!,
        monthly.map((m) => m?.rows[m.raw.rows.findIndex((x) => x.key === r.key)]),
      );
    });
    if (w.printsTotal && w.total)
      check(
        null,
        w.total,
        monthly.map((m) => (m?.printsTotal ? m.total : null)),
      );
  }
  return out;
}
