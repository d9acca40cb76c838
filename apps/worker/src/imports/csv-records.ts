// template-demo
import { pipeline, Readable } from 'node:stream';
import type { Delimiter } from '@app/shared/csv';
import { CsvError, parse } from 'csv-parse';

/**
 * The file itself is at fault (a quote never closed, a NUL byte, not UTF-8): retrying cannot help,
 * so the import fails once with this message, which names the line where it can be fixed.
 */
export class CsvFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'CsvFileError';
  }
}

export type CsvRecord = {
  /** The record's row number as a spreadsheet shows it: the header is 1, blank lines count. */
  line: number;
  cells: string[];
  /** Bytes of the file read up to the end of this record (0 when `positions` is off). */
  bytes: number;
};

/**
 * Every record of a CSV file in order, the header first, blank lines skipped (but counted in
 * `line`). Any line end is a record end outside quotes, CRLF, LF or a bare CR, mixed freely (files
 * edited on several systems mix them); inside quotes they are kept as they are. Throws
 * CsvFileError for what only the file's author can fix.
 */
export async function* csvRecords(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  delimiter: Delimiter,
  // Byte positions cost about a third of the parse; a pass that only checks the file goes without.
  { positions = true }: { positions?: boolean } = {},
): AsyncGenerator<CsvRecord> {
  const parser = parse({
    bom: true,
    delimiter,
    // Longest first: CRLF is one line end, not a CR and then an empty line.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    // Blank lines come through as [''] and are skipped below, so that they still count as a
    // line: the numbers in error reports are then those a spreadsheet shows.
    skip_empty_lines: false,
    info: positions,
  });
  // pipeline, not pipe: an error of the source (not UTF-8, Postgres gone) must reach the parser,
  // and so the loop below, instead of leaving it waiting forever.
  pipeline(Readable.from(utf8Checked(chunks)), parser, () => {});
  let line = 0;
  try {
    for await (const item of parser as AsyncIterable<
      string[] | { record: string[]; info: { bytes: number } }
    >) {
      const record = Array.isArray(item) ? item : item.record;
      line++;
      // A blank line, or `""` alone on a line: no cell to read, so not a row.
      if (record.length === 1 && record[0] === '') continue;
      // Postgres text cannot hold NUL (the batch would fail on every retry): the file is binary
      // or damaged, so it is refused as a whole.
      if (record.some((cell) => cell.includes('\u0000'))) {
        throw new CsvFileError('a NUL byte: this looks like a binary or damaged file', line);
      }
      yield { line, cells: record, bytes: Array.isArray(item) ? 0 : item.info.bytes };
    }
  } catch (error) {
    throw asFileError(error);
  } finally {
    parser.destroy();
  }
}

/** A fatal decoder over the whole stream: a file that is not UTF-8 anywhere fails, not just at its start. */
async function* utf8Checked(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for await (const chunk of chunks) {
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      throw new CsvFileError('the file is not UTF-8 text (in a spreadsheet: save as "CSV UTF-8")');
    }
    yield chunk;
  }
  try {
    decoder.decode();
  } catch {
    throw new CsvFileError('the file ends inside a UTF-8 character (is it cut off?)');
  }
}

/**
 * csv-parse's own words name a physical line; ours name the record, counted from the records
 * csv-parse had finished (blank ones included), so the failing one is the next.
 */
function asFileError(error: unknown): unknown {
  if (!(error instanceof CsvError)) return error;
  const records = (error as CsvError & { records?: number }).records;
  const line = typeof records === 'number' ? records + 1 : undefined;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new CsvFileError(
        'a quoted cell starts here and is never closed (a " without its closing ")',
        line,
      );
    case 'INVALID_OPENING_QUOTE':
      return new CsvFileError(
        'a " inside a cell that is not quoted (quote the whole cell and double the quote: "say ""hi""")',
        line,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new CsvFileError(
        'text after the closing " of a quoted cell (inside quotes, write a quote as "")',
        line,
      );
    default:
      return new CsvFileError(`the CSV cannot be read (${error.message})`, line);
  }
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
enum Scan {
  FieldStart,
  Unquoted,
  Quoted,
  /** A `"` inside a quoted cell: the closing quote, or the first half of `""`. */
  QuoteInQuoted,
}

/**
 * The number of rows csvRecords would yield after the header (records past the first that are
 * not blank), found by one scan over the characters without building cells; or undefined when
 * the file is anything but plain well-formed CSV (not UTF-8, a NUL, a quote out of place, a
 * quote never closed). It only ever says "clean" for a file csvRecords reads to its end, so the
 * caller hands every other file to csvRecords, whose error names the line. A fresh import's
 * first pass is this scan: about a tenth of csv-parse's cost.
 */
export async function cleanRowCount(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  delimiter: Delimiter,
): Promise<number | undefined> {
  // The decoder drops one leading BOM, as csv-parse's `bom` does.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const separator = delimiter.charCodeAt(0);
  let state = Scan.FieldStart;
  let record = 1;
  // The record so far is one empty cell (a blank line or `""`): csvRecords skips those.
  let blank = true;
  // A CR ended the last record: an LF right after it is the same line end.
  let afterCr = false;
  let rows = 0;
  const scan = (text: string): boolean => {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (afterCr) {
        afterCr = false;
        if (c === LF) continue;
      }
      if (c === 0) return false;
      if (state === Scan.Quoted) {
        if (c === QUOTE) state = Scan.QuoteInQuoted;
        else blank = false;
        continue;
      }
      if (c === CR || c === LF) {
        if (state === Scan.Unquoted || state === Scan.QuoteInQuoted || state === Scan.FieldStart) {
          if (!blank && record > 1) rows++;
          record++;
          blank = true;
          state = Scan.FieldStart;
          afterCr = c === CR;
        }
        continue;
      }
      if (c === separator) {
        blank = false;
        state = Scan.FieldStart;
        continue;
      }
      if (state === Scan.FieldStart) {
        if (c === QUOTE) state = Scan.Quoted;
        else {
          blank = false;
          state = Scan.Unquoted;
        }
      } else if (state === Scan.QuoteInQuoted) {
        // `""` inside quotes is one `"`; anything else after a closing quote is an error.
        if (c !== QUOTE) return false;
        blank = false;
        state = Scan.Quoted;
      } else if (c === QUOTE) return false;
    }
    return true;
  };
  // Not UTF-8 (the decoder throws): undefined, and csvRecords says so in its words.
  const decoded = (chunk?: Uint8Array): string | undefined => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      return undefined;
    }
  };
  for await (const chunk of chunks) {
    const text = decoded(chunk);
    if (text === undefined || !scan(text)) return undefined;
  }
  const rest = decoded();
  if (rest === undefined || !scan(rest)) return undefined;
  // (TypeScript does not see scan() assign state, hence the cast.)
  if ((state as Scan) === Scan.Quoted) return undefined;
  if (!blank && record > 1) rows++;
  return rows;
}
