/**
 * Urgent child notice (brådskande underrättelse om barn; PROTOCOL.md §12.4.7, §14.7): children came up in
 * a case whose person must have no responsibility for children, and "den mottagande kommunen och
 * hemkommunen [ska] omedelbart med tillämpning av SoL klargöra ansvarsfördelning" (the 2023 agreement,
 * Rinkeby-Kista stadsdelsnämnd 2022-12-15). Either unit sends a notice (`answers` null) in any open state
 * of the case; the other unit answers it with a `child-notice` that names it (`answers`) and settles the
 * responsibility (`settlement`: which municipality takes which responsibility, who, from when).
 */
import { BryggaError } from '../errors.js';
import { date, hash, list, MAX_SHORT, members, oneOf, optionalText, text } from './_fields.js';
import { type LegalBasis, validateLegalBasis } from './common-fields.js';

/** One municipality's part of the settled responsibility (ansvarsfördelning). */
export interface ChildResponsibility {
  /** The municipality that takes it: the case's home or receiving municipality. */
  municipality: string;
  /** Which responsibility it takes, in words (e.g. "utredning enligt SoL och placering av barnet"). */
  responsibility: string;
  /** Who at the municipality is responsible: name and role. */
  responsible: { name: string; role: string };
  /** From when (YYYY-MM-DD). */
  from: string;
}

/** Body of a `child-notice` packet: a notice, or the other unit's answer to one. */
export interface ChildNoticeBody {
  date: string;
  description: string;
  /**
   * Which municipality the sender proposes takes the main responsibility (ansvarsfördelning); in an
   * answer, the one it settles on (`home` or `receiving`).
   */
  proposedResponsibility: 'home' | 'receiving' | 'to-be-decided';
  measuresTaken: string | null;
  /** Hash of the other unit's notice this packet answers; null for a new notice. */
  answers: string | null;
  /** In an answer, the settled responsibility, one entry per responsibility taken; null in a notice. */
  settlement: ChildResponsibility[] | null;
  legalBasis: LegalBasis | null;
}

/** Validate a `child-notice` body; ERR_MALFORMED naming the field. The rules come later (§14.7). */
export function validateChildNotice(value: unknown): ChildNoticeBody {
  const o = members(value, 'child-notice', [
    'date',
    'description',
    'proposedResponsibility',
    'measuresTaken',
    'answers',
    'settlement',
    'legalBasis',
  ]);
  return {
    date: date(o.date, 'child-notice.date'),
    description: text(o.description, 'child-notice.description'),
    proposedResponsibility: oneOf(o.proposedResponsibility, 'child-notice.proposedResponsibility', [
      'home',
      'receiving',
      'to-be-decided',
    ] as const),
    measuresTaken: optionalText(o.measuresTaken, 'child-notice.measuresTaken'),
    answers: o.answers === null ? null : hash(o.answers, 'child-notice.answers'),
    settlement:
      o.settlement === null
        ? null
        : list(o.settlement, 'child-notice.settlement', 0, 8, (v, path) => {
            const r = members(v, path, ['municipality', 'responsibility', 'responsible', 'from']);
            const who = members(r.responsible, `${path}.responsible`, ['name', 'role']);
            return {
              municipality: text(r.municipality, `${path}.municipality`, MAX_SHORT),
              responsibility: text(r.responsibility, `${path}.responsibility`),
              responsible: {
                name: text(who.name, `${path}.responsible.name`, MAX_SHORT),
                role: text(who.role, `${path}.responsible.role`, MAX_SHORT),
              },
              from: date(r.from, `${path}.from`),
            };
          }),
    legalBasis: validateLegalBasis(o.legalBasis, 'child-notice.legalBasis'),
  };
}

/** The source of the child rule, as a refusal names it. */
export const CHILD_NOTICE_SOURCE =
  'the 2023 agreement, Barnrättsperspektiv: "om barn ändå aktualiseras ska den mottagande kommunen och hemkommunen omedelbart med tillämpning av SoL klargöra ansvarsfördelning" (Rinkeby-Kista stadsdelsnämnd 2022-12-15)';

/** What the answer rule needs of an open notice. */
export interface OpenNotice {
  unit: string;
  in: string;
  answeredIn: string | null;
}

/**
 * The rules of a child notice's answer (PROTOCOL.md §14.7), for a `child-notice` from `sender` in a case
 * between `municipalities` (home, receiving): a body with `answers` must name an unanswered notice of
 * the other unit (ERR_CHILD_NOTICE_UNKNOWN), and so must one with a `settlement`; an answer must settle
 * the responsibility (ERR_CHILD_NOTICE_UNSETTLED): `proposedResponsibility` `home` or `receiving`, at
 * least one entry, each of a municipality of the case, and one of them the municipality proposed.
 * Returns the notice answered, or null for a new notice.
 */
export function assertChildNoticeAnswer(
  body: ChildNoticeBody,
  sender: string,
  notices: readonly OpenNotice[],
  municipalities: { home: string; receiving: string },
): OpenNotice | null {
  if (body.answers === null) {
    if (body.settlement !== null) {
      throw new BryggaError(
        'ERR_CHILD_NOTICE_UNKNOWN',
        `a settlement of responsibility answers a child notice: name the notice in "answers" (${CHILD_NOTICE_SOURCE})`,
      );
    }
    return null;
  }
  const notice = notices.find((n) => n.in === body.answers);
  if (!notice || notice.unit === sender || notice.answeredIn !== null) {
    const why = !notice
      ? 'names no child notice of this case'
      : notice.unit === sender
        ? "names this unit's own notice: the other unit answers it"
        : 'names a notice that is already answered';
    throw new BryggaError('ERR_CHILD_NOTICE_UNKNOWN', `the answer ${why}`);
  }
  const settled = body.proposedResponsibility;
  const s = body.settlement ?? [];
  const mine = [municipalities.home, municipalities.receiving];
  const unsettled =
    settled === 'to-be-decided'
      ? 'leaves the responsibility to be decided'
      : s.length === 0
        ? 'settles no responsibility (the settlement is empty)'
        : s.find((r) => !mine.includes(r.municipality))
          ? `gives a responsibility to ${s.find((r) => !mine.includes(r.municipality))!.municipality}, which is not a municipality of the case`
          : !s.some((r) => r.municipality === municipalities[settled])
            ? `names ${municipalities[settled]} as responsible but gives it no responsibility in the settlement`
            : null;
  if (unsettled !== null) {
    throw new BryggaError(
      'ERR_CHILD_NOTICE_UNSETTLED',
      `the answer ${unsettled}: it must say which municipality takes which responsibility, who and from when (${CHILD_NOTICE_SOURCE})`,
    );
  }
  return notice;
}
