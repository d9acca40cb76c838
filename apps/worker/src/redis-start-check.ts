import { EventEmitter } from 'node:events';
import { type Logger, watchErrors } from '@app/shared/logger';
import {
  describeTlsFailure,
  RedisConfigError,
  readEvictionPolicy,
  redisHost,
  redisOptions,
} from '@app/shared/redis';
import { Redis } from 'ioredis';

export type RedisStartCheck =
  | { ok: true; policy: string | undefined }
  | { ok: false; line: string };

/**
 * What the worker checks on Redis before it starts taking jobs, on a connection of its own:
 *  - TLS: a certificate that REDIS_CA_FILE (or the system's CAs) does not trust, a host name the
 *    certificate does not name, a plain port behind rediss://: none heals by retrying, so they
 *    end the start with one line (the long-lived connections would otherwise retry and log it
 *    forever). Redis being down is not among them: the check waits for it, as the worker does.
 *  - BullMQ needs maxmemory-policy noeviction: under any other policy Redis deletes keys when
 *    full, queued jobs and locks among them. Managed services may refuse CONFIG; INFO memory
 *    reports the policy too; when neither does, one warning and the start goes on.
 */
export async function checkRedisAtStart(
  url: string,
  caFile: string | undefined,
  logger: Logger,
): Promise<RedisStartCheck> {
  let probe: Redis;
  try {
    probe = new Redis(url, {
      ...redisOptions(url, caFile),
      maxRetriesPerRequest: null,
      connectionName: 'worker-start-check',
    });
  } catch (error) {
    if (error instanceof RedisConfigError) return { ok: false, line: error.message };
    throw error;
  }
  let settled = false;
  // Errors that are not TLS failures (refused, a wrong password) go to the usual rate-limited
  // listener, so a worker waiting for Redis at start says why, once per 30 s.
  const relay = watchErrors(new EventEmitter(), logger, 'redis');
  const tlsFailure = new Promise<RedisStartCheck>((resolve) => {
    probe.on('error', (error: Error) => {
      const line = describeTlsFailure(error, url, caFile);
      if (line) resolve({ ok: false, line });
      else relay.emit('error', error);
    });
  });
  const policyCheck = (async (): Promise<RedisStartCheck> => {
    await probe.ping();
    const policy = await readEvictionPolicy(probe);
    if (settled) return { ok: true, policy };
    if (policy === undefined) {
      logger.warn(
        `Redis at ${redisHost(url)} does not report its maxmemory-policy (CONFIG and INFO refused): make sure it is noeviction, or queued jobs can be evicted`,
      );
    } else if (policy !== 'noeviction') {
      return {
        ok: false,
        line: `Redis at ${redisHost(url)} has maxmemory-policy ${policy}; BullMQ needs noeviction (otherwise Redis deletes queued jobs when memory is full): set it to noeviction (CONFIG SET maxmemory-policy noeviction, or the eviction policy in your provider's control panel) and start the worker again`,
      };
    }
    return { ok: true, policy };
  })();
  try {
    return await Promise.race([tlsFailure, policyCheck]);
  } finally {
    settled = true;
    probe.disconnect();
    // The ping still pending when a TLS failure won is rejected by the disconnect: expected.
    policyCheck.catch(() => {});
  }
}
