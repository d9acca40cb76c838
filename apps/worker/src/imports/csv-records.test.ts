// template-demo
import { describe, expect, it } from 'vitest';
import { CsvFileError, type CsvRecord, csvRecords } from './csv-records.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');

async function read(chunks: Uint8Array[], delimiter: ',' | ';' = ','): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const record of csvRecords(chunks, delimiter)) out.push(record);
  return out;
}

async function failure(text: string): Promise<CsvFileError> {
  const error = await read([bytes(text)]).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CsvFileError)) throw new Error(`expected a CsvFileError, got ${error}`);
  return error;
}

describe('csvRecords', () => {
  it('reads every row of a file that mixes CRLF, LF and bare CR (issue 12 repro)', async () => {
    const file = 'email,name\r\nm1@x.com,One\nm2@x.com,Two\rm3@x.com,Three\r\nm4@x.com,Four\n';
    const records = await read([bytes(file)]);
    expect(records.map((r) => [r.line, r.cells])).toEqual([
      [1, ['email', 'name']],
      [2, ['m1@x.com', 'One']],
      [3, ['m2@x.com', 'Two']],
      [4, ['m3@x.com', 'Three']],
      [5, ['m4@x.com', 'Four']],
    ]);
  });

  it('keeps line breaks inside quotes as they are, and a CRLF split across chunks is one line end', async () => {
    const records = await read([
      bytes('email,notes\r'),
      bytes('\na@x.com,"one\r'),
      bytes('\ntwo\rthree\nfour"\r'),
      bytes('\nb@x.com,x'),
    ]);
    expect(records.map((r) => [r.line, r.cells])).toEqual([
      [1, ['email', 'notes']],
      [2, ['a@x.com', 'one\r\ntwo\rthree\nfour']],
      [3, ['b@x.com', 'x']],
    ]);
  });

  it('skips blank lines but counts them, so lines are the rows a spreadsheet shows', async () => {
    const records = await read([bytes('email\n\na@x.com\r\n\r\n\rb@x.com\n""\nc@x.com')]);
    expect(records.map((r) => r.line)).toEqual([1, 3, 6, 8]);
  });

  it('reports the bytes read up to each record', async () => {
    const records = await read([bytes('\uFEFFemail\r\na@x.com\r\n')]);
    expect(records.map((r) => r.bytes)).toEqual([10, 19]);
  });

  it.each([
    ['a quote never closed', 'email,name\na@x.com,A\nb@x.com,"B\nc@x.com,C\n', 3, /never closed/],
    ['a stray quote', 'email,name\na@x.com,A\n\nb@x.com,B"o\n', 4, /not quoted/],
    ['text after a closing quote', 'email,name\na@x.com,"A"x\n', 2, /after the closing/],
  ])('refuses %s, naming the line', async (_label, text, line, message) => {
    const error = await failure(text);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(new RegExp(`^line ${line}: `));
    expect(error.message).toMatch(message);
  });

  it('names the right line when the error comes after many buffered records', async () => {
    const error = await failure(`email\n${'a@x.com\n'.repeat(5000)}"open\n`);
    expect(error.line).toBe(5002);
  });

  it('refuses a NUL byte far past the first 64 KB, naming its line', async () => {
    const rows = 'a@x.com,filler filler filler\n'.repeat(5000);
    const error = await failure(`email,name\n${rows}b@x.com,B\u0000\n`);
    expect(error.line).toBe(5002);
    expect(error.message).toMatch(/NUL/);
  });

  it('refuses bytes that are not UTF-8 anywhere in the file', async () => {
    const chunks = [bytes('email\na@x.com\n'), Uint8Array.from([0x62, 0xe9, 0x0a])];
    await expect(read(chunks)).rejects.toThrow(/not UTF-8/);
  });

  it("passes a failure of the source (Postgres gone) through as itself: retried, not the file's fault", async () => {
    async function* source() {
      yield bytes('email\na@x.com\n');
      throw new Error('connection terminated');
    }
    const error = await (async () => {
      for await (const _ of csvRecords(source(), ',')) {
        // drain
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(CsvFileError);
    expect((error as Error).message).toBe('connection terminated');
  });

  it('reads semicolon-separated files', async () => {
    const records = await read([bytes('email;name\na@x.com;"A;B"\n')], ';');
    expect(records[1]?.cells).toEqual(['a@x.com', 'A;B']);
  });
});
