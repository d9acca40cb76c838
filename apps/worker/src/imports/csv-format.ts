import { z } from 'zod';

/**
 * The CSV dialect and column rules of contact imports, shared by the upload check (web) and the
 * import job (worker) so both reject the same files with the same words.
 */

export type Delimiter = ',' | ';';

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
  phone: ['phone', 'phonenumber', 'telephone', 'tel', 'mobile', 'mobilephone', 'cell', 'workphone'],
} as const;

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
    const key = normalize(header);
    const field = (Object.keys(aliases) as Field[]).find((f) =>
      (aliases[f] as readonly string[]).includes(key),
    );
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

export type ContactInput = {
  email: string;
  name: string | null;
  company: string | null;
  phone: string | null;
  extra: Record<string, string>;
};

export type RowProblem = { column: string; message: string };
export type RowResult = { ok: true; contact: ContactInput } | { ok: false; problems: RowProblem[] };

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `longer than ${max} characters`)
    .transform((v) => (v === '' ? null : v));

const rowSchema = z.object({
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

/** Validates one record; problems name the column as it is called in the file. */
export function validateRow(record: string[], mapping: ColumnMapping): RowResult {
  const cell = (field: Field) => {
    const index = mapping.fields[field];
    return index === undefined ? '' : (record[index] ?? '');
  };
  const joinedName = [cell('firstName').trim(), cell('lastName').trim()].filter(Boolean).join(' ');
  const parsed = rowSchema.safeParse({
    email: cell('email'),
    name: cell('name').trim() || joinedName,
    company: cell('company'),
    phone: cell('phone'),
  });
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
  const extra: Record<string, string> = {};
  for (const { index, key } of mapping.extra) {
    const value = record[index]?.trim();
    if (value) extra[key] = value;
  }
  return { ok: true, contact: { ...parsed.data, extra } };
}

export type SniffResult =
  | { ok: true; delimiter: Delimiter; mapping: ColumnMapping }
  | {
      ok: false;
      code: 'empty' | 'binary' | 'not_utf8' | 'no_header' | 'no_email_column';
      message: string;
    };

/**
 * Looks at the first bytes of an upload: empty, binary, not UTF-8, or without an email column are
 * refused before anything is stored.
 */
export function sniffCsv(head: Uint8Array): SniffResult {
  if (head.length === 0) return { ok: false, code: 'empty', message: 'the file is empty' };
  if (head.includes(0)) {
    return { ok: false, code: 'binary', message: 'this looks like a binary file, not CSV text' };
  }
  let text: string;
  try {
    // stream: true tolerates a multi-byte character cut at the end of the sample.
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return {
      ok: false,
      code: 'not_utf8',
      message: 'the file is not UTF-8 text (in a spreadsheet: save as "CSV UTF-8")',
    };
  }
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.trim() === '')
    return { ok: false, code: 'no_header', message: 'the file has no header row' };
  const delimiter = detectDelimiter(firstLine);
  const headers = splitHeaderLine(firstLine, delimiter);
  const mapped = mapHeaders(headers);
  if (!mapped.ok) return { ok: false, code: 'no_email_column', message: mapped.message };
  return { ok: true, delimiter, mapping: mapped.mapping };
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
