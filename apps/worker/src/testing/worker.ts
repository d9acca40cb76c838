import { createDb, type PoolMode } from '@app/db';
import { createLogger } from '@app/shared/logger';
import { createProducerConnection, createWorkerConnection } from '@app/shared/redis';
import type { DestinationStream } from 'pino';
import { registry } from '../jobs/registry.ts';
import { type JobRuntime, startJobRuntime } from '../jobs/runtime.ts';

/**
 * The real job runtime in this process, on the test's own database and queue prefix. Pass
 * testEnv()'s `poolMode` and `directUrl` (spreading it does) for a run through PgBouncer.
 */
export function startInProcessWorker(
  env: {
    databaseUrl: string;
    redisUrl: string;
    prefix: string;
    poolMode?: PoolMode;
    directUrl?: string;
    redisCaFile?: string;
  },
  options: {
    // demo:start
    batchSize?: number;
    batchDelayMs?: number;
    // demo:end
    /** More job settings by variable name (BACKUP_DIR, …), and schedule patterns by variable. */
    settings?: Record<string, unknown>;
    crons?: Record<string, string>;
    /** Receives the worker's JSON log lines (level info and up); silent without it. */
    logStream?: DestinationStream;
  } = {},
) {
  const db = createDb(env.databaseUrl, { max: 5, connectTimeout: 2, poolMode: env.poolMode });
  const connection = createWorkerConnection(env.redisUrl, env.redisCaFile);
  const events = createProducerConnection(env.redisUrl, env.redisCaFile);
  const logger = createLogger({
    name: 'test-worker',
    level: options.logStream ? 'info' : 'silent',
    format: 'json',
    version: 'test',
    ...(options.logStream ? { stream: options.logStream } : {}),
  });
  const runtime: JobRuntime = startJobRuntime({
    connection,
    prefix: env.prefix,
    concurrency: 2,
    db,
    logger,
    registry,
    events,
    lockDurationMs: 2000,
    stalledIntervalMs: 1000,
    settings: {
      // demo:start
      IMPORT_BATCH_SIZE: options.batchSize ?? 500,
      IMPORT_BATCH_DELAY_MS: options.batchDelayMs ?? 0,
      // demo:end
      ...options.settings,
    },
    // Backups' pg_dump needs a session: the direct URL, as the worker's DATABASE_DIRECT_URL.
    databaseUrl: env.directUrl ?? env.databaseUrl,
    crons: options.crons ?? {},
  });
  return {
    runtime,
    db,
    async stop() {
      await runtime.close(10_000);
      await connection.quit().catch(() => {});
      events.disconnect();
      await db.close();
    },
  };
}
