// template-demo
import fc from 'fast-check';

/**
 * An independent CSV reader for tests, written from RFC 4180 and shared by nothing in the import
 * path, so that the importer (csv-parse plus our record loop) is checked against a second
 * opinion rather than against itself. Its rules, which are the ones docs/imports.md promises:
 *
 * - The text is UTF-8; one leading BOM (U+FEFF) is not data.
 * - Outside quotes, CRLF, LF and a bare CR each end a record (CR followed by LF is one end), and
 *   they may be mixed in one file. Inside quotes they are data, kept byte for byte.
 * - A field that starts with `"` is quoted: `""` inside it is one `"`, and the closing `"` must be
 *   followed by the delimiter, a line end or the end of the file. A `"` anywhere in an unquoted
 *   field is an error. A file that ends inside quotes is an error.
 * - A record that is one empty field (an empty line, or `""` alone) is not a row, but it counts as
 *   a line: lines are numbered by record, the header being 1, as a spreadsheet numbers its rows.
 * - A NUL character in a field is an error (Postgres text cannot hold it).
 * - After the last line end the file may simply end: there is no empty last record.
 */
export type ReferenceRecord = { line: number; cells: string[] };
export type ReferenceResult =
  | { ok: true; records: ReferenceRecord[] }
  | { ok: false; line?: number; reason: 'utf8' | 'unclosed' | 'stray' | 'after_closing' | 'nul' };

export function referenceParse(bytes: Uint8Array, delimiter: string): ReferenceResult {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { ok: false, reason: 'utf8' };
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);

  const records: ReferenceRecord[] = [];
  let line = 1;
  let cells: string[] = [];
  let cell = '';
  let i = 0;
  const endRecord = () => {
    cells.push(cell);
    if (cells.some((c) => c.includes('\u0000'))) return false;
    if (!(cells.length === 1 && cells[0] === '')) records.push({ line, cells });
    cells = [];
    cell = '';
    line++;
    return true;
  };
  const isLineEnd = (c: string | undefined) => c === '\r' || c === '\n';
  const skipLineEnd = () => {
    if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else i += 1;
  };

  while (i < text.length) {
    // At the start of a field.
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return { ok: false, line, reason: 'unclosed' };
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += text[i];
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== delimiter && !isLineEnd(next)) {
        return { ok: false, line, reason: 'after_closing' };
      }
    } else {
      while (i < text.length && text[i] !== delimiter && !isLineEnd(text[i])) {
        if (text[i] === '"') return { ok: false, line, reason: 'stray' };
        cell += text[i];
        i++;
      }
    }
    // After a field: a delimiter, a line end, or the end of the file.
    if (i >= text.length) break;
    if (text[i] === delimiter) {
      cells.push(cell);
      cell = '';
      i++;
      // A delimiter as the file's last character still leaves an empty last field.
      if (i >= text.length) break;
      continue;
    }
    skipLineEnd();
    if (!endRecord()) return { ok: false, line, reason: 'nul' };
  }
  // The file ended without a line end: the last record ends here (unless nothing was started).
  if (cells.length > 0 || cell !== '') {
    if (!endRecord()) return { ok: false, line, reason: 'nul' };
  }
  return { ok: true, records };
}

/** The seed and number of runs of a property: fixed by default, `FUZZ_SEED=n` to explore. */
export function fuzzParameters(defaultRuns: number): { seed: number; numRuns: number } {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw === '') return { seed: 20_261_201, numRuns: defaultRuns };
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got "${raw}"`);
  return { seed, numRuns: defaultRuns };
}

export type GeneratedCsv = {
  bytes: Uint8Array;
  delimiter: ',' | ';';
  /** Where the file was split into chunks, as Postgres chunks or network reads split it. */
  chunks: Uint8Array[];
  /** What was done to break it, if anything: for reading a counterexample. */
  mutation: string;
};

const lineEnd = fc.constantFrom('\r\n', '\n', '\r');
// Characters that matter to CSV, some multi-byte ones, and plain letters.
const cellChar = fc.constantFrom(
  'a',
  'b',
  'Z',
  ' ',
  ',',
  ';',
  '"',
  '\r',
  '\n',
  'é',
  '€',
  '😀',
  '\t',
);
const cellText = fc.array(cellChar, { maxLength: 12 }).map((chars) => chars.join(''));

function encodeCell(value: string, delimiter: string, forceQuotes: boolean): string {
  const needs = /["\r\n]/.test(value) || value.includes(delimiter);
  return needs || forceQuotes ? `"${value.replaceAll('"', '""')}"` : value;
}

type Mutation =
  | { kind: 'none' }
  | { kind: 'insert'; what: string; at: number }
  | { kind: 'delete-quote'; nth: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' } as const) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      what: fc.constantFrom('"', '\u0000', '""', '\r', '\n'),
      at: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('delete-quote' as const), nth: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
);

function mutate(body: string, m: Mutation): string {
  if (m.kind === 'none') return body;
  // Positions count characters, not UTF-16 units, so a cut never splits an emoji.
  const chars = [...body];
  if (m.kind === 'insert') {
    const at = chars.length === 0 ? 0 : m.at % (chars.length + 1);
    chars.splice(at, 0, m.what);
  } else if (m.kind === 'truncate') {
    chars.length = chars.length === 0 ? 0 : m.at % chars.length;
  } else {
    const quotes = chars.flatMap((c, index) => (c === '"' ? [index] : []));
    if (quotes.length > 0) chars.splice(quotes[m.nth % quotes.length] ?? 0, 1);
  }
  return chars.join('');
}

/**
 * Contacts files as people and tools write them: `,` or `;`, a BOM or not, any line end per
 * line, blank lines, quoted cells with delimiters, quotes and line breaks, an end with or without
 * a line end; and now and then one mutation that may break the file (a stray quote or NUL, a
 * quote removed, the file cut short). Mutations touch the rows only, never the header.
 */
export function generatedCsv(
  options: { minRows?: number; maxRows?: number } = {},
): fc.Arbitrary<GeneratedCsv> {
  const row = fc.record({
    name: cellText,
    extras: fc.array(cellText, { maxLength: 3 }),
    quote: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    end: lineEnd,
    blanks: fc.array(fc.tuple(fc.constantFrom('', '""'), lineEnd), { maxLength: 2 }),
  });
  return fc
    .record({
      delimiter: fc.constantFrom<',' | ';'>(',', ';'),
      bom: fc.boolean(),
      extraColumns: fc.integer({ min: 0, max: 3 }),
      quoteHeader: fc.boolean(),
      headerEnd: lineEnd,
      rows: fc.array(row, { minLength: options.minRows ?? 0, maxLength: options.maxRows ?? 25 }),
      finalEnd: fc.boolean(),
      mutation,
      cuts: fc.array(fc.nat(), { maxLength: 4 }),
    })
    .map((g) => {
      const d = g.delimiter;
      const header = [
        'Email',
        'Name',
        ...Array.from({ length: g.extraColumns }, (_, i) => `Note ${i}`),
      ]
        .map((h) => encodeCell(h, d, g.quoteHeader))
        .join(d);
      let body = '';
      g.rows.forEach((r, index) => {
        const values = [`u${index}@example.com`, r.name, ...r.extras.slice(0, g.extraColumns)];
        body += values.map((v, column) => encodeCell(v, d, r.quote[column] ?? false)).join(d);
        const last = index === g.rows.length - 1;
        if (!last || g.finalEnd) body += r.end;
        if (!last) for (const [blank, end] of r.blanks) body += blank + end;
      });
      const text = `${header}${g.headerEnd}${mutate(body, g.mutation)}`;
      const bytes = Buffer.from(g.bom ? `\uFEFF${text}` : text, 'utf8');
      const positions = [...new Set(g.cuts.map((c) => (bytes.length ? c % bytes.length : 0)))].sort(
        (a, b) => a - b,
      );
      const chunks: Uint8Array[] = [];
      let from = 0;
      for (const to of [...positions, bytes.length]) {
        if (to > from) chunks.push(bytes.subarray(from, to));
        from = Math.max(from, to);
      }
      return { bytes, delimiter: d, chunks, mutation: JSON.stringify(g.mutation) };
    });
}
