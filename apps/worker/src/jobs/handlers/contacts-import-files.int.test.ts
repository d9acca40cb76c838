// template-demo
import { createDb, type DbClient } from '@app/db';
import { resetDatabase, type TestEnv, testEnv, uniquePrefix } from '@app/db/testing';
import { CELL_MAX_CHARS, mapHeaders } from '@app/shared/csv';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generatedCsv, referenceParse } from '../../testing/csv-reference.ts';
import { startInProcessWorker, uploadCsv, waitForImport } from '../../testing/import-fixtures.ts';
import { spawnWorker, waitUntilReady } from '../../testing/spawn-worker.ts';

// The files users actually send, through the real job runtime, BullMQ, Redis and Postgres: odd
// line ends, broken quotes, NUL bytes, header-only files, huge cells, spreadsheet phone columns.

type Env = TestEnv;

let db: DbClient;
let env: Env;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  const base = await testEnv();
  db = createDb(base.databaseUrl, { max: 3, poolMode: base.poolMode });
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  const base = await testEnv();
  await resetDatabase(db.sql);
  env = { ...base, prefix: await uniquePrefix('csv') };
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function inProcessWorker(options?: Parameters<typeof startInProcessWorker>[1]) {
  const worker = startInProcessWorker(env, options);
  cleanups.push(() => worker.stop());
  return worker;
}

/** The worker as Docker runs it: its own process, src/main.ts. */
async function childWorker() {
  const worker = await spawnWorker({
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.prefix,
    IMPORT_BATCH_SIZE: '3',
  });
  cleanups.push(async () => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
  });
  await waitUntilReady(worker);
  return worker;
}

async function written(importId: string) {
  const [row] = await db.sql<{ contacts: number; errors: number }[]>`
    select (select count(*)::int from contacts) as contacts,
           (select count(*)::int from import_errors where import_id = ${importId}) as errors`;
  return row;
}

const file = (text: string) => Buffer.from(text, 'utf8');

describe('contacts.import: line ends', () => {
  it('imports every row of the issue 12 mixed-line-end file, in the worker process', async () => {
    await childWorker();
    const upload = await uploadCsv(
      env,
      db,
      file('email,name\r\nm1@x.com,One\nm2@x.com,Two\rm3@x.com,Three\r\nm4@x.com,Four\n'),
    );
    const done = await waitForImport(db, upload.id);
    expect(done).toMatchObject({ processedRows: 4, inserted: 4, invalid: 0 });
    const rows = await db.sql`select email, name from contacts order by email`;
    expect(rows).toEqual([
      { email: 'm1@x.com', name: 'One' },
      { email: 'm2@x.com', name: 'Two' },
      { email: 'm3@x.com', name: 'Three' },
      { email: 'm4@x.com', name: 'Four' },
    ]);
  });

  it('imports a generated file mixing all three line ends exactly as the reference reader sees it', async () => {
    // The first file of a fixed seed that the reference accepts, with many rows and all three
    // line ends outside quotes: the property test's generator, through the real worker process.
    const candidates = fc.sample(generatedCsv({ minRows: 40, maxRows: 60 }), {
      seed: 12,
      numRuns: 500,
    });
    const chosen = candidates.find((f) => {
      const result = referenceParse(f.bytes, f.delimiter);
      const text = Buffer.from(f.bytes).toString('utf8');
      return (
        result.ok &&
        result.records.length > 30 &&
        /\r\n/.test(text) &&
        /\r(?!\n)/.test(text) &&
        /(?<!\r)\n/.test(text)
      );
    });
    if (!chosen) throw new Error('the generator gave no mixed file for seed 12');
    const reference = referenceParse(chosen.bytes, chosen.delimiter);
    if (!reference.ok) throw new Error('unreachable');
    const [header, ...rows] = reference.records;
    const mapped = mapHeaders(header?.cells ?? []);
    if (!mapped.ok) throw new Error(mapped.message);
    const emailAt = mapped.mapping.fields.email ?? 0;
    const nameAt = mapped.mapping.fields.name ?? 1;

    await childWorker();
    const upload = await uploadCsv(env, db, Buffer.from(chosen.bytes), 'mixed.csv');
    const done = await waitForImport(db, upload.id);
    expect(done.processedRows).toBe(rows.length);
    const stored = await db.sql<{ email: string; name: string | null }[]>`
      select email, name from contacts`;
    const byEmail = new Map(stored.map((c) => [c.email, c.name]));
    const invalid = await db.sql<{ line: number }[]>`
      select distinct line from import_errors where import_id = ${upload.id}`;
    const invalidLines = new Set(invalid.map((e) => e.line));
    for (const row of rows) {
      if (invalidLines.has(row.line)) continue;
      const email = (row.cells[emailAt] ?? '').trim().toLowerCase();
      expect(byEmail.get(email), `line ${row.line}`).toBe((row.cells[nameAt] ?? '').trim() || null);
    }
    expect(stored.length + invalidLines.size).toBe(rows.length);
    expect(done.inserted).toBe(stored.length);
  });

  it('numbers lines as a spreadsheet does, blank lines included', async () => {
    inProcessWorker();
    const upload = await uploadCsv(
      env,
      db,
      file('email\r\n\r\na@x.com\n\nnot-an-email\rb@x.com\n'),
    );
    const done = await waitForImport(db, upload.id);
    expect(done).toMatchObject({ processedRows: 3, inserted: 2, invalid: 1 });
    const errors = await db.sql`select line from import_errors where import_id = ${upload.id}`;
    expect(errors).toEqual([{ line: 5 }]);
  });
});

describe('contacts.import: broken files fail once, naming the line, and write nothing', () => {
  // 40,000 good rows first (1.3 MB, more than one stored chunk), in batches of 1000: without the
  // read-only first pass, dozens of batches would be committed before the parser reached the
  // damage in the second chunk.
  const good = Array.from({ length: 40_000 }, (_, i) => `p${i}@example.com,Person ${i}\n`).join('');
  it.each([
    [
      'a quote never closed',
      `email,name\n${good}late@example.com,"Late\nend@example.com,End\n`,
      /^line 40002: .*never closed/,
    ],
    ['a stray quote', `email,name\n${good}late@example.com,La"te\n`, /^line 40002: .*not quoted/],
    [
      'text after a closing quote',
      `email,name\n${good}late@example.com,"La"te\n`,
      /^line 40002: .*after the closing/,
    ],
    [
      'a NUL byte after the first 64 KB',
      `email,name\n${good}late@example.com,La\u0000te\n`,
      /^line 40002: .*NUL/,
    ],
    ['a header without rows', 'email,name\r\n\r\n', /no data rows/],
    [
      'a header longer than the 64 KB the sniff reads',
      `${Array.from({ length: 6000 }, (_, i) => `Column ${i}`).join(',')},Email\na@x.com\n`,
      /header row does not end within the first 64 KB/,
    ],
  ])('%s', async (_label, text, message) => {
    inProcessWorker({ batchSize: 1000 });
    const upload = await uploadCsv(env, db, file(text));
    const failed = await waitForImport(db, upload.id, ['failed']);
    expect(failed.error).toMatch(message);
    // One attempt: retrying the user's file cannot help (UnrecoverableError).
    expect(failed.attempts).toBe(1);
    expect(failed).toMatchObject({ processedRows: 0, inserted: 0, invalid: 0 });
    expect(await written(upload.id)).toEqual({ contacts: 0, errors: 0 });
  });
});

describe('contacts.import: columns and sizes', () => {
  it('refuses a huge cell as an invalid row with a reason, and imports the rest', async () => {
    inProcessWorker();
    const huge = 'z'.repeat(2 * 1024 * 1024);
    const upload = await uploadCsv(
      env,
      db,
      file(
        `email,notes\na@x.com,short\nb@x.com,${huge}\nc@x.com,"${'q'.repeat(CELL_MAX_CHARS)}"\n`,
      ),
    );
    const done = await waitForImport(db, upload.id);
    expect(done).toMatchObject({ processedRows: 3, inserted: 2, invalid: 1 });
    const errors = await db.sql`
      select line, "column", message from import_errors where import_id = ${upload.id}`;
    expect(errors).toEqual([
      { line: 3, column: '', message: expect.stringMatching(/the row has 2097159 characters/) },
    ]);
    const [widest] = await db.sql<{ n: number }[]>`
      select max(length(extra::text))::int as n from contacts`;
    expect(widest?.n).toBeLessThan(CELL_MAX_CHARS + 100);
  });

  it('keeps the first of "Phone 1"/"Phone 2" of a spreadsheet export in phone, the other in extra', async () => {
    inProcessWorker();
    const upload = await uploadCsv(
      env,
      db,
      file('\uFEFFName;E-mail Address;Phone 1;Phone 2\r\nAda;ada@x.com;+44 1;+44 2\r\n'),
    );
    await waitForImport(db, upload.id);
    const [ada] = await db.sql`select phone, extra from contacts`;
    expect(ada).toEqual({ phone: '+44 1', extra: { 'Phone 2': '+44 2' } });
  });
});
