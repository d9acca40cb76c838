// template-demo
import { createDb, type DbClient } from '@app/db';
import { resetDatabase, type TestEnv, testEnv, uniquePrefix } from '@app/db/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  contactsCsv,
  expectedCounts,
  readImport,
  startInProcessWorker,
  uploadCsv,
  waitForImport,
} from '../../testing/import-fixtures.ts';
import { type SpawnedWorker, spawnWorker, waitUntilReady } from '../../testing/spawn-worker.ts';
import { startTcpProxy } from '../../testing/tcp-proxy.ts';

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
  env = { ...base, prefix: await uniquePrefix('import') };
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function countContacts() {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from contacts`;
  return row?.n ?? -1;
}

/** The worker as Docker runs it: a separate process, with stall detection tuned for tests. */
async function childWorker(extra: Record<string, string> = {}): Promise<SpawnedWorker> {
  const worker = await spawnWorker({
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.prefix,
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    IMPORT_BATCH_SIZE: '200',
    IMPORT_BATCH_DELAY_MS: '40',
    ...extra,
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

function inProcessWorker(options?: Parameters<typeof startInProcessWorker>[1]) {
  const worker = startInProcessWorker(env, options);
  cleanups.push(() => worker.stop());
  return worker;
}

describe('contacts.import', () => {
  it('imports a 10k-row spreadsheet export with 3% invalid rows exactly, and a re-import updates', async () => {
    inProcessWorker({ batchSize: 1000 });
    const csv = contactsCsv({ rows: 10_000, invalidPercent: 3, spreadsheet: true });
    const expected = expectedCounts(10_000, 3);

    const first = await uploadCsv(env, db, csv, 'export.csv');
    const done = await waitForImport(db, first.id);
    expect(done).toMatchObject({
      status: 'completed',
      processedRows: expected.processed,
      totalRows: expected.processed,
      inserted: expected.valid,
      updated: 0,
      invalid: expected.invalid,
    });
    expect(await countContacts()).toBe(expected.valid);
    const [errors] =
      await db.sql`select count(*)::int as n, min(line) as first from import_errors where import_id = ${first.id}`;
    expect(errors).toEqual({ n: expected.invalid, first: 2 });
    // Quoted delimiters and multi-line quoted notes survive.
    const [sample] =
      await db.sql`select company, extra from contacts where email = 'person.10@example.com'`;
    expect(sample).toEqual({
      company: 'Company 10; Ltd',
      extra: { Notes: 'said "hi"\r\non two lines' },
    });

    const second = await uploadCsv(env, db, csv, 'export-again.csv');
    const again = await waitForImport(db, second.id);
    expect(again).toMatchObject({
      inserted: 0,
      updated: expected.valid,
      invalid: expected.invalid,
    });
    expect(await countContacts()).toBe(expected.valid);
  });

  it('survives SIGKILL mid-import: a second worker finishes with exact counts and no duplicates', async () => {
    const csv = contactsCsv({ rows: 6000, invalidPercent: 3 });
    const expected = expectedCounts(6000, 3);
    const first = await childWorker();
    const upload = await uploadCsv(env, db, csv);
    const midway = await waitForImport(
      db,
      upload.id,
      ['running'],
      30_000,
      (r) => r.processedRows >= 1000,
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(midway.processedRows).toBeLessThan(6000);

    await childWorker({ IMPORT_BATCH_DELAY_MS: '0' });
    const done = await waitForImport(db, upload.id);
    expect(done).toMatchObject({
      status: 'completed',
      processedRows: expected.processed,
      inserted: expected.valid,
      updated: 0,
      invalid: expected.invalid,
    });
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(await countContacts()).toBe(expected.valid);
    const [errors] =
      await db.sql`select count(*)::int as n from import_errors where import_id = ${upload.id}`;
    expect(errors?.n).toBe(expected.invalid);
  });

  it('on SIGTERM commits the current batch, exits 0, and another worker completes the import', async () => {
    const csv = contactsCsv({ rows: 6000, invalidPercent: 3 });
    const expected = expectedCounts(6000, 3);
    const first = await childWorker();
    const upload = await uploadCsv(env, db, csv);
    await waitForImport(db, upload.id, ['running'], 30_000, (r) => r.processedRows >= 600);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const handedBack = await readImport(db, upload.id);
    expect(handedBack.status).toBe('running');
    expect(handedBack.processedRows % 200).toBe(0); // whole batches only
    expect(handedBack.processedRows).toBeLessThan(6000);
    expect(handedBack.checkpoint?.line).toBe(handedBack.processedRows + 1);

    await childWorker({ IMPORT_BATCH_DELAY_MS: '0' });
    const done = await waitForImport(db, upload.id);
    expect(done).toMatchObject({
      processedRows: expected.processed,
      inserted: expected.valid,
      invalid: expected.invalid,
    });
    expect(await countContacts()).toBe(expected.valid);
  });

  it('retries while Postgres is unreachable for a few seconds, then completes exactly', async () => {
    const target = new URL(env.databaseUrl);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    cleanups.push(() => proxy.stop());
    const viaProxy = new URL(env.databaseUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    // The worker process talks to Postgres through the proxy. Supervised like Docker's restart
    // policy would: if a connection error ever takes the process down, a new one resumes.
    const start = () =>
      childWorker({
        DATABASE_URL: viaProxy.toString(),
        IMPORT_BATCH_SIZE: '200',
        IMPORT_BATCH_DELAY_MS: '30',
      });
    let worker = await start();
    let supervising = true;
    let restarts = 0;
    const supervisor = (async () => {
      while (supervising) {
        await worker.exited;
        if (!supervising) return;
        restarts++;
        worker = await start();
      }
    })();
    cleanups.push(async () => {
      supervising = false;
      worker.child.kill('SIGKILL');
      await supervisor.catch(() => {});
      // A restart may have been starting while the test ended: that one is `worker` now.
      worker.child.kill('SIGKILL');
    });

    const csv = contactsCsv({ rows: 4000, invalidPercent: 3 });
    const expected = expectedCounts(4000, 3);
    const upload = await uploadCsv(env, db, csv);
    await waitForImport(db, upload.id, ['running'], 30_000, (r) => r.processedRows >= 400);
    await proxy.pause();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const during = await readImport(db, upload.id);
    expect(during.status).toBe('running');
    await proxy.resume();

    const done = await waitForImport(db, upload.id);
    expect(done).toMatchObject({
      processedRows: expected.processed,
      inserted: expected.valid,
      invalid: expected.invalid,
    });
    // Retried (a new attempt), not merely waited out; restarts are allowed but not needed.
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(restarts).toBeLessThanOrEqual(3);
    expect(await countContacts()).toBe(expected.valid);
  });

  it('fails a bad file once, with a message for the user, and writes no contacts', async () => {
    inProcessWorker();
    const binary = Buffer.concat([Buffer.from('email\n'), Buffer.from([0x00, 0xff, 0x10, 0x00])]);
    const upload = await uploadCsv(env, db, binary, 'photo.csv');
    const failed = await waitForImport(db, upload.id, ['failed']);
    expect(failed.error).toMatch(/binary/);
    expect(failed.attempts).toBe(1);
    expect(await countContacts()).toBe(0);
  });

  it('stops a running import at the next batch boundary when cancelled', async () => {
    inProcessWorker({ batchSize: 100, batchDelayMs: 30 });
    const upload = await uploadCsv(env, db, contactsCsv({ rows: 5000 }));
    await waitForImport(db, upload.id, ['running'], 30_000, (r) => r.processedRows >= 300);
    await db.sql`update imports set cancel_requested_at = now() where id = ${upload.id}`;
    const cancelled = await waitForImport(db, upload.id, ['cancelled']);
    expect(cancelled.processedRows % 100).toBe(0);
    expect(cancelled.processedRows).toBeLessThan(5000);
    expect(await countContacts()).toBe(cancelled.inserted);
  });
});
