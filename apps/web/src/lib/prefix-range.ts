/**
 * The half-open range [prefix, upper) that holds exactly the strings starting with `prefix` in
 * code point order, which is byte order for UTF-8 ("C" collation, text_pattern_ops). `upper` is
 * undefined when no string is above every such string (a prefix of only U+10FFFF).
 *
 * Search compares with ranges rather than `LIKE $1`: a prepared statement's generic plan cannot
 * turn a LIKE on a parameter into an index range, so after a few runs postgres.js's prepared
 * statements would walk the whole table; a range on parameters stays an index range.
 */
export function prefixRange(prefix: string): { lower: string; upper: string | undefined } {
  const points = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = points.pop() ?? 0;
    if (last === 0x10ffff) continue;
    // Skip the surrogate block: those code points are not characters and never stored.
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return { lower: prefix, upper: String.fromCodePoint(...points, next) };
  }
  return { lower: prefix, upper: undefined };
}
