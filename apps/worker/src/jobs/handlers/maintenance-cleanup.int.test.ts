// template-demo
import { createDb, type DbClient, storeImportFile } from '@app/db';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { eventsKey, maintenanceCleanup } from '@app/shared/contracts';
import { enqueue } from '@app/shared/queues';
import { createProducerConnection } from '@app/shared/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForJob } from '../../testing/jobs.ts';
import { startInProcessWorker } from '../../testing/worker.ts';

let db: DbClient;
let worker: ReturnType<typeof startInProcessWorker>;
let prefix: string;
let redis: ReturnType<typeof createProducerConnection>;

beforeAll(async () => {
  const env = await testEnv();
  db = createDb(env.databaseUrl, { max: 3 });
  prefix = await uniquePrefix('cleanup');
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

/** An import in `status`, finished `daysAgo`, with a stored file and one error row `daysAgo` old. */
async function importFinished(status: string, daysAgo: number) {
  const row = await storeImportFile(db.db, `${status}-${daysAgo}.csv`, Buffer.from('email\nx\n'));
  await db.sql`
    update imports set status = ${status}::import_status,
      finished_at = case when ${status} in ('queued', 'running') then null
                         else now() - make_interval(days => ${daysAgo}) end
    where id = ${row.id}`;
  await db.sql`
    insert into import_errors (import_id, line, message, created_at)
    values (${row.id}, 2, 'not a valid email address', now() - make_interval(days => ${daysAgo}))`;
  return row.id;
}

async function state(id: string) {
  const [row] = await db.sql<{ chunks: number; errors: number; deleted: boolean }[]>`
    select (select count(*)::int from import_chunks where import_id = ${id}) as chunks,
           (select count(*)::int from import_errors where import_id = ${id}) as errors,
           (select file_deleted_at is not null from imports where id = ${id}) as deleted`;
  return row;
}

describe('maintenance.cleanup', () => {
  it('removes old files of finished imports and old errors, keeps recent and running ones', async () => {
    const oldCompleted = await importFinished('completed', 8);
    const oldFailed = await importFinished('failed', 40);
    const recent = await importFinished('completed', 2);
    const running = await importFinished('running', 0);
    await db.sql`update imports set created_at = now() - interval '9 days' where id = ${running}`;

    const stream = eventsKey(prefix);
    const dayAgo = Date.now() - 25 * 3600 * 1000;
    await redis.xadd(stream, `${dayAgo}-0`, 'event', '{}');
    await redis.xadd(stream, '*', 'event', '{}');

    const job = await enqueue(worker.runtime.queues, maintenanceCleanup, {});
    const { state: end, job: done } = await waitForJob(worker.runtime.queues, job);
    expect(end, done.failedReason).toBe('completed');
    expect(done.returnvalue).toMatchObject({
      importFiles: 2,
      importChunks: 2,
      importErrors: 1,
      events: 1,
    });

    expect(await state(oldCompleted)).toEqual({ chunks: 0, errors: 1, deleted: true });
    expect(await state(oldFailed)).toEqual({ chunks: 0, errors: 0, deleted: true });
    expect(await state(recent)).toEqual({ chunks: 1, errors: 1, deleted: false });
    expect(await state(running)).toEqual({ chunks: 1, errors: 1, deleted: false });
    expect(await redis.xlen(stream)).toBe(1);

    // Nothing left to do: a second run removes nothing.
    const again = await waitForJob(
      worker.runtime.queues,
      await enqueue(worker.runtime.queues, maintenanceCleanup, {}),
    );
    expect(again.job.returnvalue).toMatchObject({ importFiles: 0, importErrors: 0, events: 0 });
  });
});
