import { testEnv, uniquePrefix } from '@app/db/testing';
import { closeQueues, createQueues, type Queues } from '@app/shared/queues';
import { createWorkerConnection } from '@app/shared/redis';
import { describe, expect, it } from 'vitest';
import { spawnWorker, waitUntilReady } from '../testing/spawn-worker.ts';

async function startAndStop(env: Record<string, string>) {
  const worker = await spawnWorker(env);
  await waitUntilReady(worker); // ready includes "schedules registered"
  worker.child.kill('SIGTERM');
  expect(await worker.exited, worker.output()).toBe(0);
}

async function schedulers(queues: Queues) {
  const list = await queues.maintenance.getJobSchedulers();
  return list
    .map((s) => ({ id: s.key, name: s.name, pattern: s.pattern }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe('job schedules', () => {
  it('exist exactly once after five worker restarts, follow the cron settings, and turn off', async () => {
    const base = await testEnv();
    const prefix = await uniquePrefix('sched');
    const env = {
      DATABASE_URL: base.databaseUrl,
      REDIS_URL: base.redisUrl,
      QUEUE_PREFIX: prefix,
      // demo:start
      REPORT_CRON: '0 3 * * *',
      // demo:end
      CLEANUP_CRON: '17 * * * *',
      BACKUP_CRON: '30 2 * * *',
      BACKUP_VERIFY_CRON: '30 4 * * 0',
    };
    const redis = createWorkerConnection(base.redisUrl);
    const queues = createQueues(redis, prefix);
    try {
      for (let restart = 0; restart < 5; restart++) await startAndStop(env);

      const expected = [
        { id: 'backup', name: 'backup', pattern: '30 2 * * *' },
        { id: 'backup-verify', name: 'backup.verify', pattern: '30 4 * * 0' },
        // demo:start
        { id: 'contacts-report', name: 'contacts.report', pattern: '0 3 * * *' },
        // demo:end
        { id: 'maintenance-cleanup', name: 'maintenance.cleanup', pattern: '17 * * * *' },
      ];
      expect(await schedulers(queues)).toEqual(expected);
      // demo:start
      expect(await queues.imports.getJobSchedulers()).toEqual([]);
      // demo:end
      // A scheduler keeps exactly one delayed job: its next run.
      expect(await queues.maintenance.getDelayedCount()).toBe(expected.length);

      // A changed pattern replaces the schedule; `off` removes it.
      await startAndStop({
        ...env,
        // demo:start
        REPORT_CRON: 'off',
        // demo:end
        CLEANUP_CRON: '45 * * * 1',
        BACKUP_CRON: 'off',
        BACKUP_VERIFY_CRON: 'off',
      });
      expect(await schedulers(queues)).toEqual([
        { id: 'maintenance-cleanup', name: 'maintenance.cleanup', pattern: '45 * * * 1' },
      ]);
      expect(await queues.maintenance.getDelayedCount()).toBe(1);
    } finally {
      await closeQueues(queues);
      redis.disconnect();
    }
  }, 120_000);

  it('refuses an invalid cron setting at start with one line naming it', async () => {
    const base = await testEnv();
    const worker = await spawnWorker({
      DATABASE_URL: base.databaseUrl,
      REDIS_URL: base.redisUrl,
      QUEUE_PREFIX: await uniquePrefix('sched'),
      CLEANUP_CRON: 'daily',
    });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(/^ {2}CLEANUP_CRON: a cron pattern like/m);
  });
});
