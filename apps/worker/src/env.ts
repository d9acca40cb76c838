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
import { z } from 'zod';
import { backupEnvShape } from './backups/settings.ts';
import { registry } from './jobs/registry.ts';

// Five fields (minute hour day month weekday) or six (seconds first), in UTC; `off` disables.
// BullMQ checks the pattern itself on start; this catches typos with a line naming the variable.
const cron = z
  .string()
  .trim()
  .regex(/^(off|(\S+\s+){4,5}\S+)$/, 'a cron pattern like "0 3 * * *", or off');

/** The registry's schedules: each names its own cron variable and default (`schedule.env`). */
export const scheduledJobs = registry.flatMap(({ definition }) =>
  definition.schedule ? [definition.schedule] : [],
);

const scheduleSettings = Object.fromEntries(
  scheduledJobs.map((schedule) => [schedule.env, cron.default(schedule.default)]),
);

const baseEnvSchema = z.object({
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
  // BACKUP_DIR, BACKUP_KEEP_*, BACKUP_S3_*: defined beside the backup code.
  ...backupEnvShape,
});

// The schedule variables follow from the definitions, so adding a scheduled job edits no list here.
export const workerEnvSchema = baseEnvSchema.extend(scheduleSettings);

export type WorkerEnv = z.output<typeof baseEnvSchema> & { crons: Record<string, string> };

/** The env, with every schedule's cron pattern (or `off`) in `crons` under its variable name. */
function withCrons(env: Record<string, unknown>): WorkerEnv {
  const crons = Object.fromEntries(scheduledJobs.map((s) => [s.env, String(env[s.env])]));
  return { ...(env as z.output<typeof baseEnvSchema>), crons };
}

export const loadWorkerEnv = (): WorkerEnv => withCrons(loadEnvOrExit('worker', workerEnvSchema));
