/**
 * The reports' year: Stockholm (Järva), Göteborg (Nordost) and Malmö under a 2025 agreement with room for
 * a dozen cases each way, on a real relay and a simulated clock, and a ledger of what the script did
 * (referrals, decisions, closures, costs, deviations), from which the figures a unit's statistics should
 * hold are counted independently of the SDK.
 */
import {
  type BryggaClient,
  HpkeKeyPair,
  type OutcomeMeasures,
  type PublishedTable,
  publishHpkeKey,
  type StatisticsReport,
} from '@brygga/client-sdk';
import { expect } from 'vitest';
import { MUNICIPALITIES } from '../support/agreement-terms.js';
import {
  MUNICIPALITY_OF,
  makeWorkflowWorld,
  type Workflow,
  type WorkflowUnit,
} from '../support/workflow-world.js';

export const J = 'stockholm-jarva';
export const G = 'goteborg-nordost';
export const M = 'malmo';
export const YEAR_UNITS = [J, G, M] as const;
export type YearUnit = (typeof YEAR_UNITS)[number];

/** The world of the year: the three units, the 2025 agreement, quotas of 12 each way. */
export function yearWorld() {
  return makeWorkflowWorld(new Date('2025-03-01T07:00:00Z'), {
    parties: [...YEAR_UNITS],
    terms: {
      period: { from: '2025-01-01', to: '2025-12-31' },
      municipalities: MUNICIPALITIES.map((m) => ({ ...m, quota: { outgoing: 12, incoming: 12 } })),
    },
  });
}

/** Move the relay's and every client's clock to 09:00 UTC on `day` (never backwards), plus `minutes`. */
export function setDay(w: Workflow, day: string, minutes = 0): void {
  const t = Date.parse(`${day}T09:00:00Z`) + minutes * 60_000;
  if (t < w.relay.clock.now) throw new Error(`the clock would go back to ${day}`);
  w.relay.clock.now = t;
}

/** Sync every unit of the year, twice (what one sends, the others answer with receipts). */
export async function syncYear(w: Workflow): Promise<void> {
  await w.syncAll([...YEAR_UNITS], 2);
}

/** Publish a new HPKE key for every device (rotation; PROTOCOL.md §6.2), valid for a year. */
export async function rotateKeys(w: Workflow): Promise<Record<YearUnit, string>> {
  const out = {} as Record<YearUnit, string>;
  for (const u of YEAR_UNITS) {
    const device = w.world.units[u];
    const hpke = HpkeKeyPair.generate();
    const jws = publishHpkeKey(device.key, {
      unit: u,
      key: hpke.publicKey,
      now: w.relay.clock.date,
      lifetimeSeconds: 365 * 86_400,
    });
    await w.relay.client().submitStatement(jws);
    device.hpke.push(hpke);
    // The client keeps its own copy of its keys: open it again, with the new one, as a restart would.
    w.clients[u] = await w.open(device, w.stores[u]);
    out[u] = hpke.kid;
  }
  return out;
}

/** What the script did to one case, as a report counts it. */
export interface CaseFacts {
  caseId: string;
  home: YearUnit;
  receiving: YearUnit;
  referredOn: string;
  decision?: { accepted: boolean; reason: string | null; on: string };
  activeOn?: string;
  closure?: { on: string; reason: string; outcomes: OutcomeMeasures | null };
  costs: { service: string; month: string; amountSek: number }[];
  deviations: { unit: YearUnit; on: string; reason: string }[];
}

/** The ledger of the script. */
export class Ledger {
  readonly cases = new Map<string, CaseFacts>();

  add(facts: Omit<CaseFacts, 'costs' | 'deviations'>): CaseFacts {
    const f: CaseFacts = { ...facts, costs: [], deviations: [] };
    this.cases.set(f.caseId, f);
    return f;
  }

  get(caseId: string): CaseFacts {
    const f = this.cases.get(caseId);
    if (!f) throw new Error('no such case in the ledger');
    return f;
  }

  /**
   * The figures `unit`'s statistics for the days `from` … `to` should hold, before suppression: per
   * table, per row (and `total`).
   */
  expected(unit: YearUnit, from: string, to: string): Record<string, Record<string, number>> {
    const within = (day: string | undefined) => day !== undefined && day >= from && day <= to;
    const months = (m: string) => m >= from.slice(0, 7) && m <= to.slice(0, 7);
    const out: Record<string, Record<string, number>> = {};
    const add = (table: string, row: string, n = 1) => {
      out[table] ??= {};
      out[table]![row] = (out[table]![row] ?? 0) + n;
      out[table]!.total = (out[table]!.total ?? 0) + n;
    };
    for (const c of this.cases.values()) {
      const role = c.home === unit ? 'home' : c.receiving === unit ? 'receiving' : null;
      if (!role) continue;
      if (within(c.referredOn)) {
        if (role === 'home') add('referrals-sent', MUNICIPALITY_OF[c.receiving as WorkflowUnit]);
        else add('referrals-received', MUNICIPALITY_OF[c.home as WorkflowUnit]);
      }
      if (c.decision && within(c.decision.on)) {
        add(
          role === 'home' ? 'decisions-on-sent' : 'decisions-on-received',
          c.decision.accepted ? 'accepted' : `declined-${c.decision.reason}`,
        );
      }
      if (c.closure && within(c.closure.on)) {
        add('closures', c.closure.reason);
        for (const [measure, table] of [
          ['leftGroup', 'outcome-left-group'],
          ['noNewSuspectedCrime', 'outcome-no-new-suspected-crime'],
          ['ownHousing', 'outcome-own-housing'],
          ['selfSufficient', 'outcome-self-sufficient'],
        ] as const) {
          add(table, c.closure.outcomes ? c.closure.outcomes[measure] : 'not-assessed');
        }
      }
      for (const line of c.costs) {
        if (!months(line.month)) continue;
        add(role === 'receiving' ? 'costs-paid' : 'costs-of-our-cases', line.service, line.amountSek);
      }
      for (const d of c.deviations) if (d.unit === unit && within(d.on)) add('deviations', d.reason);
    }
    return out;
  }
}

/** The counted tables the ledger checks (the others count the same facts, or no facts of the ledger). */
export const CHECKED_TABLES = [
  'referrals-sent',
  'referrals-received',
  'decisions-on-sent',
  'decisions-on-received',
  'closures',
  'outcome-left-group',
  'outcome-no-new-suspected-crime',
  'outcome-own-housing',
  'outcome-self-sufficient',
  'costs-paid',
  'costs-of-our-cases',
  'deviations',
] as const;

/**
 * Check a published report against the ledger: every published number is the count (or amount) the
 * ledger gives; every count from 1 to 4 is `"<5"` or `"x"`, never a number; `"<5"` only stands for a
 * count from 1 to 4. Returns how many figures were hidden, by marker.
 */
export function expectMatchesLedger(
  report: StatisticsReport,
  expected: Record<string, Record<string, number>>,
): { shown: number; small: number; hidden: number } {
  const tally = { shown: 0, small: 0, hidden: 0 };
  const check = (table: PublishedTable, row: string, figure: number | string) => {
    const want = expected[table.id]?.[row] ?? 0;
    const where = `${report.unit} ${report.period.label} ${table.id} ${row}`;
    if (typeof figure === 'number') {
      expect(figure, where).toBe(want);
      if (table.kind === 'count') expect(want >= 1 && want <= 4, `${where} is small but shown`).toBe(false);
      tally.shown++;
    } else if (figure === '<5') {
      expect(want >= 1 && want <= 4, `${where}: "<5" for ${want}`).toBe(true);
      tally.small++;
    } else {
      expect(figure, where).toBe('x');
      tally.hidden++;
    }
  };
  for (const id of CHECKED_TABLES) {
    const table = report.tables.find((t) => t.id === id);
    expect(table, id).toBeDefined();
    for (const r of table!.rows) check(table!, r.key, r.value);
    if (table!.total !== null) check(table!, 'total', table!.total);
  }
  return tally;
}

/** A figure of a report. */
export function figure(report: StatisticsReport, table: string, row: string): number | string {
  const t = report.tables.find((x) => x.id === table)!;
  return row === 'total' ? t.total! : t.rows.find((r) => r.key === row)!.value;
}

/** The reminders of `client` as `kind actor dueOn` for one case (or for the reconciliations, with `null`). */
export async function remindersOf(client: BryggaClient, caseId: string | null): Promise<string[]> {
  return (await client.reminders())
    .filter((r) => r.caseId === caseId)
    .map((r) => `${r.kind} ${r.actor} ${r.dueOn}${r.period ? ` ${r.period}` : ''}`);
}
