// ~290 lines: copy, census and compare of every Redis type plus BullMQ counts belong together,
// since the comparison must read keys exactly as the copy wrote them.
import { RedisConfigError, redisOptions } from '@app/shared/redis';
import { Redis } from 'ioredis';
import { createProgress } from './progress.ts';

/**
 * Redis is copied key by key: SCAN + PTTL + DUMP on the source (read commands only), RESTORE …
 * REPLACE on the target, pipelined in batches. REPLACE makes a rerun after an interruption
 * idempotent, and DUMP carries every type (BullMQ uses lists, sorted sets, hashes, streams).
 */

const BATCH = 1000;

/** `caFile`: REDIS_CA_FILE of the .env the tool reads, for a rediss:// end (either one). */
export function connectRedis(url: string, caFile?: string): Redis {
  return new Redis(url, {
    ...redisOptions(url, caFile),
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectionName: 'migrate-from-impl2',
  });
}

/** Connects or throws the server's own reason (refused, NOAUTH, WRONGPASS…), not a retry loop. */
export async function openRedis(url: string, caFile?: string): Promise<Redis> {
  let redis: Redis;
  try {
    redis = connectRedis(url, caFile);
  } catch (error) {
    if (error instanceof RedisConfigError) throw new Error(error.message);
    throw error;
  }
  let lastError = '';
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new Error(lastError || (error as Error).message || 'no answer');
  }
}

export type RedisFacts = { version: string; keys: number; appendonly: boolean; memory: string };

export async function redisFacts(redis: Redis): Promise<RedisFacts> {
  const info = await redis.info();
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
  return {
    version: field('redis_version') || '?',
    keys: await redis.dbsize(),
    appendonly: field('aof_enabled') === '1',
    memory: field('used_memory_human'),
  };
}

async function* scanBatches(redis: Redis): AsyncGenerator<Buffer[]> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scanBuffer(cursor, 'COUNT', BATCH);
    cursor = String(next);
    if (keys.length > 0) yield keys;
  } while (cursor !== '0');
}

type Reply = [Error | null, unknown];

function replies(result: Reply[] | null): unknown[] {
  if (!result) throw new Error('Redis pipeline returned nothing (connection lost?)');
  return result.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

export type CopyResult = { copied: number; vanished: number };

export async function copyRedis(
  source: Redis,
  target: Redis,
  totalKeys: number,
): Promise<CopyResult> {
  const progress = createProgress('keys copied');
  let copied = 0;
  let vanished = 0;
  for await (const keys of scanBatches(source)) {
    const read = source.pipeline();
    for (const key of keys) read.pttl(key).dumpBuffer(key);
    const values = replies((await read.exec()) as Reply[]);
    const write = target.pipeline();
    keys.forEach((key, i) => {
      const ttl = values[i * 2] as number;
      const payload = values[i * 2 + 1] as Buffer | null;
      // Expired between SCAN and DUMP: there is nothing to copy, as there would be nothing to read.
      if (payload === null || ttl === -2) {
        vanished += 1;
        return;
      }
      write.restore(key, Math.max(ttl, 0), payload, 'REPLACE');
      copied += 1;
    });
    replies((await write.exec()) as Reply[]);
    progress.update(copied, totalKeys);
  }
  progress.end(`${copied} keys`);
  return { copied, vanished };
}

export type KeyCensus = {
  /** Keys per Redis type. */
  types: Record<string, number>;
  /** key (binary-safe, as latin1) → [type, pttl] */
  keys: Map<string, [string, number]>;
};

/** Every key of the source with its type and TTL. */
export async function census(redis: Redis): Promise<KeyCensus> {
  const types: Record<string, number> = {};
  const keys = new Map<string, [string, number]>();
  for await (const batch of scanBatches(redis)) {
    const pipe = redis.pipeline();
    for (const key of batch) pipe.type(key).pttl(key);
    const values = replies((await pipe.exec()) as Reply[]);
    batch.forEach((key, i) => {
      const type = values[i * 2] as string;
      if (type === 'none') return;
      keys.set(key.toString('latin1'), [type, values[i * 2 + 1] as number]);
      types[type] = (types[type] ?? 0) + 1;
    });
  }
  return { types, keys };
}

export type RedisComparison = {
  problems: string[];
  types: Record<string, number>;
  ttlChecked: number;
  extraTargetKeys: number;
};

/** Queues the read that returns a key's whole value in an order-independent form. */
function readValue(pipe: ReturnType<Redis['pipeline']>, key: Buffer, type: string) {
  if (type === 'string') return pipe.getBuffer(key);
  if (type === 'hash') return pipe.hgetallBuffer(key);
  if (type === 'set') return pipe.smembersBuffer(key);
  if (type === 'zset') return pipe.zrangeBuffer(key, 0, -1, 'WITHSCORES');
  if (type === 'list') return pipe.lrangeBuffer(key, 0, -1);
  if (type === 'stream') return pipe.xrangeBuffer(key, '-', '+');
  // Modules' types: nothing generic to read; type and TTL are still compared.
  return pipe.exists(key);
}

/** A stable text for a value read by readValue: sets and hashes are sorted, DUMP is not used
 *  because its bytes depend on the encoding (hash-table order, listpack vs. hashtable). */
function canonical(type: string, value: unknown): string {
  const text = (v: unknown): string =>
    Buffer.isBuffer(v)
      ? v.toString('base64')
      : Array.isArray(v)
        ? `[${v.map(text).join(',')}]`
        : String(v);
  if (type === 'set') return (value as Buffer[]).map(text).sort().join(',');
  if (type === 'hash') {
    const entries = Object.entries(value as Record<string, Buffer>).map(
      ([k, v]) => `${k}=${text(v)}`,
    );
    return entries.sort().join(',');
  }
  return text(value);
}

/**
 * Looks up every source key on the target: same type, TTL within a second (time passes between
 * the reads), and the same value (compared in a canonical form).
 */
export async function compareRedis(
  source: Redis,
  target: Redis,
  sourceCensus: KeyCensus,
): Promise<RedisComparison> {
  const problems: string[] = [];
  const targetTypes: Record<string, number> = {};
  const entries = [...sourceCensus.keys];
  let ttlChecked = 0;
  for (let start = 0; start < entries.length; start += BATCH) {
    const slice = entries.slice(start, start + BATCH);
    const targetPipe = target.pipeline();
    const sourcePipe = source.pipeline();
    for (const [key, [type]] of slice) {
      const k = Buffer.from(key, 'latin1');
      readValue(targetPipe.type(k).pttl(k), k, type);
      // The source's TTL is read again here, next to the target's: the census is older.
      readValue(sourcePipe.pttl(k), k, type);
    }
    const values = replies((await targetPipe.exec()) as Reply[]);
    const sourceValues = replies((await sourcePipe.exec()) as Reply[]);
    slice.forEach(([key, [type]], i) => {
      const ttl = sourceValues[i * 2] as number;
      const targetType = values[i * 3] as string;
      const targetTtl = values[i * 3 + 1] as number;
      targetTypes[targetType] = (targetTypes[targetType] ?? 0) + 1;
      const name = JSON.stringify(key);
      if (targetType !== type) {
        problems.push(`key ${name}: ${type} in the source, ${targetType} in the target`);
        return;
      }
      if (ttl >= 0 || targetTtl >= 0) {
        ttlChecked += 1;
        if (ttl < 0 || targetTtl < 0 || Math.abs(ttl - targetTtl) > 1000) {
          problems.push(`key ${name}: TTL ${ttl} ms in the source, ${targetTtl} ms in the target`);
        }
      }
      if (canonical(type, sourceValues[i * 2 + 1]) !== canonical(type, values[i * 3 + 2])) {
        problems.push(`key ${name}: value differs`);
      }
    });
  }
  for (const [type, count] of Object.entries(sourceCensus.types)) {
    const found = targetTypes[type] ?? 0;
    if (found !== count)
      problems.push(`${type} keys: ${count} in the source, ${found} in the target`);
  }
  const extraTargetKeys = (await target.dbsize()) - sourceCensus.keys.size;
  return {
    problems: problems.slice(0, 20),
    types: sourceCensus.types,
    ttlChecked,
    extraTargetKeys: Math.max(0, extraTargetKeys),
  };
}

export const bullStates = [
  'wait',
  'paused',
  'active',
  'prioritized',
  'waiting-children',
  'delayed',
  'completed',
  'failed',
  'repeat',
] as const;

export type QueueCounts = { queue: string; counts: Record<(typeof bullStates)[number], number> };

/**
 * BullMQ queues are found by their `<prefix>:<queue>:meta` or `:id` keys. Counts come from plain
 * LLEN/ZCARD (not BullMQ's Queue class, whose constructor writes its meta key: the source must
 * only ever be read). `repeat` holds the job schedulers.
 */
export function discoverQueues(keys: Iterable<string>): string[] {
  const queues = new Set<string>();
  for (const key of keys) {
    const match = /^(.+):([^:]+):(meta|id)$/.exec(key);
    if (match) queues.add(`${match[1]}:${match[2]}`);
  }
  return [...queues].sort();
}

export async function queueCounts(redis: Redis, queues: string[]): Promise<QueueCounts[]> {
  const result: QueueCounts[] = [];
  for (const queue of queues) {
    const pipe = redis.pipeline();
    for (const state of bullStates) {
      const key = `${queue}:${state}`;
      if (state === 'wait' || state === 'paused' || state === 'active') pipe.llen(key);
      else pipe.zcard(key);
    }
    const values = ((await pipe.exec()) ?? []) as Reply[];
    const counts = Object.fromEntries(
      bullStates.map((state, i) => [state, values[i]?.[0] ? 0 : Number(values[i]?.[1] ?? 0)]),
    ) as QueueCounts['counts'];
    result.push({ queue, counts });
  }
  return result;
}

export function compareQueueCounts(source: QueueCounts[], target: QueueCounts[]): string[] {
  const byQueue = new Map(target.map((q) => [q.queue, q.counts]));
  const problems: string[] = [];
  for (const { queue, counts } of source) {
    const other = byQueue.get(queue);
    for (const state of bullStates) {
      if (other?.[state] !== counts[state]) {
        problems.push(
          `queue ${queue} ${state}: ${counts[state]} in the source, ${other?.[state] ?? 0} in the target`,
        );
      }
    }
  }
  return problems;
}
