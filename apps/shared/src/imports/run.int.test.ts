// template-demo
import { createDb, type DbClient, storeImportFile } from '@app/db';
import { resetDatabase, testEnv } from '@app/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Batch,
  claimImport,
  commitBatch,
  type ImportContext,
  ImportTakenOver,
} from './index.server.ts';

let db: DbClient;
beforeAll(async () => {
  const env = await testEnv();
  db = createDb(env.databaseUrl, { max: 2, poolMode: env.poolMode });
});
afterAll(() => db.close());
const lifecycle = (): ImportContext => ({ db: db.db, publish: () => {} });
beforeEach(() => resetDatabase(db.sql));

const start = { line: 0, bytes: 0, processed: 0, inserted: 0, updated: 0, invalid: 0 };
const batch = (emails: string[], lastLine: number): Batch => ({
  contacts: emails.map((email) => ({ email, name: null, company: null, phone: null, extra: {} })),
  duplicates: 0,
  errors: [],
  invalidRows: 0,
  rows: emails.length,
  lastLine,
  bytes: lastLine * 10,
});

describe('commitBatch', () => {
  it('refuses to write when another run moved the checkpoint (a takeover), so nothing counts twice', async () => {
    const upload = await storeImportFile(db.db, 'a.csv', Buffer.from('email\na@x.io\nb@x.io\n'));
    await claimImport(lifecycle(), upload.id);
    const first = await commitBatch(lifecycle(), upload.id, start, batch(['a@x.io'], 2));
    expect(first.kind).toBe('committed');

    // A second run still holding the old checkpoint tries to commit the same lines again.
    await expect(
      commitBatch(lifecycle(), upload.id, start, batch(['a@x.io'], 2)),
    ).rejects.toBeInstanceOf(ImportTakenOver);
    const [row] =
      await db.sql`select processed_rows, inserted, updated from imports where id = ${upload.id}`;
    expect(row).toEqual({ processed_rows: 1, inserted: 1, updated: 0 });
  });
});

describe('errors from the worker half', () => {
  it("are the driver's, never Drizzle's wrapper carrying the batch's values", async () => {
    const failure = await commitBatch(lifecycle(), 'not-a-uuid', start, batch(['a@x.io'], 2)).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: '22P02' });
    expect(String((failure as Error).message)).not.toMatch(/Failed query|a@x\.io/);
  });
});
