import { describe, expect, it } from 'vitest';
import {
  type ColumnMapping,
  detectDelimiter,
  mapHeaders,
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
  ])('refuses %s files with a message', (code, bytes, text) => {
    const result = sniffCsv(bytes);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.message).toContain(text);
  });
});
