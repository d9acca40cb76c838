import { createDb, type DbClient, examples } from '@app/db';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import {
  makeTestCa,
  type RedisServer,
  startTlsRedisServer,
  type TestCa,
} from '@app/db/testing/processes';
import { exampleProcess } from '@app/shared/contracts';
import type { StreamEntry } from '@app/shared/events';
import { closeQueues, createQueues, enqueue } from '@app/shared/queues';
import { createProducerConnection } from '@app/shared/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitForJob } from '../../worker/src/testing/jobs';
import {
  type SpawnedWorker,
  spawnWorker,
  waitUntilReady,
} from '../../worker/src/testing/spawn-worker';

// Redis over TLS as a managed Valkey/Redis serves it: a redis-server that speaks only TLS, with a
// certificate from a CA made for this test (REDIS_CA_FILE). The real worker process, and the
// web's own wiring (health route, rate limiter's connection, events reader) in this process.

let redis: RedisServer & { ca: TestCa };
let wrongCa: TestCa;
let db: DbClient;
let databaseUrl: string;

beforeAll(async () => {
  const env = await testEnv();
  databaseUrl = env.databaseUrl;
  redis = await startTlsRedisServer();
  wrongCa = makeTestCa('unrelated-ca');
  db = createDb(env.databaseUrl, { max: 2 });
  await resetDatabase(db.sql);
});
afterAll(async () => {
  const { closeServices } = await import('@/server/services.server');
  await closeServices();
  await db?.close();
  await redis?.stop();
  wrongCa?.remove();
});

async function stopWorker(worker: SpawnedWorker) {
  if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
  await worker.exited;
}

/** The lines of a process's output that mention `text`, and whether any looks like a stack. */
function linesWith(output: string, text: string) {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  return {
    matching: lines.filter((line) => line.includes(text)),
    stack: lines.some((line) => /^\s+at |\\n\s+at /.test(line)),
    all: lines,
  };
}

describe('Redis over TLS (rediss:// and REDIS_CA_FILE)', () => {
  it('runs example.process through the worker; health says redis ok; events and the rate limiter work', {
    timeout: 90_000,
  }, async () => {
    const prefix = await uniquePrefix('tls');
    const worker = await spawnWorker({
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_CA_FILE: redis.ca.caFile,
      QUEUE_PREFIX: prefix,
    });
    const producer = createProducerConnection(redis.url, redis.ca.caFile);
    const queues = createQueues(producer, prefix);
    try {
      await waitUntilReady(worker, 45_000);

      // The web's side, wired from its env as in production.
      vi.stubEnv('DATABASE_URL', databaseUrl);
      vi.stubEnv('REDIS_URL', redis.url);
      vi.stubEnv('REDIS_CA_FILE', redis.ca.caFile);
      vi.stubEnv('QUEUE_PREFIX', prefix);
      vi.stubEnv('LOG_LEVEL', 'silent');
      const { eventHub } = await import('@/server/events.server');
      const seen: StreamEntry[] = [];
      eventHub().subscribe((entry) => seen.push(entry));

      const [row] = await db.db.insert(examples).values({ message: 'over tls' }).returning();
      if (!row) throw new Error('no row inserted');
      const job = await enqueue(queues, exampleProcess, { id: row.id });
      expect((await waitForJob(queues, job)).state).toBe('completed');
      const [processed] = await db.sql<{ at: string | null }[]>`
        select processed_at::text as at from examples where id = ${row.id}`;
      expect(processed?.at).toMatch(/^\d{4}-/);

      // The events reader (a blocking XREAD on a TLS connection of its own) got the event.
      await vi.waitFor(
        () =>
          expect(seen.map((e) => e.event)).toContainEqual({
            type: 'example.processed',
            id: row.id,
          }),
        { timeout: 10_000, interval: 50 },
      );

      const { GET } = await import('@/app/api/health/route');
      const response = await GET();
      const body = (await response.json()) as { checks: { redis: string; db: string } };
      expect(body.checks).toMatchObject({ redis: 'ok', db: 'ok' });
      expect(response.status).toBe(200);

      // The upload rate limiter counts on the web's Redis connection, over TLS too.
      const { services } = await import('@/server/services.server');
      const { hitRateLimit } = await import('@/server/rate-limit.server');
      const limit = { max: 1, windowMs: 60_000 };
      const key = `${prefix}:tls-rate`;
      expect((await hitRateLimit(services().redis, key, limit)).allowed).toBe(true);
      expect((await hitRateLimit(services().redis, key, limit)).allowed).toBe(false);

      expect(worker.output()).not.toMatch(/REDIS_CA_FILE|redis error/);
    } finally {
      await closeQueues(queues);
      producer.disconnect();
      await stopWorker(worker);
    }
  });

  // demo:start
  it('imports a CSV through the worker over TLS with exact counts', {
    timeout: 90_000,
  }, async () => {
    const { contactsCsv, expectedCounts, uploadCsv, waitForImport } = await import(
      '../../worker/src/testing/import-fixtures'
    );
    const prefix = await uniquePrefix('tls-import');
    const worker = await spawnWorker({
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_CA_FILE: redis.ca.caFile,
      QUEUE_PREFIX: prefix,
    });
    try {
      await waitUntilReady(worker, 45_000);
      const env = { databaseUrl, redisUrl: redis.url, redisCaFile: redis.ca.caFile, prefix };
      const upload = await uploadCsv(env, db, contactsCsv({ rows: 2000, invalidPercent: 2 }));
      const done = await waitForImport(db, upload.id, ['completed', 'failed'], 60_000);
      const expected = expectedCounts(2000, 2);
      expect(done).toMatchObject({
        status: 'completed',
        processedRows: expected.processed,
        inserted: expected.valid,
        invalid: expected.invalid,
      });
    } finally {
      await stopWorker(worker);
    }
  });
  // demo:end

  it('a wrong REDIS_CA_FILE: the worker exits 1 with one line naming it and the host, no stack', {
    timeout: 30_000,
  }, async () => {
    const password = 'tls-test-password-0c9d';
    const worker = await spawnWorker({
      DATABASE_URL: databaseUrl,
      // A password in the URL must not appear in the refusal.
      REDIS_URL: redis.url.replace('rediss://', `rediss://default:${password}@`),
      REDIS_CA_FILE: wrongCa.caFile,
      QUEUE_PREFIX: await uniquePrefix('tls-wrong'),
    });
    const code = await Promise.race([
      worker.exited,
      new Promise((resolve) => setTimeout(() => resolve('still running'), 20_000)),
    ]);
    await stopWorker(worker);
    expect(code).toBe(1);
    const output = worker.output();
    const { matching, stack, all } = linesWith(output, 'REDIS_CA_FILE');
    expect(matching).toHaveLength(1);
    expect(matching[0]).toContain(`127.0.0.1:${redis.port}`);
    expect(matching[0]).toContain(wrongCa.caFile);
    expect(matching[0]).toMatch(/not signed by the CA in REDIS_CA_FILE/);
    expect(stack).toBe(false);
    expect(output).not.toContain(password);
    // Nothing else was logged at warn or above (no retry noise before the refusal).
    expect(all.filter((line) => /"level":(40|50|60)/.test(line))).toHaveLength(1);
  });

  it('a REDIS_CA_FILE that cannot be read: one line naming it, no stack', async () => {
    const missing = `${wrongCa.dir}/no-such-ca.pem`;
    const worker = await spawnWorker({
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_CA_FILE: missing,
      QUEUE_PREFIX: await uniquePrefix('tls-missing'),
    });
    expect(await worker.exited).toBe(1);
    const { matching, stack } = linesWith(worker.output(), 'REDIS_CA_FILE');
    expect(matching).toHaveLength(1);
    expect(matching[0]).toContain(`cannot read ${missing} (ENOENT)`);
    expect(stack).toBe(false);
  });
});
