import { hostname } from 'node:os';
import { createDb } from '@app/db';
import { runMigrations } from '@app/db/migrate';
import { sessionDatabaseUrl } from '@app/shared/env';
import { resolveVersion } from '@app/shared/env/node';
import { createLogger, watchErrors } from '@app/shared/logger';
import { createProducerConnection, createWorkerConnection, pingRedis } from '@app/shared/redis';
import { loadWorkerEnv } from './env.ts';
import { startHealthServer } from './health-server.ts';
import { registry } from './jobs/registry.ts';
import { startJobRuntime } from './jobs/runtime.ts';
import { registerSchedules } from './jobs/schedules.ts';
import { checkRedisAtStart } from './redis-start-check.ts';

const env = loadWorkerEnv();
// Migrations (a session advisory lock) and backups (pg_dump, CREATE DATABASE for drills) need a
// server session of their own: the direct URL when DATABASE_URL is a transaction pool.
const sessionUrl = sessionDatabaseUrl(env);
const version = resolveVersion(env.APP_VERSION);
const logger = createLogger({
  name: 'worker',
  level: env.LOG_LEVEL,
  format: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'pretty'),
  version,
  // Job settings named like secrets (BACKUP_S3_SECRET_ACCESS_KEY, …) are redacted as well.
  secrets: [
    env.DATABASE_URL,
    env.DATABASE_DIRECT_URL,
    env.REDIS_URL,
    ...Object.entries(env.jobSettings)
      .filter(([name, value]) => /SECRET|PASSWORD|TOKEN/.test(name) && typeof value === 'string')
      .map(([, value]) => String(value)),
  ],
});

// After an uncaught exception the process state is unknown: log it as one JSON record and exit,
// so Docker's restart policy starts a clean worker; its jobs resume from their checkpoints.
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception: exiting');
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  logger.error({ err: reason }, 'unhandled rejection');
});

// Before anything else: the health server (what Coolify's rolling update waits for) starts only
// after the schema is migrated, and a failed migration exits so the old release keeps serving.
if (env.MIGRATE_ON_START) {
  try {
    const result = await runMigrations(sessionUrl);
    logger.info({ applied: result.applied }, 'migrations applied before start');
  } catch (error) {
    logger.fatal({ err: error }, 'migration failed: exiting');
    process.exit(1);
  }
}

// The pool covers every concurrent job plus the readiness probe.
const db = createDb(env.DATABASE_URL, {
  max: env.WORKER_CONCURRENCY + 2,
  applicationName: 'worker',
  poolMode: env.DATABASE_POOL_MODE,
});
// Before the long-lived connections: a TLS failure or an eviction policy that loses jobs ends the
// start with one line, instead of connections retrying (and logging) forever.
const redisCheck = await checkRedisAtStart(env.REDIS_URL, env.REDIS_CA_FILE, logger);
if (!redisCheck.ok) {
  logger.fatal(`worker not started: ${redisCheck.line}`);
  await db.close();
  process.exit(1);
}
const connection = watchErrors(
  createWorkerConnection(env.REDIS_URL, env.REDIS_CA_FILE),
  logger,
  'redis',
);
const events = watchErrors(
  createProducerConnection(env.REDIS_URL, env.REDIS_CA_FILE),
  logger,
  'redis:events',
);

const runtime = startJobRuntime({
  connection,
  prefix: env.QUEUE_PREFIX,
  concurrency: env.WORKER_CONCURRENCY,
  db,
  logger,
  registry,
  events,
  lockDurationMs: env.WORKER_LOCK_DURATION_MS,
  stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
  // The container (its hostname) and process: what a job's processedBy names, one per replica.
  name: `${hostname()}:${process.pid}`,
  // Each job's own settings (its definition's `settings`), validated with the rest of the env;
  // the database URL and schedule patterns for jobs that run tools (pg_dump) or report staleness.
  settings: env.jobSettings,
  databaseUrl: sessionUrl,
  crons: env.crons,
});
let schedulesRegistered = false;

let stopping = false;
let health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
try {
  health = await startHealthServer(env.WORKER_HEALTH_PORT, {
    version,
    alive: () => !stopping,
    ready: async () => ({
      redis: await pingRedis(connection),
      schedules: schedulesRegistered,
      db: await db.sql`select 1`.then(
        () => true,
        () => false,
      ),
    }),
  });
} catch (error) {
  const code = (error as { code?: string }).code;
  const hint =
    code === 'EADDRINUSE' ? ` (port in use: set WORKER_HEALTH_PORT or stop what holds it)` : '';
  logger.error(`health server could not listen on ${env.WORKER_HEALTH_PORT}${hint}`);
  await runtime.close(1000);
  process.exit(1);
}

// After the health server: while Redis is away this waits (and /readyz says so) instead of
// exiting. A pattern BullMQ rejects is a configuration error: say which and stop.
try {
  await registerSchedules(runtime.queues, registry, env.crons, logger);
  schedulesRegistered = true;
} catch (error) {
  logger.error({ err: error }, 'job schedules could not be registered (check the *_CRON settings)');
  await runtime.close(1000);
  process.exit(1);
}

logger.info(
  {
    queues: runtime.workers.map((w) => w.name),
    concurrency: env.WORKER_CONCURRENCY,
    healthPort: env.WORKER_HEALTH_PORT,
  },
  'worker started',
);

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info(
    { signal, timeoutMs: env.SHUTDOWN_TIMEOUT_MS },
    'shutting down: finishing active jobs',
  );
  // While Redis is down, closing the workers and QUIT wait for a reconnect that never comes: give
  // up a few seconds after the job deadline; the jobs are taken over after the stall check.
  setTimeout(() => {
    logger.error('shutdown did not complete (is Redis reachable?): exiting');
    process.exit(1);
  }, env.SHUTDOWN_TIMEOUT_MS + 5000).unref();
  const graceful = await runtime.close(env.SHUTDOWN_TIMEOUT_MS);
  await connection.quit().catch(() => connection.disconnect());
  events.disconnect();
  await db.close();
  health?.close();
  if (!graceful) {
    logger.error(
      'active jobs did not finish in time; they will be picked up again after the stall check',
    );
    process.exit(1);
  }
  logger.info('worker stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
