import { createDb, type DbClient, examples } from '@app/db';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { eventsKey, exampleProcess } from '@app/shared/contracts';
import { enqueue } from '@app/shared/queues';
import { createProducerConnection } from '@app/shared/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForJob } from '../../testing/jobs.ts';
import { startInProcessWorker } from '../../testing/worker.ts';

// The example job through the real runtime: Redis, the worker, Postgres, and the live event.
let db: DbClient;
let worker: ReturnType<typeof startInProcessWorker>;
let prefix: string;
let redis: ReturnType<typeof createProducerConnection>;

beforeAll(async () => {
  const env = await testEnv();
  db = createDb(env.databaseUrl, { max: 2, poolMode: env.poolMode });
  prefix = await uniquePrefix('example');
  worker = startInProcessWorker({ ...env, prefix });
  redis = createProducerConnection(env.redisUrl);
});
afterAll(async () => {
  redis.disconnect();
  await worker.stop();
  await db.close();
});
beforeEach(async () => {
  await resetDatabase(db.sql);
});

describe('example.process', () => {
  it('marks the row processed, keeps the first time on a second delivery, publishes an event', async () => {
    const [row] = await db.db.insert(examples).values({ message: 'hello' }).returning();
    if (!row) throw new Error('no row inserted');
    const job = await enqueue(worker.runtime.queues, exampleProcess, { id: row.id });
    expect(job.id).toBe(`example-${row.id}`);
    expect((await waitForJob(worker.runtime.queues, job)).state).toBe('completed');
    const processedAt = async () =>
      (
        await db.sql<{ at: string | null }[]>`
          select processed_at::text as at from examples where id = ${row.id}`
      )[0]?.at;
    const first = await processedAt();
    expect(first).toMatch(/^\d{4}-/);

    // A redelivery (same payload, a new job id) does not move the first processing time.
    const again = await worker.runtime.queues.maintenance.add(exampleProcess.name, { id: row.id });
    expect((await waitForJob(worker.runtime.queues, again)).state).toBe('completed');
    expect(await processedAt()).toBe(first);

    const entries = (await redis.xrange(eventsKey(prefix), '-', '+')) as [string, string[]][];
    const published = entries.map(([, fields]) => JSON.parse(fields[1] ?? '{}'));
    expect(published).toContainEqual({ type: 'example.processed', id: row.id });
  });

  it('fails for good when the row does not exist (retrying cannot make it appear)', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const job = await enqueue(worker.runtime.queues, exampleProcess, { id });
    const { state, job: done } = await waitForJob(worker.runtime.queues, job);
    expect(state).toBe('failed');
    expect(done.attemptsMade).toBe(1);
    expect(done.failedReason).toContain(`example ${id} does not exist`);
  });
});
