import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { backupRuns, createDb, type DbClient } from '@app/db';
import { insertExamples, resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { backup, backupVerify } from '@app/shared/contracts';
import { enqueue } from '@app/shared/queues';
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForJob } from '../../testing/jobs.ts';
import { startInProcessWorker } from '../../testing/worker.ts';

let db: DbClient;
let dir: string;
let worker: ReturnType<typeof startInProcessWorker>;
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  const env = await testEnv();
  db = createDb(env.databaseUrl, { max: 3 });
  await resetDatabase(db.sql);
  dir = await mkdtemp(path.join(tmpdir(), 'backup-job-'));
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  worker = startInProcessWorker(
    { ...env, prefix: await uniquePrefix('backup') },
    {
      logStream,
      settings: { BACKUP_DIR: dir, BACKUP_KEEP_DAILY: 7, BACKUP_KEEP_WEEKLY: 4 },
      crons: { BACKUP_CRON: '30 2 * * *' },
    },
  );
});
afterAll(async () => {
  await worker?.stop();
  await db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function run(definition: typeof backup | typeof backupVerify) {
  const job = await enqueue(worker.runtime.queues, definition, {});
  return waitForJob(worker.runtime.queues, job, 60_000);
}

describe('the backup and backup.verify jobs in the worker', () => {
  it('back up, pass a drill, and fail one loudly once the file is damaged', async () => {
    await insertExamples(db.sql, 300);

    const made = await run(backup);
    expect(made.state, made.job.failedReason).toBe('completed');
    const file = (made.job.returnvalue as { file: string }).file;
    expect(await readdir(dir)).toContain(file);

    const drill = await run(backupVerify);
    expect(drill.state, drill.job.failedReason).toBe('completed');
    expect(drill.job.returnvalue).toMatchObject({ file, tables: { 'public.examples': 300 } });

    const dumpPath = path.join(dir, file);
    await truncate(dumpPath, Math.floor((await stat(dumpPath)).size / 3));
    const failed = await run(backupVerify);
    expect(failed.state).toBe('failed');
    // A damaged file is not retried: one attempt, and the reason names the file.
    expect(failed.job.attemptsMade).toBe(1);
    expect(failed.job.failedReason).toContain(`${file} is damaged`);

    const runs = await db.db.select().from(backupRuns).orderBy(asc(backupRuns.startedAt));
    expect(runs.map((r) => `${r.kind}:${r.status}`)).toEqual([
      'backup:succeeded',
      'drill:succeeded',
      'drill:failed',
    ]);
    const errors = logs.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'restore drill failed' });
    expect(JSON.stringify(errors[0])).toContain('is damaged');
  }, 90_000);
});
