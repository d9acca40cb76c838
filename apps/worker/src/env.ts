import {
  logFormat,
  logLevel,
  nodeEnv,
  port,
  postgresUrl,
  queuePrefix,
  redisUrl,
} from '@app/db/config';
import { loadEnvOrExit } from '@app/db/process-env';
import type { CronSetting } from '@app/shared/contracts';
import { z } from 'zod';

// Five fields (minute hour day month weekday) or six (seconds first), in UTC; `off` disables.
// BullMQ checks the pattern itself on start; this catches typos with a line naming the variable.
const cron = z
  .string()
  .trim()
  .regex(/^(off|(\S+\s+){4,5}\S+)$/, 'a cron pattern like "0 3 * * *", or off');

export const workerEnvSchema = z.object({
  NODE_ENV: nodeEnv,
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: queuePrefix,
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(10),
  WORKER_HEALTH_PORT: port.default(3001),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(25_000),
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(5000),
  IMPORT_BATCH_DELAY_MS: z.coerce.number().int().min(0).default(0),
  REPORT_CRON: cron.default('0 3 * * *'),
  CLEANUP_CRON: cron.default('17 * * * *'),
  IMPORT_FILE_RETENTION_DAYS: z.coerce.number().int().min(1).default(7),
  IMPORT_ERROR_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  LOG_LEVEL: logLevel.default('info'),
  LOG_FORMAT: logFormat,
  APP_VERSION: z.string().optional(),
  // Coolify topology (docs/decisions/0031): the first worker application applies the migrations
  // before it starts, so its rolling update reports healthy only once the schema is there.
  MIGRATE_ON_START: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

export type WorkerEnv = z.output<typeof workerEnvSchema>;

// A schedule that names a setting missing above fails to compile here.
export const cronsOf = (env: WorkerEnv): Record<CronSetting, string> => ({
  REPORT_CRON: env.REPORT_CRON,
  CLEANUP_CRON: env.CLEANUP_CRON,
});

export const loadWorkerEnv = (): WorkerEnv => loadEnvOrExit('worker', workerEnvSchema);
