/**
 * A new device's first sync replays the log through the entry stream (PROTOCOL.md §18.5, §19.5), and a
 * relay that lies in it is caught, on both engines, through a proxy in front of a real relay
 * (test/support/log-proxy.ts): a key of the device's own unit that the unit did not publish is still an
 * ERR_LOG_UNEXPECTED_KEY alert; a stream with a leaf changed, dropped, reordered or cut short is
 * ERR_LOG_INCONSISTENT, with the signed checkpoint and the replayed range as evidence, and nothing of it
 * is used.
 */
import {
  type BryggaClient,
  encodeLogEntries,
  encodeLogEntryHeader,
  LOG_ENTRIES_MEDIA_TYPE,
  LogEntryReader,
  type LogEntryRecord,
  type LogEvidence,
  openCheckpoint,
  parseVerifierKey,
} from '@brygga/client-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { type LogProxy, type ProxiedResponse, startLogProxy } from '../support/log-proxy.js';
import { makeEnvelope, submit } from '../support/relay.js';
import { openTestStore } from '../support/store-databases.js';
import { startWorkflow, type Workflow, workflowDevice } from '../support/workflow-world.js';

const BOUND = 250;

function via(proxy: LogProxy) {
  return (input: string, init: RequestInit) =>
    fetch(input.replace(/^http:\/\/127\.0\.0\.1:\d+/, proxy.url), init);
}

/** The records of an entry stream answer, and its header. */
function recordsOf(res: ProxiedResponse) {
  const records: LogEntryRecord[] = [];
  const reader = new LogEntryReader((leafData, data) => {
    records.push({ kind: leafData[0]!, hash: leafData.slice(1), data: data?.slice() });
  });
  reader.push(res.body);
  return { header: reader.end(), records };
}

function streamAnswer(
  res: ProxiedResponse,
  header: { start: number; count: number; size: number },
  records: LogEntryRecord[],
): ProxiedResponse {
  const head = encodeLogEntryHeader(header);
  const body = encodeLogEntries(records);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return { ...res, body: out };
}

const isStream = (res: ProxiedResponse) => res.headers['content-type'] === LOG_ENTRIES_MEDIA_TYPE;

describe.each(ENGINES)('a new device replaying the entry stream on %s', (engine) => {
  let w: Workflow | undefined;
  let proxy: LogProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await w?.close();
    w = undefined;
    proxy = undefined;
  });

  async function start(): Promise<Workflow> {
    proxy = await startLogProxy([]);
    w = await startWorkflow(engine, { client: { logBoundMs: BOUND } });
    const url = w.url;
    proxy.route = () => url;
    // Envelopes in the log, as there are in any log in use.
    const { malmo } = w.world.units;
    const jarva = w.world.units['stockholm-jarva'];
    for (let i = 0; i < 6; i++)
      expect((await submit(w.relay, jarva, makeEnvelope(jarva, [malmo]))).status).toBe(201);
    await w.relay.transparency.flush();
    return w;
  }

  /** A brand-new Malmö device (an empty store) talking through the proxy. */
  async function freshMalmo(w: Workflow): Promise<BryggaClient> {
    return w.open(w.world.units.malmo, await openTestStore(engine), via(proxy!));
  }

  it('still reports a key of its own unit that the unit did not publish, read from the stream', async () => {
    const w = await start();
    const accepts: string[] = [];
    proxy!.tamper = (req) => {
      if (req.path.startsWith('/v1/log/entries')) accepts.push(req.headers.accept ?? '');
      return undefined;
    };
    // Malmö's root key was stolen: the relay logs a device of the attacker's, enrolled for Malmö.
    const attacker = workflowDevice('malmo', w.world.wroots.malmo, w.world.now, 'Malmö (falsk)');
    for (const jws of [attacker.enrolment, ...attacker.publications])
      await w.relay.client().submitStatement(jws);
    await w.relay.transparency.flush();
    const fresh = await freshMalmo(w);
    await fresh.sync();
    expect(accepts.length).toBeGreaterThan(0);
    expect(accepts.every((a) => a === LOG_ENTRIES_MEDIA_TYPE)).toBe(true);
    const status = await fresh.logStatus();
    expect(status.monitored).toBe(status.latest!.size);
    const evidence = await fresh.logEvidence();
    expect(evidence.map((e) => [e.code, e.subject?.device, e.subject?.jws])).toEqual([
      ['ERR_LOG_UNEXPECTED_KEY', attacker.key.kid, attacker.enrolment],
      ['ERR_LOG_UNEXPECTED_KEY', attacker.key.kid, attacker.publications[0]],
    ]);
  });

  const ROOT = /do not make its signed root/;
  const lies: [string, (res: ProxiedResponse) => ProxiedResponse, RegExp][] = [
    [
      'a leaf changed',
      (res) => {
        const { header, records } = recordsOf(res);
        const changed = records[records.length - 2]!.hash;
        changed[7] = changed[7]! ^ 1;
        return streamAnswer(res, header, records);
      },
      ROOT,
    ],
    [
      'a leaf dropped',
      (res) => {
        const { header, records } = recordsOf(res);
        // From the first answer only: the device then asks for the rest from where it stopped.
        if (header.start !== 0) return res;
        records.splice(records.length - 3, 1);
        return streamAnswer(res, { ...header, count: header.count - 1 }, records);
      },
      ROOT,
    ],
    [
      'two leaves reordered',
      (res) => {
        const { header, records } = recordsOf(res);
        const n = records.length;
        [records[n - 1], records[n - 2]] = [records[n - 2]!, records[n - 1]!];
        return streamAnswer(res, header, records);
      },
      ROOT,
    ],
    [
      'the stream cut short',
      (res) => ({ ...res, body: res.body.subarray(0, res.body.length - 10) }),
      /malformed entry stream: .*ends after/,
    ],
    [
      'a statement changed in its text only',
      (res) => {
        const { header, records } = recordsOf(res);
        const statement = records.find((r) => r.kind === 2)!;
        statement.data = new TextEncoder().encode(`${new TextDecoder().decode(statement.data)}x`);
        return streamAnswer(res, header, records);
      },
      /does not carry its statement/,
    ],
  ];

  it.each(lies)(
    'refuses a stream with %s: ERR_LOG_INCONSISTENT with evidence, nothing used',
    async (_, lie, detail) => {
      const w = await start();
      proxy!.tamper = (req, res) =>
        req.path.startsWith('/v1/log/entries') && isStream(res) ? lie(res) : undefined;
      const fresh = await freshMalmo(w);
      await expect(fresh.sync()).rejects.toMatchObject({ code: 'ERR_LOG_INCONSISTENT' });
      const [e] = (await fresh.logEvidence()) as LogEvidence[];
      const size = await w.relay.transparency.store.size();
      expect(e!.detail).toMatch(detail);
      expect(e).toMatchObject({
        code: 'ERR_LOG_INCONSISTENT',
        proof: { type: 'entries', start: 0, end: size },
        observer: { unit: 'malmo' },
      });
      const { name, publicKey } = parseVerifierKey(e!.logKey);
      expect(openCheckpoint(e!.checkpoints[0]!, name, publicKey).checkpoint.size).toBe(size);
      // Nothing replayed was kept, and no key of the directory was taken from it.
      expect((await fresh.logStatus()).monitored).toBe(0);
      expect(fresh.directory.devices()).toEqual([]);
      // With the relay honest again the same device replays the whole log.
      proxy!.tamper = () => undefined;
      await fresh.sync();
      expect((await fresh.logStatus()).monitored).toBe(size);
    },
  );
});
