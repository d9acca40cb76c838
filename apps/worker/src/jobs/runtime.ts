import type { DbClient } from '@app/db';
import { publishEvent, type QueueName, queueNames } from '@app/shared/contracts';
import { type Logger, watchErrors } from '@app/shared/logger';
import { closeQueues, createQueues, type Queues } from '@app/shared/queues';
import { within } from '@app/shared/wait';
import { type Job, MetricsTime, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { JobContext, RegisteredJob } from './handler.ts';

export type RuntimeOptions = {
  connection: Redis;
  prefix: string;
  concurrency: number;
  db: DbClient;
  logger: Logger;
  registry: readonly RegisteredJob[];
  /** Queues to consume; all by default. */
  queues?: readonly QueueName[];
  /** Connection for live events; without offline queue so a Redis outage never blocks a job. */
  events?: Redis;
  /**
   * Parsed values of the jobs' settings by variable name (the worker passes its env's); a job's unset
   * settings take their defaults.
   */
  settings?: Record<string, unknown>;
  /** Schedule patterns by variable name (the worker env's `crons`); unset: each default. */
  crons?: Record<string, string>;
  databaseUrl?: string;
  /** Stall detection: a killed worker's job is taken over after about this long. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /**
   * Which replica this is (the worker passes host:pid). BullMQ stores it on each job it takes
   * (`processedBy`), so with several workers a job says where it runs.
   */
  name?: string;
};

export type JobRuntime = {
  workers: Worker[];
  /** Producers on the runtime's connection (schedules, maintenance jobs). */
  queues: Queues;
  /** Stop taking jobs and wait for active ones; force-close after `timeoutMs`. True if graceful. */
  close: (timeoutMs: number) => Promise<boolean>;
  shutdown: AbortSignal;
};

/** Validates the payload, then runs the handler registered for the job's name. */
export function createProcessor(
  registry: readonly RegisteredJob[],
  base: Omit<JobContext, 'job' | 'token' | 'settings' | 'cron'>,
  settings: Record<string, unknown> = {},
  crons: Record<string, string> = {},
) {
  const byName = new Map(registry.map((entry) => [entry.definition.name, entry]));
  // The values are already parsed (the worker env validated them); a setting nobody passed (a
  // test's runtime) takes its definition's default, worked out once at start.
  const settingsOf = new Map(
    registry.map(({ definition }) => {
      const shape: Record<string, z.ZodType> = definition.settings ?? {};
      const values = Object.entries(shape).map(([key, schema]) => [
        key,
        key in settings ? settings[key] : schema.parse(undefined),
      ]);
      return [definition.name, Object.fromEntries(values) as Record<string, unknown>];
    }),
  );
  return async (job: Job, token?: string) => {
    const entry = byName.get(job.name);
    if (!entry) throw new UnrecoverableError(`no handler registered for job "${job.name}"`);
    const parsed = entry.definition.payload.safeParse(job.data);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new UnrecoverableError(`invalid payload for ${job.name}: ${detail}`);
    }
    const jobSettings = settingsOf.get(job.name) ?? {};
    const schedule = entry.definition.schedule;
    const cron = schedule && (crons[schedule.env] ?? schedule.default);
    return entry.handle(parsed.data, { ...base, settings: jobSettings, cron, job, token });
  };
}

export function startJobRuntime(options: RuntimeOptions): JobRuntime {
  const controller = new AbortController();
  const events = options.events;
  const queues = createQueues(options.connection, options.prefix, options.logger);
  const processor = createProcessor(
    options.registry,
    {
      queues,
      redis: options.connection,
      prefix: options.prefix,
      db: options.db,
      databaseUrl: options.databaseUrl,
      logger: options.logger,
      shutdown: controller.signal,
      publish: (event) => {
        if (!events) return;
        publishEvent(events, options.prefix, event).catch((error: Error) =>
          options.logger.debug({ err: error }, 'live event not published'),
        );
      },
    },
    options.settings,
    options.crons,
  );
  const wanted = options.queues ?? queueNames;
  const used = new Set(options.registry.map((entry) => entry.definition.queue));
  const workers = wanted
    .filter((queue) => used.has(queue))
    .map((queue) => {
      const worker = new Worker(queue, processor, {
        ...(options.name ? { name: options.name } : {}),
        connection: options.connection,
        prefix: options.prefix,
        concurrency: options.concurrency,
        lockDuration: options.lockDurationMs ?? 30_000,
        stalledInterval: options.stalledIntervalMs ?? 30_000,
        // Imports resume from their checkpoint, so a second stall (a crash loop during a deploy)
        // is still safe to retry.
        maxStalledCount: 2,
        // Per-minute completed/failed counts for the dashboard (about 120 KB per queue a week).
        metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      });
      const log = options.logger.child({ queue });
      // Without an error listener a worker may stop processing after a connection error, and
      // BullMQ would print the error (with a wrong password: the password) with console.error.
      watchErrors(worker, options.logger, `worker:${queue}`);
      worker.on('failed', (job, error) => {
        const where = { job: job?.name, jobId: job?.id, attempt: job?.attemptsMade };
        // A bad file or payload is the user's: its message is the whole story. Anything else may
        // be a bug or a fault, and its stack and cause say where.
        if (error instanceof UnrecoverableError)
          log.warn({ ...where, reason: error.message }, 'job failed');
        else log.warn({ ...where, err: error }, 'job failed');
      });
      return worker;
    });

  async function close(timeoutMs: number): Promise<boolean> {
    controller.abort();
    const graceful = Promise.all(workers.map((w) => w.close())).then(() => true);
    const ok = (await within(graceful, timeoutMs)) === true;
    if (!ok) await Promise.all(workers.map((w) => w.close(true)));
    await closeQueues(queues);
    return ok;
  }

  return { workers, queues, close, shutdown: controller.signal };
}
