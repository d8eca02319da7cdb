/**
 * The world of the workflow tests: four units of three municipalities under the 2025
 * agreement (Stockholm with Järva and Farsta sharing Stockholm's quota of two cases each way, Göteborg
 * Nordost, Malmö), the whole service catalogue of the agreement, a real relay on a real socket on either
 * engine, and one BryggaClient per device with its own store on the same engine.
 */
import {
  Agreement,
  type AgreementTemplate,
  type AgreementTerms,
  agreementTemplate,
  BryggaClient,
  type BryggaClientOptions,
  Directory,
  enrolDevice,
  HpkeKeyPair,
  type Municipality,
  publishHpkeKey,
  type ReferInput,
  SigningKeyPair,
  templateUnits,
} from '@brygga/client-sdk';
import type { Engine } from '@brygga/server';
import type { FetchFunction } from '../../client-sdk/src/transport/relay-client.js';
import { agreementTerms, party } from './agreement-terms.js';
import type { TestDevice, UnitId } from './fixtures.js';
import { referralPreconditions } from './referral-preconditions.js';
import {
  AUDIENCE,
  listen,
  type RelayWorld,
  startTestRelay,
  type TestRelay,
  type TestRelayOptions,
} from './relay.js';
import { openTestStore, type TestStore } from './store-databases.js';

/** The units of the workflow world. */
export const WORKFLOW_UNITS = ['stockholm-jarva', 'stockholm-farsta', 'goteborg-nordost', 'malmo'] as const;
export type WorkflowUnit = (typeof WORKFLOW_UNITS)[number];

export const MUNICIPALITY_OF: Record<WorkflowUnit, string> = {
  'stockholm-jarva': 'stockholm',
  'stockholm-farsta': 'stockholm',
  'goteborg-nordost': 'goteborg',
  malmo: 'malmo',
};

/** The catalogue of the agreement (DOMAIN.md): what a receiving municipality provides and pays for. */
export const CATALOGUE = [
  { code: 'krisstod', name: 'Krisstöd' },
  { code: 'motivationssamtal', name: 'Motivationssamtal' },
  { code: 'sig-lots', name: 'Praktiskt stöd från SIG-lots' },
  { code: 'kontaktperson', name: 'Kontaktperson' },
  { code: 'boendestod', name: 'Boendestöd' },
  { code: 'missbruksbehandling', name: 'Missbruksbehandling' },
  { code: 'budget-skuldradgivning', name: 'Budget- och skuldrådgivning' },
  { code: 'oppenvard', name: 'Öppenvårdsbehandling' },
  { code: 'kriminalitet-som-livsstil', name: 'Kriminalitet som livsstil' },
  { code: 'psykiatri', name: 'Kontakt med psykiatri' },
  { code: 'arbetsinriktade-insatser', name: 'Arbetsinriktade insatser (KRAMI)' },
];

const YEAR = 365 * 24 * 3600;

/** A device of the workflow world, with a year-long HPKE key (or one of `keyLifetimeSeconds`). */
export function workflowDevice(
  unit: WorkflowUnit,
  root: SigningKeyPair,
  now: Date,
  name = `${unit} ärendesystem`,
  keyLifetimeSeconds = YEAR,
): TestDevice {
  const key = SigningKeyPair.generate();
  const hpke = HpkeKeyPair.generate();
  const enrolment = enrolDevice(root, { unit, key: key.publicKey, name, now });
  const publication = publishHpkeKey(key, {
    unit,
    key: hpke.publicKey,
    now,
    lifetimeSeconds: keyLifetimeSeconds,
  });
  const device: TestDevice = {
    unit: unit as UnitId,
    name,
    key,
    hpke: [hpke],
    enrolment,
    publications: [publication],
    receiving: { unit, kid: key.kid, hpkeKey: (kid) => device.hpke.find((k) => k.kid === kid) },
  };
  return device;
}

/** The 2025 agreement terms of the workflow world: its four units and the whole catalogue. */
export function workflowTerms(
  roots: Record<WorkflowUnit, SigningKeyPair>,
  overrides: Partial<AgreementTerms> = {},
): AgreementTerms {
  return agreementTerms(
    WORKFLOW_UNITS.map((unit) => party(unit, roots[unit].publicKey)),
    { period: { from: '2025-01-01', to: '2025-12-31' }, catalogue: CATALOGUE, ...overrides },
  );
}

/**
 * The agreement of `year` as a deployment makes it: the ready-made terms (`agreementTemplate`, what
 * `brygga agreement init --template` writes) with every party's own root key filled in, edited by
 * `adjust` as the administrators edit them (narrowing a city's `offers`, for example), and signed by
 * every party. The workflow units sign with `roots`; the template's other parties (Stockholm's
 * socialförvaltning, Göteborg Centrum and Hisingen) with root keys of their own, made here, and
 * enrol no device.
 */
export function templateAgreement(
  year: AgreementTemplate,
  roots: Record<WorkflowUnit, SigningKeyPair>,
  adjust: (terms: AgreementTerms) => AgreementTerms = (t) => t,
): Agreement {
  const all: Record<string, SigningKeyPair> = { ...roots };
  for (const { unit } of templateUnits(year)) all[unit] ??= SigningKeyPair.generate();
  const keys = Object.fromEntries(Object.entries(all).map(([u, k]) => [u, k.publicKey.serialize()]));
  let agreement = Agreement.create(adjust(agreementTemplate(year, keys)));
  for (const p of agreement.terms.parties) agreement = agreement.sign(all[p.unit]!);
  return agreement;
}

/** The workflow world, shaped so the relay's test harness can install it. */
export interface WorkflowWorld extends RelayWorld {
  units: Record<WorkflowUnit, TestDevice>;
  wroots: Record<WorkflowUnit, SigningKeyPair>;
}

/**
 * The 2025 world with the three municipalities' receiving terms (PROTOCOL.md §5.5): `extra` adds to each
 * municipality's entry, e.g. Malmö's `offers` or Göteborg's `relocationNotice` or `specialCases`.
 */
export function worldWithMunicipalities(
  extra: Partial<Record<'stockholm' | 'goteborg' | 'malmo', Partial<Municipality>>>,
): WorkflowWorld {
  return makeWorkflowWorld(undefined, {
    terms: {
      municipalities: (['stockholm', 'goteborg', 'malmo'] as const).map((id) => ({
        id,
        name: `${id} stad`,
        quota: { outgoing: 2, incoming: 2 },
        ...extra[id],
      })),
    },
  });
}

/** A unit's contact person, as an acceptance names it. */
export const workflowContact = (unit: string) => ({
  unit,
  name: 'Samordnare',
  role: 'samordnare',
  phone: null,
  email: null,
});

/**
 * Build the world at `now` (default Monday 2025-03-03 09:00 UTC). With `parties`, the agreement has only
 * those units (the others get keys and devices, ready to join by an extension, but are not enrolled).
 */
export function makeWorkflowWorld(
  now = new Date('2025-03-03T09:00:00Z'),
  options: {
    parties?: readonly WorkflowUnit[];
    terms?: Partial<AgreementTerms>;
    /** The lifetime of every device's HPKE key (default a year). */
    keyLifetimeSeconds?: number;
    /** The ready-made terms of a year instead of the test terms (see {@link templateAgreement}). */
    template?: { year: AgreementTemplate; adjust?: (terms: AgreementTerms) => AgreementTerms };
  } = {},
): WorkflowWorld {
  const roots = Object.fromEntries(WORKFLOW_UNITS.map((u) => [u, SigningKeyPair.generate()])) as Record<
    WorkflowUnit,
    SigningKeyPair
  >;
  const parties = options.parties ?? WORKFLOW_UNITS;
  let agreement: Agreement;
  if (options.template) {
    agreement = templateAgreement(options.template.year, roots, options.template.adjust);
  } else {
    const full = workflowTerms(roots, options.terms);
    agreement = Agreement.create({
      ...full,
      parties: full.parties.filter((p) => parties.includes(p.unit as WorkflowUnit)),
    });
    for (const u of parties) agreement = agreement.sign(roots[u]);
  }
  const life = options.keyLifetimeSeconds;
  const units = Object.fromEntries(
    WORKFLOW_UNITS.map((u) => [u, workflowDevice(u, roots[u], now, undefined, life)]),
  ) as Record<WorkflowUnit, TestDevice>;
  const second = {
    'stockholm-jarva': workflowDevice(
      'stockholm-jarva',
      roots['stockholm-jarva'],
      now,
      'Järva samordnare',
      life,
    ),
    malmo: workflowDevice('malmo', roots.malmo, now, 'Malmö samordnare', life),
  };
  // The second devices are made but not enrolled; tests that need one enrol it (statements below).
  const statements = parties.flatMap((u) => [units[u].enrolment, ...units[u].publications]);
  const directory = new Directory(agreement);
  directory.applyAll(statements);
  return {
    now,
    roots: roots as never,
    wroots: roots,
    agreement,
    devices: units as never,
    units,
    directory,
    statements,
    all: parties.map((u) => units[u]),
    second: second as never,
  };
}

/** A running workflow: the relay on a socket, and the clients. */
export interface Workflow {
  engine: Engine;
  world: WorkflowWorld;
  relay: TestRelay;
  url: string;
  /** Open (or reopen) the client of `device` on `store`. */
  open(device: TestDevice, store: TestStore, fetch?: FetchFunction): Promise<BryggaClient>;
  clients: Record<WorkflowUnit, BryggaClient>;
  stores: Record<WorkflowUnit, TestStore>;
  /** Move the relay's (and every client's) clock forward. */
  advance(days: number, hours?: number): void;
  /** Sync the given clients (default all) in order, `rounds` times. */
  syncAll(units?: readonly WorkflowUnit[], rounds?: number): Promise<void>;
  close(): Promise<void>;
}

/** The device and HPKE key ids of every device the world made for `unit`, enrolled or not. */
export function unitKeys(world: WorkflowWorld, unit: string): string[] {
  const devices = [world.units[unit as WorkflowUnit], (world.second as Record<string, TestDevice>)[unit]];
  return devices.flatMap((d) => (d ? [d.key.kid, ...d.hpke.map((k) => k.kid)] : []));
}

/** Start the relay on `engine`, serve it on a socket, and open a client per unit with a store on `engine`. */
export async function startWorkflow(
  engine: Engine,
  options: {
    extraStatements?: string[];
    world?: WorkflowWorld;
    /** Client options for every client (key transparency settings, for example). */
    client?: Partial<BryggaClientOptions>;
    /**
     * Whether each unit's administrator keeps a register of the unit's devices with its clients
     * (`expectUnitKeys`, PROTOCOL.md §19.5). Default true.
     */
    register?: boolean;
    /** The relay's configuration, over the defaults (its limits, for example). */
    relayConfig?: TestRelayOptions['config'];
  } = {},
): Promise<Workflow> {
  const world = options.world ?? makeWorkflowWorld();
  world.statements.push(...(options.extraStatements ?? []));
  const relay = await startTestRelay(engine, { world, config: options.relayConfig });
  const server = await listen(relay);
  const extraStores: TestStore[] = [];
  const open = async (device: TestDevice, store: TestStore, fetch?: FetchFunction) => {
    const client = await BryggaClient.open({
      identity: { unit: device.unit, key: device.key, hpkeKeys: device.hpke },
      agreement: world.agreement,
      store: store.store,
      relayUrl: server.url,
      relayAudience: AUDIENCE,
      now: () => relay.clock.date,
      ...(fetch ? { fetch } : {}),
      ...options.client,
    });
    // The unit's administrator registers the devices it enrols, so the log monitor knows them.
    if (options.register !== false) await client.expectUnitKeys(unitKeys(world, device.unit));
    return client;
  };
  const stores = {} as Record<WorkflowUnit, TestStore>;
  const clients = {} as Record<WorkflowUnit, BryggaClient>;
  for (const u of WORKFLOW_UNITS) {
    if (!world.agreement.terms.parties.some((p) => p.unit === u)) continue;
    stores[u] = await openTestStore(engine);
    clients[u] = await open(world.units[u], stores[u]);
  }
  const workflow: Workflow = {
    engine,
    world,
    relay,
    url: server.url,
    open: async (device, store, fetch) => {
      if (!Object.values(stores).includes(store)) extraStores.push(store);
      return open(device, store, fetch);
    },
    clients,
    stores,
    advance: (days, hours = 0) => relay.clock.advance((days * 24 + hours) * 3600 * 1000),
    async syncAll(units = WORKFLOW_UNITS, rounds = 1) {
      for (let r = 0; r < rounds; r++) for (const u of units) await clients[u]?.sync();
    },
    async close() {
      await server.close();
      await relay.close();
      for (const s of [...Object.values(stores), ...extraStores]) await s.drop();
    },
  };
  return workflow;
}

/** Refer a case from `home` to `to` with {@link referInput} and sync both: the case id. */
export async function referredCase(
  w: Workflow,
  home: WorkflowUnit,
  to: WorkflowUnit,
  change: (input: ReferInput) => ReferInput = (input) => input,
): Promise<string> {
  const { caseId } = await w.clients[home].refer(change(referInput(home, to)));
  await w.syncAll([home, to]);
  return caseId;
}

/**
 * A referral input that passes every rule, from `home` to `to`, with written consent unless `oral`.
 * Dated for a referral on 2025-03-03; with `at`, every date moves by the days from then to `at` (for
 * worlds on the real clock).
 */
export function referInput(
  home: WorkflowUnit,
  to: WorkflowUnit,
  options: { oral?: boolean; services?: string[]; at?: Date } = {},
): ReferInput {
  const input = referInputOn2025(home, to, options);
  if (!options.at) return input;
  const shift = Math.round((options.at.getTime() - Date.parse('2025-03-03T00:00:00Z')) / 86_400_000);
  const moved = (d: string) =>
    new Date(Date.parse(`${d}T00:00:00Z`) + shift * 86_400_000).toISOString().slice(0, 10);
  return JSON.parse(JSON.stringify(input), (key, value) =>
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && key !== 'dateOfBirth'
      ? moved(value)
      : value,
  ) as ReferInput;
}

function referInputOn2025(
  home: WorkflowUnit,
  to: WorkflowUnit,
  options: { oral?: boolean; services?: string[] },
): ReferInput {
  return {
    to,
    category: 'avhoppare',
    threatLevel: 'high',
    person: { name: 'Anonym Avhoppare', personalIdentityNumber: '19990101-1234', dateOfBirth: '1999-01-01' },
    requestedServices: options.services ?? ['krisstod', 'kontaktperson', 'kriminalitet-som-livsstil'],
    ...referralPreconditions(MUNICIPALITY_OF[home], MUNICIPALITY_OF[to]),
    temporaryHousing: {
      arrangedByHome: true,
      from: '2025-03-10',
      address: 'Skyddad adress, lämnas muntligt',
    },
    contacts: [
      {
        unit: home,
        name: 'Handläggare Hem',
        role: 'socialsekreterare',
        phone: '+46 8 508 000 00',
        email: null,
      },
    ],
    consent: options.oral
      ? {
          form: 'oral',
          oral: {
            givenOn: '2025-03-01',
            witness: { name: 'Vittne Kollega', role: 'socialsekreterare' },
            documentation: 'Muntligt samtycke per telefon 2025-03-01 kl. 10.15, bevittnat, journalfört.',
          },
          validFrom: '2025-03-01',
          validUntil: '2025-12-31',
        }
      : {
          form: 'written',
          written: { documentSha256: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', signedOn: '2025-03-01' },
          validFrom: '2025-03-01',
          validUntil: '2026-02-28',
        },
  };
}
