import { logLevel, port, postgresUrl, redisUrl } from '@app/db/config';
import { loadEnvOrExit } from '@app/db/process-env';
import { z } from 'zod';

export const workerEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only')
    .default('bull'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(10),
  WORKER_HEALTH_PORT: port.default(3001),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(25_000),
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(5000),
  IMPORT_BATCH_DELAY_MS: z.coerce.number().int().min(0).default(0),
  LOG_LEVEL: logLevel.default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  APP_VERSION: z.string().optional(),
});

export type WorkerEnv = z.output<typeof workerEnvSchema>;

export const loadWorkerEnv = (): WorkerEnv => loadEnvOrExit('worker', workerEnvSchema);
