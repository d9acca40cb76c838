// template-demo
import type { DbClient } from '@app/db';
import { resetDatabase, type TestEnv } from '@app/db/testing';
import { eventsKey } from '@app/shared/events';
import { uploadCsv, waitForImport } from '@app/worker/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FailedJobsApi, postAction, startFailedJobsApi } from './testing';

// The failed-jobs API against the real job runtime: imports fail for a real reason (a file that is
// not CSV), the cause is fixed in the database, and the retried job completes.
let api: FailedJobsApi;
let db: DbClient;
let env: TestEnv;
let worker: FailedJobsApi['worker'];
let list: FailedJobsApi['list'];
let retry: FailedJobsApi['retry'];
let discard: FailedJobsApi['discard'];

beforeAll(async () => {
  api = await startFailedJobsApi('failed');
  ({ db, env, worker, list, retry, discard } = api);
});
afterAll(() => api?.stop());
beforeEach(async () => {
  await resetDatabase(db.sql);
});

const binary = Buffer.concat([Buffer.from('email\n'), Buffer.from([0x00, 0xff, 0x10, 0x00])]);

async function failedImport(name: string) {
  const upload = await uploadCsv(env, db, binary, name);
  await waitForImport(db, upload.id, ['failed']);
  return { importId: upload.id, jobId: `import-${upload.id}` };
}

async function failedIds() {
  const response = await list.GET(new Request('http://localhost/api/jobs/failed'), undefined);
  const body = (await response.json()) as { jobs: { id: string }[]; total: number };
  return body.jobs.map((j) => j.id);
}

describe('failed jobs API', () => {
  it('lists a failed job; retried after its cause is fixed it completes; retrying again is a no-op', async () => {
    const { importId, jobId } = await failedImport('photo.csv');

    const response = await list.GET(new Request('http://localhost/api/jobs/failed'), undefined);
    const listed = await response.json();
    expect(listed.total).toBe(1);
    expect(listed.jobs[0]).toMatchObject({
      queue: 'imports',
      id: jobId,
      name: 'contacts.import',
      attemptsMade: 1,
      failedReason: expect.stringMatching(/binary/),
    });

    // The cause: the stored file. Fix it, as someone re-uploading the right bytes would.
    const fixed = Buffer.from('Email,Name\nada@example.com,Ada\ngrace@example.com,Grace\n');
    await db.sql`update import_chunks set data = ${fixed} where import_id = ${importId}`;
    await db.sql`update imports set size_bytes = ${fixed.length} where id = ${importId}`;

    const first = await postAction(retry, { queue: 'imports', id: jobId });
    expect(first).toEqual({
      status: 200,
      body: { result: { done: 1, skipped: 0, message: 'Retried 1 job.' } },
    });
    const done = await waitForImport(db, importId, ['completed']);
    expect(done).toMatchObject({ inserted: 2, error: null });
    expect(await worker.runtime.queues.imports.getJobState(jobId)).toBe('completed');

    const again = await postAction(retry, { queue: 'imports', id: jobId });
    expect(again.body.result).toEqual({
      done: 0,
      skipped: 1,
      message: 'Nothing to do: the job was no longer failed.',
    });
    expect(await failedIds()).toEqual([]);
  });

  it('discards a failed job for good; discarding it again reports that it is gone', async () => {
    const { jobId } = await failedImport('bad.csv');
    const first = await postAction(discard, { queue: 'imports', id: jobId });
    expect(first.body.result).toEqual({ done: 1, skipped: 0, message: 'Discarded 1 job.' });
    expect(await worker.runtime.queues.imports.getJob(jobId)).toBeUndefined();
    const again = await postAction(discard, { queue: 'imports', id: jobId });
    expect(again.body.result).toMatchObject({ done: 0, skipped: 1 });
  });

  it('retrying an import job goes through the import retry: a file removed by retention is not re-run', async () => {
    const { importId, jobId } = await failedImport('gone.csv');
    await db.sql`update imports set file_deleted_at = now() where id = ${importId}`;
    const result = await postAction(retry, { queue: 'imports', id: jobId });
    expect(result.body.result).toMatchObject({ done: 0, skipped: 1 });
    expect(await worker.runtime.queues.imports.getJobState(jobId)).toBe('failed');
    const [row] = await db.sql<
      { status: string }[]
    >`select status from imports where id = ${importId}`;
    expect(row?.status).toBe('failed');
    await postAction(discard, { queue: 'imports', id: jobId });
  });

  it('retries all failed jobs and says how many', async () => {
    const a = await failedImport('a.csv');
    const b = await failedImport('b.csv');
    expect((await failedIds()).sort()).toEqual([a.jobId, b.jobId].sort());
    const all = await postAction(retry, { all: true });
    expect(all.body.result).toMatchObject({ done: 2, skipped: 0, message: 'Retried 2 jobs.' });
    // Still broken files: they fail again, each on a fresh attempt.
    await waitForImport(db, a.importId, ['failed'], 30_000, (row) => row.attempts === 2);
    await waitForImport(db, b.importId, ['failed'], 30_000, (row) => row.attempts === 2);
  });

  it('retries an import job as the import page does: announced as queued, refused once its file is gone', async () => {
    const redis = new Redis(env.redisUrl);
    try {
      const kept = await failedImport('kept.csv');
      const removed = await failedImport('removed.csv');
      // Retention removed this one's upload: the import page would refuse its retry (409).
      await db.sql`update imports set file_deleted_at = now() where id = ${removed.importId}`;
      const [[lastId] = ['0-0']] = (await redis.xrevrange(
        eventsKey(env.prefix),
        '+',
        '-',
        'COUNT',
        1,
      )) as [string, string[]][];

      const retried = await postAction(retry, { queue: 'imports', id: kept.jobId });
      expect(retried.body.result).toMatchObject({ done: 1, skipped: 0 });
      const refused = await postAction(retry, { queue: 'imports', id: removed.jobId });
      expect(refused.body.result).toMatchObject({ done: 0, skipped: 1 });

      const entries = (await redis.xrange(eventsKey(env.prefix), `(${lastId}`, '+')) as [
        string,
        string[],
      ][];
      const announced = entries.map(([, fields]) => JSON.parse(fields[1] ?? '{}').import);
      // retryImport's event: the page shows the import queued again before the worker claims it.
      expect(announced.find((view) => view.id === kept.importId)).toMatchObject({
        status: 'queued',
        error: null,
      });
      expect(announced.some((view) => view.id === removed.importId)).toBe(false);
      const [left] = await db.sql`select status from imports where id = ${removed.importId}`;
      expect(left).toEqual({ status: 'failed' });
      expect(await failedIds()).toContain(removed.jobId);
    } finally {
      redis.disconnect();
    }
  });

  it('answers 400 for a target that is neither one job nor all, 415 for a non-JSON body', async () => {
    const bad = await postAction(retry, { queue: 'nope', id: '1' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    const form = await retry.POST(
      new Request('http://localhost/api/jobs/failed/retry', { method: 'POST', body: 'all=true' }),
      undefined,
    );
    expect(form.status).toBe(415);
  });
});
