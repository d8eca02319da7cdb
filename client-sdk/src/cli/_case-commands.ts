/**
 * Coordination and evidence (issue 5, item 2): the case workflow of PROTOCOL.md §12–17 through
 * BryggaClient, one command per step. Each command opens the device (asking for its passphrase), syncs
 * with the relay where the step needs fresh state, acts, and closes the store. Bodies come from JSON
 * files and are validated by the SDK before anything is signed or stored.
 */
import type { BryggaClient, ReferInput } from '../cases/brygga-client.js';
import { BryggaClient as Client } from '../cases/brygga-client.js';
import type { PacketBodies } from '../cases/packet-body.js';
import { DECLINE_REASONS, type DeclineReason } from '../cases/uptake-decision.js';
import { Agreement } from '../directory/agreement.js';
import type { Args, Command } from './_command.js';
import { deviceDir, openDevice } from './_device-dir.js';
import { CliError, type Io, readJsonFile, readText, report, usage } from './_io.js';

const DEVICE_OPTION = {
  device: { type: 'string', description: 'the device directory (default BRYGGA_DEVICE or ./brygga-device)' },
} as const;
const FILE_OPTION = { file: { type: 'string', description: 'the body (JSON)', required: true } } as const;

function str(args: Args, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

function caseArg(args: Args): string {
  const id = args.positionals[0];
  if (id === undefined) throw usage('the case id is required', 'list cases with `brygga inbox`');
  return id;
}

function fileArg(args: Args, what: string): unknown {
  const path = str(args, 'file');
  if (path === undefined) throw usage('--file is required', `give ${what} as a JSON file`);
  const body = readJsonFile(path, what);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CliError('ERR_MALFORMED', `${what} ${path} must hold a JSON object`, {
      hint: 'see PROTOCOL.md §12',
    });
  }
  return body;
}

/** The fields of a referral file and their JSON kinds; the SDK checks their content (PROTOCOL.md §12.4). */
const REFERRAL_FIELDS: Record<string, 'string' | 'object' | 'array'> = {
  to: 'string',
  category: 'string',
  threatLevel: 'string',
  person: 'object',
  requestedServices: 'array',
  policeConsultations: 'array',
  motivation: 'object',
  childrenCheck: 'object',
  temporaryHousing: 'object',
  contacts: 'array',
  consent: 'object',
};

/** Check the shape of a referral file before the SDK sees it, naming every missing or wrong field. */
function referralInput(body: unknown): ReferInput {
  const o = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, kind] of Object.entries(REFERRAL_FIELDS)) {
    const v = o[field];
    const actual = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
    if (v === undefined) problems.push(`"${field}" is missing`);
    else if (actual !== kind)
      problems.push(`"${field}" must be ${kind === 'array' ? 'an array' : `a ${kind}`}`);
  }
  const consent = o.consent as Record<string, unknown> | undefined;
  if (consent && typeof consent === 'object' && !Array.isArray(consent)) {
    if (consent.form !== 'written' && consent.form !== 'oral')
      problems.push('"consent.form" must be written or oral');
    if (typeof consent.validFrom !== 'string') problems.push('"consent.validFrom" must be a date');
  }
  if (problems.length) {
    throw new CliError('ERR_MALFORMED', `the referral file is not valid: ${problems.join('; ')}`, {
      hint: 'complete the referral file (PROTOCOL.md §12.4); nothing was sent or stored',
    });
  }
  return o as unknown as ReferInput;
}

/** Open the device, run `action` with its client, close the store whatever happens. */
async function withClient<T>(args: Args, io: Io, action: (client: BryggaClient) => Promise<T>): Promise<T> {
  const device = await openDevice(io, deviceDir(io, str(args, 'device')));
  try {
    return await action(device.client);
  } finally {
    await device.close();
  }
}

/** A case step: sync, send, sync again, and report the case's status. */
function step(
  words: string[],
  summary: string,
  what: string,
  send: (client: BryggaClient, caseId: string, body: unknown, args: Args) => Promise<unknown>,
  options: { file?: boolean; extra?: Command['options']; check?: (args: Args) => void } = {},
): Command {
  return {
    words,
    summary,
    positionals: ['<case>'],
    options: { ...DEVICE_OPTION, ...(options.file === false ? {} : FILE_OPTION), ...options.extra },
    async run(args, io) {
      const caseId = caseArg(args);
      options.check?.(args);
      const body = options.file === false ? undefined : fileArg(args, what);
      const view = await withClient(args, io, async (client) => {
        await client.sync();
        await send(client, caseId, body, args);
        await client.sync();
        return client.getCase(caseId);
      });
      report(io, { caseId, status: view.status }, () => [
        `Sent ${what} in case ${caseId}; the case is ${view.status}.`,
      ]);
      return 0;
    },
  };
}

export const CASE_COMMANDS: Command[] = [
  {
    words: ['refer'],
    summary: 'Refer a case (remiss) to another unit, on the consent the file records.',
    options: { ...DEVICE_OPTION, ...FILE_OPTION },
    async run(args, io) {
      const input = referralInput(fileArg(args, 'the referral'));
      const sent = await withClient(args, io, async (client) => {
        await client.sync();
        return client.refer(input);
      });
      report(io, { caseId: sent.caseId, submitted: sent.submitted }, () => [
        `Case ${sent.caseId} referred${sent.submitted ? '' : ' (queued: the relay was not reached; run `brygga inbox` to send it)'}.`,
      ]);
      return 0;
    },
  },
  {
    words: ['inbox'],
    summary: 'Fetch what arrived, send what waits, and list the cases this device holds.',
    options: {
      ...DEVICE_OPTION,
      watch: {
        type: 'boolean',
        description: 'keep running and print each case change as it happens (Ctrl-C stops)',
      },
    },
    async run(args, io) {
      return withClient(args, io, async (client) => {
        const sync = await client.sync();
        const cases = await client.listCases();
        report(
          io,
          {
            received: sync.received.length,
            sent: sync.sent,
            cases: cases.map((c) => ({
              caseId: c.caseId,
              status: c.status,
              home: c.state.home,
              receiving: c.state.receiving,
            })),
          },
          () => [
            `Received ${sync.received.length} packet(s), sent ${sync.sent}.`,
            ...(cases.length
              ? cases.map(
                  (c) => `  ${c.caseId}  ${c.status.padEnd(10)} ${c.state.home} → ${c.state.receiving}`,
                )
              : ['  No cases.']),
          ],
        );
        if (args.values.watch !== true) return 0;
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        try {
          for await (const event of client.events({ signal: stop.signal })) {
            report(io, event, () => [`${event.type}${event.caseId ? ` ${event.caseId}` : ''}`]);
          }
        } catch (err) {
          if (!stop.signal.aborted) throw err;
        }
        return 0;
      });
    },
  },
  {
    words: ['case', 'show'],
    summary: 'Show a case as this device holds it (run `brygga inbox` first to fetch): status, parties, log.',
    positionals: ['<case>'],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const caseId = caseArg(args);
      const { view, log } = await withClient(args, io, async (client) => ({
        view: await client.getCase(caseId),
        log: await client.caseLog(caseId),
      }));
      const entries = log.map((e) => ({
        type: e.type,
        from: e.from.unit,
        sentAt: e.sentAt,
        status: e.status,
      }));
      report(io, { caseId, status: view.status, state: view.state, log: entries }, () => [
        `Case ${caseId}: ${view.status} (${view.state.home} → ${view.state.receiving})`,
        ...entries.map((e) => `  ${e.sentAt}  ${e.type.padEnd(20)} from ${e.from}  ${e.status}`),
      ]);
      return 0;
    },
  },
  step(
    ['accept'],
    'Accept a referred case (beslut om mottagande); the file gives {"contacts": [...], "note": ...}.',
    'the acceptance',
    (c, id, body) => {
      const b = body as { contacts?: unknown; note?: string | null };
      if (!Array.isArray(b.contacts))
        throw new CliError('ERR_MALFORMED', 'the acceptance must list "contacts"');
      return c.decideUptake(id, { decision: 'accept', contacts: b.contacts as never, note: b.note ?? null });
    },
  ),
  step(
    ['decline'],
    'Decline a referred case, with a reason (e.g. no-capacity).',
    'the decline',
    (c, id, _b, args) => {
      const reason = str(args, 'reason') as DeclineReason;
      return c.decideUptake(id, { decision: 'decline', reason });
    },
    {
      file: false,
      extra: {
        reason: { type: 'string', description: `one of ${DECLINE_REASONS.join(', ')}`, required: true },
      },
      check: (args) => {
        const reason = str(args, 'reason');
        if (!DECLINE_REASONS.includes(reason as DeclineReason)) {
          throw usage(
            `--reason ${reason} is not a decline reason`,
            `use one of ${DECLINE_REASONS.join(', ')}`,
          );
        }
      },
    },
  ),
  step(['plan'], 'Send the implementation plan (genomförandeplan).', 'the plan', (c, id, b) =>
    c.sendPlan(id, b as PacketBodies['implementation-plan']),
  ),
  step(['follow-up'], 'Send a follow-up (uppföljning).', 'the follow-up', (c, id, b) =>
    c.sendFollowUp(id, b as PacketBodies['follow-up']),
  ),
  step(
    ['costs'],
    'Report costs: the file gives {"lines": [{service, month, amountSek}]}.',
    'the cost report',
    (c, id, b) => c.reportCosts(id, (b as PacketBodies['cost-report']).lines),
  ),
  step(
    ['close'],
    'Close the case (avslut): the file gives {closedOn, reason, outcomes, note}; costs come from the cost reports.',
    'the closure',
    (c, id, b) => c.close(id, b as never),
  ),
  step(
    ['consent', 'withdraw'],
    'Record that the person withdrew consent: the file gives {withdrawnOn, form, note}.',
    'the withdrawal',
    (c, id, b) => c.withdrawConsent(id, b as never),
  ),
  {
    words: ['evidence', 'export'],
    summary: 'Export a case as a signed evidence bundle (PROTOCOL.md §17) on standard output.',
    positionals: ['<case>'],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const caseId = caseArg(args);
      const bundle = await withClient(args, io, (client) => client.exportEvidence(caseId));
      io.out(`${JSON.stringify(bundle, null, 2)}\n`);
      return 0;
    },
  },
  {
    words: ['evidence', 'verify'],
    summary: 'Verify an evidence bundle offline, against an agreement you trust.',
    positionals: ['<bundle.json>'],
    options: { agreement: { type: 'string', description: 'the agreement file', required: true } },
    async run(args, io) {
      const path = args.positionals[0];
      if (path === undefined) throw usage('the bundle file is required');
      const agreementPath = str(args, 'agreement');
      if (agreementPath === undefined) throw usage('--agreement is required');
      const agreement = Agreement.deserialize(readText(agreementPath, 'the agreement')).verify();
      const verified = Client.verifyEvidence(readJsonFile(path, 'the evidence bundle'), agreement);
      report(io, { valid: true, ...verified }, () => [
        `Valid: case ${verified.caseId}, from ${verified.home} to ${verified.receiving}.`,
      ]);
      return 0;
    },
  },
];
