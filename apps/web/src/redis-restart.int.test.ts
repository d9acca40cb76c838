// template-demo
import { setTimeout as sleep } from 'node:timers/promises';
import { testEnv, uniquePrefix } from '@app/db/testing';
import { type RedisServer, startRedisServer } from '@app/db/testing/processes';
import { contactsCsv } from '@app/worker/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SpawnedWorker,
  spawnWorker,
  waitUntilReady,
} from '../../worker/src/testing/spawn-worker';
import {
  type StagedWeb,
  stageStandaloneWeb,
  startWeb,
  type WebServer,
  waitForHealthy,
} from '../e2e/support/standalone-server';

/**
 * A Redis restart under load, as `docker restart redis` does it on the droplet: a Redis of this
 * test's own (AOF on, like docker-compose.prod.yml), the production web server and the real worker
 * process. Jobs queued and running when Redis goes away must all finish; meanwhile the API must
 * answer 503 quickly rather than hang; afterwards both processes recover on their own.
 */

const ROWS = 600;
const IMPORTS = 4;
const user = 'operator';
const password = 'a-long-test-password';
const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Redis restart with jobs queued and running', () => {
  let redis: RedisServer | undefined;
  let staged: StagedWeb;
  let web: WebServer;
  let worker: SpawnedWorker;

  beforeAll(async () => {
    const env = await testEnv();
    redis = await startRedisServer({ appendonly: true });
    const redisUrl = redis.url;
    const prefix = await uniquePrefix('restart');
    worker = await spawnWorker({
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      // One job at a time in small, paced batches: some imports wait while one runs.
      WORKER_CONCURRENCY: '1',
      IMPORT_BATCH_SIZE: '50',
      IMPORT_BATCH_DELAY_MS: '100',
    });
    staged = await stageStandaloneWeb();
    web = await startWeb(staged, {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      BASIC_AUTH_USER: user,
      BASIC_AUTH_PASSWORD: password,
      WORKER_HEALTH_URL: `http://127.0.0.1:${worker.port}`,
      NEXT_TELEMETRY_DISABLED: '1',
    });
    await Promise.all([waitUntilReady(worker), waitForHealthy(web)]);
  }, 300_000);

  afterAll(async () => {
    web?.child.kill('SIGTERM');
    worker?.child.kill('SIGTERM');
    await Promise.all([web?.exited, worker?.exited, redis?.stop()]);
    await staged?.remove();
  });

  const api = (pathname: string, init: RequestInit = {}) =>
    fetch(`${web.url}${pathname}`, {
      ...init,
      headers: { authorization, origin: web.url, ...init.headers },
    });

  function upload(name: string) {
    const form = new FormData();
    const csv = contactsCsv({ rows: ROWS, emailPrefix: name });
    form.append('file', new File([new Uint8Array(csv)], `${name}.csv`, { type: 'text/csv' }));
    return api('/api/imports', { method: 'POST', body: form });
  }

  type ImportState = { status: string; processedRows: number; inserted: number; updated: number };
  const state = async (id: string) =>
    ((await (await api(`/api/imports/${id}`)).json()) as { import: ImportState }).import;

  async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      await sleep(200);
    }
    throw new Error(`timed out waiting for ${what}\n${worker.output().slice(-3000)}`);
  }

  /** Status and time of one request; the body is dropped. */
  async function timed(pathname: string, init?: RequestInit) {
    const t0 = performance.now();
    const response = await api(pathname, init);
    await response.body?.cancel();
    return { status: response.status, ms: performance.now() - t0 };
  }

  it('loses no job, answers 503 within 2 s while Redis is down, and recovers without restarts', async () => {
    const ids: string[] = [];
    for (let i = 0; i < IMPORTS; i++) {
      const response = await upload(`before-${i}`);
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { import: { id: string } }).import.id);
    }
    // The first import is running (and has committed some rows), the others are waiting.
    await waitFor(async () => {
      const first = await state(ids[0] as string);
      return first.status === 'running' && first.processedRows > 0;
    }, 'the first import to run');
    expect((await state(ids[IMPORTS - 1] as string)).status).toBe('queued');

    // `docker restart`: SIGTERM (Redis writes its AOF and exits), then the same server again.
    if (!redis) throw new Error('no redis');
    const { port, dir } = redis;
    await redis.stop({ keepData: true });

    for (let i = 0; i < 3; i++) {
      const health = await timed('/api/health');
      expect(health.status).toBe(503);
      expect(health.ms).toBeLessThan(2000);
      const form = new FormData();
      form.append('file', new File(['email\na@example.com\n'], 'during.csv', { type: 'text/csv' }));
      const enqueue = await timed('/api/imports', { method: 'POST', body: form });
      expect(enqueue.status).toBe(503);
      expect(enqueue.ms).toBeLessThan(2000);
      await sleep(500);
    }

    redis = await startRedisServer({ appendonly: true, port, dir });

    // Every import queued or running before the restart completes, with every row.
    await waitFor(async () => {
      const states = await Promise.all(ids.map(state));
      return states.every((s) => s.status === 'completed');
    }, 'every import to complete');
    for (const id of ids) {
      const done = await state(id);
      expect(done.processedRows).toBe(ROWS);
      expect(done.inserted + done.updated).toBe(ROWS);
    }

    // Both processes are the ones started before the restart, and both work.
    expect(web.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    await waitForHealthy(web, 30_000);
    const after = await upload('after');
    expect(after.status).toBe(202);
    const afterId = ((await after.json()) as { import: { id: string } }).import.id;
    await waitFor(
      async () => (await state(afterId)).status === 'completed',
      'an import after the restart',
    );
  }, 240_000);
});
