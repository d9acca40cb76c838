import { randomUUID } from 'node:crypto';
import { type DbClient, examples } from '@app/db';
import { resetDatabase } from '@app/db/testing';
import { exampleProcess } from '@app/shared/contracts';
import { enqueue } from '@app/shared/queues';
import { waitForJob } from '@app/worker/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FailedJobsApi, postAction, startFailedJobsApi } from './testing';

// The failed-jobs API with the skeleton's own job (it stays after `make remove-demo`): an
// `example.process` for a row that does not exist fails for good; once the row exists, a retry
// from the API completes it; a discard removes a failed job, and repeating either is a no-op.
let api: FailedJobsApi;
let db: DbClient;
let worker: FailedJobsApi['worker'];
let list: FailedJobsApi['list'];
let retry: FailedJobsApi['retry'];
let discard: FailedJobsApi['discard'];

beforeAll(async () => {
  api = await startFailedJobsApi('failed-example');
  ({ db, worker, list, retry, discard } = api);
});
afterAll(() => api?.stop());
beforeEach(async () => {
  await resetDatabase(db.sql);
});

/** An example job whose row is missing: the handler fails it as unrecoverable (one attempt). */
async function failedExample() {
  const id = randomUUID();
  const job = await enqueue(worker.runtime.queues, exampleProcess, { id });
  expect((await waitForJob(worker.runtime.queues, job)).state).toBe('failed');
  return { id, jobId: job.id ?? '' };
}

describe('failed jobs API, with the example job', () => {
  it('lists the failed job; retried once its row exists, it completes; again is a no-op', async () => {
    const { id, jobId } = await failedExample();
    const listed = await (
      await list.GET(new Request('http://x/api/jobs/failed'), undefined)
    ).json();
    expect(listed.total).toBe(1);
    expect(listed.jobs[0]).toMatchObject({
      queue: 'maintenance',
      id: jobId,
      name: 'example.process',
      failedReason: `example ${id} does not exist`,
    });

    await db.db.insert(examples).values({ id, message: 'arrived late' });
    const first = await postAction(retry, { queue: 'maintenance', id: jobId });
    expect(first).toEqual({
      status: 200,
      body: { result: { done: 1, skipped: 0, message: 'Retried 1 job.' } },
    });
    const job = await worker.runtime.queues.maintenance.getJob(jobId);
    if (!job) throw new Error('the retried job is gone');
    expect((await waitForJob(worker.runtime.queues, job)).state).toBe('completed');
    const [row] = await db.sql<{ processed: boolean }[]>`
      select processed_at is not null as processed from examples where id = ${id}`;
    expect(row?.processed).toBe(true);

    const again = await postAction(retry, { queue: 'maintenance', id: jobId });
    expect(again.body.result).toMatchObject({ done: 0, skipped: 1 });
  });

  it('discards a failed job for good; discarding it again says it is gone', async () => {
    const { jobId } = await failedExample();
    const first = await postAction(discard, { queue: 'maintenance', id: jobId });
    expect(first.body.result).toEqual({ done: 1, skipped: 0, message: 'Discarded 1 job.' });
    expect(await worker.runtime.queues.maintenance.getJob(jobId)).toBeUndefined();
    const again = await postAction(discard, { queue: 'maintenance', id: jobId });
    expect(again.body.result).toMatchObject({ done: 0, skipped: 1 });
  });
});
