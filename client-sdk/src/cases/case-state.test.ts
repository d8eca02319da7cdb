/**
 * The workflow and its rules, folded over really signed packets (PROTOCOL.md §14). Every rule has a test
 * here that fails if the rule is removed: each builds an otherwise valid case and breaks one thing.
 */
import { describe, expect, it } from 'vitest';
import {
  acceptBody,
  agreeBody,
  childNoticeBody,
  closureBody,
  costBody,
  declineBody,
  deviationBody,
  followUpBody,
  messageBody,
  planBody,
} from '../../../test/support/case-bodies.js';
import {
  caseWorld,
  consentFor,
  contextOf,
  newCaseId,
  quotaProof,
  referralBody,
  signedPacket,
  type UnitId,
  type World,
} from '../../../test/support/case-world.js';
import { codeOf } from '../../../test/support/error-code.js';
import { agreementTerms } from '../../../test/support/fixtures.js';
import { Agreement, type AgreementTerms } from '../directory/agreement.js';
import { type CaseContext, type CaseState, caseReducer, costTotals } from './case-state.js';
import { recordWithdrawal } from './consent-withdrawal.js';
import type { PacketBodies, PacketType } from './packet-body.js';
import { makeQuotaClaim } from './quota-claim.js';
import type { ReferralBody } from './referral.js';
import { assertPersonalDataCovered } from './rules.js';

const world = caseWorld();
const ctx = contextOf(world);
const T0 = Math.floor(world.now.getTime() / 1000);
const DAY = 86_400;

/** Järva's answer to the child notice `notice`: Stockholm, the home municipality, takes responsibility. */
function childAnswer(notice: string): PacketBodies['child-notice'] {
  return {
    date: '2025-04-03',
    description: 'Hemkommunen utreder barnets situation enligt SoL.',
    proposedResponsibility: 'home',
    measuresTaken: null,
    answers: notice,
    settlement: [
      {
        municipality: 'stockholm',
        responsibility: 'Utredning och insatser för barnet enligt SoL',
        responsible: { name: 'Sara Svensson', role: 'enhetschef' },
        from: '2025-04-03',
      },
    ],
    legalBasis: null,
  };
}

/** A case being built: its id, state and head. */
class Script {
  readonly caseId = newCaseId();
  state: CaseState | undefined;
  head: string | null = null;
  iat = T0;
  constructor(
    readonly home: UnitId = 'stockholm-jarva',
    readonly to: UnitId = 'malmo',
    readonly context: CaseContext = ctx,
  ) {}

  packet<T extends PacketType>(unit: UnitId, type: T, body: PacketBodies[T], aud?: UnitId[]) {
    this.iat += 60;
    return signedPacket(world, {
      unit,
      type,
      caseId: this.caseId,
      prev: this.head,
      body,
      aud: aud ?? [unit === this.home ? this.to : this.home],
      iat: this.iat,
    }).packet;
  }

  /** Apply a packet (throws the rule's error, leaving the script unchanged). */
  send<T extends PacketType>(unit: UnitId, type: T, body: PacketBodies[T], aud?: UnitId[]): CaseState {
    const p = this.packet(unit, type, body, aud);
    this.state = caseReducer(this.context)(this.state, p);
    this.head = p.hash;
    return this.state;
  }

  /** The error code the packet gets, without applying it. */
  refuse<T extends PacketType>(unit: UnitId, type: T, body: PacketBodies[T], aud?: UnitId[]): string {
    const p = this.packet(unit, type, body, aud);
    const before = JSON.stringify(this.state);
    const code = codeOf(() => caseReducer(this.context)(this.state, p));
    expect(JSON.stringify(this.state)).toBe(before);
    return code;
  }

  refer(overrides: Partial<ReferralBody> = {}): CaseState {
    return this.send(
      this.home,
      'referral',
      referralBody(world, this.caseId, overrides, { home: this.home, to: this.to }),
    );
  }

  referralCode(overrides: Partial<ReferralBody> = {}): string {
    return this.refuse(
      this.home,
      'referral',
      referralBody(world, this.caseId, overrides, { home: this.home, to: this.to }),
    );
  }

  /** The home unit sends `body` and the receiving unit agrees to it. */
  plan(body: PacketBodies['implementation-plan'] = planBody): CaseState {
    const planned = this.send(this.home, 'implementation-plan', body);
    this.send(this.to, 'plan-response', agreeBody(planned.head));
    return this.state!;
  }

  active(): this {
    this.refer();
    this.send(this.to, 'uptake-decision', acceptBody(world, this.caseId, this.to as 'malmo'));
    this.plan();
    return this;
  }
}

describe('a case through the whole workflow', () => {
  it('moves referred → accepted → active → closed, and both ends fold to the same state', () => {
    const s = new Script();
    expect(s.refer().status).toBe('referred');
    expect(s.send('malmo', 'uptake-decision', acceptBody(world, s.caseId)).status).toBe('accepted');
    expect(s.send('stockholm-jarva', 'implementation-plan', planBody).status).toBe('accepted');
    expect(s.send('malmo', 'plan-response', agreeBody(s.head!)).status).toBe('active');
    s.send('stockholm-jarva', 'follow-up', followUpBody);
    s.send('malmo', 'follow-up', followUpBody);
    s.send('malmo', 'cost-report', costBody);
    s.send('malmo', 'deviation', deviationBody);
    s.send('stockholm-jarva', 'message', messageBody);
    const closed = s.send('stockholm-jarva', 'closure', closureBody(costTotals(s.state!.costs)));
    expect(closed.status).toBe('closed');
    expect(closed.followUps).toBe(2);
    expect(closed.costs.reduce((a, c) => a + c.amountSek, 0)).toBe(20_000);
    expect(closed.quota.incoming).not.toBeNull();
    // Costs may trail the closure.
    expect(
      s.send('malmo', 'cost-report', { lines: [{ service: 'krisstod', month: '2025-06', amountSek: 100 }] })
        .status,
    ).toBe('closed');
  });

  it('a decline ends the case', () => {
    const s = new Script();
    s.refer();
    expect(s.send('malmo', 'uptake-decision', declineBody).status).toBe('declined');
    expect(s.refuse('stockholm-jarva', 'implementation-plan', planBody)).toBe('ERR_INVALID_TRANSITION');
    expect(s.refuse('stockholm-jarva', 'message', messageBody)).toBe('ERR_INVALID_TRANSITION');
  });
});

describe('workflow transitions (ERR_INVALID_TRANSITION) and parties (ERR_WRONG_PARTY)', () => {
  it('a case starts only with a referral, and a referral only starts a case', () => {
    const s = new Script();
    expect(s.refuse('stockholm-jarva', 'message', messageBody)).toBe('ERR_INVALID_TRANSITION');
    s.refer();
    expect(s.refuse('stockholm-jarva', 'referral', referralBody(world, s.caseId))).toBe(
      'ERR_INVALID_TRANSITION',
    );
  });

  it('refuses packets out of order', () => {
    const s = new Script();
    s.refer();
    expect(s.refuse('stockholm-jarva', 'implementation-plan', planBody)).toBe('ERR_INVALID_TRANSITION');
    expect(s.refuse('malmo', 'follow-up', followUpBody)).toBe('ERR_INVALID_TRANSITION');
    expect(s.refuse('malmo', 'cost-report', costBody)).toBe('ERR_INVALID_TRANSITION');
    s.send('malmo', 'uptake-decision', acceptBody(world, s.caseId));
    expect(s.refuse('malmo', 'uptake-decision', declineBody)).toBe('ERR_INVALID_TRANSITION');
    s.plan();
    s.send('stockholm-jarva', 'closure', closureBody());
    expect(s.refuse('stockholm-jarva', 'follow-up', followUpBody)).toBe('ERR_INVALID_TRANSITION');
    expect(s.refuse('stockholm-jarva', 'closure', closureBody())).toBe('ERR_INVALID_TRANSITION');
  });

  it('names who may send what', () => {
    const s = new Script();
    s.refer();
    expect(s.refuse('stockholm-jarva', 'uptake-decision', acceptBody(world, s.caseId))).toBe(
      'ERR_WRONG_PARTY',
    );
    s.send('malmo', 'uptake-decision', acceptBody(world, s.caseId));
    expect(s.refuse('malmo', 'implementation-plan', planBody)).toBe('ERR_WRONG_PARTY');
    s.send('stockholm-jarva', 'implementation-plan', planBody);
    expect(s.refuse('stockholm-jarva', 'plan-response', agreeBody(s.head!))).toBe('ERR_WRONG_PARTY');
    s.send('malmo', 'plan-response', agreeBody(s.head!));
    expect(s.refuse('stockholm-jarva', 'cost-report', costBody)).toBe('ERR_WRONG_PARTY');
    expect(s.refuse('malmo', 'closure', closureBody())).toBe('ERR_WRONG_PARTY');
  });

  it('refuses a unit outside the case, and packets to a unit outside it or not to the other unit', () => {
    const s = new Script();
    s.refer();
    expect(s.refuse('goteborg-nordost', 'message', messageBody, ['stockholm-jarva'])).toBe('ERR_WRONG_PARTY');
    expect(s.refuse('stockholm-jarva', 'message', messageBody, ['malmo', 'goteborg-nordost'])).toBe(
      'ERR_WRONG_PARTY',
    );
    expect(s.refuse('stockholm-jarva', 'message', messageBody, ['stockholm-jarva'])).toBe('ERR_WRONG_PARTY');
  });

  it('a referral goes to a party of another municipality', () => {
    const s = new Script();
    expect(s.referralCode({ to: 'stockholm-jarva' })).toBe('ERR_WRONG_PARTY');
    expect(s.referralCode({ to: 'unknown-unit' })).toBe('ERR_WRONG_PARTY');
  });
});

describe('referral preconditions', () => {
  it('police consultation in both municipalities (ERR_POLICE_CONSULTATION_MISSING)', () => {
    const s = new Script();
    const [home, receiving] = referralBody(world, s.caseId).policeConsultations;
    expect(s.referralCode({ policeConsultations: [home!] })).toBe('ERR_POLICE_CONSULTATION_MISSING');
    expect(s.referralCode({ policeConsultations: [receiving!] })).toBe('ERR_POLICE_CONSULTATION_MISSING');
  });

  it('police approval in both municipalities for a high threat (ERR_POLICE_APPROVAL_MISSING)', () => {
    const s = new Script();
    const [home, receiving] = referralBody(world, s.caseId).policeApprovals;
    expect(s.referralCode({ policeApprovals: [home!] })).toBe('ERR_POLICE_APPROVAL_MISSING');
    expect(s.referralCode({ policeApprovals: [home!, { ...receiving!, approved: false }] })).toBe(
      'ERR_POLICE_APPROVAL_MISSING',
    );
    // A low threat of the category avhoppare needs none under these terms.
    expect(s.referralCode({ threatLevel: 'low', policeApprovals: [] })).toBe('ok');
  });

  it('every dated precondition lies on or before the referral, never after it (ERR_PRECONDITION_DATE)', () => {
    // The referral is signed on 2025-03-03 (the world's day).
    const s = new Script();
    const base = referralBody(world, s.caseId);
    const [home, receiving] = base.policeConsultations;
    const later = '2025-03-04';
    const refusal = (overrides: Partial<ReferralBody>) => {
      const p = s.packet(s.home, 'referral', { ...referralBody(world, s.caseId), ...overrides });
      try {
        caseReducer(ctx)(undefined, p);
      } catch (err) {
        return [(err as { code: string }).code, (err as Error).message];
      }
      return ['applied', ''];
    };
    expect(refusal({ policeConsultations: [home!, { ...receiving!, date: later }] })).toEqual([
      'ERR_PRECONDITION_DATE',
      "referral.policeConsultations[1].date lies after the packet's day, 2025-03-03",
    ]);
    expect(
      refusal({ policeApprovals: [base.policeApprovals[0]!, { ...base.policeApprovals[1]!, date: later }] }),
    ).toEqual([
      'ERR_PRECONDITION_DATE',
      "referral.policeApprovals[1].date lies after the packet's day, 2025-03-03",
    ]);
    expect(refusal({ targetGroup: { ...base.targetGroup, assessedOn: '2027-01-10' } })).toEqual([
      'ERR_PRECONDITION_DATE',
      "referral.targetGroup.assessedOn lies after the packet's day, 2025-03-03",
    ]);
    expect(refusal({ childrenCheck: { ...base.childrenCheck, checkedOn: later } })[0]).toBe(
      'ERR_PRECONDITION_DATE',
    );
    const written = consentFor(world, s.caseId, {
      written: { documentSha256: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', signedOn: '2027-01-01' },
    });
    expect(refusal({ consent: written })).toEqual([
      'ERR_PRECONDITION_DATE',
      "consent.written.signedOn lies after the packet's day, 2025-03-03",
    ]);
    const oral = consentFor(world, s.caseId, {
      form: 'oral',
      written: undefined,
      oral: { givenOn: later, witness: { name: 'Vittne', role: 'kollega' }, documentation: 'Journal.' },
    });
    expect(refusal({ consent: oral })[0]).toBe('ERR_PRECONDITION_DATE');
    // The same day is fine.
    expect(refusal({ targetGroup: { ...base.targetGroup, assessedOn: '2025-03-03' } })[0]).toBe('applied');
  });

  it('a renewed consent is given on or before the packet that carries it', () => {
    const s = new Script().active();
    const attestation = consentFor(world, s.caseId, {
      written: { documentSha256: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', signedOn: '2025-04-01' },
    });
    expect(s.refuse('stockholm-jarva', 'consent', { attestation })).toBe('ERR_PRECONDITION_DATE');
  });

  it('the target group: every criterion met (ERR_MOTIVATION_MISSING, ERR_TARGET_GROUP_NOT_MET)', () => {
    const s = new Script();
    const g = referralBody(world, s.caseId).targetGroup;
    expect(s.referralCode({ targetGroup: { ...g, motivated: false } })).toBe('ERR_MOTIVATION_MISSING');
    expect(s.referralCode({ targetGroup: { ...g, criminalEnvironment: false } })).toBe(
      'ERR_TARGET_GROUP_NOT_MET',
    );
    expect(s.referralCode({ targetGroup: { ...g, threat: 'none' } })).toBe('ERR_TARGET_GROUP_NOT_MET');
    expect(s.referralCode({ targetGroup: { ...g, notSuspectedOfSeriousCrime: false } })).toBe(
      'ERR_TARGET_GROUP_NOT_MET',
    );
    expect(s.referralCode({ targetGroup: { ...g, threat: 'latent' } })).toBe('ok');
  });

  it('no responsibility for children (ERR_CHILDREN_RESPONSIBILITY)', () => {
    const s = new Script();
    expect(s.referralCode({ childrenCheck: { responsibleForChildren: true, checkedOn: '2025-02-24' } })).toBe(
      'ERR_CHILDREN_RESPONSIBILITY',
    );
  });

  it('temporary housing arranged by the home municipality (ERR_HOUSING_NOT_ARRANGED)', () => {
    const s = new Script();
    expect(
      s.referralCode({ temporaryHousing: { arrangedByHome: false, from: '2025-03-10', address: null } }),
    ).toBe('ERR_HOUSING_NOT_ARRANGED');
  });

  it('services from the catalogue only (ERR_SERVICE_NOT_IN_CATALOGUE)', () => {
    const s = new Script();
    expect(s.referralCode({ requestedServices: ['krisstod', 'forsorjningsstod'] })).toBe(
      'ERR_SERVICE_NOT_IN_CATALOGUE',
    );
  });

  describe('what the agreement admits', () => {
    function narrowWorld(overrides: Partial<AgreementTerms>): { script: Script; agreement: Agreement } {
      let agreement = Agreement.create(agreementTerms(world.roots, overrides));
      for (const r of Object.values(world.roots)) agreement = agreement.sign(r);
      const script = new Script('stockholm-jarva', 'malmo', {
        agreements: [agreement],
        resolve: ctx.resolve,
      });
      return { script, agreement };
    }
    function referralOn(w: World, agreement: Agreement, caseId: string, overrides: Partial<ReferralBody>) {
      const quota = makeQuotaClaim(w.devices['stockholm-jarva'].key, {
        agreement,
        unit: 'stockholm-jarva',
        direction: 'outgoing',
        caseId,
        now: w.now,
      }).proof;
      return referralBody(w, caseId, { quota, ...overrides });
    }

    it('category (ERR_CATEGORY_NOT_ADMITTED): 2023–24 admitted defectors only, not protection cases', () => {
      const { script, agreement } = narrowWorld({
        admits: { categories: ['avhoppare'], threatLevels: ['low', 'high'] },
      });
      const body = referralOn(world, agreement, script.caseId, { category: 'skyddsarende' });
      expect(script.refuse('stockholm-jarva', 'referral', body)).toBe('ERR_CATEGORY_NOT_ADMITTED');
      expect(script.send('stockholm-jarva', 'referral', { ...body, category: 'avhoppare' }).status).toBe(
        'referred',
      );
    });

    it('threat level (ERR_THREAT_LEVEL_NOT_ADMITTED): 2023–24 admitted low threat only', () => {
      const { script, agreement } = narrowWorld({
        admits: { categories: ['avhoppare'], threatLevels: ['low'] },
      });
      const body = referralOn(world, agreement, script.caseId, { threatLevel: 'high' });
      expect(script.refuse('stockholm-jarva', 'referral', body)).toBe('ERR_THREAT_LEVEL_NOT_ADMITTED');
      expect(script.send('stockholm-jarva', 'referral', { ...body, threatLevel: 'low' }).status).toBe(
        'referred',
      );
    });

    it('period (ERR_OUTSIDE_PERIOD): no referral and no plan outside the agreement period', () => {
      const { script, agreement } = narrowWorld({ period: { from: '2025-01-01', to: '2025-03-31' } });
      script.iat = Math.floor(Date.parse('2025-04-01T08:00:00Z') / 1000);
      expect(
        script.refuse('stockholm-jarva', 'referral', referralOn(world, agreement, script.caseId, {})),
      ).toBe('ERR_OUTSIDE_PERIOD');
      const open = narrowWorld({ period: { from: '2025-01-01', to: '2025-03-31' } });
      open.script.send(
        'stockholm-jarva',
        'referral',
        referralOn(world, open.agreement, open.script.caseId, {}),
      );
      const accept = makeQuotaClaim(world.devices.malmo.key, {
        agreement: open.agreement,
        unit: 'malmo',
        direction: 'incoming',
        caseId: open.script.caseId,
        now: world.now,
      }).proof;
      open.script.send('malmo', 'uptake-decision', {
        ...acceptBody(world, open.script.caseId),
        quota: accept,
      });
      open.script.iat = Math.floor(Date.parse('2025-04-02T08:00:00Z') / 1000);
      expect(open.script.refuse('stockholm-jarva', 'implementation-plan', planBody)).toBe(
        'ERR_OUTSIDE_PERIOD',
      );
      // Other packets of an open case carry on after the period (the case must be closable).
      expect(
        open.script.send('stockholm-jarva', 'closure', { ...closureBody(), outcomes: null }).status,
      ).toBe('closed');
    });
  });

  it('the outgoing quota claim must be on the agreement in force, not an earlier one (ERR_QUOTA_CLAIM)', () => {
    let first = Agreement.create(
      agreementTerms(world.roots, { period: { from: '2025-01-01', to: '2025-03-02' } }),
    );
    for (const r of Object.values(world.roots)) first = first.sign(r);
    let second = Agreement.create({
      ...agreementTerms(world.roots, { period: { from: '2025-03-03', to: '2025-12-31' } }),
      sequence: 2,
      supersedes: first.digest,
    });
    for (const r of Object.values(world.roots)) second = second.sign(r);
    const s = new Script('stockholm-jarva', 'malmo', { agreements: [first, second], resolve: ctx.resolve });
    const claimOn = (agreement: Agreement, at: string) =>
      makeQuotaClaim(world.devices['stockholm-jarva'].key, {
        agreement,
        unit: 'stockholm-jarva',
        direction: 'outgoing',
        caseId: s.caseId,
        now: new Date(at),
      }).proof;
    expect(s.referralCode({ quota: claimOn(first, '2025-03-01T12:00:00Z') })).toBe('ERR_QUOTA_CLAIM');
    expect(s.refer({ quota: claimOn(second, '2025-03-03T08:00:00Z') }).agreement).toBe(second.digest);
  });

  it('the outgoing quota claim must commit to this case, by the referring unit (ERR_QUOTA_CLAIM)', () => {
    const s = new Script();
    const other = quotaProof(world, 'stockholm-jarva', newCaseId(), 'outgoing').proof;
    expect(s.referralCode({ quota: other })).toBe('ERR_QUOTA_CLAIM');
    const byOther = quotaProof(world, 'goteborg-nordost', s.caseId, 'outgoing').proof;
    expect(s.referralCode({ quota: byOther })).toBe('ERR_QUOTA_CLAIM');
    const incoming = quotaProof(world, 'stockholm-jarva', s.caseId, 'incoming').proof;
    expect(s.referralCode({ quota: incoming })).toBe('ERR_QUOTA_CLAIM');
  });

  it("an acceptance needs the receiving unit's incoming claim on this case (ERR_QUOTA_CLAIM)", () => {
    const s = new Script();
    s.refer();
    expect(
      s.refuse('malmo', 'uptake-decision', {
        ...acceptBody(world, s.caseId),
        quota: quotaProof(world, 'malmo', newCaseId(), 'incoming').proof,
      }),
    ).toBe('ERR_QUOTA_CLAIM');
    expect(
      s.refuse('malmo', 'uptake-decision', {
        ...acceptBody(world, s.caseId),
        quota: quotaProof(world, 'malmo', s.caseId, 'outgoing').proof,
      }),
    ).toBe('ERR_QUOTA_CLAIM');
  });
});

describe('consent', () => {
  it("the referral's consent must be for this case, attested by the home unit, naming both units and the police (ERR_CONSENT_SCOPE)", () => {
    const s = new Script();
    expect(s.referralCode({ consent: consentFor(world, newCaseId()) })).toBe('ERR_CONSENT_SCOPE');
    expect(
      s.referralCode({
        consent: consentFor(world, s.caseId, {
          scope: { units: ['stockholm-jarva', 'goteborg-nordost'], police: true, processing: true },
        }),
      }),
    ).toBe('ERR_CONSENT_SCOPE');
    expect(
      s.referralCode({
        consent: consentFor(world, s.caseId, {
          scope: { units: ['stockholm-jarva', 'malmo'], police: false, processing: true },
        }),
      }),
    ).toBe('ERR_CONSENT_SCOPE');
    // The consent must also cover the processing of the data (Göteborg's guideline).
    const p = s.packet(s.home, 'referral', {
      ...referralBody(world, s.caseId),
      consent: consentFor(world, s.caseId, {
        scope: { units: ['stockholm-jarva', 'malmo'], police: true, processing: false },
      }),
    });
    expect(() => caseReducer(ctx)(undefined, p)).toThrow(
      /^a referral's consent must also cover the processing of the personal data \(Göteborgs Stads riktlinje/,
    );
    const byMalmo = consentFor(world, s.caseId, { home: 'malmo', to: 'stockholm-jarva' });
    expect(s.referralCode({ consent: byMalmo })).toBe('ERR_CONSENT_SCOPE');
  });

  it('a consent outside its validity does not cover the referral (ERR_CONSENT_EXPIRED)', () => {
    const s = new Script();
    expect(
      s.referralCode({
        consent: consentFor(world, s.caseId, { validFrom: '2024-01-01', validUntil: '2024-12-31' }),
      }),
    ).toBe('ERR_CONSENT_EXPIRED');
    expect(
      s.referralCode({ consent: consentFor(world, s.caseId, { validFrom: '2025-06-01', validUntil: null }) }),
    ).toBe('ERR_CONSENT_EXPIRED');
  });

  it('a forged consent is a crypto failure', () => {
    const s = new Script();
    const c = consentFor(world, s.caseId);
    const forged = `${c.slice(0, -4)}${c.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect(s.referralCode({ consent: forged })).toBe('ERR_CRYPTO');
  });

  it('oral, witnessed consent works like written', () => {
    const s = new Script();
    const oral = consentFor(world, s.caseId, {
      form: 'oral',
      written: undefined,
      oral: {
        givenOn: '2025-02-20',
        witness: { name: 'Vittne V', role: 'socialsekreterare' },
        documentation: 'Muntligt samtycke per telefon, bevittnat.',
      },
    });
    expect(s.refer({ consent: oral }).consents[0]!.form).toBe('oral');
  });

  it('after a withdrawal personal data is refused (ERR_CONSENT_WITHDRAWN), unless under a recorded legal basis', () => {
    const s = new Script().active();
    const consentId = s.state!.consents[0]!.id;
    const withdrawal = recordWithdrawal(world.devices['stockholm-jarva'].key, {
      consentId,
      caseId: s.caseId,
      unit: 'stockholm-jarva',
      withdrawnOn: '2025-03-04',
      form: 'oral',
      now: world.now,
    });
    s.send('stockholm-jarva', 'consent-withdrawal', { withdrawal });
    expect(s.refuse('stockholm-jarva', 'follow-up', followUpBody)).toBe('ERR_CONSENT_WITHDRAWN');
    expect(s.refuse('malmo', 'follow-up', followUpBody)).toBe('ERR_CONSENT_WITHDRAWN');
    expect(s.refuse('stockholm-jarva', 'message', messageBody)).toBe('ERR_CONSENT_WITHDRAWN');
    expect(s.refuse('malmo', 'child-notice', childNoticeBody)).toBe('ERR_CONSENT_WITHDRAWN');
    expect(s.refuse('stockholm-jarva', 'closure', closureBody())).toBe('ERR_CONSENT_WITHDRAWN');
    // A legal basis is recorded and signed: the urgent child notice under SoL's duty to report.
    const lb = { provision: 'SoL 14 kap. 1 §', note: null };
    expect(s.send('malmo', 'child-notice', { ...childNoticeBody, legalBasis: lb }).childNotices).toBe(1);
    // Costs and a closure without personal data still go through.
    s.send('malmo', 'cost-report', costBody);
    const closed = s.send('stockholm-jarva', 'closure', {
      ...closureBody(costTotals(s.state!.costs)),
      outcomes: null,
      reason: 'consent-withdrawn',
    });
    expect(closed.status).toBe('closed');
    // A second withdrawal of the same consent is a replay.
    expect(s.refuse('stockholm-jarva', 'consent-withdrawal', { withdrawal })).toBe('ERR_REPLAY');
  });

  it('a new consent after a withdrawal covers personal data again', () => {
    const s = new Script().active();
    const withdrawal = recordWithdrawal(world.devices['stockholm-jarva'].key, {
      consentId: s.state!.consents[0]!.id,
      caseId: s.caseId,
      unit: 'stockholm-jarva',
      withdrawnOn: '2025-03-04',
      form: 'written',
      now: world.now,
    });
    s.send('stockholm-jarva', 'consent-withdrawal', { withdrawal });
    s.send('stockholm-jarva', 'consent', { attestation: consentFor(world, s.caseId) });
    expect(s.send('malmo', 'follow-up', followUpBody).followUps).toBe(1);
  });

  it('a withdrawal must name a consent of the case (ERR_CONSENT_MISSING) and come from the home unit', () => {
    const s = new Script().active();
    const unknown = recordWithdrawal(world.devices['stockholm-jarva'].key, {
      consentId: 'AAAAAAAAAAAAAAAAAAAAAA',
      caseId: s.caseId,
      unit: 'stockholm-jarva',
      withdrawnOn: '2025-03-04',
      form: 'written',
      now: world.now,
    });
    expect(s.refuse('stockholm-jarva', 'consent-withdrawal', { withdrawal: unknown })).toBe(
      'ERR_CONSENT_MISSING',
    );
    expect(s.refuse('malmo', 'consent-withdrawal', { withdrawal: unknown })).toBe('ERR_WRONG_PARTY');
  });

  it('a further consent must fit the case (ERR_CONSENT_SCOPE)', () => {
    const s = new Script().active();
    const wrongParties = consentFor(world, s.caseId, {
      scope: { units: ['stockholm-jarva', 'goteborg-nordost'], police: false, processing: true },
    });
    expect(s.refuse('stockholm-jarva', 'consent', { attestation: wrongParties })).toBe('ERR_CONSENT_SCOPE');
  });

  it('the coverage check names each failure', () => {
    const base = {
      id: 'x',
      form: 'written' as const,
      scope: { units: ['a', 'b'], police: true, processing: true },
      validFrom: '2025-01-01',
      validUntil: '2025-12-31',
      attestedIn: 'h',
      withdrawnIn: null,
    };
    expect(codeOf(() => assertPersonalDataCovered([], ['b'], '2025-06-01', null))).toBe(
      'ERR_CONSENT_MISSING',
    );
    expect(
      codeOf(() => assertPersonalDataCovered([{ ...base, withdrawnIn: 'w' }], ['b'], '2025-06-01', null)),
    ).toBe('ERR_CONSENT_WITHDRAWN');
    expect(codeOf(() => assertPersonalDataCovered([base], ['b'], '2026-01-01', null))).toBe(
      'ERR_CONSENT_EXPIRED',
    );
    expect(codeOf(() => assertPersonalDataCovered([base], ['c'], '2025-06-01', null))).toBe(
      'ERR_CONSENT_SCOPE',
    );
    expect(assertPersonalDataCovered([base], ['b'], '2025-06-01', null)?.id).toBe('x');
    expect(
      assertPersonalDataCovered([], ['c'], '2025-06-01', { provision: 'OSL 10 kap.', note: null }),
    ).toBeNull();
  });
});

describe('services and costs', () => {
  it('a plan holds catalogue services only (ERR_SERVICE_NOT_IN_CATALOGUE)', () => {
    const s = new Script();
    s.refer();
    s.send('malmo', 'uptake-decision', acceptBody(world, s.caseId));
    const hemtjanst = {
      ...planBody,
      services: [
        ...planBody.services,
        { code: 'hemtjanst', description: null, from: '2025-03-10', to: null },
      ],
    };
    expect(s.refuse('stockholm-jarva', 'implementation-plan', hemtjanst)).toBe(
      'ERR_SERVICE_NOT_IN_CATALOGUE',
    );
  });

  it('costs and follow-ups only for planned services (ERR_SERVICE_NOT_IN_PLAN)', () => {
    const s = new Script().active();
    expect(
      s.refuse('malmo', 'cost-report', {
        lines: [{ service: 'boendestod', month: '2025-03', amountSek: 10 }],
      }),
    ).toBe('ERR_SERVICE_NOT_IN_PLAN');
    expect(
      s.refuse('malmo', 'follow-up', {
        ...followUpBody,
        services: [{ code: 'boendestod', status: 'ongoing' }],
      }),
    ).toBe('ERR_SERVICE_NOT_IN_PLAN');
  });

  it('a later cost line for the same service and month corrects the earlier one', () => {
    const s = new Script().active();
    s.send('malmo', 'cost-report', costBody);
    const state = s.send('malmo', 'cost-report', {
      lines: [{ service: 'krisstod', month: '2025-03', amountSek: 11_000 }],
    });
    expect(costTotals(state.costs)).toEqual([
      { service: 'kontaktperson', amountSek: 8_000 },
      { service: 'krisstod', amountSek: 11_000 },
    ]);
  });

  it("a closure states the case's real costs", () => {
    const s = new Script().active();
    s.send('malmo', 'cost-report', costBody);
    expect(s.refuse('stockholm-jarva', 'closure', closureBody([{ service: 'krisstod', amountSek: 1 }]))).toBe(
      'ERR_MALFORMED',
    );
    expect(s.send('stockholm-jarva', 'closure', closureBody(costTotals(s.state!.costs))).status).toBe(
      'closed',
    );
  });

  it('a child notice is answered by the other unit, settling who takes which responsibility (§14.7)', () => {
    const s = new Script().active();
    const noticed = s.send('malmo', 'child-notice', childNoticeBody);
    const notice = noticed.head;
    // While it is unanswered, no plan; costs, follow-ups and messages still go.
    expect(s.refuse('stockholm-jarva', 'implementation-plan', planBody)).toBe('ERR_CHILD_NOTICE_OPEN');
    s.send('malmo', 'cost-report', costBody);
    s.send('stockholm-jarva', 'follow-up', followUpBody);
    // An answer naming no notice, its own unit's notice, or settling nothing is refused.
    expect(s.refuse('stockholm-jarva', 'child-notice', childAnswer('x'.repeat(43)))).toBe(
      'ERR_CHILD_NOTICE_UNKNOWN',
    );
    expect(s.refuse('malmo', 'child-notice', childAnswer(notice))).toBe('ERR_CHILD_NOTICE_UNKNOWN');
    expect(s.refuse('stockholm-jarva', 'child-notice', { ...childAnswer(notice), answers: null })).toBe(
      'ERR_CHILD_NOTICE_UNKNOWN',
    );
    for (const unsettled of [
      { ...childAnswer(notice), settlement: null },
      { ...childAnswer(notice), settlement: [] },
      { ...childAnswer(notice), proposedResponsibility: 'to-be-decided' as const },
      { ...childAnswer(notice), proposedResponsibility: 'receiving' as const },
      {
        ...childAnswer(notice),
        settlement: [{ ...childAnswer(notice).settlement![0]!, municipality: 'goteborg' }],
      },
    ]) {
      expect(s.refuse('stockholm-jarva', 'child-notice', unsettled)).toBe('ERR_CHILD_NOTICE_UNSETTLED');
    }
    const answered = s.send('stockholm-jarva', 'child-notice', childAnswer(notice));
    expect(answered.childNoticeLog[0]).toMatchObject({ answeredIn: answered.head });
    // Answered once: a second answer names no open notice; and the plan goes again.
    expect(s.refuse('stockholm-jarva', 'child-notice', childAnswer(notice))).toBe('ERR_CHILD_NOTICE_UNKNOWN');
    expect(s.send('stockholm-jarva', 'implementation-plan', planBody).plan).not.toBeNull();
  });

  it('deviations, child notices and messages are counted while open', () => {
    const s = new Script().active();
    s.send('stockholm-jarva', 'deviation', deviationBody);
    s.send('malmo', 'child-notice', childNoticeBody);
    const state = s.send('malmo', 'message', messageBody);
    expect([state.deviations, state.childNotices, state.messages]).toEqual([1, 1, 1]);
  });

  it('keeps what reports and reminders need: when it was decided and became active, the latest follow-up, the deviation register, child notices and their answers', () => {
    const s = new Script();
    const referred = s.refer();
    expect([referred.decision, referred.activeSince, referred.lastFollowUpOn]).toEqual([null, null, null]);
    s.iat += 3 * DAY;
    const accepted = s.send('malmo', 'uptake-decision', acceptBody(world, s.caseId));
    expect(accepted.decision).toMatchObject({ decision: 'accept', reason: null, at: s.iat });
    expect(accepted.decision!.at - accepted.referredAt).toBe(3 * DAY + 60);
    const planned = s.plan();
    expect(planned.activeSince).toBe(s.iat);
    // A later plan, agreed too, does not move the day the case became active.
    expect(s.plan().activeSince).toBe(planned.activeSince);
    s.send('malmo', 'follow-up', { ...followUpBody, date: '2025-05-02', month: '2025-04' });
    // A follow-up about an earlier month, sent later, does not move the latest date back.
    const followed = s.send('stockholm-jarva', 'follow-up', { ...followUpBody, date: '2025-04-01' });
    expect([followed.followUps, followed.lastFollowUpOn]).toEqual([2, '2025-05-02']);

    const deviated = s.send('malmo', 'deviation', deviationBody);
    expect(deviated.deviationLog).toEqual([
      {
        on: deviationBody.date,
        at: s.iat,
        unit: 'malmo',
        inReferral: false,
        reason: deviationBody.reason,
        rule: deviationBody.rule,
        guideline: deviationBody.guideline,
        decidedBy: deviationBody.decidedBy,
        in: s.head,
      },
    ]);
    // The register keeps no free text about the person.
    expect(JSON.stringify(deviated.deviationLog)).not.toContain(deviationBody.description);

    const noticed = s.send('malmo', 'child-notice', childNoticeBody);
    const notice = {
      at: s.iat,
      unit: 'malmo',
      in: s.head,
      proposed: 'home',
      answeredAt: null,
      answeredIn: null,
      settlement: null,
    };
    expect(noticed.childNoticeLog).toEqual([notice]);
    // A message or a follow-up of either unit does not answer Malmö's notice: only a settling answer does.
    s.send('malmo', 'message', messageBody);
    expect(s.send('stockholm-jarva', 'follow-up', followUpBody).childNoticeLog).toEqual([notice]);
    expect(s.send('stockholm-jarva', 'message', messageBody).childNoticeLog).toEqual([notice]);
    const answered = s.send('stockholm-jarva', 'child-notice', childAnswer(notice.in!));
    expect(answered.childNoticeLog).toEqual([
      { ...notice, answeredAt: s.iat, answeredIn: s.head, settlement: childAnswer(notice.in!).settlement },
    ]);
    expect(answered.childNotices).toBe(1);
    const closed = s.send('stockholm-jarva', 'closure', closureBody(costTotals(s.state!.costs)));
    expect(closed.closure).toMatchObject({ closedOn: '2025-06-30', reason: 'completed', at: s.iat });
  });

  it('a decision with a note is personal data and needs consent; the day comes from the signed time', () => {
    const s = new Script();
    s.refer();
    s.iat += 400 * DAY;
    expect(s.refuse('malmo', 'uptake-decision', { ...declineBody, note: 'Personen passar inte.' })).toBe(
      'ERR_CONSENT_EXPIRED',
    );
    expect(s.send('malmo', 'uptake-decision', declineBody).status).toBe('declined');
  });
});

describe('the plan is agreed, not imposed (PROTOCOL.md §14.6)', () => {
  const changes = (plan: string): PacketBodies['plan-response'] => ({
    ...agreeBody(plan),
    decision: 'changes',
    changes: [
      {
        service: 'krisstod',
        what: 'Tre samtal i veckan i stället för två',
        why: 'Hotbilden kräver tätare kontakt',
      },
    ],
  });

  it('follow-ups and costs count only against a plan the receiving unit agreed to', () => {
    const s = new Script();
    s.refer();
    s.send('malmo', 'uptake-decision', acceptBody(world, s.caseId));
    const first = s.send('stockholm-jarva', 'implementation-plan', planBody);
    expect(first.status).toBe('accepted');
    expect(s.refuse('malmo', 'cost-report', costBody)).toBe('ERR_PLAN_NOT_AGREED');
    expect(s.refuse('stockholm-jarva', 'follow-up', followUpBody)).toBe('ERR_PLAN_NOT_AGREED');
    // Malmö asks for changes, saying what and why: still nothing counts.
    const asked = s.send('malmo', 'plan-response', changes(first.head));
    expect(asked.status).toBe('accepted');
    expect(asked.planLog).toEqual([
      expect.objectContaining({
        version: 1,
        response: expect.objectContaining({
          decision: 'changes',
          changes: 1,
          decidedBy: { name: 'Samordnare Malmö', role: 'avhopparsamordnare' },
          at: s.iat,
        }),
      }),
    ]);
    expect(s.refuse('malmo', 'cost-report', costBody)).toBe('ERR_PLAN_NOT_AGREED');
    // An answer once per plan.
    expect(s.refuse('malmo', 'plan-response', agreeBody(first.head))).toBe('ERR_INVALID_TRANSITION');
    // A new version answers; an answer to the old one is refused, one to the new one is kept.
    const second = s.send('stockholm-jarva', 'implementation-plan', {
      ...planBody,
      note: 'Tre samtal i veckan.',
    });
    expect(second.planLog.map((v) => [v.version, v.response?.decision ?? null])).toEqual([
      [1, 'changes'],
      [2, null],
    ]);
    expect(s.refuse('malmo', 'plan-response', agreeBody(first.head))).toBe('ERR_INVALID_TRANSITION');
    const agreed = s.send('malmo', 'plan-response', agreeBody(second.head));
    expect([agreed.status, agreed.activeSince, agreed.plannedEver]).toEqual([
      'active',
      s.iat,
      ['kontaktperson', 'krisstod'],
    ]);
    expect(s.send('malmo', 'cost-report', costBody).costs).toHaveLength(2);
  });

  it('a service only in a plan not yet agreed is ERR_PLAN_NOT_AGREED; one never planned ERR_SERVICE_NOT_IN_PLAN', () => {
    const s = new Script().active();
    const withMore = {
      ...planBody,
      services: [
        ...planBody.services,
        { code: 'boendestod', description: null, from: '2025-04-01', to: null },
      ],
    };
    const next = s.send('stockholm-jarva', 'implementation-plan', withMore).head;
    const boendestod = { lines: [{ service: 'boendestod', month: '2025-04', amountSek: 10 }] };
    expect(s.refuse('malmo', 'cost-report', boendestod)).toBe('ERR_PLAN_NOT_AGREED');
    // Costs of the plan agreed before still count while the new version waits.
    s.send('malmo', 'cost-report', costBody);
    expect(
      s.refuse('malmo', 'cost-report', {
        lines: [{ service: 'motivationssamtal', month: '2025-04', amountSek: 10 }],
      }),
    ).toBe('ERR_SERVICE_NOT_IN_PLAN');
    s.send('malmo', 'plan-response', agreeBody(next));
    expect(s.send('malmo', 'cost-report', boendestod).costs).toHaveLength(3);
  });

  it('the answer is dated on or before its packet (ERR_PRECONDITION_DATE)', () => {
    const s = new Script();
    s.refer();
    s.send('malmo', 'uptake-decision', acceptBody(world, s.caseId));
    const planned = s.send('stockholm-jarva', 'implementation-plan', planBody);
    expect(s.refuse('malmo', 'plan-response', { ...agreeBody(planned.head), date: '2027-01-01' })).toBe(
      'ERR_PRECONDITION_DATE',
    );
  });
});
