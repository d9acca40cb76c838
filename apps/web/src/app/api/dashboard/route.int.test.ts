// template-demo
import { createDb, type DbClient } from '@app/db';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { startInProcessWorker } from '@app/worker/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DashboardSnapshot } from '@/lib/dashboard';

let db: DbClient;
let worker: ReturnType<typeof startInProcessWorker>;
let dashboard: typeof import('./route');
let reports: typeof import('../reports/route');

beforeAll(async () => {
  const base = await testEnv();
  const env = { ...base, prefix: await uniquePrefix('dash') };
  vi.stubEnv('DATABASE_URL', env.databaseUrl);
  vi.stubEnv('REDIS_URL', env.redisUrl);
  vi.stubEnv('QUEUE_PREFIX', env.prefix);
  vi.stubEnv('LOG_LEVEL', 'silent');
  // Nothing listens there: the worker's health shows as down (the in-process runtime has none).
  vi.stubEnv('WORKER_HEALTH_URL', 'http://127.0.0.1:9');
  db = createDb(env.databaseUrl, { max: 2 });
  await resetDatabase(db.sql);
  worker = startInProcessWorker(env);
  dashboard = await import('./route');
  reports = await import('../reports/route');
});
afterAll(async () => {
  await worker.stop();
  await db.close();
  const { closeServices } = await import('@/server/services.server');
  await closeServices();
});

async function snapshot(): Promise<DashboardSnapshot> {
  const response = await dashboard.GET(new Request('http://localhost/api/dashboard'), undefined);
  expect(response.status).toBe(200);
  return response.json();
}

describe('dashboard and reports API', () => {
  it('runs a report on demand and the snapshot shows it completed, counted and stored', async () => {
    const before = await snapshot();
    expect(before.health).toEqual({ db: 'ok', redis: 'ok', worker: 'down' });
    expect(before.latestReport).toBeNull();
    expect(before.queues.map((q) => q.name)).toEqual(['imports', 'maintenance']);
    expect(before.queues.every((q) => q.workers >= 1)).toBe(true);
    expect(before.throughput.completed).toHaveLength(60);

    const response = await reports.POST(
      new Request('http://localhost/api/reports', { method: 'POST' }),
      undefined,
    );
    expect(response.status).toBe(202);

    let after = before;
    for (let i = 0; i < 100 && !after.latestReport; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the shared-snapshot window
      after = await snapshot();
    }
    const [stored] = await db.sql<{ id: string }[]>`select id from reports`;
    expect(after.latestReport?.id).toBe(stored?.id);
    const maintenance = after.queues.find((q) => q.name === 'maintenance');
    expect(maintenance?.counts.completed).toBe(1);
    // Summed: the job may have finished in the minute before the snapshot's.
    expect(after.throughput.completed.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  });
});
