import { once } from 'node:events';
// demo:start
import { reports } from '@app/db';
// demo:end
import { queueNames } from '@app/shared/contracts';
// demo:start
import { desc } from 'drizzle-orm';
// demo:end
import { env } from '../env';
import {
  type DashboardSnapshot,
  type Health,
  jobStates,
  perMinute,
  type QueueSnapshot,
  sumSeries,
} from '../lib/dashboard';
import { services, withTimeout } from './services.server';

const MINUTES = 60;
/** Every open dashboard polls; within this window they share one snapshot (one set of calls). */
const SHARE_MS = 1000;

let shared: { at: number; snapshot: Promise<DashboardSnapshot> } | undefined;

/** The dashboard's figures: a handful of Redis and Postgres calls, shared between viewers. */
export function dashboardSnapshot(): Promise<DashboardSnapshot> {
  const now = Date.now();
  if (shared && now - shared.at < SHARE_MS) return shared.snapshot;
  const snapshot = takeSnapshot(now);
  shared = { at: now, snapshot };
  // A failed snapshot must not be served to the next viewer.
  snapshot.catch(() => {
    if (shared?.snapshot === snapshot) shared = undefined;
  });
  return snapshot;
}

async function takeSnapshot(now: number): Promise<DashboardSnapshot> {
  const { db, queues, redis } = services();
  // Without an offline queue, commands sent while the connection is still being made (the first
  // request after a start) fail at once; give it the same second a health check gets.
  if (redis.status !== 'ready') await withTimeout(once(redis, 'ready'), 1000);
  // demo:start
  const latestReport = db.db
    .select({ id: reports.id, generatedAt: reports.generatedAt })
    .from(reports)
    .orderBy(desc(reports.generatedAt))
    .limit(1)
    .then(([row]) => (row ? { id: row.id, generatedAt: row.generatedAt.toISOString() } : null))
    .catch(() => null);
  // demo:end
  const [stats, dbOk, redisOk, workerOk] = await Promise.all([
    // Redis with the offline queue off fails at once when it is down; the rest still renders.
    Promise.all(queueNames.map((name) => queueStats(queues[name], now))).catch(() => undefined),
    withTimeout(db.sql`select 1`, 1000),
    withTimeout(redis.ping(), 1000),
    workerReady(),
  ]);
  const health = (ok: boolean): Health => (ok ? 'ok' : 'down');
  return {
    at: new Date(now).toISOString(),
    queues: stats?.map((s) => s.queue) ?? [],
    throughput: {
      completed: sumSeries(stats?.map((s) => s.completed) ?? [], MINUTES),
      failed: sumSeries(stats?.map((s) => s.failed) ?? [], MINUTES),
    },
    health: { db: health(dbOk), redis: health(redisOk), worker: health(workerOk) },
    // demo:start
    latestReport: await latestReport,
    // demo:end
  };
}

type Queue = ReturnType<typeof services>['queues'][(typeof queueNames)[number]];

async function queueStats(queue: Queue, now: number) {
  const [counts, workers, completed, failed] = await Promise.all([
    queue.getJobCounts(...jobStates),
    queue.getWorkersCount(),
    queue.getMetrics('completed', 0, MINUTES - 1),
    queue.getMetrics('failed', 0, MINUTES - 1),
  ]);
  const stats: QueueSnapshot = {
    name: queue.name,
    counts: Object.fromEntries(
      jobStates.map((s) => [s, counts[s] ?? 0]),
    ) as QueueSnapshot['counts'],
    workers,
  };
  return {
    queue: stats,
    completed: perMinute(completed, now, MINUTES),
    failed: perMinute(failed, now, MINUTES),
  };
}

/** The worker's own readiness probe (Postgres, Redis, schedules), within a second. */
async function workerReady(): Promise<boolean> {
  const url = new URL('/readyz', env().WORKER_HEALTH_URL);
  return fetch(url, { signal: AbortSignal.timeout(1000), cache: 'no-store' }).then(
    (response) => response.ok,
    () => false,
  );
}
