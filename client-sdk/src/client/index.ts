/**
 * The client (PROTOCOL.md §13.3–13.4, §19): `BryggaClient`, one per device, over the pure workflow of
 * `cases/`, the local store, the relay and the transparency log. Named one export at a time; everything
 * else in this folder is internal.
 */
export { BryggaClient } from './brygga-client.js';
export type { ClientEvent, ClientEventListener, ClientEventType } from './client-events.js';
export type {
  AlertView,
  BryggaClientOptions,
  CaseLogEntry,
  CaseView,
  CloseInput,
  ConsentDetails,
  DecideUptakeInput,
  PlanResponseInput,
  PurgeResult,
  ReceiveResult,
  ReconciliationView,
  ReferInput,
  SendResult,
  SyncReport,
  TransparencyStatus,
  WatchConnection,
  WatchOptions,
  WithdrawConsentInput,
} from './client-types.js';
export { type DeviceIdentity, loadIdentity, receivingDevice, saveIdentity } from './device-identity.js';
export { PacketRefusedError } from './packet-refused-error.js';
