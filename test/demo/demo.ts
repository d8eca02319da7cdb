/**
 * `npm run demo`: one referral from Stockholm (Järva) to Malmö, end to end, over a real
 * relay, narrated in plain words.
 *
 * It starts the relay (server/dist/main.js, compiled as `npm start` runs it, a child process) on a temporary SQLite database on a free
 * loopback port, sets up three units with root keys, an agreement signed by all three and one device
 * each, walks the referral through consent, receipt, acceptance, plan, follow-up and closure with
 * BryggaClient instances on SQLite stores in the same temporary directory, then stops the relay and
 * deletes the directory. Exit 0 on success, 1 on any failure (the directory is deleted either way).
 *
 * Dates are derived from today, because the relay runs on the real clock.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Agreement,
  type AgreementTerms,
  BryggaClient,
  enrolDevice,
  HpkeKeyPair,
  publishHpkeKey,
  RelayClient,
  SigningKeyPair,
} from '@brygga/client-sdk';
import { openSqliteStore, type SqliteStore } from '@brygga/client-sdk/node';
import { agreementTerms, party, periodFromThisYear } from '../support/agreement-terms.js';
import { type RelayProcess, spawnRelay } from '../support/relay-process.js';

const AUDIENCE = 'https://brygga.demo.invalid';
const UNITS = ['stockholm-jarva', 'goteborg-nordost', 'malmo'] as const;
type Unit = (typeof UNITS)[number];
const LABEL: Record<Unit, string> = {
  'stockholm-jarva': 'Stockholm (Järva)',
  'goteborg-nordost': 'Göteborg (Nordost)',
  malmo: 'Malmö',
};

const say = (text = '') => process.stdout.write(`${text}\n`);

/** The date `days` from today, as YYYY-MM-DD. */
function day(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function terms(roots: Record<Unit, SigningKeyPair>): AgreementTerms {
  return agreementTerms(
    UNITS.map((u) => party(u, roots[u].publicKey)),
    {
      id: 'avhoppare-storstad-demo',
      title: 'Avtal om samverkan för insatser till avhoppare (demo)',
      period: periodFromThisYear(),
      catalogue: [
        { code: 'krisstod', name: 'Krisstöd' },
        { code: 'kontaktperson', name: 'Kontaktperson' },
        { code: 'kriminalitet-som-livsstil', name: 'Kriminalitet som livsstil' },
      ],
    },
  );
}

async function run(dir: string): Promise<void> {
  const adminToken = randomBytes(32).toString('base64url');
  say(`Working directory (temporary): ${dir}`);
  say('Starting the relay (förmedlingstjänsten) on a temporary SQLite database…');
  const relay: RelayProcess = await spawnRelay({
    BRYGGA_DATABASE: join(dir, 'relay.sqlite'),
    BRYGGA_ADMIN_TOKEN: adminToken,
    BRYGGA_PUBLIC_URL: AUDIENCE,
  });
  const stores: SqliteStore[] = [];
  try {
    say(`  The relay listens on ${relay.url}. It only ever sees sealed envelopes, never case content.`);
    say();
    say('1. Each unit makes its root key (rotnyckel) and reads its safety number (säkerhetsnummer)');
    say('   to the others over the phone, so nobody can slip in a false key.');
    const roots = Object.fromEntries(UNITS.map((u) => [u, SigningKeyPair.generate()])) as Record<
      Unit,
      SigningKeyPair
    >;
    for (const u of UNITS) say(`   ${LABEL[u].padEnd(20)} ${roots[u].publicKey.safetyNumber(u)}`);

    say();
    say('2. The agreement (samverkansavtal) is drawn up and signed by all three units.');
    let agreement = Agreement.create(terms(roots));
    for (const u of UNITS) {
      agreement = agreement.sign(roots[u]);
      say(`   Signed by ${LABEL[u]}.`);
    }
    const admin = new RelayClient({ baseUrl: relay.url, audience: AUDIENCE });
    const installed = await admin.installAgreement(adminToken, agreement);
    say(`   Installed on the relay by its administrator (digest ${installed.digest.slice(0, 16)}…).`);

    say();
    say('3. Each unit enrols one device (enhet): its root key vouches for the device key, and the device');
    say('   publishes its encryption key (HPKE). Device safety numbers:');
    const now = new Date();
    const clients = {} as Record<Unit, BryggaClient>;
    for (const u of UNITS) {
      const key = SigningKeyPair.generate();
      const hpke = HpkeKeyPair.generate();
      await admin.submitStatement(
        enrolDevice(roots[u], { unit: u, key: key.publicKey, name: `${u} ärendesystem`, now }),
      );
      await admin.submitStatement(publishHpkeKey(key, { unit: u, key: hpke.publicKey, now }));
      const store = await openSqliteStore(join(dir, `${u}.sqlite`));
      stores.push(store);
      clients[u] = await BryggaClient.open({
        identity: { unit: u, key, hpkeKeys: [hpke] },
        agreement,
        store: store.store,
        relayUrl: relay.url,
        relayAudience: AUDIENCE,
      });
      say(`   ${LABEL[u].padEnd(20)} ${key.publicKey.safetyNumber(u)}`);
    }
    for (const u of UNITS) await clients[u].sync();
    const jarva = clients['stockholm-jarva'];
    const malmo = clients.malmo;
    const state = async (client: BryggaClient, caseId: string) => {
      const known = (await client.listCases()).find((c) => c.caseId === caseId);
      return known ? known.status : 'not yet received';
    };
    const show = async (caseId: string) =>
      say(
        `   Case state: at Stockholm "${await state(jarva, caseId)}", at Malmö "${await state(malmo, caseId)}".`,
      );

    say();
    say('4. Stockholm (Järva) refers a person who wants to leave a criminal network (avhoppare) to Malmö,');
    say(
      '   on the person’s written consent (skriftligt samtycke), after consulting the police in both cities.',
    );
    const sent = await jarva.refer({
      to: 'malmo',
      category: 'avhoppare',
      threatLevel: 'high',
      person: {
        name: 'Anonym Avhoppare',
        personalIdentityNumber: '19990101-1234',
        dateOfBirth: '1999-01-01',
      },
      requestedServices: ['krisstod', 'kontaktperson'],
      policeConsultations: [
        {
          municipality: 'stockholm',
          date: day(-6),
          officer: { name: 'Polis Hem', role: 'avhopparsamordnare' },
          reference: 'BOPS-DEMO-1',
          outcome: 'Inga invändningar.',
        },
        {
          municipality: 'malmo',
          date: day(-4),
          officer: { name: 'Polis Mottagare', role: 'avhopparsamordnare' },
          reference: 'PO-SYD-DEMO-1',
          outcome: 'Inga invändningar.',
        },
      ],
      policeApprovals: [
        {
          municipality: 'stockholm',
          date: day(-6),
          officer: { name: 'Polis Hem', role: 'avhopparsamordnare' },
          reference: 'BOPS-DEMO-1',
          approved: true,
        },
        {
          municipality: 'malmo',
          date: day(-4),
          officer: { name: 'Polis Mottagare', role: 'avhopparsamordnare' },
          reference: 'PO-SYD-DEMO-1',
          approved: true,
        },
      ],
      targetGroup: {
        criminalEnvironment: true,
        threat: 'concrete',
        motivated: true,
        notSuspectedOfSeriousCrime: true,
        assessedOn: day(-7),
        assessedBy: { name: 'Handläggare Hem', role: 'socialsekreterare' },
        assessment: 'Tydligt motiverad att lämna nätverket.',
      },
      childrenCheck: { responsibleForChildren: false, checkedOn: day(-7) },
      temporaryHousing: { arrangedByHome: true, from: day(3), address: 'Skyddad adress, lämnas muntligt' },
      // The person's group affiliation as assessed (PROTOCOL.md §14.6 (5)): required only by a receiving
      // municipality that checks placements against rival groups; Malmö's terms do not, but it is told.
      affiliation: {
        groups: ['Gruppering A'],
        assessedBy: { name: 'Handläggare Hem', role: 'socialsekreterare' },
        assessedOn: day(-7),
      },
      contacts: [
        {
          unit: 'stockholm-jarva',
          name: 'Handläggare Järva',
          role: 'socialsekreterare',
          phone: null,
          email: null,
        },
      ],
      consent: {
        form: 'written',
        written: { documentSha256: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', signedOn: day(-2) },
        validFrom: day(-2),
        validUntil: day(300),
      },
    });
    const caseId = sent.caseId;
    say(`   Case ${caseId} is sealed for Malmö's device only and handed to the relay.`);
    await show(caseId);

    say();
    say('5. Malmö fetches it, checks the signatures and the consent, and sends a signed receipt (kvittens).');
    await malmo.sync();
    await jarva.sync();
    const receipts = await jarva.receipts(caseId);
    say(`   Stockholm holds ${receipts.length} receipt(s) from Malmö.`);
    await show(caseId);

    say();
    say('6. Malmö accepts the case (beslut om mottagande), claiming one of its incoming quota places.');
    await malmo.decideUptake(caseId, {
      decision: 'accept',
      contacts: [
        { unit: 'malmo', name: 'Samordnare Malmö', role: 'avhopparsamordnare', phone: null, email: null },
      ],
    });
    await jarva.sync();
    await show(caseId);

    say();
    say('7. Stockholm sends the implementation plan (genomförandeplan) with services from the catalogue.');
    await jarva.sendPlan(caseId, {
      decidedOn: day(0),
      services: [
        { code: 'krisstod', description: 'Krisstöd vid ankomst', from: day(3), to: day(60) },
        { code: 'kontaktperson', description: null, from: day(3), to: null },
      ],
      note: null,
      legalBasis: null,
    });
    await malmo.sync();
    await jarva.sync();
    await show(caseId);

    say();
    say('7b. Malmö agrees to the plan (svar på genomförandeplan): it takes effect, and the case is active.');
    await malmo.respondToPlan(caseId, {
      decision: 'agree',
      decidedBy: { name: 'Samordnare Malmö', role: 'avhopparsamordnare' },
    });
    await jarva.sync();
    await show(caseId);

    say();
    say('8. Malmö reports a follow-up (uppföljning) on how it is going.');
    await malmo.sendFollowUp(caseId, {
      date: day(0),
      month: day(0).slice(0, 7),
      summary: 'Etablerad i boendet, deltar i samtal.',
      services: [
        { code: 'krisstod', status: 'ongoing' },
        { code: 'kontaktperson', status: 'ongoing' },
      ],
      outcomes: { leftGroup: 'yes', noNewSuspectedCrime: 'yes', ownHousing: 'no', selfSufficient: 'unknown' },
      legalBasis: null,
    });
    await jarva.sync();
    await malmo.sync();
    await show(caseId);

    say();
    say('9. Stockholm closes the case (avslut) with its outcome measures.');
    await jarva.close(caseId, {
      closedOn: day(0),
      reason: 'completed',
      outcomes: { leftGroup: 'yes', noNewSuspectedCrime: 'yes', ownHousing: 'yes', selfSufficient: 'no' },
    });
    await malmo.sync();
    await jarva.sync();
    await show(caseId);
    const [a, b] = [await jarva.getCase(caseId), await malmo.getCase(caseId)];
    if (a.status !== 'closed' || b.status !== 'closed') {
      throw new Error(`the case did not close at both ends (Stockholm: ${a.status}, Malmö: ${b.status})`);
    }
    if (JSON.stringify(a.state) !== JSON.stringify(b.state)) {
      throw new Error('Stockholm and Malmö hold different case states');
    }

    say();
    say('10. Evidence (bevisning): Stockholm exports the case as a signed bundle and anyone holding the');
    say('    agreement can verify it offline.');
    const bundle = await jarva.exportEvidence(caseId);
    // verifyEvidence throws, naming the failure, on any bundle that does not verify.
    const report = BryggaClient.verifyEvidence(JSON.parse(JSON.stringify(bundle)), agreement);
    say(`    Verified: case ${report.caseId}, from ${report.home} to ${report.receiving}.`);
    await clients['goteborg-nordost'].sync();
    if ((await clients['goteborg-nordost'].listCases()).length !== 0) {
      throw new Error('Göteborg holds a case it was never sent');
    }
    say();
    say(`Final case state: ${a.status}. Göteborg (Nordost), a party but not a recipient, holds no case.`);
  } finally {
    for (const s of stores) await s.close();
    const code = await relay.stop();
    say(`Relay stopped (exit ${code}).`);
  }
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'brygga-demo-'));
  let code = 0;
  try {
    await run(dir);
  } catch (err) {
    process.stderr.write(`The demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    code = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    say(existsSync(dir) ? `Could not delete ${dir}: remove it by hand.` : `Deleted ${dir}.`);
  }
  say('Nothing left behind but what it says it left: no files, no processes.');
  return code;
}

process.exitCode = await main();
