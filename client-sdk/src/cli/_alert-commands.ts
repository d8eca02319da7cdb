/**
 * Alerts (PROTOCOL.md §19.7, §5.1): what this device kept for a person to judge, a failed check of the
 * relay's transparency log or an agreement extension refused over a root key, each with its evidence.
 * `brygga alerts` lists those nobody acknowledged (or all), `brygga alerts ack` records who judged one.
 * Neither syncs: they read and write the device's own store.
 */
import type { AlertView } from '../index.js';
import { type Command, str } from './_command.js';
import { DEVICE_OPTION, withClient } from './_device-dir.js';
import { report, usage } from './_io.js';

function line(a: AlertView): string {
  const ack = a.acknowledged
    ? `  (acknowledged by ${a.acknowledged.by}, ${a.acknowledged.at.slice(0, 10)})`
    : '';
  return `  ${String(a.id).padStart(4)}  ${a.at.slice(0, 19).replace('T', ' ')}  ${a.code}  ${a.detail}${ack}`;
}

export const ALERT_COMMANDS: Command[] = [
  {
    words: ['alerts'],
    opensDevice: true,
    summary:
      'List the alerts that wait for a person (a failed check of the relay’s log, a refused root key).',
    details: [
      'Each alert keeps its evidence (print it with --json). An administrator judges it and records so',
      'with `brygga alerts ack <id> --by <name>`; it stays listed with --all.',
    ],
    options: { ...DEVICE_OPTION, all: { type: 'boolean', description: 'also the acknowledged ones' } },
    async run(args, io) {
      const alerts = await withClient(io, str(args, 'device'), (client) =>
        client.alerts({ pending: args.values.all !== true }),
      );
      report(io, { alerts }, () =>
        alerts.length === 0
          ? [args.values.all === true ? 'No alerts.' : 'No alerts wait for anyone.']
          : [
              `${alerts.length} alert${alerts.length === 1 ? '' : 's'}:`,
              ...alerts.map(line),
              ...(args.values.all === true
                ? []
                : ['Acknowledge one with: brygga alerts ack <id> --by "<your name>"']),
            ],
      );
      return 0;
    },
  },
  {
    words: ['alerts', 'ack'],
    opensDevice: true,
    summary: 'Record that you have judged an alert (it stays kept, as acknowledged by you).',
    positionals: ['<id>'],
    options: {
      ...DEVICE_OPTION,
      by: { type: 'string', description: 'your name, as the record of who judged it', required: true },
    },
    async run(args, io) {
      const raw = args.positionals[0];
      const id = Number(raw);
      if (raw === undefined || !/^\d+$/.test(raw) || !Number.isSafeInteger(id)) {
        throw usage('the alert id is a number', 'list the alerts with `brygga alerts`');
      }
      const by = str(args, 'by');
      if (!by) throw usage('--by is required', 'give your name');
      const alert = await withClient(io, str(args, 'device'), (client) => client.acknowledgeAlert(id, by));
      report(io, alert, () => [`Alert ${alert.id} acknowledged by ${by}.`]);
      return 0;
    },
  },
];
