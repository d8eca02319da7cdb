/**
 * Only typed errors leave the public API, on both engines: every public method of `BryggaClient` is
 * called with arbitrary arguments (fast-check: any value, and valid arguments with one member replaced
 * by any value or removed), and whatever it does, nothing but a `BryggaError` whose code is one the
 * SDK documents (the `ErrorCode` union of client-sdk/src/errors.ts) ever escapes: no TypeError, no
 * driver error, no RangeError.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BryggaClient, type BryggaClientOptions, isBryggaError, type PacketBodies } from '@brygga/client-sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { AUDIENCE } from '../support/relay.js';
import { referInput, startWorkflow, type Workflow } from '../support/workflow-world.js';

/** Every code of the ErrorCode union, read from its source. */
const ERRORS_SOURCE = readFileSync(
  join(import.meta.dirname, '..', '..', 'client-sdk', 'src', 'errors.ts'),
  'utf8',
);
const UNION = ERRORS_SOURCE.slice(
  ERRORS_SOURCE.indexOf('export type ErrorCode ='),
  ERRORS_SOURCE.indexOf("';\n", ERRORS_SOURCE.indexOf('export type ErrorCode =')) + 2,
);
const DOCUMENTED = new Set([...UNION.matchAll(/\| '(ERR_[A-Z_]+)'/g)].map((m) => m[1]!));

/** Whatever `call` does, it resolves or throws a BryggaError with a documented code. */
async function onlyTyped(call: () => unknown): Promise<void> {
  try {
    const result = call();
    if (result && typeof (result as AsyncGenerator).return === 'function' && !(result instanceof Promise)) {
      await (result as AsyncGenerator).return(undefined);
      return;
    }
    await result;
  } catch (err) {
    if (!isBryggaError(err)) throw new Error(`escaped: ${String((err as Error)?.stack ?? err)}`);
    expect(DOCUMENTED, `${err.code}: ${err.message}`).toContain(err.code);
  }
}

/** Run a property check, naming the method when it fails. */
async function named(name: string, check: Promise<void>): Promise<void> {
  try {
    await check;
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

/** The paths of every member of a JSON value (objects and arrays), for mutating one of them. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

/** `valid`, or `valid` with one member replaced by any value or removed, or any value at all. */
function around<T>(valid: T): fc.Arbitrary<unknown> {
  const all = paths(valid);
  const mutated =
    all.length === 0
      ? fc.anything()
      : fc.record({ path: fc.constantFrom(...all), value: fc.anything(), remove: fc.boolean() }).map((m) => {
          const copy = structuredClone(valid) as Record<string | number, unknown>;
          let at = copy;
          for (const step of m.path.slice(0, -1)) at = at[step] as Record<string | number, unknown>;
          const last = m.path.at(-1)!;
          if (m.remove) delete at[last];
          else at[last] = m.value;
          return copy;
        });
  return fc.oneof(
    { weight: 1, arbitrary: fc.anything() },
    { weight: 3, arbitrary: mutated },
    {
      weight: 1,
      arbitrary: fc.constant(valid),
    },
  );
}

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

describe.each(ENGINES)('the public API on %s', (engine) => {
  let w: Workflow;
  let caseId: string;
  let client: BryggaClient;
  const anyCase = () => fc.oneof(fc.anything(), fc.string(), fc.constant(caseId));

  beforeAll(async () => {
    w = await startWorkflow(engine);
    await w.syncAll();
    caseId = (await w.clients['stockholm-jarva'].refer(referInput('stockholm-jarva', 'malmo'))).caseId;
    await w.clients.malmo.sync();
    await w.clients.malmo.decideUptake(caseId, {
      decision: 'accept',
      contacts: [{ unit: 'malmo', name: 'M', role: 'r', phone: null, email: null }],
    });
    await w.syncAll();
    client = w.clients['stockholm-jarva'];
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  const plan: PacketBodies['implementation-plan'] = {
    decidedOn: '2025-03-12',
    services: [{ code: 'krisstod', description: null, from: '2025-03-14', to: null }],
    note: null,
    legalBasis: null,
  };

  it('open: only typed errors, for any options', { timeout: 120_000 }, async () => {
    const world = w.world;
    const device = world.units['stockholm-jarva'];
    const valid = {
      identity: { unit: device.unit, key: device.key, hpkeKeys: device.hpke },
      agreement: world.agreement,
      store: w.stores['stockholm-jarva'].store,
      relayUrl: w.url,
      relayAudience: AUDIENCE,
    } satisfies BryggaClientOptions;
    const options = fc.oneof(
      fc.anything(),
      fc
        .record({
          key: fc.constantFrom(...(Object.keys(valid) as (keyof typeof valid)[])),
          value: fc.anything(),
        })
        .map((m) => ({ ...valid, [m.key]: m.value })),
      fc
        .record({
          logBoundMs: fc.anything(),
          witnessQuorum: fc.anything(),
          passphrase: fc.anything(),
          keyRotation: fc.anything(),
          pins: fc.anything(),
        })
        .map((extra) => ({ ...valid, ...extra })),
    );
    await fc.assert(
      fc.asyncProperty(options, (o) => onlyTyped(() => BryggaClient.open(o as never))),
      { numRuns: RUNS * 2 },
    );
  });

  it('the use cases: only typed errors, for any arguments', { timeout: 300_000 }, async () => {
    const calls: [string, fc.Arbitrary<unknown[]>, (args: unknown[]) => unknown][] = [
      ['refer', fc.tuple(around(referInput('stockholm-jarva', 'malmo'))), ([a]) => client.refer(a as never)],
      [
        'attestConsent',
        fc.tuple(anyCase(), around(referInput('stockholm-jarva', 'malmo').consent)),
        ([c, a]) => client.attestConsent(c as never, a as never),
      ],
      [
        'withdrawConsent',
        fc.tuple(anyCase(), around({ withdrawnOn: '2025-03-04', form: 'written', note: null })),
        ([c, a]) => client.withdrawConsent(c as never, a as never),
      ],
      [
        'decideUptake',
        fc.tuple(anyCase(), around({ decision: 'decline', reason: 'no-capacity', note: null })),
        ([c, a]) => client.decideUptake(c as never, a as never),
      ],
      ['sendPlan', fc.tuple(anyCase(), around(plan)), ([c, a]) => client.sendPlan(c as never, a as never)],
      [
        'sendFollowUp',
        fc.tuple(
          anyCase(),
          around({
            date: '2025-03-20',
            month: '2025-03',
            summary: 'Bra.',
            services: [],
            outcomes: null,
            legalBasis: null,
          }),
        ),
        ([c, a]) => client.sendFollowUp(c as never, a as never),
      ],
      [
        'reportCosts',
        fc.tuple(anyCase(), around([{ service: 'krisstod', month: '2025-03', amountSek: 100 }])),
        ([c, a]) => client.reportCosts(c as never, a as never),
      ],
      [
        'recordDeviation',
        fc.tuple(
          anyCase(),
          around({
            date: '2025-03-04',
            reason: 'other',
            rule: 'guideline',
            guideline: 'G',
            description: 'D',
            decidedBy: { name: 'N', role: 'R' },
            legalBasis: null,
          }),
        ),
        ([c, a]) => client.recordDeviation(c as never, a as never),
      ],
      [
        'sendChildNotice',
        fc.tuple(
          anyCase(),
          around({
            date: '2025-04-02',
            description: 'D',
            proposedResponsibility: 'home',
            measuresTaken: null,
            legalBasis: null,
          }),
        ),
        ([c, a]) => client.sendChildNotice(c as never, a as never),
      ],
      [
        'sendMessage',
        fc.tuple(
          anyCase(),
          around({
            text: 'Hej',
            attachments: [{ name: 'a.txt', type: 'text/plain', data: new Uint8Array([1, 2]) }],
          }),
        ),
        ([c, a]) => client.sendMessage(c as never, a as never),
      ],
      [
        'close',
        fc.tuple(
          anyCase(),
          around({ closedOn: '2025-06-30', reason: 'completed', outcomes: null, note: null }),
        ),
        ([c, a]) => client.close(c as never, a as never),
      ],
      [
        'reconcile',
        fc.tuple(
          fc.oneof(fc.anything(), fc.constant('malmo')),
          fc.oneof(fc.anything(), fc.constant('2025-H1')),
        ),
        ([u, l]) => client.reconcile(u as never, l as never),
      ],
      ['sendAgreement', fc.tuple(fc.anything()), ([a]) => client.sendAgreement(a as never)],
    ];
    for (const [name, args, call] of calls) {
      await named(
        name,
        fc.assert(
          fc.asyncProperty(args, (a) => onlyTyped(() => call(a))),
          { numRuns: RUNS },
        ),
      );
    }
  });

  it('the queries, events, alerts and pins: only typed errors, for any arguments', {
    timeout: 300_000,
  }, async () => {
    const any = fc.anything();
    const calls: [string, fc.Arbitrary<unknown[]>, (args: unknown[]) => unknown][] = [
      ['sync', fc.tuple(any), ([o]) => client.sync(o as never)],
      [
        'receiveEnvelope',
        fc.tuple(fc.oneof(any, fc.uint8Array({ maxLength: 300 }))),
        ([b]) => client.receiveEnvelope(b as never),
      ],
      ['flush', fc.tuple(), () => client.flush()],
      ['getCase', fc.tuple(anyCase()), ([c]) => client.getCase(c as never)],
      ['listCases', fc.tuple(), () => client.listCases()],
      ['caseLog', fc.tuple(anyCase()), ([c]) => client.caseLog(c as never)],
      ['receipts', fc.tuple(anyCase()), ([c]) => client.receipts(c as never)],
      ['consents', fc.tuple(anyCase()), ([c]) => client.consents(c as never)],
      [
        'quotaUse',
        fc.tuple(fc.oneof(any, fc.constant('malmo')), fc.oneof(any, fc.constant('incoming'))),
        ([m, d]) => client.quotaUse(m as never, d as never),
      ],
      ['reconciliations', fc.tuple(), () => client.reconciliations()],
      ['rejected', fc.tuple(), () => client.rejected()],
      ['exportEvidence', fc.tuple(anyCase()), ([c]) => client.exportEvidence(c as never)],
      [
        'verifyEvidence',
        fc.tuple(any, fc.oneof(any, fc.constant(w.world.agreement))),
        ([b, a]) => BryggaClient.verifyEvidence(b, a as never),
      ],
      ['alerts', fc.tuple(any), ([o]) => client.alerts(o as never)],
      ['acknowledgeAlert', fc.tuple(any, any), ([i, b]) => client.acknowledgeAlert(i as never, b as never)],
      ['pinRootKey', fc.tuple(any), ([p]) => client.pinRootKey(p as never)],
      [
        'acceptRootChange',
        fc.tuple(fc.oneof(any, fc.string())),
        ([j]) => client.acceptRootChange(j as never),
      ],
      ['expectUnitKeys', fc.tuple(any), ([k]) => client.expectUnitKeys(k as never)],
      ['logEvidence', fc.tuple(), () => client.logEvidence()],
      ['logStatus', fc.tuple(), () => client.logStatus()],
      ['onEvent', fc.tuple(any), ([l]) => (client.onEvent(l as never) as () => void)()],
      ['pendingEvents', fc.tuple(any), ([n]) => client.pendingEvents(n as never)],
      ['consumeEvents', fc.tuple(any), ([n]) => client.consumeEvents(n as never)],
      ['events', fc.tuple(any), ([o]) => client.events(o as never)],
      ['watch', fc.tuple(any), ([o]) => client.watch(o as never)],
    ];
    for (const [name, args, call] of calls) {
      await named(
        name,
        fc.assert(
          fc.asyncProperty(args, (a) => onlyTyped(() => call(a))),
          { numRuns: RUNS },
        ),
      );
    }
  });
});
