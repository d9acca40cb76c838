import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixRange } from './prefix-range';

/** Byte order of UTF-8, as Postgres compares "C" text and text_pattern_ops. */
const compareBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const inRange = (s: string, range: ReturnType<typeof prefixRange>) =>
  compareBytes(s, range.lower) >= 0 &&
  (range.upper === undefined || compareBytes(s, range.upper) < 0);

describe('prefixRange', () => {
  it('bumps the last character', () => {
    expect(prefixRange('ja')).toEqual({ lower: 'ja', upper: 'jb' });
    expect(prefixRange('a@')).toEqual({ lower: 'a@', upper: 'aA' });
    expect(prefixRange('\u{d7ff}')).toEqual({ lower: '\u{d7ff}', upper: '\u{e000}' });
    expect(prefixRange('x\u{10ffff}')).toEqual({ lower: 'x\u{10ffff}', upper: 'y' });
    expect(prefixRange('\u{10ffff}').upper).toBeUndefined();
  });

  it('holds exactly the strings with the prefix', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 6 });
    fc.assert(
      fc.property(text, text, (prefix, other) => {
        const range = prefixRange(prefix);
        expect(inRange(prefix + other, range)).toBe(true);
        expect(inRange(other, range)).toBe(other.startsWith(prefix));
      }),
      { seed: Number(process.env.FUZZ_SEED ?? 12), numRuns: 2000 },
    );
  });
});
