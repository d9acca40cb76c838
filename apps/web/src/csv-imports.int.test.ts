// template-demo
import { setTimeout as sleep } from 'node:timers/promises';
import { testEnv } from '@app/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProductionApp, STACK_TRACE, startProductionApp } from '../e2e/support/production-app';

/**
 * The CSV files of issue 12 through the front door: the production build (standalone server.js and
 * the worker bundle) over HTTP with production auth. Mixed line ends import every row; broken files
 * fail once with the line, writing nothing; a header-only file is a 422; huge cells are invalid
 * rows and lists stay small; spreadsheet phone columns land in `phone`. Decision 62.
 */

type ImportView = {
  id: string;
  status: string;
  processedRows: number;
  inserted: number;
  invalid: number;
  attempts: number;
  error: string | null;
};
type Contact = { email: string; name: string | null; phone: string | null; extra: object };

describe('CSV imports (production build)', () => {
  let app: ProductionApp;
  let tagged = 0;

  beforeAll(async () => {
    app = await startProductionApp(await testEnv(), {
      webEnv: { IMPORT_RATE_LIMIT: '1000/minute' },
      workerEnv: { IMPORT_BATCH_SIZE: '1000' },
    });
    // A `next build` first when sources changed: minutes on 2 busy cores.
  }, 600_000);
  afterAll(async () => {
    await app?.stop();
  });

  /** A unique email domain per test, so searches count only that test's contacts. */
  const newTag = () => `t${process.pid}x${tagged++}`;

  async function upload(text: string, name = 'contacts.csv') {
    const form = new FormData();
    form.append('file', new File([Buffer.from(text, 'utf8')], name, { type: 'text/csv' }));
    const response = await app.fetch('/api/imports', { method: 'POST', body: form });
    return { response, body: (await response.json()) as { import: ImportView; error?: never } };
  }

  async function finished(id: string): Promise<{ import: ImportView; errors: object[] }> {
    for (;;) {
      const response = await app.fetch(`/api/imports/${id}`);
      const body = (await response.json()) as { import: ImportView; errors: object[] };
      if (['completed', 'failed', 'cancelled'].includes(body.import.status)) return body;
      await sleep(200);
    }
  }

  async function contacts(q: string): Promise<{ text: string; contacts: Contact[] }> {
    const response = await app.fetch(`/api/contacts?limit=100&q=${encodeURIComponent(q)}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    return { text, contacts: (JSON.parse(text) as { contacts: Contact[] }).contacts };
  }

  async function newestImport(): Promise<string | undefined> {
    const response = await app.fetch('/api/imports?limit=1');
    return ((await response.json()) as { imports: { id: string }[] }).imports[0]?.id;
  }

  it('imports every row of a file mixing CRLF, LF and bare CR (issue 12 repro)', async () => {
    const t = newTag();
    const { response, body } = await upload(
      `email,name\r\n${t}1@x.com,One\n${t}2@x.com,Two\r${t}3@x.com,Three\r\n${t}4@x.com,Four\n`,
    );
    expect(response.status).toBe(202);
    const done = await finished(body.import.id);
    expect(done.import).toMatchObject({ status: 'completed', processedRows: 4, inserted: 4 });
    const found = await contacts(t);
    expect(found.contacts.map((c) => [c.email, c.name])).toEqual([
      [`${t}1@x.com`, 'One'],
      [`${t}2@x.com`, 'Two'],
      [`${t}3@x.com`, 'Three'],
      [`${t}4@x.com`, 'Four'],
    ]);
  });

  // 40,000 good rows before the damage (1.3 MB: past the first stored chunk and many batches).
  const goodRows = (t: string) =>
    Array.from({ length: 40_000 }, (_, i) => `${t}-${i}@example.com,Person ${i}\n`).join('');
  it.each([
    ['a quote never closed', '"Late\nend@example.com,End\n', /^line 40002: .*never closed/],
    ['a stray quote', 'La"te\n', /^line 40002: .*not quoted/],
    ['text after a closing quote', '"La"te\n', /^line 40002: .*after the closing/],
  ])(
    'fails %s once, naming the line, with nothing written',
    {
      timeout: 120_000,
    },
    async (_label, damage, message) => {
      const t = newTag();
      const { response, body } = await upload(
        `email,name\n${goodRows(t)}${t}-late@example.com,${damage}`,
      );
      expect(response.status).toBe(202);
      const done = await finished(body.import.id);
      expect(done.import).toMatchObject({
        status: 'failed',
        attempts: 1,
        processedRows: 0,
        inserted: 0,
        invalid: 0,
      });
      expect(done.import.error).toMatch(message);
      expect(done.errors).toEqual([]);
      expect((await contacts(t)).contacts).toEqual([]);
    },
  );

  it.each([
    [
      'a NUL byte after the first 64 KB',
      (t: string) => `email,name\n${goodRows(t)}${t}@x.com,A\u0000\n`,
      415,
      'binary',
      /line 40002/,
    ],
    ['a header without rows', () => 'email,name\r\n\r\n', 422, 'no_rows', /no data rows/],
  ])('refuses %s at upload, storing nothing', async (_label, make, status, code, message) => {
    const before = await newestImport();
    const { response, body } = await upload(make(newTag()));
    const error = (body as unknown as { error: { code: string; message: string } }).error;
    expect(response.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(await newestImport()).toBe(before);
  });

  it('records a 2 MB cell as an invalid row with its reason, and the list stays small', async () => {
    const t = newTag();
    const { body } = await upload(
      `email,notes\n${t}a@x.com,short\n${t}b@x.com,${'z'.repeat(2 * 1024 * 1024)}\n`,
    );
    const done = await finished(body.import.id);
    expect(done.import).toMatchObject({ status: 'completed', inserted: 1, invalid: 1 });
    expect(done.errors).toEqual([
      { line: 3, column: '', message: expect.stringMatching(/at most 32768/) },
    ]);
    const found = await contacts(t);
    expect(found.contacts.map((c) => c.email)).toEqual([`${t}a@x.com`]);
    expect(found.text.length).toBeLessThan(2000);
  });

  it('keeps "Phone 1" of a spreadsheet export in phone and "Phone 2" in extra', async () => {
    const t = newTag();
    const { body } = await upload(
      `\uFEFFName;E-mail Address;Phone 1;Phone 2\r\nAda;${t}@x.com;+44 1;+44 2\r\n`,
    );
    await finished(body.import.id);
    const [ada] = (await contacts(t)).contacts;
    expect(ada).toMatchObject({ phone: '+44 1', extra: { 'Phone 2': '+44 2' } });
  });

  it('printed no stack trace, and both processes are still up', () => {
    expect(app.output()).not.toMatch(STACK_TRACE);
    expect(app.web.child.exitCode).toBeNull();
    expect(app.worker?.child.exitCode).toBeNull();
  });
});
