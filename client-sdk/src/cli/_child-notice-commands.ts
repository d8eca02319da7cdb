/**
 * Urgent child notices (PROTOCOL.md §12.4.7, §14.7): `brygga child-notice` sends a notice that children
 * came up in a case, and `brygga child-notice answer` the other unit's answer that settles which
 * municipality takes which responsibility, who and from when. Until the answer, the case gets no plan,
 * and past the agreement's answer limit the notice is overdue at both units (`brygga due`).
 */
import { BryggaError, type ChildNoticeBody, validatePacketBody } from '../index.js';
import { type Command, str } from './_command.js';
import { DEVICE_OPTION, withClient } from './_device-dir.js';
import { CliError, readJsonFile, report, usage } from './_io.js';

/** A body file's content as a child-notice body; `answers` from the command line. */
function noticeBody(path: string, answers: string | null): ChildNoticeBody {
  const raw = readJsonFile(path, 'the child notice file');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CliError('ERR_MALFORMED', `the child notice file ${path} must hold a JSON object`, {
      hint: 'see PROTOCOL.md §12.4 item 7',
    });
  }
  try {
    return validatePacketBody('child-notice', {
      measuresTaken: null,
      settlement: null,
      legalBasis: null,
      ...raw,
      answers,
    });
  } catch (err) {
    if (!(err instanceof BryggaError) || err.code !== 'ERR_MALFORMED') throw err;
    throw new CliError('ERR_MALFORMED', `the child notice file is not valid: ${err.message}`, {
      hint: 'complete the file (PROTOCOL.md §12.4 item 7); nothing was sent or stored',
    });
  }
}

function caseArg(positionals: string[]): string {
  const id = positionals[0];
  if (id === undefined) throw usage('the case id is required', 'list cases with `brygga inbox`');
  return id;
}

const FILE = {
  file: { type: 'string', description: 'the notice or answer (JSON)', required: true },
} as const;

export const CHILD_NOTICE_COMMANDS: Command[] = [
  {
    words: ['child-notice'],
    opensDevice: true,
    summary:
      'Send an urgent child notice (brådskande barnanmälan): the file gives {date, description, proposedResponsibility, measuresTaken}.',
    details: [
      'Children came up in a case whose person must have no responsibility for children: the other unit',
      'must answer at once, settling the responsibility (`brygga child-notice answer`). proposedResponsibility',
      'is home, receiving or to-be-decided. Until it is answered no plan can be sent in the case.',
    ],
    positionals: ['<case>'],
    options: { ...DEVICE_OPTION, ...FILE },
    async run(args, io) {
      const caseId = caseArg(args.positionals);
      const body = noticeBody(str(args, 'file') as string, null);
      const { status, notice } = await withClient(io, str(args, 'device'), async (client) => {
        await client.sync();
        const sent = await client.sendChildNotice(caseId, body);
        await client.sync();
        return { status: (await client.getCase(caseId)).status, notice: sent.hash };
      });
      report(io, { caseId, status, notice }, () => [
        `Sent the urgent child notice ${notice} in case ${caseId}; the case is ${status}.`,
        'The other unit must answer it, settling the responsibility for the children.',
      ]);
      return 0;
    },
  },
  {
    words: ['child-notice', 'answer'],
    opensDevice: true,
    summary:
      "Answer the other unit's child notice, settling the responsibility: the file gives {date, description, proposedResponsibility, settlement}.",
    details: [
      'settlement lists which municipality takes which responsibility, who and from when:',
      '[{municipality, responsibility, responsible: {name, role}, from}]. proposedResponsibility (home or',
      'receiving) names the municipality that takes the main responsibility, which the settlement must',
      'include (PROTOCOL.md §14.7). The notice is the hash `brygga case show` lists for it.',
    ],
    positionals: ['<case>'],
    options: {
      ...DEVICE_OPTION,
      ...FILE,
      notice: { type: 'string', description: 'the hash of the notice answered', required: true },
    },
    async run(args, io) {
      const caseId = caseArg(args.positionals);
      const body = noticeBody(str(args, 'file') as string, str(args, 'notice') as string);
      const status = await withClient(io, str(args, 'device'), async (client) => {
        await client.sync();
        await client.sendChildNotice(caseId, body);
        await client.sync();
        return (await client.getCase(caseId)).status;
      });
      report(io, { caseId, status, answered: body.answers }, () => [
        `Answered the child notice ${body.answers} in case ${caseId}, settling the responsibility; the case is ${status}.`,
      ]);
      return 0;
    },
  },
];
