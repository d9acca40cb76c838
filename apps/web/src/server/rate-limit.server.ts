import { once } from 'node:events';
import type { Redis } from 'ioredis';

export type RateLimit = { max: number; windowMs: number };
export type RateLimitResult = { allowed: boolean; count: number; retryAfterSeconds: number };

// Fixed window, atomically: the first hit in a window creates the counter with its expiry, so a
// crash between INCR and PEXPIRE can never leave a counter that blocks a client forever.
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`;

/**
 * Counts one hit for `key` and says whether it is within `limit`. Throws when Redis is
 * unreachable; callers answer 503 (fail closed: the upload could not be enqueued anyway).
 */
export async function hitRateLimit(
  redis: Redis,
  key: string,
  limit: RateLimit,
): Promise<RateLimitResult> {
  await connected(redis);
  const [count, ttl] = (await redis.eval(HIT, 1, key, String(limit.windowMs))) as [number, number];
  const remainingMs = ttl > 0 ? ttl : limit.windowMs;
  return {
    allowed: count <= limit.max,
    count,
    retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)),
  };
}

const CONNECT_WAIT_MS = 1000;

/**
 * The producer connection has no offline queue, so a command sent while it is still connecting
 * (the first upload after start, or just after Redis came back) would fail although Redis is up.
 * Wait for that briefly; a Redis that is down ('reconnecting') fails at once, as it should.
 */
async function connected(redis: Redis): Promise<void> {
  if (redis.status !== 'connecting' && redis.status !== 'connect' && redis.status !== 'wait')
    return;
  // The timeout's abort removes the listener; an 'error' or the timeout just ends the wait.
  await once(redis, 'ready', { signal: AbortSignal.timeout(CONNECT_WAIT_MS) }).catch(() => {});
}
