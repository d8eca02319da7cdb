/**
 * The relocation pre-check (kontroll av omlokaliseringsplats; PROTOCOL.md §12.4.2, §14.6 (3)): before a
 * receiving unit accepts a case it checks the planned relocation area against the person's threat and,
 * where its municipality's terms name a body to notify in advance (`relocationNotice`, §5.5), records
 * that notice: who notified the body, when, and the body's reference. The area is an area or district,
 * never an address.
 */
import { date, MAX_SHORT, malformed, members, oneOf, optionalText, text } from './_fields.js';

/** Who did something at a unit (name and role). */
export interface Officer {
  name: string;
  role: string;
}

/** The advance notice of the planned relocation area to the body the terms name. */
export interface RelocationNotice {
  /** The body notified, as the terms name it (e.g. Social resursnämnd). */
  body: string;
  notifiedBy: Officer;
  notifiedOn: string;
  /** The body's reference (diarienummer) for the notice. */
  reference: string;
}

/** The receiving unit's own check of the area against the person's threat. */
export interface RelocationCheck {
  result: 'cleared' | 'concerns';
  /** Why there are concerns (required then); null when cleared. */
  reason: string | null;
  checkedBy: Officer;
  checkedOn: string;
}

/** The relocation pre-check an uptake decision carries. */
export interface RelocationPreCheck {
  /** The planned relocation area or district: never a street address or a postcode. */
  area: string;
  notice: RelocationNotice | null;
  check: RelocationCheck;
}

/** The check's results. */
export const RELOCATION_RESULTS = ['cleared', 'concerns'] as const;

/** An area or district has no digits: a street number or a postcode would make it an address. */
const AREA = /^[^0-9]+$/u;

function officer(value: unknown, path: string): Officer {
  const o = members(value, path, ['name', 'role']);
  return { name: text(o.name, `${path}.name`, MAX_SHORT), role: text(o.role, `${path}.role`, MAX_SHORT) };
}

/** Validate a relocation pre-check, or null; ERR_MALFORMED naming the field. */
export function validateRelocation(value: unknown, path: string): RelocationPreCheck | null {
  if (value === null) return null;
  const o = members(value, path, ['area', 'notice', 'check']);
  const area = text(o.area, `${path}.area`, MAX_SHORT);
  if (!AREA.test(area)) malformed(`${path}.area`, 'must be an area or district, never an address');
  let notice: RelocationNotice | null = null;
  if (o.notice !== null) {
    const n = members(o.notice, `${path}.notice`, ['body', 'notifiedBy', 'notifiedOn', 'reference']);
    notice = {
      body: text(n.body, `${path}.notice.body`, MAX_SHORT),
      notifiedBy: officer(n.notifiedBy, `${path}.notice.notifiedBy`),
      notifiedOn: date(n.notifiedOn, `${path}.notice.notifiedOn`),
      reference: text(n.reference, `${path}.notice.reference`, MAX_SHORT),
    };
  }
  const c = members(o.check, `${path}.check`, ['result', 'reason', 'checkedBy', 'checkedOn']);
  const result = oneOf(c.result, `${path}.check.result`, RELOCATION_RESULTS);
  const reason = optionalText(c.reason, `${path}.check.reason`, 2000);
  if (result === 'concerns' && reason === null) malformed(`${path}.check.reason`, 'must say why');
  if (result === 'cleared' && reason !== null) malformed(`${path}.check.reason`, 'must be null when cleared');
  return {
    area,
    notice,
    check: {
      result,
      reason,
      checkedBy: officer(c.checkedBy, `${path}.check.checkedBy`),
      checkedOn: date(c.checkedOn, `${path}.check.checkedOn`),
    },
  };
}
