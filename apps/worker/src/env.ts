import {
  databasePoolMode,
  logFormat,
  logLevel,
  nodeEnv,
  port,
  postgresUrl,
  queuePrefix,
  redisCaFile,
  redisUrl,
  requireDirectUrlWhenPooled,
  requireTlsForRedisCa,
} from '@app/shared/env';
import { loadEnvOrExit } from '@app/shared/env/node';
import { z } from 'zod';
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
  // Behind a transaction pool (docs/scaling.md): the pool's mode, and the server's own URL for
  // what needs a session (migrations on start, pg_dump backups and restore drills).
  DATABASE_POOL_MODE: databasePoolMode,
  DATABASE_DIRECT_URL: postgresUrl.optional(),
  REDIS_URL: redisUrl,
  // A rediss:// server signed by a private CA (a managed Valkey/Redis): that CA's PEM file.
  REDIS_CA_FILE: redisCaFile,
  QUEUE_PREFIX: queuePrefix,
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(10),
  WORKER_HEALTH_PORT: port.default(3001),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(25_000),
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  LOG_LEVEL: logLevel.default('info'),
  LOG_FORMAT: logFormat,
  APP_VERSION: z.string().optional(),
  // Coolify topology (docs/decisions/0031): the first worker application applies the migrations
  // before it starts, so its rolling update turns healthy only once the schema is there.
  MIGRATE_ON_START: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

/** Every registered job's own settings (`settings` in its definition), by variable name. */
export const jobSettingsShape = Object.assign(
  {},
  ...registry.map(({ definition }) => definition.settings ?? {}),
) as Record<string, z.ZodType>;

// The schedule variables and the jobs' settings follow from the definitions, so adding a job
// edits no list here.
export const workerEnvSchema = baseEnvSchema.extend(scheduleSettings).extend(jobSettingsShape);

export type WorkerEnv = z.output<typeof baseEnvSchema> & {
  crons: Record<string, string>;
  jobSettings: Record<string, unknown>;
};

/** The env, with every schedule's cron pattern (or `off`) in `crons` under its variable name. */
function withCrons(env: Record<string, unknown>): WorkerEnv {
  const crons = Object.fromEntries(scheduledJobs.map((s) => [s.env, String(env[s.env])]));
  const jobSettings = Object.fromEntries(Object.keys(jobSettingsShape).map((k) => [k, env[k]]));
  return { ...(env as z.output<typeof baseEnvSchema>), crons, jobSettings };
}

// The refinement goes on last: zod cannot extend a refined object, and tests read `.shape`.
export const loadWorkerEnv = (): WorkerEnv =>
  withCrons(
    loadEnvOrExit(
      'worker',
      workerEnvSchema.superRefine((value, ctx) => {
        // The job settings make the object's type loose; the base variables are there.
        requireDirectUrlWhenPooled(value as z.output<typeof baseEnvSchema>, ctx);
        requireTlsForRedisCa(value as z.output<typeof baseEnvSchema>, ctx);
      }),
    ),
  );
