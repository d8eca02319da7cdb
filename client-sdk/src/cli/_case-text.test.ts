import { describe, expect, it } from 'vitest';
import { printable } from './_case-text.js';

describe('case text for a terminal', () => {
  it('shows control and direction characters instead of obeying them, and keeps text as it is', () => {
    expect(printable('Alex\u202Eevil')).toBe('Alex\\u{202E}evil');
    expect(printable('röd\u001b[31m')).toBe('röd\\u{1B}[31m');
    expect(printable('rad\rny')).toBe('rad\\u{D}ny');
    expect(printable('\u2066isolerad\u2069 \u200f')).toBe('\\u{2066}isolerad\\u{2069} \\u{200F}');
    expect(printable('Malmö, två rader\noch\tflik')).toBe('Malmö, två rader\noch\tflik');
  });
});
