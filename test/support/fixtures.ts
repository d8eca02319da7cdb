/**
 * A three-city world for tests, built with the SDK itself: unit roots for Stockholm (Järva), Göteborg
 * (Nordost) and Malmö, a fully signed agreement, and per unit one enrolled device with a signing key and
 * a published HPKE key. Randomness is real unless a seed is given.
 */
import {
  Agreement,
  type AgreementTerms,
  Directory,
  enrolDevice,
  HpkeKeyPair,
  publishHpkeKey,
  type ReceivingDevice,
  SigningKeyPair,
} from '@brygga/client-sdk';
import { party, agreementTerms as sharedTerms } from './agreement-terms.js';

export const UNITS = ['stockholm-jarva', 'goteborg-nordost', 'malmo'] as const;
export type UnitId = (typeof UNITS)[number];

export const MUNICIPALITY: Record<UnitId, string> = {
  'stockholm-jarva': 'stockholm',
  'goteborg-nordost': 'goteborg',
  malmo: 'malmo',
};

/** A test device: its unit, signing key, HPKE key pairs and its statements. */
export interface TestDevice {
  unit: UnitId;
  name: string;
  key: SigningKeyPair;
  hpke: HpkeKeyPair[];
  enrolment: string;
  publications: string[];
  /** The device as the SDK's openPacket wants it. */
  receiving: ReceivingDevice;
}

/** Agreement terms for the three cities (2025–2026: two cases each way, both categories, both levels). */
export function agreementTerms(
  roots: Record<UnitId, SigningKeyPair>,
  overrides: Partial<AgreementTerms> = {},
): AgreementTerms {
  return sharedTerms(
    UNITS.map((u) => party(u, roots[u].publicKey)),
    overrides,
  );
}

/** Make one device of `unit`, enrolled by `root`, with one HPKE key published at `now`. */
export function makeDevice(
  unit: UnitId,
  root: SigningKeyPair,
  now: Date,
  name = `${unit} ärendesystem`,
): TestDevice {
  const key = SigningKeyPair.generate();
  const hpke = HpkeKeyPair.generate();
  const enrolment = enrolDevice(root, { unit, key: key.publicKey, name, now });
  const publication = publishHpkeKey(key, { unit, key: hpke.publicKey, now });
  const device: TestDevice = {
    unit,
    name,
    key,
    hpke: [hpke],
    enrolment,
    publications: [publication],
    receiving: {
      unit,
      kid: key.kid,
      hpkeKey: (kid) => device.hpke.find((k) => k.kid === kid),
    },
  };
  return device;
}

/** The world: roots, agreement, one device per unit, and a directory holding them. */
export interface World {
  now: Date;
  roots: Record<UnitId, SigningKeyPair>;
  agreement: Agreement;
  devices: Record<UnitId, TestDevice>;
  directory: Directory;
  /** Every statement, in the order they must be applied. */
  statements: string[];
}

/** Build a fresh world at `now` (default 2025-03-01T09:00Z). */
export function makeWorld(now = new Date('2025-03-01T09:00:00Z')): World {
  const roots = {
    'stockholm-jarva': SigningKeyPair.generate(),
    'goteborg-nordost': SigningKeyPair.generate(),
    malmo: SigningKeyPair.generate(),
  } as Record<UnitId, SigningKeyPair>;
  let agreement = Agreement.create(agreementTerms(roots));
  for (const u of UNITS) agreement = agreement.sign(roots[u]);
  const devices = Object.fromEntries(UNITS.map((u) => [u, makeDevice(u, roots[u], now)])) as Record<
    UnitId,
    TestDevice
  >;
  const statements = UNITS.flatMap((u) => [devices[u].enrolment, ...devices[u].publications]);
  const directory = new Directory(agreement);
  directory.applyAll(statements);
  return { now, roots, agreement, devices, directory, statements };
}
