/**
 * Coordination and evidence: the case workflow of PROTOCOL.md §12–17 through
 * BryggaClient, one command per step. Each command opens the device (asking for its passphrase), syncs
 * with the relay where the step needs fresh state, acts, and closes the store. Bodies come from JSON
 * files (a referral may also be answered question by question: see _referral-prompt.ts); the file's
 * shape is checked first, naming every missing or wrong field, and the SDK validates the content before
 * anything is signed or stored.
 */

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  Agreement,
  BryggaClient,
  type CloseInput,
  type ConsentDetails,
  type ContactPerson,
  consentFormSha256,
  consentFormText,
  DECLINE_REASONS,
  type DeclineReason,
  isCalendarDate,
  KID_PATTERN,
  type PlanResponseInput,
  type ReferInput,
  validatePacketBody,
  validateRelocation,
  validateRivalCheck,
  validateSpecial,
  type WithdrawConsentInput,
} from '../index.js';
import { caseText } from './_case-text.js';
import { type Args, type Command, str } from './_command.js';
import { DEVICE_OPTION, deviceDir, devicePaths, withClient } from './_device-dir.js';
import { connectionLostLine, eventLine } from './_event-lines.js';
import {
  AnswersKept,
  CliError,
  type Io,
  readJsonFile,
  readText,
  refuseExisting,
  report,
  usage,
  writePersonalFile,
} from './_io.js';
import { askReferral } from './_referral-prompt.js';

/** Where `brygga refer` keeps answers it could not send: in the device directory. */
const ANSWERS_FILE = 'referral-answers.json';

const FILE_OPTION = { file: { type: 'string', description: 'the body (JSON)', required: true } } as const;

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

type Kind = 'string' | 'object' | 'array' | 'boolean';

/** The fields of a body file and their JSON kinds; `?` marks a field that may be absent or null. */
type Shape = Record<string, Kind | `${Kind}?`>;

/** The fields of a referral file; the SDK checks their content (PROTOCOL.md §12.4). */
const REFERRAL_FIELDS: Shape = {
  to: 'string',
  category: 'string',
  threatLevel: 'string',
  person: 'object',
  requestedServices: 'array',
  policeConsultations: 'array',
  policeApprovals: 'array',
  targetGroup: 'object',
  childrenCheck: 'object',
  temporaryHousing: 'object',
  contacts: 'array',
  consent: 'object',
  note: 'string?',
  deviations: 'array?',
  affiliation: 'object?',
};

/** The fields of a consent (ConsentDetails); the SDK checks their content (PROTOCOL.md §12.3.1). */
const CONSENT_FIELDS: Shape = {
  form: 'string',
  written: 'object?',
  oral: 'object?',
  validFrom: 'string',
  validUntil: 'string?',
  police: 'boolean?',
  processing: 'boolean?',
};
const WRITTEN_FIELDS: Shape = { documentSha256: 'string', signedOn: 'string' };
const ORAL_FIELDS: Shape = { givenOn: 'string', witness: 'object', documentation: 'string' };
const WITNESS_FIELDS: Shape = { name: 'string', role: 'string' };

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return kindOf(v) === 'object';
}

/**
 * Every missing, mistyped or unknown field of `o`, named by its path. Unknown fields are refused too: a
 * misspelt optional field (`validUtil`) would otherwise be dropped without a word.
 */
function shapeProblems(o: Record<string, unknown>, shape: Shape, prefix = ''): string[] {
  const problems: string[] = [];
  for (const [field, spec] of Object.entries(shape)) {
    const kind = spec.replace('?', '');
    const v = o[field];
    if (v === undefined || v === null) {
      if (!spec.endsWith('?')) problems.push(`"${prefix}${field}" is missing`);
    } else if (kindOf(v) !== kind) {
      problems.push(
        `"${prefix}${field}" must be ${kind === 'array' || kind === 'object' ? 'an' : 'a'} ${kind}`,
      );
    }
  }
  for (const field of Object.keys(o)) {
    if (!(field in shape)) problems.push(`"${prefix}${field}" is not a known field`);
  }
  return problems;
}

/** The problems of a consent: its fields, and the written or oral part its form calls for. */
function consentProblems(c: Record<string, unknown>, prefix: string): string[] {
  const problems = shapeProblems(c, CONSENT_FIELDS, prefix);
  if (c.form !== 'written' && c.form !== 'oral') {
    if (c.form !== undefined) problems.push(`"${prefix}form" must be written or oral`);
    return problems;
  }
  const other = c.form === 'written' ? 'oral' : 'written';
  if (c[other] !== undefined && c[other] !== null)
    problems.push(`"${prefix}${other}" must be absent for a ${c.form} consent`);
  const part = c[c.form];
  if (!isObject(part)) {
    if (part === undefined || part === null) problems.push(`"${prefix}${c.form}" is missing`);
    return problems;
  }
  problems.push(
    ...shapeProblems(part, c.form === 'written' ? WRITTEN_FIELDS : ORAL_FIELDS, `${prefix}${c.form}.`),
  );
  if (c.form === 'oral' && isObject(part.witness))
    problems.push(...shapeProblems(part.witness, WITNESS_FIELDS, `${prefix}oral.witness.`));
  return problems;
}

/** Refuse a body file with every problem named; nothing is signed, sent or stored. */
function refuseIf(problems: string[], what: string, hint: string): void {
  if (problems.length) {
    throw new CliError('ERR_MALFORMED', `${what} is not valid: ${problems.join('; ')}`, {
      hint: `${hint}; nothing was sent or stored`,
    });
  }
}

/** Check the shape of a referral file before the SDK sees it, naming every missing or wrong field. */
function referralInput(body: unknown): ReferInput {
  const o = body as Record<string, unknown>;
  const problems = shapeProblems(o, REFERRAL_FIELDS);
  if (isObject(o.consent)) problems.push(...consentProblems(o.consent, 'consent.'));
  refuseIf(problems, 'the referral file', 'complete the referral file (PROTOCOL.md §12.4)');
  return o as unknown as ReferInput;
}

/** Check the shape of a consent file, naming every missing or wrong field. */
function consentInput(body: unknown): ConsentDetails {
  refuseIf(
    consentProblems(body as Record<string, unknown>, ''),
    'the consent file',
    'complete the consent file (PROTOCOL.md §12.3.1)',
  );
  return body as ConsentDetails;
}

/** A case step: sync, send, sync again, and report the case's status. */
function step(
  words: string[],
  summary: string,
  what: string,
  send: (client: BryggaClient, caseId: string, body: unknown, args: Args) => Promise<unknown>,
  options: {
    file?: boolean;
    extra?: Command['options'];
    check?: (args: Args) => void;
    /** Check the body's shape before the device is opened. */
    parse?: (body: unknown) => unknown;
  } = {},
): Command {
  return {
    words,
    opensDevice: true,
    summary,
    positionals: ['<case>'],
    options: { ...DEVICE_OPTION, ...(options.file === false ? {} : FILE_OPTION), ...options.extra },
    async run(args, io) {
      const caseId = caseArg(args);
      options.check?.(args);
      const file = options.file === false ? undefined : fileArg(args, what);
      const body = options.parse ? options.parse(file) : file;
      const view = await withClient(io, str(args, 'device'), async (client) => {
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
    opensDevice: true,
    summary: 'Refer a case (remiss) to another unit: from a file, or by answering questions field by field.',
    details: [
      'Without --file, asks for the referral field by field (at a terminal, or answers one a line on',
      'standard input), re-asks on an answer the rules refuse, and shows a summary before sending.',
      'If sending fails after you confirmed, your answers are kept in the device directory',
      `(${ANSWERS_FILE}, readable only by you) and \`brygga refer --resume\` sends them.`,
    ],
    options: {
      ...DEVICE_OPTION,
      file: { type: 'string', description: 'the referral (JSON); without it, the questions are asked' },
      resume: {
        type: 'boolean',
        description: 'send the answers kept from a `brygga refer` that failed after you confirmed',
      },
    },
    async run(args, io) {
      const path = str(args, 'file');
      const resume = args.values.resume === true;
      if (resume && path !== undefined)
        throw usage('--resume and --file do not go together', 'give one of them');
      const answers = answersPath(io, str(args, 'device'));
      const kept = resume ? readAnswers(answers) : undefined;
      const fromFile = path === undefined ? undefined : referralInput(fileArg(args, 'the referral'));
      const sent = await withClient(io, str(args, 'device'), async (client) => {
        const input = fromFile ?? kept ?? (await askReferral(client, io));
        if (kept) io.err(`Sending the referral to ${String(input.to)} kept in ${answers}.\n`);
        try {
          await client.sync();
          return await client.refer(input);
        } catch (err) {
          // Answered by hand and confirmed: never lost. The file stays until a send succeeds.
          if (fromFile === undefined) throw new AnswersKept(err, keepAnswers(io, answers, input));
          throw err;
        }
      });
      if (kept) rmSync(answers, { force: true });
      report(io, { caseId: sent.caseId, submitted: sent.submitted, status: sent.status }, () => [
        `Case ${sent.caseId} referred${sent.submitted ? '' : ' (queued: the relay was not reached; run `brygga inbox` to send it)'}.`,
      ]);
      return 0;
    },
  },
  {
    words: ['inbox'],
    opensDevice: true,
    summary: 'Fetch what arrived, send what waits, and list the cases this device holds.',
    details: [
      'With --watch, stays connected to the relay and prints each thing that happens from now on, one line',
      'each (a JSON line each with --json), reconnecting by itself when the relay restarts; --from-start',
      'prints what this device recorded before too. Ctrl-C stops it (exit 0).',
    ],
    options: {
      ...DEVICE_OPTION,
      watch: {
        type: 'boolean',
        description: 'keep running and print each arrival and change as it happens (Ctrl-C stops)',
      },
      'from-start': {
        type: 'boolean',
        description: 'with --watch: print the events this device recorded before, then what happens',
      },
    },
    async run(args, io) {
      const watch = args.values.watch === true;
      if (args.values['from-start'] === true && !watch) throw usage('--from-start goes with --watch');
      return withClient(io, str(args, 'device'), async (client) => {
        const sync = await client.sync();
        const cases = await client.listCases();
        const alerts = (await client.alerts({ pending: true })).length;
        const summary = {
          received: sync.received.length,
          sent: sync.sent,
          alerts,
          cases: cases.map((c) => ({
            caseId: c.caseId,
            status: c.status,
            home: c.state.home,
            receiving: c.state.receiving,
          })),
        };
        const lines = () => [
          `Received ${sync.received.length} packet(s), sent ${sync.sent}.`,
          ...(cases.length
            ? cases.map((c) => `  ${c.caseId}  ${c.status.padEnd(10)} ${c.state.home} → ${c.state.receiving}`)
            : ['  No cases.']),
          ...(alerts > 0
            ? [
                `${alerts} alert${alerts === 1 ? '' : 's'} wait${alerts === 1 ? 's' : ''} for a person: see \`brygga alerts\`.`,
              ]
            : []),
        ];
        // Watching with --json prints JSON lines, the summary first.
        if (watch && io.json) io.out(`${JSON.stringify({ summary })}\n`);
        else report(io, summary, lines);
        if (!watch) return 0;
        await watchEvents(client, io, args.values['from-start'] === true);
        return 0;
      });
    },
  },
  {
    words: ['case', 'show'],
    opensDevice: true,
    summary:
      'Show a case as this device holds it (run `brygga inbox` first to fetch): status, parties, every packet in full.',
    positionals: ['<case>'],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const caseId = caseArg(args);
      const { view, log } = await withClient(io, str(args, 'device'), async (client) => ({
        view: await client.getCase(caseId),
        log: await client.caseLog(caseId),
      }));
      const entries = log.map((e) => ({
        type: e.type,
        from: e.from.unit,
        sentAt: e.sentAt,
        status: e.status,
        body: e.body,
        attachments: e.attachments.map((a) => ({ name: a.name, type: a.type, size: a.data.length })),
      }));
      report(io, { caseId, status: view.status, state: view.state, log: entries }, () => caseText(view, log));
      return 0;
    },
  },
  step(
    ['accept'],
    'Accept a referred case (beslut om mottagande); the file gives {"contacts": [...], "note": ..., "relocation": {area, notice, check}, "special": {body, assessment}, "rivalCheck": {result, decision, reason, checkedBy, checkedOn}}: the relocation pre-check where the terms name a body to notify, a special case\'s mark with the assessment of the body the terms name, and the check against your known groups (`brygga rivals check`) where the terms set rivalCheck.',
    'the acceptance',
    (c, id, body) => {
      const b = body as {
        contacts?: unknown;
        note?: string | null;
        relocation?: unknown;
        special?: unknown;
        rivalCheck?: unknown;
      };
      if (!Array.isArray(b.contacts))
        throw new CliError('ERR_MALFORMED', 'the acceptance must list "contacts"');
      const contacts: ContactPerson[] = b.contacts;
      const relocation = validateRelocation(b.relocation ?? null, 'uptake-decision.relocation');
      const special = validateSpecial(b.special ?? null, 'uptake-decision.special');
      const rivalCheck = validateRivalCheck(b.rivalCheck ?? null, 'uptake-decision.rivalCheck', 'accept');
      return c.decideUptake(id, {
        decision: 'accept',
        contacts,
        note: b.note ?? null,
        relocation,
        special,
        rivalCheck,
      });
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
    c.sendPlan(id, validatePacketBody('implementation-plan', b)),
  ),
  step(
    ['plan-response'],
    'Answer the implementation plan as the receiving unit: the file gives {decision: "agree" | "changes", changes: [{service, what, why}], decidedBy: {name, role}, date, note}.',
    'the answer',
    (c, id, b) => c.respondToPlan(id, b as PlanResponseInput),
  ),
  step(['follow-up'], 'Send a follow-up (uppföljning).', 'the follow-up', (c, id, b) =>
    c.sendFollowUp(id, validatePacketBody('follow-up', b)),
  ),
  step(
    ['costs'],
    'Report costs: the file gives {"lines": [{service, month, amountSek}]}.',
    'the cost report',
    (c, id, b) => c.reportCosts(id, validatePacketBody('cost-report', b).lines),
  ),
  step(
    ['close'],
    'Close the case (avslut): the file gives {closedOn, reason, outcomes, note}; costs come from the cost reports.',
    'the closure',
    (c, id, b) => c.close(id, b as CloseInput),
  ),
  step(
    ['consent', 'attest'],
    'Attest a further consent (e.g. renewed after a withdrawal): the file gives {form, written|oral, validFrom, validUntil}.',
    'the consent',
    (c, id, b) => c.attestConsent(id, b as ConsentDetails),
    { parse: consentInput },
  ),
  {
    words: ['case', 'assign'],
    opensDevice: true,
    summary:
      "Assign the case to officers' devices of this unit (handläggare i ärendet): only they receive it from now on.",
    positionals: ['<case>', '<device kid>...'],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const caseId = caseArg(args);
      const devices = args.positionals.slice(1);
      if (devices.length === 0)
        throw usage('name at least one device', 'e.g. brygga case assign <case> <officer device kid>');
      for (const kid of devices)
        if (!KID_PATTERN.test(kid))
          throw usage(`${kid} is not a device key id`, 'copy it from `brygga unit` or `brygga case show`');
      const view = await withClient(io, str(args, 'device'), async (client) => {
        await client.sync();
        await client.assignCase(caseId, devices);
        await client.sync();
        return client.getCase(caseId);
      });
      report(io, { caseId, status: view.status, circle: view.state.circle }, () => [
        `Case ${caseId} is assigned to ${devices.join(', ')}; only they receive it at this unit from now on.`,
      ]);
      return 0;
    },
  },
  step(
    ['consent', 'withdraw'],
    'Record that the person withdrew consent: the file gives {withdrawnOn, form, note}.',
    'the withdrawal',
    (c, id, b) => c.withdrawConsent(id, b as WithdrawConsentInput),
  ),
  {
    words: ['consent', 'form'],
    opensDevice: true,
    summary:
      'Write the printable Swedish consent form (samtyckesblankett) for a referral to --to, and give its SHA-256 for the attestation.',
    options: {
      ...DEVICE_OPTION,
      to: { type: 'string', description: 'the receiving unit', required: true },
      name: { type: 'string', description: "the person's name", required: true },
      'valid-from': { type: 'string', description: 'first day of the consent, YYYY-MM-DD', required: true },
      'valid-until': { type: 'string', description: 'last day of the consent (default: until withdrawn)' },
      out: { type: 'string', description: 'the file to write (it holds personal data)', required: true },
    },
    details: [
      'The form names the person, both units and municipalities, the police, the processing of the data,',
      'the validity, the right to withdraw, and has a place to sign and date (PROTOCOL.md §12.3.1).',
      'Print it, have it signed, keep the paper; give the SHA-256 printed here as written.documentSha256.',
      'The file holds personal data: it is created readable by its owner only (mode 0600).',
    ],
    async run(args, io) {
      const required = (name: string) => {
        const v = str(args, name);
        if (v === undefined || v === '') throw usage(`--${name} is required`);
        return v;
      };
      const to = required('to');
      const person = required('name');
      const validFrom = required('valid-from');
      const validUntil = str(args, 'valid-until') ?? null;
      const out = required('out');
      for (const [flag, day] of [
        ['valid-from', validFrom],
        ['valid-until', validUntil],
      ] as const) {
        if (day !== null && !isCalendarDate(day))
          throw usage(`--${flag} must be a calendar date, YYYY-MM-DD`);
      }
      const form = await withClient(io, str(args, 'device'), async (client) => {
        const agreement = client.directory.agreement;
        const party = (unit: string) => {
          const p = agreement.terms.parties.find((x) => x.unit === unit);
          const m = agreement.municipalityOf(unit);
          if (!p || !m) throw usage(`${unit} is not a party to the agreement`);
          return { unit, name: p.name, municipality: m.name };
        };
        return { person, home: party(client.unit), receiving: party(to), validFrom, validUntil };
      });
      refuseExisting(out);
      writePersonalFile(io, out, consentFormText(form));
      const documentSha256 = consentFormSha256(form);
      report(io, { path: out, documentSha256, personalData: true }, () => [
        `Wrote the consent form to ${out}. It holds personal data: keep it with the case, readable by the case's officers only.`,
        `SHA-256 of the form: ${documentSha256}`,
        'Print it and have it signed; give that SHA-256 as written.documentSha256 when the consent is attested.',
      ]);
      return 0;
    },
  },
  {
    words: ['evidence', 'export'],
    opensDevice: true,
    summary: 'Export a case as a signed evidence bundle (PROTOCOL.md §17), on standard output or to --out.',
    positionals: ['<case>'],
    options: {
      ...DEVICE_OPTION,
      out: { type: 'string', description: 'write the bundle to this new file, readable by you only' },
    },
    details: ['The bundle holds the case in full, personal data included: keep it on an encrypted disk.'],
    async run(args, io) {
      const caseId = caseArg(args);
      const out = str(args, 'out');
      if (out !== undefined) refuseExisting(out);
      const bundle = await withClient(io, str(args, 'device'), (client) => client.exportEvidence(caseId));
      const text = `${JSON.stringify(bundle, null, 2)}\n`;
      if (out === undefined) {
        io.out(text);
        if (io.tty) io.err(`The bundle holds personal data: keep a copy only on an encrypted disk.\n`);
      } else {
        writePersonalFile(io, out, text);
        report(io, { out, caseId }, () => [`Wrote the evidence bundle of case ${caseId} to ${out}.`]);
      }
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
      const verified = BryggaClient.verifyEvidence(readJsonFile(path, 'the evidence bundle'), agreement);
      report(io, { valid: true, ...verified }, () => [
        `Valid: case ${verified.caseId}, from ${verified.home} to ${verified.receiving}.`,
      ]);
      return 0;
    },
  },
];

function answersPath(io: Io, device: string | undefined): string {
  return join(devicePaths(deviceDir(io, device)).root, ANSWERS_FILE);
}

/** Keep confirmed answers, readable by their owner only, and give the path. */
function keepAnswers(io: Io, path: string, input: ReferInput): string {
  writePersonalFile(
    io,
    path,
    `${JSON.stringify({ v: 1, kind: 'brygga.referral-answers', savedAt: new Date().toISOString(), referral: input }, null, 2)}\n`,
    { overwrite: true },
  );
  return path;
}

/** The answers kept by an earlier `brygga refer`. */
function readAnswers(path: string): ReferInput {
  if (!existsSync(path)) {
    throw new CliError('ERR_FILE', `no kept referral answers in ${path}`, {
      hint: 'answer the questions with `brygga refer`, or give the referral with --file',
    });
  }
  const kept = readJsonFile(path, 'the kept answers') as { referral?: unknown };
  if (typeof kept.referral !== 'object' || kept.referral === null) {
    throw new CliError('ERR_MALFORMED', `${path} does not hold a referral`, {
      hint: 'run `brygga refer` and answer the questions again',
    });
  }
  return kept.referral as ReferInput;
}

/**
 * Watch the relay (`BryggaClient.watch`) until Ctrl-C or SIGTERM, printing each event once: a line for a
 * person, or a JSON line with --json. Connection trouble goes to stderr; the watch keeps trying.
 */
async function watchEvents(client: BryggaClient, io: Io, fromStart: boolean): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lost = false;
  try {
    for await (const event of client.watch({
      signal: stop.signal,
      fromStart,
      onConnection: (state) => {
        if (!state.connected) {
          lost = true;
          io.err(connectionLostLine(state));
        } else if (lost) {
          lost = false;
          io.err('brygga: connected to the relay again\n');
        }
      },
    })) {
      io.out(io.json ? `${JSON.stringify(event)}\n` : `${eventLine(event)}\n`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (io.tty) io.err('Stopped watching.\n');
}
