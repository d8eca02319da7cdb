/**
 * Events for the embedding case system (PROTOCOL.md §13.4): what arrived, what the rules refused, which
 * case changed state. They are written in the same store transaction as the change they describe, so an
 * event is never lost and never describes something that did not happen; the case system consumes them
 * from the store (at least once: an event is deleted only after the next one is asked for, or when
 * consumed explicitly).
 */

/** The kinds of event. */
export type ClientEventType =
  /** A case packet was applied to its log: `{pid, hash, packetType, from, direction}`. */
  | 'packet.applied'
  /** A case's status changed: `{status}`. */
  | 'case.status'
  /** A case packet is held for a missing predecessor (ERR_CASE_GAP): `{pid, hash}`. */
  | 'case.gap'
  /** A fork was resolved: `{kept, setAside}` hashes (ERR_CASE_FORK). Content set aside may be sent again. */
  | 'case.fork'
  /** A packet was refused: `{pid, packetType, from, code}`. Nothing of it was applied. */
  | 'packet.rejected'
  /**
   * The relay refused a packet of this device over a stale directory, and it was sealed again to the
   * devices current now, at the same place in its case (PROTOCOL.md §13.5): `{pid, packetType, hash,
   * previousHash, problem, recipients}` (the new hash, the one it replaces, the relay's problem code,
   * the recipient devices now).
   */
  | 'packet.healed'
  /**
   * The relay refused a packet of this device for good, and it was undone with everything chained on it
   * and sent with it (PROTOCOL.md §13.5): `{pid, packetType, code, problem, voided}` (the code naming the
   * cause, the relay's problem code or null, every packet id undone).
   */
  | 'packet.voided'
  /**
   * A device of this device's unit was enrolled by the unit's root (PROTOCOL.md §19.5), and is expected:
   * `{device, name, safetyNumber, index}` (its key id and safety number, the log entry). Not an alarm.
   */
  | 'unit.device-enrolled'
  /** This device published a new HPKE key (PROTOCOL.md §6.2): `{kid, exp}`. */
  | 'key.rotated'
  /**
   * An agreement extension was refused over a root key (PROTOCOL.md §5.1): `{alert, code, detail}`, with
   * `alert` the id of the stored alert (`BryggaClient.alerts`).
   */
  | 'directory.alert'
  /** A person acknowledged an alert: `{alert, by}`. */
  | 'alert.acknowledged'
  /** A signed receipt arrived for a packet of this unit: `{pid, hash, unit, device, outcome, code}`. */
  | 'receipt.received'
  /** This device declined an over-quota referral by itself: `{reason}`. */
  | 'case.auto-declined'
  /** A quota claim or release was recorded: `{kind, municipality, direction}`. */
  | 'quota.changed'
  /** A reconciliation was proposed to this unit: `{id, units, label}`; call `reconcile` to countersign. */
  | 'reconciliation.proposed'
  /** A reconciliation is signed by both units: `{id, units, label}`. */
  | 'reconciliation.agreed'
  /** An agreement extension was accepted: `{digest, sequence}`. */
  | 'agreement.accepted'
  /** The relay let a packet of this device expire before a recipient fetched it: `{pid, recipient}`. */
  | 'packet.expired'
  /** A directory statement from the relay did not verify and was not applied: `{code}`. */
  | 'directory.refused'
  /**
   * The relay's transparency log failed a check (PROTOCOL.md §19): `{code, evidence, detail, alert}`, with
   * `evidence` the sequence number of the evidence kept (see `BryggaClient.logEvidence`) and `alert` the
   * id of the stored alert a person acknowledges (`BryggaClient.alerts`).
   */
  | 'log.alert'
  /**
   * Something became due (PROTOCOL.md §22): the `Reminder` itself, `{key, kind, caseId, counterpart,
   * dueOn, overdue, actor, period?}`. Recorded by `BryggaClient.checkReminders` (and every `sync()`).
   */
  | 'reminder.due'
  /** A reminder no longer stands (done, or its case moved on): `{key, kind}`. */
  | 'reminder.resolved'
  /** A unit's signed figures for an agreement period were kept (PROTOCOL.md §21): `{unit, agreement, iat}`. */
  | 'figures.received'
  /**
   * Retention removed cases (PROTOCOL.md §23): `{record, cases, reconciliations, keys}`, the purge
   * record's sequence number and how many of each; `BryggaClient.purgeRecords` names them.
   */
  | 'retention.purged';

/** An event. */
export interface ClientEvent {
  seq: number;
  type: ClientEventType;
  caseId: string | null;
  /** When it was recorded (ISO 8601). */
  at: string;
  data: Record<string, unknown>;
}

/** A listener called after the transaction that recorded the event committed. */
export type ClientEventListener = (event: ClientEvent) => void;
