import { createDb, type DbClient } from '@app/db';
import { createLogger, type Logger, watchErrors } from '@app/shared/logger';
import { closeQueues, createQueues, type Queues } from '@app/shared/queues';
import { createProducerConnection } from '@app/shared/redis';
import { within } from '@app/shared/wait';
import type { Redis } from 'ioredis';
import { env } from '../env';

type Services = { db: DbClient; redis: Redis; queues: Queues; logger: Logger; version: string };

// Kept on globalThis so development hot reloads reuse one pool and one Redis connection instead of
// leaking a new set on every edit.
const globalForServices = globalThis as typeof globalThis & { __appServices?: Services };

export function services(): Services {
  if (globalForServices.__appServices) return globalForServices.__appServices;
  const e = env();
  const version = e.APP_VERSION ?? 'dev';
  const logger = createLogger({
    name: 'web',
    level: e.LOG_LEVEL,
    format: e.LOG_FORMAT ?? (e.NODE_ENV === 'production' ? 'json' : 'pretty'),
    version,
    secrets: [e.DATABASE_URL, e.REDIS_URL, e.BASIC_AUTH_PASSWORD],
  });
  const redis = watchErrors(
    createProducerConnection(e.REDIS_URL, e.REDIS_CA_FILE),
    logger,
    'redis',
  );
  const created: Services = {
    db: createDb(e.DATABASE_URL, {
      max: e.DATABASE_POOL_MAX,
      connectTimeout: 2,
      applicationName: 'web',
      poolMode: e.DATABASE_POOL_MODE,
    }),
    redis,
    queues: createQueues(redis, e.QUEUE_PREFIX, logger),
    logger,
    version,
  };
  globalForServices.__appServices = created;
  return created;
}

/**
 * Resolves true once the Redis connection is ready (at once when it is), false after `ms`. The
 * producer connection has the offline queue off, so a command sent while it is still connecting
 * fails instead of waiting: callers that must tell "not yet connected" from "down" wait here.
 */
export function whenRedisReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  if (redis.status === 'end') return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.once('ready', onReady);
  });
}

/**
 * Called once at server start (instrumentation): opens the Redis connection before the first
 * request, so the first health probe and the first upload do not fail on a connection still being
 * made. Waits at most `ms`; a Redis that is down then is reported by /api/health, not hidden.
 */
export async function connectServices(ms = 3000): Promise<void> {
  const { redis, logger } = services();
  if (!(await whenRedisReady(redis, ms))) {
    logger.warn('redis not reachable at start; /api/health answers 503 until it is');
  }
}

/** Closes the pool, the queues and the Redis connection (tests; a graceful shutdown). */
export async function closeServices(): Promise<void> {
  const current = globalForServices.__appServices;
  if (!current) return;
  globalForServices.__appServices = undefined;
  await closeQueues(current.queues);
  current.redis.disconnect();
  await current.db.close();
}

/** Resolves to false after `ms` instead of waiting on a dead dependency. */
export async function withTimeout(check: Promise<unknown>, ms: number): Promise<boolean> {
  try {
    return (
      (await within(
        check.then(() => true),
        ms,
      )) === true
    );
  } catch {
    return false;
  }
}
