/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Every packet body of a case in readable form (PROTOCOL.md §12): the referral in full, as the
 * receiving coordinator needs it, and each later packet. Every value that came over the wire goes
 * through `W` (escaped, direction-isolated).
 */
import type { Child } from 'hono/jsx';
import type {
  BryggaClient,
  CaseLogEntry,
  ContactPerson,
  LegalBasis,
  OutcomeMeasures,
  PacketBodies,
  ReferralBody,
} from '../../index.js';
import type { ConsentShown } from '../_cases.js';
import { serviceName, unitName } from '../_cases.js';
import type { Texts } from '../_i18n/index.js';
import { SummaryList, W } from '../_views/components.js';

/** A wire string, or the dash when empty. */
function w(texts: Texts, v: string | null | undefined): Child {
  return v === null || v === undefined || v === '' ? texts.t.none : <W>{v}</W>;
}

function multiline(v: string | null | undefined, texts: Texts): Child {
  if (!v) return texts.t.none;
  return (
    <div class="prewrap" dir="auto">
      {v}
    </div>
  );
}

function yesNo(texts: Texts, v: boolean): string {
  return v ? texts.t.yes : texts.t.no;
}

/** A table of contact persons. */
export function Contacts(props: { contacts: ContactPerson[]; texts: Texts; client: BryggaClient }) {
  const { t } = props.texts;
  if (props.contacts.length === 0) return <p class="body">{t.none}</p>;
  return (
    <table class="table">
      <caption class="visually-hidden">{t.case.contacts}</caption>
      <thead>
        <tr>
          <th scope="col">{t.case.name}</th>
          <th scope="col">{t.case.role}</th>
          <th scope="col">{t.case.phone}</th>
          <th scope="col">{t.case.email}</th>
          <th scope="col">{t.case.unit}</th>
        </tr>
      </thead>
      <tbody>
        {props.contacts.map((p) => (
          <tr>
            <td>{w(props.texts, p.name)}</td>
            <td>{w(props.texts, p.role)}</td>
            <td>{w(props.texts, p.phone)}</td>
            <td>{w(props.texts, p.email)}</td>
            <td>{w(props.texts, unitName(props.client, p.unit))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function outcomeRows(texts: Texts, o: OutcomeMeasures | null): [string, Child][] {
  const { t } = texts;
  if (!o) return [[t.body.outcomes, t.forms.notAssessed]];
  return (Object.keys(t.outcomes) as (keyof OutcomeMeasures)[]).map((k) => [
    t.outcomes[k],
    t.outcomeValues[o[k]],
  ]);
}

function legalBasisRows(texts: Texts, b: LegalBasis | null): [string, Child][] {
  if (!b) return [];
  return [
    [
      texts.t.case.legalBasis,
      <>
        {w(texts, b.provision)}
        {b.note ? <> – {w(texts, b.note)}</> : null}
      </>,
    ],
  ];
}

/** One consent: its form, scope, validity and withdrawal. */
export function ConsentDetails(props: { consent: ConsentShown; texts: Texts; client: BryggaClient }) {
  const { texts, client } = props;
  const { t } = texts;
  const c = props.consent.claims;
  const rows: [string, Child][] = [[t.case.consentForm, t.consentForms[c.form]]];
  if (c.written) {
    rows.push([t.case.signedOn, texts.date(c.written.signedOn)]);
    rows.push([t.case.documentHash, <code class="code">{w(texts, c.written.documentSha256)}</code>]);
  }
  if (c.oral) {
    rows.push([t.case.givenOn, texts.date(c.oral.givenOn)]);
    rows.push([
      t.case.witness,
      <>
        {w(texts, c.oral.witness.name)}, {w(texts, c.oral.witness.role)}
      </>,
    ]);
    rows.push([t.case.documentation, multiline(c.oral.documentation, texts)]);
  }
  rows.push([
    t.case.scope,
    <ul class="list">
      {c.scope.units.map((u) => (
        <li>{w(texts, unitName(client, u))}</li>
      ))}
      <li>{c.scope.police ? t.case.police : t.case.policeNo}</li>
      <li>{c.scope.processing ? t.case.processing : t.case.processingNo}</li>
    </ul>,
  ]);
  rows.push([t.case.validFrom, texts.date(c.validFrom)]);
  rows.push([t.case.validUntil, c.validUntil ? texts.date(c.validUntil) : t.untilFurther]);
  const wd = props.consent.withdrawal;
  rows.push([
    t.case.withdrawn,
    wd ? (
      <>
        {texts.date(wd.withdrawnOn)} ({t.consentForms[wd.form]}){wd.note ? <> – {w(texts, wd.note)}</> : null}
      </>
    ) : (
      t.no
    ),
  ]);
  return <SummaryList rows={rows} />;
}

/** The referral in full: the person, target group and threat, police, target-group assessment, children, housing, services, contacts. */
/**
 * The police's records of a referral (PROTOCOL.md §12.4): consultations or approvals, one row per
 * municipality; they differ only in their last column (the outcome, or whether the police approved).
 */
function PoliceRecords<
  R extends ReferralBody['policeConsultations'][number] | ReferralBody['policeApprovals'][number],
>(props: {
  title: string;
  records: readonly R[];
  last: [string, (record: R) => Child];
  municipality: (id: string) => string;
  texts: Texts;
}) {
  const { texts, municipality } = props;
  const { t } = texts;
  const [lastHeading, lastCell] = props.last;
  return (
    <>
      <h2 class="heading-m">{props.title}</h2>
      {props.records.length === 0 ? (
        <p class="body">{t.none}</p>
      ) : (
        <table class="table">
          <caption class="visually-hidden">{props.title}</caption>
          <thead>
            <tr>
              <th scope="col">{t.case.municipality}</th>
              <th scope="col">{t.case.date}</th>
              <th scope="col">{t.case.officer}</th>
              <th scope="col">{t.case.reference}</th>
              <th scope="col">{lastHeading}</th>
            </tr>
          </thead>
          <tbody>
            {props.records.map((p) => (
              <tr>
                <td>{w(texts, municipality(p.municipality))}</td>
                <td>{texts.date(p.date)}</td>
                <td>
                  {w(texts, p.officer.name)}, {w(texts, p.officer.role)}
                </td>
                <td>{w(texts, p.reference)}</td>
                <td>{lastCell(p)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function ReferralDetails(props: {
  referral: ReferralBody;
  consents: ConsentShown[];
  texts: Texts;
  client: BryggaClient;
}) {
  const { referral: r, texts, client } = props;
  const { t } = texts;
  const municipality = (id: string) =>
    client.directory.agreement.terms.municipalities.find((m) => m.id === id)?.name ?? id;
  return (
    <>
      <h2 class="heading-m" id="personen">
        {t.case.person}
      </h2>
      <SummaryList
        rows={[
          [t.case.name, w(texts, r.person.name)],
          [t.case.pin, w(texts, r.person.personalIdentityNumber)],
          [t.case.dob, texts.date(r.person.dateOfBirth)],
        ]}
      />
      <h2 class="heading-m">{t.case.targetGroup}</h2>
      <SummaryList
        rows={[
          [t.case.category, t.categories[r.category]],
          [t.case.threatLevel, t.threatLevels[r.threatLevel]],
        ]}
      />
      <h2 class="heading-m">{t.case.consent}</h2>
      {props.consents.map((c) => (
        <ConsentDetails consent={c} texts={texts} client={client} />
      ))}
      <PoliceRecords
        title={t.case.policeConsultations}
        records={r.policeConsultations}
        last={[t.case.outcome, (p) => multiline(p.outcome, texts)]}
        municipality={municipality}
        texts={texts}
      />
      <PoliceRecords
        title={t.case.policeApprovals}
        records={r.policeApprovals}
        last={[t.case.approved, (p) => yesNo(texts, p.approved)]}
        municipality={municipality}
        texts={texts}
      />
      {r.deviations.length > 0 ? (
        <>
          <h2 class="heading-m">{t.case.referralDeviations}</h2>
          <p class="body">{t.case.referralDeviationsIntro}</p>
          {r.deviations.map((d) => (
            <SummaryList
              rows={[
                [t.case.deviationRule, t.ruleNames[d.rule]],
                [t.case.date, texts.date(d.date)],
                [t.body.reason, t.deviationReasons[d.reason]],
                [t.body.description, multiline(d.description, texts)],
                [
                  t.body.decidedBy,
                  <>
                    {w(texts, d.decidedBy.name)}, {w(texts, d.decidedBy.role)}
                  </>,
                ],
              ]}
            />
          ))}
        </>
      ) : null}
      <h2 class="heading-m">{t.case.targetGroupAssessment}</h2>
      <SummaryList
        rows={[
          [t.refer.criminalEnvironment, yesNo(texts, r.targetGroup.criminalEnvironment)],
          [t.refer.threat, t.threatKinds[r.targetGroup.threat]],
          [t.refer.motivated, yesNo(texts, r.targetGroup.motivated)],
          [t.refer.suspected, yesNo(texts, !r.targetGroup.notSuspectedOfSeriousCrime)],
          [
            t.case.assessedBy,
            <>
              {w(texts, r.targetGroup.assessedBy.name)}, {w(texts, r.targetGroup.assessedBy.role)}
            </>,
          ],
          [t.case.assessedOn, texts.date(r.targetGroup.assessedOn)],
          [t.case.assessment, multiline(r.targetGroup.assessment, texts)],
        ]}
      />
      <h2 class="heading-m">{t.case.children}</h2>
      <SummaryList
        rows={[
          [t.case.responsibleForChildren, yesNo(texts, r.childrenCheck.responsibleForChildren)],
          [t.case.checkedOn, texts.date(r.childrenCheck.checkedOn)],
        ]}
      />
      <h2 class="heading-m">{t.case.housing}</h2>
      <SummaryList
        rows={[
          [t.case.arrangedByHome, yesNo(texts, r.temporaryHousing.arrangedByHome)],
          [t.case.housingFrom, texts.date(r.temporaryHousing.from)],
          [
            t.case.address,
            r.temporaryHousing.address ? (
              <details class="details">
                <summary class="details__summary">{t.case.showAddress}</summary>
                <div class="details__text">{multiline(r.temporaryHousing.address, texts)}</div>
              </details>
            ) : (
              t.case.noAddress
            ),
          ],
        ]}
      />
      <h2 class="heading-m">{t.case.services}</h2>
      <ul class="list list--bullet">
        {r.requestedServices.map((s) => (
          <li>{w(texts, serviceName(client, s))}</li>
        ))}
      </ul>
      <h2 class="heading-m">{t.case.contacts}</h2>
      <Contacts contacts={r.contacts} texts={texts} client={client} />
      <h2 class="heading-m">{t.case.note}</h2>
      {multiline(r.note, texts)}
    </>
  );
}

/** The body of a later packet, as a summary list (the referral has its own section). */
export function PacketBody(props: { entry: CaseLogEntry; texts: Texts; client: BryggaClient }) {
  const { entry, texts, client } = props;
  const { t } = texts;
  const svc = (code: string) => w(texts, serviceName(client, code));
  switch (entry.type) {
    case 'uptake-decision': {
      const b = entry.body as PacketBodies['uptake-decision'];
      return (
        <>
          <SummaryList
            rows={[
              [t.body.decision, b.decision === 'accept' ? t.body.accept : t.body.decline],
              ...(b.reason ? ([[t.body.reason, t.declineReasons[b.reason]]] as [string, Child][]) : []),
              [t.case.note, multiline(b.note, texts)],
            ]}
          />
          {b.contacts.length ? <Contacts contacts={b.contacts} texts={texts} client={client} /> : null}
        </>
      );
    }
    case 'implementation-plan': {
      const b = entry.body as PacketBodies['implementation-plan'];
      return (
        <>
          <SummaryList
            rows={[[t.body.decidedOn, texts.date(b.decidedOn)], ...legalBasisRows(texts, b.legalBasis)]}
          />
          <table class="table">
            <caption class="visually-hidden">{t.packetTypes['implementation-plan']}</caption>
            <thead>
              <tr>
                <th scope="col">{t.body.service}</th>
                <th scope="col">{t.body.from}</th>
                <th scope="col">{t.body.to}</th>
                <th scope="col">{t.body.description}</th>
              </tr>
            </thead>
            <tbody>
              {b.services.map((s) => (
                <tr>
                  <td>{svc(s.code)}</td>
                  <td>{texts.date(s.from)}</td>
                  <td>{s.to ? texts.date(s.to) : t.untilFurther}</td>
                  <td>{w(texts, s.description)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {b.note ? multiline(b.note, texts) : null}
        </>
      );
    }
    case 'follow-up': {
      const b = entry.body as PacketBodies['follow-up'];
      return (
        <SummaryList
          rows={[
            [t.case.date, texts.date(b.date)],
            [t.body.month, texts.month(b.month)],
            [t.body.summary, multiline(b.summary, texts)],
            ...b.services.map(
              (s) => [serviceName(client, s.code), t.serviceStatuses[s.status]] as [string, Child],
            ),
            ...outcomeRows(texts, b.outcomes),
            ...legalBasisRows(texts, b.legalBasis),
          ]}
        />
      );
    }
    case 'cost-report': {
      const b = entry.body as PacketBodies['cost-report'];
      return (
        <table class="table">
          <caption class="visually-hidden">{t.packetTypes['cost-report']}</caption>
          <thead>
            <tr>
              <th scope="col">{t.body.service}</th>
              <th scope="col">{t.body.month}</th>
              <th scope="col" class="numeric">
                {t.body.amount}
              </th>
            </tr>
          </thead>
          <tbody>
            {b.lines.map((l) => (
              <tr>
                <td>{svc(l.service)}</td>
                <td>{texts.month(l.month)}</td>
                <td class="numeric">{texts.amount(l.amountSek)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      );
    }
    case 'deviation': {
      const b = entry.body as PacketBodies['deviation'];
      return (
        <SummaryList
          rows={[
            [t.case.date, texts.date(b.date)],
            [t.body.reason, t.deviationReasons[b.reason]],
            [t.case.deviationRule, t.ruleNames[b.rule]],
            ...(b.guideline === null ? [] : [[t.body.guideline, w(texts, b.guideline)] as [string, Child]]),
            [t.body.description, multiline(b.description, texts)],
            [
              t.body.decidedBy,
              <>
                {w(texts, b.decidedBy.name)}, {w(texts, b.decidedBy.role)}
              </>,
            ],
            ...legalBasisRows(texts, b.legalBasis),
          ]}
        />
      );
    }
    case 'child-notice': {
      const b = entry.body as PacketBodies['child-notice'];
      return (
        <SummaryList
          rows={[
            [t.case.date, texts.date(b.date)],
            [t.body.description, multiline(b.description, texts)],
            [t.body.proposedResponsibility, t.responsibility[b.proposedResponsibility]],
            [t.body.measuresTaken, multiline(b.measuresTaken, texts)],
            ...legalBasisRows(texts, b.legalBasis),
          ]}
        />
      );
    }
    case 'closure': {
      const b = entry.body as PacketBodies['closure'];
      return (
        <SummaryList
          rows={[
            [t.body.closedOn, texts.date(b.closedOn)],
            [t.body.reason, t.closureReasons[b.reason]],
            ...outcomeRows(texts, b.outcomes),
            ...b.costs.map(
              (c) => [serviceName(client, c.service), texts.amount(c.amountSek)] as [string, Child],
            ),
            [t.case.note, multiline(b.note, texts)],
            ...legalBasisRows(texts, b.legalBasis),
          ]}
        />
      );
    }
    case 'plan-response': {
      const b = entry.body as PacketBodies['plan-response'];
      return (
        <SummaryList
          rows={[
            [t.body.decision, t.receiving.decisions[b.decision]],
            ...b.changes.map(
              (c, i) =>
                [
                  t.forms.planResponse.change(i + 1),
                  <>
                    {c.service ? svc(c.service) : t.forms.planResponse.wholePlan}: {w(texts, c.what)} (
                    {w(texts, c.why)})
                  </>,
                ] as [string, Child],
            ),
            [t.case.date, texts.date(b.date)],
            [t.forms.planResponse.decidedByName, w(texts, `${b.decidedBy.name} (${b.decidedBy.role})`)],
            [t.case.note, multiline(b.note, texts)],
            ...legalBasisRows(texts, b.legalBasis),
          ]}
        />
      );
    }
    case 'message': {
      const b = entry.body as PacketBodies['message'];
      return (
        <SummaryList
          rows={[
            [t.body.text, multiline(b.text, texts)],
            ...(entry.attachments.length
              ? ([[t.case.attachments, entry.attachments.map((a) => w(texts, a.name))]] as [string, Child][])
              : []),
            ...legalBasisRows(texts, b.legalBasis),
          ]}
        />
      );
    }
    default:
      return null;
  }
}
