// template-demo
import { createDb, type DbClient } from '@app/db';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { type PgBouncer, startPgBouncer } from '@app/db/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contactsCsv,
  expectedCounts,
  uploadCsv,
  waitForImport,
} from './testing/import-fixtures.ts';
import { spawnWorker, waitUntilReady } from './testing/spawn-worker.ts';

// DATABASE_URL through a real PgBouncer in pool_mode=transaction (Debian's 1.18, which has no
// protocol-level prepared statements), as a managed database's connection pool is. Issue 16:
// named prepared statements failed there with `prepared statement "…" does not exist`.
let bouncer: PgBouncer;
let direct: DbClient;
let databaseUrl: string;

beforeAll(async () => {
  const env = await testEnv();
  databaseUrl = env.databaseUrl;
  // Two server connections for every client: consecutive transactions change sessions often.
  bouncer = await startPgBouncer({ target: env.databaseUrl, poolMode: 'transaction', poolSize: 2 });
  direct = createDb(env.databaseUrl, { max: 2 });
  await resetDatabase(direct.sql);
});
afterAll(async () => {
  await direct?.close();
  await bouncer?.stop();
});

/** Many clients' queries at once through the pooler, until `stop` resolves; counts failures. */
function load(poolMode: 'session' | 'transaction', stop: Promise<unknown>) {
  const clients = [0, 1, 2].map(() => createDb(bouncer.url, { max: 3, poolMode }));
  const errors: string[] = [];
  let done = false;
  void stop.finally(() => {
    done = true;
  });
  const loops = clients.flatMap((client) =>
    [0, 1, 2].map(async (i) => {
      // Transactions, as the import's batches: postgres.js re-prepares once after a lone
      // statement's `does not exist`, but inside a transaction that retry cannot help.
      while (!done) {
        await client.sql
          .begin(async (tx) => {
            await tx`select count(*)::int as n from contacts where email > ${`p${i}`}`;
            await tx`select ${i}::int as i, now() as t`;
          })
          .catch((error: Error) => errors.push(error.message));
      }
    }),
  );
  return {
    errors,
    finished: Promise.all(loops).then(() => Promise.all(clients.map((c) => c.close()))),
  };
}

describe('Postgres behind PgBouncer in transaction mode', () => {
  it('fails with named prepared statements (the pooler really is in transaction mode)', async () => {
    // The control: without DATABASE_POOL_MODE=transaction, the same queries fail. If this stopped
    // failing, the test below would prove nothing.
    const stop = new Promise((resolve) => setTimeout(resolve, 3000));
    const { errors, finished } = load('session', stop);
    await finished;
    expect(errors.some((message) => /prepared statement .* does not exist/.test(message))).toBe(
      true,
    );
  });

  it('logs clients in with a password (SCRAM), as a managed pool does, and refuses a wrong one', async () => {
    // A pooler of its own with a password of its own, so this runs on a trust-auth Postgres too;
    // against a password-protected one (make test-docker) the import below uses the server's.
    const guarded = await startPgBouncer({ target: databaseUrl, password: 'pool-secret' });
    try {
      const right = createDb(guarded.url, { max: 1, poolMode: 'transaction' });
      const wrong = new URL(guarded.url);
      wrong.password = 'not-the-secret';
      const refused = createDb(wrong.toString(), { max: 1, poolMode: 'transaction' });
      try {
        const [row] = await right.sql<{ one: number }[]>`select 1 as one`;
        expect(row?.one).toBe(1);
        await expect(refused.sql`select 1`).rejects.toThrow(/SASL authentication failed/);
      } finally {
        await Promise.all([right.close(), refused.close()]);
      }
    } finally {
      await guarded.stop();
    }
  });

  it('imports a 20k-row file under load with exact counts, no retry and no prepared statement error', {
    timeout: 150_000,
  }, async () => {
    const prefix = await uniquePrefix('pgbouncer');
    const worker = await spawnWorker({
      DATABASE_URL: bouncer.url,
      DATABASE_POOL_MODE: 'transaction',
      // The migrator's advisory lock and backups take the direct URL.
      DATABASE_DIRECT_URL: databaseUrl,
      MIGRATE_ON_START: 'true',
      REDIS_URL: (await testEnv()).redisUrl,
      QUEUE_PREFIX: prefix,
      IMPORT_BATCH_SIZE: '500',
      WORKER_CONCURRENCY: '4',
    });
    try {
      await waitUntilReady(worker);
      expect(worker.output()).toMatch(/migrations applied before start/);
      let release = () => {};
      const stop = new Promise<void>((resolve) => {
        release = resolve;
      });
      const pressure = load('transaction', stop);
      const pooled = createDb(bouncer.url, { max: 3, poolMode: 'transaction' });
      try {
        // The upload goes through the pooler too, as the web app's would.
        const env = { databaseUrl: bouncer.url, redisUrl: (await testEnv()).redisUrl, prefix };
        const csv = contactsCsv({ rows: 20_000, invalidPercent: 3 });
        const expected = expectedCounts(20_000, 3);
        const upload = await uploadCsv(env, pooled, csv);
        const done = await waitForImport(direct, upload.id, ['completed', 'failed'], 120_000);
        release();
        await pressure.finished;
        expect(done).toMatchObject({
          status: 'completed',
          processedRows: expected.processed,
          inserted: expected.valid,
          invalid: expected.invalid,
          // Retries once hid the failures: one attempt means none happened.
          attempts: 1,
        });
        const [row] = await direct.sql<{ n: number }[]>`select count(*)::int as n from contacts`;
        expect(row?.n).toBe(expected.valid);
        const [errors] = await direct.sql<
          { n: number }[]
        >`select count(*)::int as n from import_errors where import_id = ${upload.id}`;
        expect(errors?.n).toBe(expected.invalid);
        expect(pressure.errors).toEqual([]);
      } finally {
        release();
        await pooled.close();
      }
      expect(worker.output()).not.toMatch(/prepared statement/);
      // The pooler really carried the traffic: its own statistics count the transactions.
      expect((await bouncer.stats()).transactions).toBeGreaterThan(40);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });
});
