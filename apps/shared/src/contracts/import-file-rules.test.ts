// template-demo
import { describe, expect, it } from 'vitest';
import { checkImportFile, importFileAccept } from './import-file-rules.ts';

const max = 1000;
const verdict = (name: string, type: string, size = 10) =>
  checkImportFile({ name, type, size }, max);

describe('import file rules (browser hint, upload API and file input alike)', () => {
  it('takes .csv and .txt names with a CSV-ish or unknown type, and text/csv whatever the name', () => {
    expect(verdict('contacts.csv', '')).toEqual({ ok: true });
    expect(verdict('CONTACTS.CSV', 'application/vnd.ms-excel')).toEqual({ ok: true });
    expect(verdict('export.txt', 'text/plain')).toEqual({ ok: true });
    expect(verdict('download', 'text/csv; charset=utf-8')).toEqual({ ok: true });
  });

  it('refuses other names and types, empty files and files over the limit', () => {
    expect(verdict('photo.png', 'image/png')).toEqual({ ok: false, code: 'not_csv' });
    expect(verdict('contacts.csv', 'image/png')).toEqual({ ok: false, code: 'not_csv' });
    expect(verdict('contacts.xlsx', '')).toEqual({ ok: false, code: 'not_csv' });
    expect(verdict('contacts.csv', '', 0)).toEqual({ ok: false, code: 'empty' });
    expect(verdict('photo.png', 'image/png', max + 1)).toEqual({
      ok: false,
      code: 'file_too_large',
    });
  });

  it('offers the file picker the same extensions', () => {
    expect(importFileAccept).toBe('.csv,.txt,text/csv');
  });
});
