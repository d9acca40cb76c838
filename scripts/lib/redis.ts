import type { Redis } from 'ioredis';

/**
 * Removes the keys matching a pattern (SCAN + UNLINK in pages), for benchmarks cleaning up only
 * what they wrote: never FLUSHALL, the Redis may be shared.
 */
export async function unlinkMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
