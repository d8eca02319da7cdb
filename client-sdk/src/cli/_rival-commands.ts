/**
 * The unit's list of known groups and their rivals (PROTOCOL.md §14.6 (5)): `brygga rivals` lists it,
 * `brygga rivals add` and `brygga rivals remove` keep it, `brygga rivals check <case>` shows what it
 * says about a referred case's group affiliation before the acceptance records the check. The list is
 * the unit's own knowledge, in the device's store: none of these commands sends anything.
 */
import type { KnownGroup, RivalCollision } from '../index.js';
import { printable } from './_case-text.js';
import { type Command, str } from './_command.js';
import { DEVICE_OPTION, withClient } from './_device-dir.js';
import { report, usage } from './_io.js';

function line(e: KnownGroup): string {
  const note = e.note === null ? '' : `  (${printable(e.note)})`;
  return `  ${e.id}  ${printable(e.group)} in ${printable(e.presentIn)}; rival of ${e.rivals.map(printable).join(', ')}; added by ${printable(e.addedBy)} ${e.addedAt.slice(0, 10)}${note}`;
}

function collisionLine(c: RivalCollision): string {
  return `  ${printable(c.group)}: rival ${printable(c.rival)} is present in ${printable(c.presentIn)} (entry ${c.entry})`;
}

/** The names of a comma-separated option, trimmed, none empty. */
function names(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
}

export const RIVAL_COMMANDS: Command[] = [
  {
    words: ['rivals'],
    opensDevice: true,
    summary:
      'List the groups your unit knows to be present in its municipality and the neighbouring ones, and their rivals.',
    details: [
      'The list is your unit’s own knowledge, kept in this device’s store: it is in no packet and the',
      'relay never sees it. An acceptance carries only the result of the check against it.',
    ],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const groups = await withClient(io, str(args, 'device'), (client) => client.listKnownGroups());
      report(io, { groups }, () =>
        groups.length === 0
          ? [
              'No known groups. Add one with: brygga rivals add --group <name> --in <municipality> --rivals <names>',
            ]
          : [`${groups.length} known group${groups.length === 1 ? '' : 's'}:`, ...groups.map(line)],
      );
      return 0;
    },
  },
  {
    words: ['rivals', 'add'],
    opensDevice: true,
    summary: 'Add a group known to be present in your municipality or a neighbouring one, with its rivals.',
    options: {
      ...DEVICE_OPTION,
      group: { type: 'string', description: 'the group, as your unit names it', required: true },
      in: { type: 'string', description: 'the municipality or district where it is present', required: true },
      rivals: {
        type: 'string',
        description: 'the groups it is a rival of, separated by commas',
        required: true,
      },
      note: { type: 'string', description: 'where the knowledge comes from, e.g. the police’s picture' },
      by: { type: 'string', description: 'your name, as the record of who added it', required: true },
    },
    async run(args, io) {
      const group = str(args, 'group');
      const presentIn = str(args, 'in');
      const by = str(args, 'by');
      const rivals = names(str(args, 'rivals'));
      if (!group || !presentIn || !by || rivals.length === 0) {
        throw usage('--group, --in, --rivals and --by are required', 'see `brygga rivals add --help`');
      }
      const entry = await withClient(io, str(args, 'device'), (client) =>
        client.addKnownGroup({ group, presentIn, rivals, note: str(args, 'note') ?? null, addedBy: by }),
      );
      report(io, entry, () => [`Added ${entry.id}:`, line(entry)]);
      return 0;
    },
  },
  {
    words: ['rivals', 'remove'],
    opensDevice: true,
    summary: 'Remove an entry of your list of known groups (its id from `brygga rivals`).',
    positionals: ['<id>'],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const id = args.positionals[0];
      if (id === undefined) throw usage('the entry id is required', 'list the entries with `brygga rivals`');
      await withClient(io, str(args, 'device'), (client) => client.removeKnownGroup(id));
      report(io, { removed: id }, () => [`Removed ${id}.`]);
      return 0;
    },
  },
  {
    words: ['rivals', 'check'],
    opensDevice: true,
    summary:
      'Check a referred case’s group affiliation against your list: the collisions your acceptance must record.',
    details: [
      'With no collision, accept with "rivalCheck": {"result": "no-conflict", ...}. With one, record it:',
      '"result": "conflict", "decision": "accepted-despite" and the reason (e.g. a different district),',
      'or decline the case (reason safety).',
    ],
    positionals: ['<case>'],
    options: { ...DEVICE_OPTION },
    async run(args, io) {
      const caseId = args.positionals[0];
      if (caseId === undefined) throw usage('the case id is required', 'list cases with `brygga inbox`');
      const collisions = await withClient(io, str(args, 'device'), (client) =>
        client.rivalCollisions(caseId),
      );
      report(io, { caseId, collisions }, () =>
        collisions.length === 0
          ? [`No conflict: no rival of the person's groups is on your list.`]
          : [
              `Conflict: ${collisions.length} rival group${collisions.length === 1 ? '' : 's'} of the person's present:`,
              ...collisions.map(collisionLine),
            ],
      );
      return 0;
    },
  },
];
