import { Socket } from 'node:net';
import {
  describeTlsFailure,
  RedisConfigError,
  readEvictionPolicy,
  redisOptions,
} from '@app/shared/redis';
import { Redis } from 'ioredis';
import postgres from 'postgres';

export type ProbeResult =
  | { ok: true; version: string; detail?: string }
  | { ok: false; error: string };

/** Host and port of a URL, for messages: never the credentials. */
export function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Connects to the server's maintenance database, so a target database that is missing is fine. */
export async function probePostgres(url: string, timeoutSeconds = 3): Promise<ProbeResult> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), {
    max: 1,
    connect_timeout: timeoutSeconds,
    onnotice: () => {},
  });
  try {
    const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
    return { ok: true, version: row?.v ?? 'unknown' };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

export async function probeRedis(
  url: string,
  caFile?: string,
  timeoutMs = 3000,
): Promise<ProbeResult> {
  let tls: ReturnType<typeof redisOptions>;
  try {
    tls = redisOptions(url, caFile);
  } catch (error) {
    if (error instanceof RedisConfigError) return { ok: false, error: error.message };
    throw error;
  }
  const redis = new Redis(url, {
    ...tls,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    lastError = describeTlsFailure(error, url, caFile) ?? error.message;
  });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const policy = (await readEvictionPolicy(redis)) ?? 'unknown (CONFIG and INFO not allowed)';
    return { ok: true, version, detail: policy };
  } catch (error) {
    return { ok: false, error: lastError || (error as Error).message || 'no answer' };
  } finally {
    redis.disconnect();
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(500);
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}
