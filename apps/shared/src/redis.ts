import { Redis, type RedisOptions } from 'ioredis';

/**
 * Connection for BullMQ Workers and QueueEvents: blocking commands must wait out a Redis restart
 * rather than fail, so requests retry forever (BullMQ insists on `maxRetriesPerRequest: null`).
 */
export function createWorkerConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, ...extra });
}

/**
 * Connection for producers inside HTTP handlers: with the offline queue off, a command while Redis
 * is down fails at once, so the request answers 503 instead of hanging.
 */
export function createProducerConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    ...extra,
  });
}

/** Resolves within `ms` either way: true when Redis answered PING. */
export async function pingRedis(redis: Redis, ms = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([redis.ping().then((r) => r === 'PONG'), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
