import { createDb, type DbClient, examples } from '@app/db';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { type RedisServer, startRedisServer } from '@app/db/testing/processes';
import { exampleProcess } from '@app/shared/contracts';
import { EventHub, replayEvents, type StreamEntry } from '@app/shared/events';
import { closeQueues, createQueues, enqueue, type Queues } from '@app/shared/queues';
import { createProducerConnection, createWorkerConnection } from '@app/shared/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitForJob } from './testing/jobs.ts';
import { type SpawnedWorker, spawnWorker, waitUntilReady } from './testing/spawn-worker.ts';

// Valkey 8 (what managed caching now runs) in place of Redis 7, unchanged code: Debian's
// valkey-server (bookworm-backports; .devcontainer/install-valkey.sh) on a port of its own, the
// real worker process, the events module as the web reads it.
let valkey: RedisServer;
let db: DbClient;
let worker: SpawnedWorker;
let producer: Redis;
let queues: Queues;
let prefix: string;

beforeAll(async () => {
  const env = await testEnv();
  valkey = await startRedisServer({ binary: 'valkey-server', appendonly: true });
  db = createDb(env.databaseUrl, { max: 2 });
  await resetDatabase(db.sql);
  prefix = await uniquePrefix('valkey');
  worker = await spawnWorker({
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: valkey.url,
    QUEUE_PREFIX: prefix,
    // One schedule that fires every second (six fields: seconds first); the others off.
    CLEANUP_CRON: '* * * * * *',
    REPORT_CRON: 'off',
    BACKUP_CRON: 'off',
    BACKUP_VERIFY_CRON: 'off',
  });
  producer = createProducerConnection(valkey.url);
  queues = createQueues(producer, prefix);
  await waitUntilReady(worker, 45_000);
}, 90_000);
afterAll(async () => {
  await closeQueues(queues);
  producer?.disconnect();
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await db?.close();
  await valkey?.stop();
});

describe('Valkey 8 in place of Redis', () => {
  it('is Valkey 8, and the worker started on it (noeviction check passed)', async () => {
    const info = await producer.info('server');
    expect(info).toMatch(/^valkey_version:8\./m);
    expect(worker.output()).toMatch(/worker started/);
    expect(worker.output()).not.toMatch(/maxmemory-policy/);
  });

  it('runs a job through the runtime and publishes its event to the live reader and the replay', async () => {
    const hub = new EventHub({ prefix, connect: () => createWorkerConnection(valkey.url) });
    const seen: StreamEntry[] = [];
    const unsubscribe = hub.subscribe((entry) => seen.push(entry));
    // The hub reads from `$`: give its first XREAD a moment to be in place.
    await vi.waitFor(async () => expect(await producer.client('LIST')).toMatch(/cmd=xread/), {
      timeout: 5000,
      interval: 50,
    });
    const [row] = await db.db.insert(examples).values({ message: 'on valkey' }).returning();
    if (!row) throw new Error('no row inserted');
    const job = await enqueue(queues, exampleProcess, { id: row.id });
    expect((await waitForJob(queues, job)).state).toBe('completed');
    const expected = { type: 'example.processed', id: row.id };
    await vi.waitFor(() => expect(seen.map((e) => e.event)).toContainEqual(expected), {
      timeout: 10_000,
      interval: 50,
    });
    unsubscribe();
    // Last-Event-ID replay (what a reconnecting SSE client gets): what came after the first event.
    const lastId = seen.find((e) => e.event.type === 'example.processed')?.id ?? '';
    const [second] = await db.db.insert(examples).values({ message: 'again' }).returning();
    if (!second) throw new Error('no row inserted');
    const next = await enqueue(queues, exampleProcess, { id: second.id });
    expect((await waitForJob(queues, next)).state).toBe('completed');
    const replayed: StreamEntry[] = [];
    expect(await replayEvents(producer, prefix, lastId, (entry) => replayed.push(entry))).toBe(
      'replayed',
    );
    expect(replayed.map((e) => e.event)).toEqual([{ type: 'example.processed', id: second.id }]);
  });

  it('keeps exactly one scheduler per schedule and runs it on time', async () => {
    const schedulers = await queues.maintenance.getJobSchedulers();
    expect(schedulers.map((s) => ({ id: s.key, pattern: s.pattern }))).toEqual([
      { id: 'maintenance-cleanup', pattern: '* * * * * *' },
    ]);
    // Every second: a few runs completed within a few seconds (the queue also holds the
    // example jobs above, so count by name).
    const runs = async () =>
      (await queues.maintenance.getCompleted(0, 100)).filter(
        (job) => job.name === 'maintenance.cleanup',
      ).length;
    await vi.waitFor(async () => expect(await runs()).toBeGreaterThanOrEqual(2), {
      timeout: 15_000,
      interval: 200,
    });
    // Still one scheduler (and its one next run) after it fired.
    expect((await queues.maintenance.getJobSchedulers()).map((s) => s.key)).toEqual([
      'maintenance-cleanup',
    ]);
  });
});
