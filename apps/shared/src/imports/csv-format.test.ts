// template-demo
import { describe, expect, it } from 'vitest';
import {
  CELL_MAX_CHARS,
  type ColumnMapping,
  checkCsvUpload,
  detectDelimiter,
  mapHeaders,
  quickRow,
  ROW_MAX_CHARS,
  rowSchema,
  SNIFF_BYTES,
  sniffCsv,
  validateRow,
} from './csv-format.ts';

const encode = (text: string) => new TextEncoder().encode(text);

function mapping(headers: string[]): ColumnMapping {
  const result = mapHeaders(headers);
  if (!result.ok) throw new Error(result.message);
  return result.mapping;
}

describe('detectDelimiter', () => {
  it('picks semicolons for European spreadsheet exports', () => {
    expect(detectDelimiter('Name;E-mail;Company\r\nAda;ada@example.com;Acme')).toBe(';');
  });
  it('ignores delimiters inside quotes', () => {
    expect(detectDelimiter('"a;b;c;d",email,name')).toBe(',');
  });
});

describe('mapHeaders', () => {
  it('maps common aliases case- and space-insensitively', () => {
    const m = mapping(['\uFEFFE-mail', ' Company Name ', 'Phone Number', 'Full Name']);
    expect(m.fields).toEqual({ email: 0, company: 1, phone: 2, name: 3 });
  });
  it('keeps unknown columns as extra, by their original header', () => {
    const m = mapping(['Email Address', 'Favourite Colour', 'Notes']);
    expect(m.extra).toEqual([
      { index: 1, key: 'Favourite Colour' },
      { index: 2, key: 'Notes' },
    ]);
  });
  it('maps numbered and spelled-out phone headers; the first fills phone, the rest stay extra', () => {
    const m = mapping(['Name', 'E-mail', 'Phone 1', 'Phone 2']);
    expect(m.fields).toMatchObject({ phone: 2 });
    expect(m.extra).toEqual([{ index: 3, key: 'Phone 2' }]);
    for (const header of ['Phone Number', 'Mobile', 'Mobile Phone', 'Tel', 'Telephone', 'Cell']) {
      expect(mapping(['Email', header]).fields.phone).toBe(1);
    }
  });
  it('maps a Google Contacts export: the "Value" columns, not the "Type" ones', () => {
    const m = mapping([
      'Name',
      'E-mail 1 - Type',
      'E-mail 1 - Value',
      'Phone 1 - Type',
      'Phone 1 - Value',
    ]);
    expect(m.fields).toMatchObject({ name: 0, email: 2, phone: 4 });
    expect(m.extra.map((e) => e.key)).toEqual(['E-mail 1 - Type', 'Phone 1 - Type']);
  });
  it('refuses a file without an email column and says what it found', () => {
    const result = mapHeaders(['Name', 'Company']);
    expect(result).toEqual({ ok: false, message: expect.stringContaining('found: Name, Company') });
  });
});

describe('validateRow', () => {
  const m = mapping(['First Name', 'Last Name', 'Email', 'Company', 'Shoe size']);

  it('joins first and last name, normalises the email and keeps extra columns', () => {
    const result = validateRow(['Ada', 'Lovelace', ' ADA@Example.COM ', '', '38'], m);
    expect(result).toEqual({
      ok: true,
      contact: {
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        company: null,
        phone: null,
        extra: { 'Shoe size': '38' },
      },
    });
  });

  it('reports an invalid email under the column name used in the file', () => {
    const result = validateRow(['Ada', 'L', 'not-an-email', 'Acme', ''], m);
    expect(result).toEqual({
      ok: false,
      problems: [{ column: 'Email', message: 'not a valid email address' }],
    });
  });

  it('refuses an extra cell over CELL_MAX_CHARS as an invalid row naming the column', () => {
    const result = validateRow(['Ada', 'L', 'ada@x.com', '', 'x'.repeat(CELL_MAX_CHARS + 1)], m);
    expect(result).toEqual({
      ok: false,
      problems: [{ column: 'Shoe size', message: expect.stringContaining('at most 10000') }],
    });
    expect(validateRow(['Ada', 'L', 'ada@x.com', '', 'x'.repeat(CELL_MAX_CHARS)], m).ok).toBe(true);
  });

  it('refuses a row over ROW_MAX_CHARS in total, even in columns it would not keep', () => {
    const filler = Array.from({ length: 10 }, () => 'y'.repeat(ROW_MAX_CHARS / 8));
    const result = validateRow(['Ada', 'L', 'ada@x.com', '', '', ...filler], m);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(/the row has \d+ characters/);
  });

  it('keeps a header named __proto__ as a plain key', () => {
    const result = validateRow(['ada@x.com', 'v'], mapping(['Email', '__proto__']));
    expect(result.ok && Object.keys(result.contact.extra)).toEqual(['__proto__']);
  });

  it('reports a missing email', () => {
    const result = validateRow(['Ada', 'L', '  ', 'Acme', ''], m);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toBe('email is missing');
  });
});

describe('sniffCsv', () => {
  it('accepts a spreadsheet export with BOM, CRLF and semicolons', () => {
    const result = sniffCsv(encode('\uFEFFName;"E-mail";Company\r\nAda;ada@example.com;Acme\r\n'));
    expect(result).toMatchObject({ ok: true, delimiter: ';' });
  });
  it.each([
    ['empty', new Uint8Array(), 'the file is empty'],
    ['binary', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]), 'binary'],
    ['not_utf8', Uint8Array.from([0x4e, 0x61, 0x6d, 0x65, 0x2c, 0xe9, 0x0a]), 'UTF-8'],
    ['no_email_column', encode('name,company\nAda,Acme\n'), 'no email column'],
    ['no_rows', encode('email,name\r\n\r\n\n'), 'no data rows'],
    ['no_rows', encode('\uFEFFemail'), 'no data rows'],
    ['header_too_long', encode(`email,${'column,'.repeat(SNIFF_BYTES / 7)}\na@x.com`), '64 KB'],
  ])('refuses %s files with a message', (code, bytes, text) => {
    const result = sniffCsv(bytes, { complete: true });
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.message).toContain(text);
  });
});

describe('sniffCsv line ends', () => {
  it('ends the header at a bare CR, as a file saved by old Mac software has it', () => {
    const result = sniffCsv(encode('Email,Name\rada@x.com,Ada\r'));
    expect(result.ok && result.mapping.headers).toEqual(['Email', 'Name']);
  });
  it('does not call a head without rows "header only" unless it is the whole file', () => {
    expect(sniffCsv(encode('email\n')).ok).toBe(true);
    expect(sniffCsv(encode('email\n'), { complete: true }).ok).toBe(false);
  });
});

describe('checkCsvUpload', () => {
  it('refuses a NUL byte after the first 64 KB, naming its line', () => {
    const rows = 'a@x.com,filler filler\n'.repeat(4000);
    const result = checkCsvUpload(encode(`email,name\n${rows}b@x.com,\u0000\n`));
    expect(result).toEqual({
      ok: false,
      code: 'binary',
      message: expect.stringContaining('line 4002'),
    });
  });
  it('refuses a header-only file as the docs promise (422 no_rows)', () => {
    expect(checkCsvUpload(encode('email,name\r\n'))).toMatchObject({ ok: false, code: 'no_rows' });
  });
  it('accepts a file larger than the sniff window', () => {
    const rows = 'a@x.com\n'.repeat(10_000);
    expect(checkCsvUpload(encode(`email\n${rows}`)).ok).toBe(true);
  });
});

describe('quickRow, the hot path of validateRow', () => {
  // A small deterministic generator (no dependency): strings over the characters that decide
  // email validity, plus spaces at either end and lengths around every cap.
  let seed = 13;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const alphabet = [
    'a',
    'Z',
    '0',
    '.',
    '@',
    '-',
    '_',
    "'",
    '+',
    ' ',
    '\t',
    'é',
    '..',
    'com',
    '@x.io',
  ];
  const text = (max: number) => {
    let out = '';
    const length = Math.floor(next() * max);
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
  const sized = (n: number) => `${' '.repeat(Math.floor(next() * 2))}${'x'.repeat(n)}`;
  const cases = [
    { email: ' Ada@Example.COM ', name: ' Ada ', company: '', phone: ' +1 ' },
    { email: '', name: '', company: '', phone: '' },
    { email: `${'a'.repeat(243)}@example.com`, name: '', company: '', phone: '' },
    { email: `${'a'.repeat(242)}@example.com`, name: sized(200), company: sized(201), phone: '' },
    { email: 'a@b.co', name: sized(201), company: sized(200), phone: sized(50) },
    { email: 'a@b.co', name: '', company: '', phone: sized(51) },
  ];
  for (let i = 0; i < 3000; i++) {
    cases.push({
      email:
        i % 2 === 0
          ? ` A${text(5)}b@${i % 4 === 0 ? 'Ex' : text(3)}.com${' '.repeat(i % 3)}`
          : text(12),
      name: i % 7 === 0 ? sized(195 + Math.floor(next() * 10)) : text(4),
      company: i % 11 === 0 ? sized(195 + Math.floor(next() * 10)) : text(4),
      phone: i % 5 === 0 ? sized(45 + Math.floor(next() * 10)) : text(4),
    });
  }
  it('accepts exactly the rows rowSchema accepts, with the same values', () => {
    let accepted = 0;
    for (const input of cases) {
      const zod = rowSchema.safeParse(input);
      const quick = quickRow(input);
      expect(quick?.success ?? false, JSON.stringify(input)).toBe(zod.success);
      if (quick) {
        accepted++;
        expect(quick.data).toStrictEqual(zod.data);
      }
    }
    // Both sides are exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(cases.length - accepted).toBeGreaterThan(100);
  });
});
