// template-demo
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import { importContentMessages, SNIFF_BYTES } from '../contracts/import-file-rules.ts';
import type { BatchContact } from './run.server.ts';

/**
 * The CSV dialect and column rules of contact imports, shared by the upload check (web) and the
 * import job (worker) so both reject the same files with the same words.
 *
 * Size: over 250 lines on purpose. The zod row schema (the messages users read) and `quickRow`
 * (the hand-written fast check for valid rows, about 20 % of an import's CPU) must stay side by
 * side, so a rule changed in one is seen changing in the other; the equivalence test beside this
 * file fails when they disagree.
 */

export type Delimiter = ',' | ';';

// The sniff window and the content messages are the import's file rules, defined once.
export { SNIFF_BYTES };

/**
 * Size caps per row: one huge cell must not become a multi-megabyte contact that every list
 * page then carries. A cell over the cap, or a row over the cap in total, makes the row invalid
 * (recorded with its line and reason), never truncated in silence.
 */
export const CELL_MAX_CHARS = 10_000;
export const ROW_MAX_CHARS = 32_768;

/** Counts `,` and `;` outside quotes on the first line; spreadsheets in many locales use `;`. */
export function detectDelimiter(sample: string): Delimiter {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const char of sample) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && char === ',') commas++;
    else if (!quoted && char === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

const normalize = (header: string) =>
  header
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

// Common spellings seen in exports from spreadsheets, CRMs and mail tools.
const aliases = {
  email: ['email', 'emailaddress', 'mail', 'emailid', 'primaryemail', 'workemail'],
  name: ['name', 'fullname', 'contactname', 'displayname'],
  firstName: ['firstname', 'givenname', 'first', 'forename'],
  lastName: ['lastname', 'surname', 'familyname', 'last'],
  company: ['company', 'companyname', 'organization', 'organisation', 'org', 'employer', 'account'],
  phone: [
    'phone',
    'phonenumber',
    'phoneno',
    'telephone',
    'telephonenumber',
    'tel',
    'telno',
    'mobile',
    'mobilephone',
    'mobilenumber',
    'mobilephonenumber',
    'cell',
    'cellphone',
    'cellnumber',
    'workphone',
    'businessphone',
    'homephone',
    'primaryphone',
  ],
} as const;

// Exports number repeated columns ("Phone 1", "Phone 2", Google's "E-mail 1 - Value"); for these
// two fields the number and a "value" suffix are ignored, so the first such column fills the field
// and the others stay in `extra`. ("Phone 1 - Type" keeps its "type" and so stays in extra.)
const numbered = /\d+(value)?$/;
const numberedFields: readonly Field[] = ['email', 'phone'];

function fieldOf(key: string): Field | undefined {
  const exact = (Object.keys(aliases) as Field[]).find((f) =>
    (aliases[f] as readonly string[]).includes(key),
  );
  if (exact || !numbered.test(key)) return exact;
  const base = key.replace(numbered, '');
  return numberedFields.find((f) => (aliases[f] as readonly string[]).includes(base));
}

type Field = keyof typeof aliases;

export type ColumnMapping = {
  headers: string[];
  fields: Partial<Record<Field, number>>;
  /** Columns we do not know, kept in `extra` under their original header. */
  extra: { index: number; key: string }[];
};

export type MappingResult = { ok: true; mapping: ColumnMapping } | { ok: false; message: string };

export function mapHeaders(rawHeaders: string[]): MappingResult {
  const headers = rawHeaders.map((h) => h.replace(/^\uFEFF/, '').trim());
  if (headers.length === 0 || headers.every((h) => h === '')) {
    return { ok: false, message: 'the file has no header row' };
  }
  const fields: Partial<Record<Field, number>> = {};
  const extra: ColumnMapping['extra'] = [];
  headers.forEach((header, index) => {
    const field = fieldOf(normalize(header));
    // The first column wins when two map to the same field; the second is kept as extra data.
    if (field && fields[field] === undefined) fields[field] = index;
    else if (header !== '') extra.push({ index, key: header });
  });
  if (fields.email === undefined) {
    const found = headers.filter(Boolean).slice(0, 8).join(', ');
    return {
      ok: false,
      message: `no email column (looked for "Email", "E-mail", "Email Address"…; found: ${found})`,
    };
  }
  return { ok: true, mapping: { headers, fields, extra } };
}

/** A valid row, as the lifecycle's commitBatch upserts it. */
export type ContactInput = BatchContact;

export type RowProblem = { column: string; message: string };
export type RowResult = { ok: true; contact: ContactInput } | { ok: false; problems: RowProblem[] };

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `longer than ${max} characters`)
    .transform((v) => (v === '' ? null : v));

export const rowSchema = z.object({
  email: z
    .string()
    .trim()
    .min(1, 'email is missing')
    .max(254, 'email is longer than 254 characters')
    .pipe(z.email('not a valid email address'))
    .transform((v) => v.toLowerCase()),
  name: optionalText(200),
  company: optionalText(200),
  phone: optionalText(50),
});

type RowInput = { email: string; name: string; company: string; phone: string };
const emailPattern = z.regexes.email;
const optionalValue = (value: string) => (value === '' ? null : value);

/** rowSchema's result for a row that passes every check of it; undefined for any other row. */
export function quickRow(input: RowInput) {
  const email = input.email.trim();
  const name = input.name.trim();
  const company = input.company.trim();
  const phone = input.phone.trim();
  if (email.length < 1 || email.length > 254 || !emailPattern.test(email)) return undefined;
  if (name.length > 200 || company.length > 200 || phone.length > 50) return undefined;
  return {
    success: true as const,
    data: {
      email: email.toLowerCase(),
      name: optionalValue(name),
      company: optionalValue(company),
      phone: optionalValue(phone),
    },
  };
}

/** Validates one record; problems name the column as it is called in the file. */
export function validateRow(record: string[], mapping: ColumnMapping): RowResult {
  let rowChars = 0;
  for (const value of record) rowChars += value.length;
  if (rowChars > ROW_MAX_CHARS) {
    return {
      ok: false,
      problems: [
        { column: '', message: `the row has ${rowChars} characters; at most ${ROW_MAX_CHARS}` },
      ],
    };
  }
  const cell = (field: Field) => {
    const index = mapping.fields[field];
    return index === undefined ? '' : (record[index] ?? '');
  };
  const joinedName = [cell('firstName').trim(), cell('lastName').trim()].filter(Boolean).join(' ');
  const input = {
    email: cell('email'),
    name: cell('name').trim() || joinedName,
    company: cell('company'),
    phone: cell('phone'),
  };
  // The hot path: nearly every row is valid, and zod costs about a quarter of the import's CPU.
  // quickRow accepts only what rowSchema accepts and gives the same value; anything else goes
  // through rowSchema, so the problems of a failing row are zod's own words.
  const parsed = quickRow(input) ?? rowSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path[0] as Field;
      const index = mapping.fields[field] ?? mapping.fields.firstName;
      return {
        column: index === undefined ? String(field) : (mapping.headers[index] ?? String(field)),
        message: issue.message,
      };
    });
    return { ok: false, problems };
  }
  // A Map, then fromEntries: a header such as `__proto__` stays a plain key.
  const extra = new Map<string, string>();
  const tooLong: RowProblem[] = [];
  for (const { index, key } of mapping.extra) {
    const value = record[index]?.trim();
    if (!value) continue;
    if (value.length > CELL_MAX_CHARS) {
      tooLong.push({
        column: key,
        message: `${value.length} characters; at most ${CELL_MAX_CHARS} per cell`,
      });
    } else extra.set(key, value);
  }
  if (tooLong.length > 0) return { ok: false, problems: tooLong };
  return { ok: true, contact: { ...parsed.data, extra: Object.fromEntries(extra) } };
}

export type SniffCode =
  | 'empty'
  | 'binary'
  | 'not_utf8'
  | 'no_header'
  | 'header_too_long'
  | 'no_email_column'
  | 'no_rows';

export type SniffResult =
  | { ok: true; delimiter: Delimiter; mapping: ColumnMapping }
  | { ok: false; code: SniffCode; message: string };

const binaryMessage = importContentMessages.binary;
const notUtf8Message = importContentMessages.notUtf8;
export const noRowsMessage = importContentMessages.noRows;

/**
 * Looks at the first bytes of an upload (up to SNIFF_BYTES): empty, binary, not UTF-8, without
 * an email column, or a header row that does not end within them are refused before anything is
 * stored. With `complete` (the head is the whole file) a header without rows is refused too.
 */
export function sniffCsv(bytes: Uint8Array, options: { complete?: boolean } = {}): SniffResult {
  const head = bytes.subarray(0, SNIFF_BYTES);
  if (head.length === 0) return { ok: false, code: 'empty', message: importContentMessages.empty };
  if (head.includes(0)) return { ok: false, code: 'binary', message: binaryMessage };
  let text: string;
  try {
    // stream: true tolerates a multi-byte character cut at the end of the sample.
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return { ok: false, code: 'not_utf8', message: notUtf8Message };
  }
  text = text.replace(/^\uFEFF/, '');
  const end = endOfFirstRecord(text);
  // No line end in a full window: a header this long would be cut, losing columns in silence.
  if (end === undefined && head.length >= SNIFF_BYTES) {
    return {
      ok: false,
      code: 'header_too_long',
      message: `the header row does not end within the first ${SNIFF_BYTES / 1024} KB (too many columns, or a quote never closed)`,
    };
  }
  const firstLine = text.slice(0, end ?? text.length);
  if (firstLine.trim() === '')
    return { ok: false, code: 'no_header', message: 'the file has no header row' };
  const delimiter = detectDelimiter(firstLine);
  const headers = splitHeaderLine(firstLine, delimiter);
  const mapped = mapHeaders(headers);
  if (!mapped.ok) return { ok: false, code: 'no_email_column', message: mapped.message };
  // Only line ends after the header: no row at all, which the docs promise to refuse.
  if (options.complete && /^[\r\n]*$/.test(text.slice(end ?? text.length))) {
    return { ok: false, code: 'no_rows', message: noRowsMessage };
  }
  return { ok: true, delimiter, mapping: mapped.mapping };
}

/**
 * The whole-file checks of an upload, cheap enough to run in the request: the sniff of the head,
 * then UTF-8 and NUL bytes over every byte (a NUL deep in a file would otherwise fail the import
 * halfway: Postgres text cannot hold it).
 */
export function checkCsvUpload(bytes: Uint8Array): SniffResult {
  const sniff = sniffCsv(bytes, { complete: bytes.length <= SNIFF_BYTES });
  if (!sniff.ok) return sniff;
  if (!isUtf8(bytes)) return { ok: false, code: 'not_utf8', message: notUtf8Message };
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return {
      ok: false,
      code: 'binary',
      message: `the file has a NUL byte on line ${physicalLine(bytes, nul)}: ${binaryMessage}`,
    };
  }
  return sniff;
}

/** 1-based line of a byte offset, counting CRLF, LF and bare CR as one line end each. */
function physicalLine(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) line++;
    else if (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) line++;
  }
  return line;
}

/** Where the first record ends: the first CR or LF outside quotes; undefined when none. */
function endOfFirstRecord(text: string): number | undefined {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) return i;
  }
  return undefined;
}

/** A header line is one record: split it honouring quotes (headers rarely span lines). */
function splitHeaderLine(line: string, delimiter: Delimiter): string[] {
  const cells: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '"') {
      if (quoted && line[i + 1] === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
    } else if (char === delimiter && !quoted) {
      cells.push(current);
      current = '';
    } else current += char;
  }
  cells.push(current);
  return cells;
}
