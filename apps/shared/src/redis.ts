import { Redis, type RedisOptions } from 'ioredis';
import { within } from './wait.ts';

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
  try {
    return (await within(redis.ping(), ms)) === 'PONG';
  } catch {
    return false;
  }
}
