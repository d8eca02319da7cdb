/**
 * The body of a `unit-figures` packet (PROTOCOL.md §12.4 item 11, §21): the unit's signed figures, a
 * compact JWS verified on receipt (unit-figures.ts). Apart from the figures themselves so that the packet
 * bodies do not import what computes figures from case states.
 */
import { members, text } from './_fields.js';

/** The largest unit figures document accepted (its JWS text). */
const MAX_FIGURES = 1024 * 1024;

/** Body of a `unit-figures` packet. */
export interface UnitFiguresBody {
  figures: string;
}

/** Validate a `unit-figures` packet body's shape (the document is verified on receipt). */
export function validateUnitFiguresBody(value: unknown): UnitFiguresBody {
  const o = members(value, 'unit-figures', ['figures']);
  return {
    figures: text(
      o.figures,
      'unit-figures.figures',
      MAX_FIGURES,
      /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
    ),
  };
}
