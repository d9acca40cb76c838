import { testEnv, uniquePrefix } from '@app/db/testing';
import { describe, expect, it } from 'vitest';
import { spawnWorker, waitUntilReady } from './testing/spawn-worker.ts';

describe('worker process', () => {
  it('reports ready when Postgres and Redis answer, and exits 0 on SIGTERM', async () => {
    const env = await testEnv();
    const worker = await spawnWorker({
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: await uniquePrefix(),
    });
    await waitUntilReady(worker);

    const ready = await fetch(`http://127.0.0.1:${worker.port}/readyz`).then((r) => r.json());
    expect(ready).toMatchObject({ status: 'ok', checks: { db: 'ok', redis: 'ok' } });

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('worker stopped');
  });

  it('refuses to start with an invalid environment: exit 1, one line per variable, no stack', async () => {
    const worker = await spawnWorker({
      DATABASE_URL: 'postgres//admin:s3cret-value@db/app',
      REDIS_URL: 'redis://localhost:6379',
      WORKER_CONCURRENCY: 'many',
    });
    expect(await worker.exited).toBe(1);
    const out = worker.output();
    expect(out).toMatch(/^ {2}DATABASE_URL: expected a URL like postgres:\/\//m);
    expect(out).toMatch(/^ {2}WORKER_CONCURRENCY: /m);
    expect(out).not.toContain('s3cret-value');
    expect(out).not.toMatch(/\n\s+at /);
  });
});
