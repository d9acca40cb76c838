import { createDb, type DbClient } from '@app/db';
import {
  closeQueues,
  createProducerConnection,
  createQueues,
  type Queues,
} from '@app/worker/contracts';
import { createLogger, type Logger, watchErrors } from '@app/worker/logger';
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
  const redis = watchErrors(createProducerConnection(e.REDIS_URL), logger, 'redis');
  const created: Services = {
    db: createDb(e.DATABASE_URL, { max: 10, connectTimeout: 2, applicationName: 'web' }),
    redis,
    queues: createQueues(redis, e.QUEUE_PREFIX, logger),
    logger,
    version,
  };
  globalForServices.__appServices = created;
  return created;
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
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check.then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
