// template-demo
import { createDb } from '@app/db';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsCsv, expectedCounts, readImport, uploadCsv } from './testing/import-fixtures.ts';
import { type SpawnedWorker, spawnWorker, waitUntilReady } from './testing/spawn-worker.ts';

// A managed database's failover, a restart or an admin's pg_terminate_backend, on the real worker
// process: its connections die mid-transaction and it must neither exit nor lose a row.

const env = await testEnv();
const db = createDb(env.databaseUrl, { max: 2, applicationName: 'pgfaults-test' });
const database = new URL(env.databaseUrl).pathname.slice(1);

/** Terminates this test database's backends of one application (other databases are not ours). */
async function terminate(applicationName: string): Promise<number> {
  const rows = await db.sql`
    select pg_terminate_backend(pid) as ok from pg_stat_activity
    where application_name = ${applicationName} and datname = ${database}`;
  return rows.filter((r) => r.ok).length;
}

/** Polls the import until `until` holds, failing at once if the worker process has exited. */
async function waitFor(
  worker: SpawnedWorker,
  id: string,
  until: (row: Awaited<ReturnType<typeof readImport>>) => boolean,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) {
      throw new Error(`worker exited (${worker.child.exitCode}):\n${worker.output().slice(-3000)}`);
    }
    const row = await readImport(db, id);
    if (until(row)) return row;
    if (Date.now() > deadline) throw new Error(`import stuck: ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  await resetDatabase(db.sql);
});
afterAll(async () => {
  await db.close();
});

describe('worker process when Postgres terminates its connections', () => {
  it('stays up, retries and completes the import with exact counts', async () => {
    const prefix = await uniquePrefix('pgkill');
    const worker = await spawnWorker({
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: prefix,
      // Small batches: many transactions in flight, so a termination lands inside one.
      IMPORT_BATCH_SIZE: '100',
    });
    try {
      await waitUntilReady(worker);
      const rows = 40_000;
      const csv = contactsCsv({ rows, invalidPercent: 3 });
      const row = await uploadCsv({ ...env, prefix }, db, csv);

      // Four terminations, each while the import is making progress (so each hits a running
      // attempt and costs it one retry of its eight).
      let terminated = 0;
      let seen = 0;
      for (let round = 0; round < 4; round++) {
        const progressed = await waitFor(
          worker,
          row.id,
          (r) => r.status === 'completed' || (r.status === 'running' && r.processedRows > seen),
        );
        if (progressed.status === 'completed') break;
        seen = progressed.processedRows;
        terminated += await terminate('worker');
      }
      expect(terminated).toBeGreaterThan(0);

      const done = await waitFor(worker, row.id, (r) => ['completed', 'failed'].includes(r.status));
      const expected = expectedCounts(rows, 3);
      expect({ status: done.status, error: done.error }).toEqual({
        status: 'completed',
        error: null,
      });
      expect(done.processedRows).toBe(expected.processed);
      expect(done.invalid).toBe(expected.invalid);
      expect(done.inserted).toBe(expected.valid);
      expect(done.updated).toBe(0);
      const [contacts] = await db.sql`select count(*)::int as n from contacts`;
      expect(contacts?.n).toBe(expected.valid);

      // Still the same process, and ready again on fresh connections.
      expect(worker.child.exitCode).toBeNull();
      const ready = await fetch(`http://127.0.0.1:${worker.port}/readyz`);
      expect(ready.status).toBe(200);
      expect(worker.output()).not.toMatch(/uncaught exception|TypeError/);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  }, 150_000);
});
