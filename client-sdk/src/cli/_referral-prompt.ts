/**
 * `brygga refer` without a file: the referral (PROTOCOL.md §12.4.1) asked for field by field, at a
 * terminal or from answers one a line on standard input. The form is a table of questions, each with the
 * rule its answer must meet; an answer that breaks the rule is asked again with the rule, so what reaches
 * the SDK already meets the agreement's preconditions (§14) as far as one answer can tell. A summary is
 * shown before anything is signed or sent.
 */

import { readFileSync, statSync } from 'node:fs';
import {
  type Agreement,
  agreementAt,
  type BryggaClient,
  EMAIL_PATTERN,
  groupKey,
  HASH_PATTERN,
  hashConsentForm,
  isCalendarDate,
  MAX_GROUPS,
  offeredServices,
  PERSONAL_IDENTITY_NUMBER_PATTERN,
  PHONE_PATTERN,
  preconditionTerms,
  type ReferInput,
  RULE_SOURCES,
  rivalCheckOf,
  type TargetCriterion,
} from '../index.js';
import { AnswerReader, CliError, type Io, usage } from './_io.js';

/** An answer the rule refuses; the message is the rule. */
class Refused extends Error {}

function refuse(rule: string): never {
  throw new Refused(rule);
}

type Draft = Record<string, unknown>;
type Parse = (answer: string, draft: Draft) => unknown;

/** One question: where its answer goes (none for a question that only steers the form), its label in the summary. */
interface Question {
  path?: string;
  label?: string;
  ask: string;
  parse: Parse;
}

/** A value the form sets without asking (a consultation's municipality, a contact's unit). */
interface Fixed {
  path: string;
  value: unknown;
}

type Row = Question | Fixed;

// The rules answers must meet. Each refusal names the rule, never the answer.

const oneOf =
  (values: readonly string[]): Parse =>
  (a) =>
    values.includes(a) ? a : refuse(`must be one of ${values.join(', ')}`);

const text =
  (max: number): Parse =>
  (a) =>
    a.length >= 1 && a.length <= max ? a : refuse(`must have 1 to ${max} characters`);

const matching =
  (pattern: RegExp, rule: string): Parse =>
  (a) =>
    pattern.test(a) ? a : refuse(rule);

const optional =
  (parse: Parse): Parse =>
  (a, d) =>
    a === '' ? null : parse(a, d);

/**
 * A signed consent form's SHA-256: the checksum itself (as `brygga consent hash` prints it), or the path of
 * the scanned form, hashed here. The file stays where it is.
 */
const consentFormHash: Parse = (a) => {
  if (HASH_PATTERN.test(a)) return a;
  let isFile = false;
  try {
    isFile = statSync(a).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile)
    return refuse(
      'must be the path of the signed form, or its checksum: 43 characters of A-Z, a-z, 0-9, - and _',
    );
  return hashConsentForm(new Uint8Array(readFileSync(a)));
};

const date: Parse = (a) => (isCalendarDate(a) ? a : refuse('must be a calendar date, YYYY-MM-DD'));

function yesNo(a: string): boolean {
  const answer = a.toLowerCase();
  if (['y', 'yes', 'j', 'ja'].includes(answer)) return true;
  if (['n', 'no', 'nej'].includes(answer)) return false;
  return refuse('answer y or n');
}

/** A yes or no the agreement decides: any other answer is refused with the rule. */
const must =
  (expected: boolean, rule: string): Parse =>
  (a) =>
    yesNo(a) === expected ? expected : refuse(rule);

const services =
  (catalogue: readonly string[], offered: readonly string[], receiving: string): Parse =>
  (a) => {
    const codes = a.split(/[\s,]+/).filter(Boolean);
    if (codes.length === 0) refuse('name at least one service');
    const unknown = codes.filter((c) => !catalogue.includes(c));
    if (unknown.length)
      refuse(`not in the agreement's catalogue: ${unknown.join(', ')} (choose from ${offered.join(', ')})`);
    const notOffered = codes.filter((c) => !offered.includes(c));
    if (notOffered.length)
      refuse(
        `${receiving} does not offer ${notOffered.join(', ')}, and need not procure it under the agreement (choose from ${offered.join(', ')})`,
      );
    if (new Set(codes).size !== codes.length) refuse('a service is named twice');
    return codes;
  };

const MAX_CONTACTS = 10;

/** Group names separated by commas; none when the answer is empty (no affiliation known). */
const groupNames: Parse = (a) => {
  const names = a
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length > MAX_GROUPS) refuse(`name at most ${MAX_GROUPS} groups`);
  if (names.some((n) => n.length > 200)) refuse('a group name has at most 200 characters');
  if (new Set(names.map(groupKey)).size !== names.length) refuse('a group is named twice');
  return names;
};

/** Who at the police, and their reference, for the consultation or approval at `at`. */
function* officer(at: string, m: string | undefined): Generator<Row, void, unknown> {
  yield {
    path: `${at}.officer.name`,
    label: `police ${m}: officer`,
    ask: `Who at the police in ${m}: name`,
    parse: text(200),
  };
  yield {
    path: `${at}.officer.role`,
    label: `police ${m}: role`,
    ask: 'Their role, e.g. avhopparsamordnare',
    parse: text(200),
  };
  yield {
    path: `${at}.reference`,
    label: `police ${m}: reference`,
    ask: `The police's reference (diarienummer) in ${m}`,
    parse: text(200),
  };
}

/** The questions, in order; an answer steers what follows (the receiving unit, the consent's form). */
function* referralForm(agreement: Agreement, home: string, d: Draft): Generator<Row, void, unknown> {
  const homeMunicipality = agreement.municipalityOf(home)?.id;
  const receivers = agreement.terms.parties
    .filter((p) => p.municipality !== homeMunicipality)
    .map((p) => p.unit);
  const { categories, threatLevels } = agreement.terms.admits;
  const catalogue = agreement.terms.catalogue;
  yield { path: 'to', label: 'to', ask: `Receiving unit (${receivers.join(', ')})`, parse: oneOf(receivers) };
  yield {
    path: 'category',
    label: 'category',
    ask: `Category (${categories.join(', ')})`,
    parse: oneOf(categories),
  };
  yield {
    path: 'threatLevel',
    label: 'threat level',
    ask: `Threat level (${threatLevels.join(', ')})`,
    parse: oneOf(threatLevels),
  };
  yield { path: 'person.name', label: 'name', ask: "The person's name", parse: text(200) };
  yield {
    path: 'person.personalIdentityNumber',
    label: 'personnummer',
    ask: 'Personnummer or samordningsnummer, YYYYMMDD-NNNN (empty if none)',
    parse: optional(matching(PERSONAL_IDENTITY_NUMBER_PATTERN, 'must be YYYYMMDD-NNNN')),
  };
  yield {
    path: 'person.dateOfBirth',
    label: 'date of birth',
    ask: 'Date of birth, YYYY-MM-DD (empty if not known)',
    parse: optional(date),
  };
  const receiving = agreement.municipalityOf(d.to as string)?.id;
  const offered = receiving ? offeredServices(agreement.terms, receiving) : catalogue.map((c) => c.code);
  yield {
    path: 'requestedServices',
    label: 'services',
    ask: `Requested services, separated by commas (${catalogue
      .filter((c) => offered.includes(c.code))
      .map((c) => `${c.code}: ${c.name}`)
      .join('; ')})`,
    parse: services(
      catalogue.map((c) => c.code),
      offered,
      receiving ?? '',
    ),
  };
  const municipalities = [homeMunicipality, receiving];
  const terms = preconditionTerms(agreement.terms);
  yield { path: 'policeConsultations', value: [] };
  if (terms.policeConsultation) {
    for (const [i, m] of municipalities.entries()) {
      const at = `policeConsultations.${i}`;
      yield { path: `${at}.municipality`, value: m };
      yield {
        path: `${at}.date`,
        label: `police ${m}: consulted on`,
        ask: `Date of the police consultation (samråd) in ${m}`,
        parse: date,
      };
      yield* officer(at, m);
      yield {
        path: `${at}.outcome`,
        label: `police ${m}: outcome`,
        ask: `What the police in ${m} said (the consultation's outcome)`,
        parse: text(20_000),
      };
    }
  }
  yield { path: 'policeApprovals', value: [] };
  const approval = terms.policeApproval;
  if (
    approval.categories.includes(d.category as never) ||
    approval.threatLevels.includes(d.threatLevel as never)
  ) {
    for (const [i, m] of municipalities.entries()) {
      const at = `policeApprovals.${i}`;
      yield { path: `${at}.municipality`, value: m };
      yield {
        path: `${at}.date`,
        label: `police ${m}: decided on`,
        ask: `Date of the police's approval (godkännande) in ${m}`,
        parse: date,
      };
      yield* officer(at, m);
      yield {
        path: `${at}.approved`,
        label: `police ${m}: approved`,
        ask: `Did the police in ${m} approve the case? (y/n)`,
        parse: must(
          true,
          `the terms require police approval in ${m} for this case (${RULE_SOURCES['police-approval']})`,
        ),
      };
    }
  }
  const required = terms.targetGroup;
  const criterion = (c: TargetCriterion, rule: string, expected: boolean): Parse =>
    required.includes(c) ? must(expected, `${rule} (${RULE_SOURCES['target-group']})`) : yesNo;
  yield {
    path: 'targetGroup.criminalEnvironment',
    label: 'criminal environment',
    ask: 'Is the person in a criminal group or a destructive criminal environment? (y/n)',
    parse: criterion(
      'criminal-environment',
      'the target group is people in a criminal group or a destructive criminal environment',
      true,
    ),
  };
  yield {
    path: 'targetGroup.threat',
    label: 'threat',
    ask: 'The threat against the person (latent, concrete, none)',
    parse: (a, draft) => {
      const kind = oneOf(['latent', 'concrete', 'none'])(a, draft);
      return kind === 'none' && required.includes('threat')
        ? refuse(`the target group has a latent or concrete threat (${RULE_SOURCES['target-group']})`)
        : kind;
    },
  };
  yield {
    path: 'targetGroup.motivated',
    label: 'motivated',
    ask: 'Is the person motivated to change their life? (y/n)',
    parse: criterion('motivated', 'a referral needs a person motivated to change', true),
  };
  yield {
    path: 'targetGroup.notSuspectedOfSeriousCrime',
    label: 'not suspected of serious crime',
    ask: 'Is the person suspected of serious crime that may lead to a longer deprivation of liberty? (y/n)',
    parse: (a, draft) =>
      !(criterion(
        'not-suspected-of-serious-crime',
        'a person suspected of serious crime that may lead to a longer deprivation of liberty cannot be referred',
        false,
      )(a, draft) as boolean),
  };
  yield { path: 'targetGroup.assessedOn', label: 'assessed on', ask: 'Assessed on', parse: date };
  yield {
    path: 'targetGroup.assessedBy.name',
    label: 'assessed by',
    ask: 'Who made the assessment: name',
    parse: text(200),
  };
  yield {
    path: 'targetGroup.assessedBy.role',
    label: 'assessed by: role',
    ask: 'Their role, e.g. socialsekreterare',
    parse: text(200),
  };
  yield { path: 'targetGroup.assessment', label: 'assessment', ask: 'The assessment', parse: text(20_000) };
  if (receiving && rivalCheckOf(agreement.terms, receiving)) {
    // Where the receiving municipality checks placements against rival groups (PROTOCOL.md §14.6 (5)).
    yield {
      path: 'affiliation.groups',
      label: 'group affiliation',
      ask: `The person's group affiliation, which ${receiving} checks against the rival groups it knows: the groups, separated by commas (empty if none is known)`,
      parse: groupNames,
    };
    yield {
      path: 'affiliation.assessedOn',
      label: 'affiliation assessed on',
      ask: 'Affiliation assessed on',
      parse: date,
    };
    yield {
      path: 'affiliation.assessedBy.name',
      label: 'affiliation assessed by',
      ask: 'Who assessed the affiliation: name',
      parse: text(200),
    };
    yield {
      path: 'affiliation.assessedBy.role',
      label: 'affiliation assessed by: role',
      ask: 'Their role, e.g. socialsekreterare',
      parse: text(200),
    };
  }
  yield {
    path: 'childrenCheck.responsibleForChildren',
    label: 'responsible for children',
    ask: 'Is the person responsible for children? (y/n)',
    parse: must(false, 'a person responsible for children cannot be referred'),
  };
  yield { path: 'childrenCheck.checkedOn', label: 'children checked on', ask: 'Checked on', parse: date };
  yield {
    path: 'temporaryHousing.arrangedByHome',
    label: 'housing arranged',
    ask: `Has ${homeMunicipality} arranged the temporary housing? (y/n)`,
    parse: must(true, 'the home municipality must arrange the temporary housing'),
  };
  yield { path: 'temporaryHousing.from', label: 'housing from', ask: 'Housing from', parse: date };
  yield {
    path: 'temporaryHousing.address',
    label: 'housing address',
    ask: 'Housing address (empty to leave it out)',
    parse: optional(text(500)),
  };
  for (let i = 0; i < MAX_CONTACTS; i++) {
    const at = `contacts.${i}`;
    yield { path: `${at}.unit`, value: home };
    yield {
      path: `${at}.name`,
      label: `contact ${i + 1}`,
      ask: `Contact person ${i + 1} at ${home}: name`,
      parse: text(200),
    };
    yield {
      path: `${at}.role`,
      label: `contact ${i + 1}: role`,
      ask: 'Role, e.g. socialsekreterare',
      parse: text(200),
    };
    yield {
      path: `${at}.phone`,
      label: `contact ${i + 1}: phone`,
      ask: 'Phone (empty if none)',
      parse: optional(matching(PHONE_PATTERN, 'must be a phone number')),
    };
    yield {
      path: `${at}.email`,
      label: `contact ${i + 1}: email`,
      ask: 'Email (empty if none)',
      parse: optional(matching(EMAIL_PATTERN, 'must be an email address')),
    };
    if (i + 1 === MAX_CONTACTS) break;
    const more = yield { ask: 'Another contact person? (y/N)', parse: (a) => a !== '' && yesNo(a) };
    if (!more) break;
  }
  yield {
    path: 'consent.form',
    label: 'consent',
    ask: 'Consent given in writing or orally (written, oral)',
    parse: oneOf(['written', 'oral']),
  };
  if ((d.consent as Draft).form === 'written') {
    yield {
      path: 'consent.written.documentSha256',
      label: 'signed form SHA-256',
      ask: 'The signed consent form: its file, or its SHA-256 from `brygga consent hash`',
      parse: consentFormHash,
    };
    yield { path: 'consent.written.signedOn', label: 'signed on', ask: 'Signed on', parse: date };
  } else {
    yield { path: 'consent.oral.givenOn', label: 'given on', ask: 'Given on', parse: date };
    yield {
      path: 'consent.oral.witness.name',
      label: 'witness',
      ask: "The witness's name",
      parse: text(200),
    };
    yield {
      path: 'consent.oral.witness.role',
      label: 'witness role',
      ask: "The witness's role",
      parse: text(200),
    };
    yield {
      path: 'consent.oral.documentation',
      label: 'documentation',
      ask: 'Where and how the consent is documented',
      parse: text(20_000),
    };
  }
  yield { path: 'consent.validFrom', label: 'consent valid from', ask: 'Consent valid from', parse: date };
  yield {
    path: 'consent.validUntil',
    label: 'consent valid until',
    ask: 'Consent valid until (empty if open-ended)',
    parse: optional((a, draft) => {
      const until = date(a, draft) as string;
      return until >= ((draft.consent as Draft).validFrom as string)
        ? until
        : refuse('must not be before valid from');
    }),
  };
  yield { path: 'note', label: 'note', ask: 'A note (empty for none)', parse: optional(text(20_000)) };
}

/** Set `value` at a dotted path, making objects and (for numeric steps) arrays on the way. */
function set(target: Draft, path: string, value: unknown): void {
  const steps = path.split('.');
  let at: Record<string, unknown> = target;
  for (const [i, step] of steps.slice(0, -1).entries()) {
    at[step] ??= /^\d+$/.test(steps[i + 1]!) ? [] : {};
    at = at[step] as Record<string, unknown>;
  }
  at[steps.at(-1)!] = value;
}

function shown(value: unknown): string {
  if (value === null) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** Ask until the answer meets the rule. */
async function answer(reader: AnswerReader, io: Io, q: Question, draft: Draft): Promise<unknown> {
  for (;;) {
    const a = await reader.ask(`${q.ask}: `);
    if (a === undefined) {
      if (reader.count === 0) {
        throw usage(
          '--file is required when standard input holds no answers',
          'give the referral as a JSON file, or answer the questions at a terminal or on standard input',
        );
      }
      throw new CliError(
        'ERR_NO_ANSWER',
        `standard input ended after ${reader.count} answers, before the referral was complete`,
        {
          hint: 'give one answer a line for every question, or use --file; nothing was sent',
        },
      );
    }
    try {
      return q.parse(a, draft);
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      io.err(`  Not accepted (${q.label ?? 'answer'}): ${err.message}. Answer again, or stop with Ctrl-C.\n`);
    }
  }
}

/**
 * Ask for a referral from `client`'s unit under the agreement in force today, show it, and return it
 * once confirmed. ERR_NOT_CONFIRMED when it is not; nothing is signed or sent before.
 */
export async function askReferral(client: BryggaClient, io: Io, now = new Date()): Promise<ReferInput> {
  const agreement =
    agreementAt(client.directory.agreements, now.toISOString().slice(0, 10)) ?? client.directory.agreement;
  const reader = new AnswerReader();
  try {
    const draft: Draft = {};
    const summary: [string, unknown][] = [];
    const form = referralForm(agreement, client.unit, draft);
    for (let next = form.next(); !next.done; ) {
      const row = next.value;
      if (!('parse' in row)) {
        set(draft, row.path, row.value);
        next = form.next();
        continue;
      }
      const value = await answer(reader, io, row, draft);
      if (row.path) {
        set(draft, row.path, value);
        summary.push([row.label ?? row.path, value]);
      }
      next = form.next(value);
    }
    const width = Math.max(...summary.map(([label]) => label.length)) + 1;
    io.err(
      `\nReferral from ${client.unit}:\n${summary.map(([l, v]) => `  ${`${l}:`.padEnd(width)} ${shown(v)}\n`).join('')}\n`,
    );
    const confirm = await reader.ask(`Sign and send this referral to ${draft.to as string}? (y/N) `);
    if (confirm === undefined || !['y', 'yes', 'j', 'ja'].includes(confirm.toLowerCase())) {
      throw new CliError('ERR_NOT_CONFIRMED', 'the referral was not sent', {
        hint: 'nothing was signed or sent; run `brygga refer` again to start over',
      });
    }
    return draft as unknown as ReferInput;
  } finally {
    reader.close();
  }
}
