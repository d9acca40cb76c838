import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';

/** Queues the worker consumes. A queue groups jobs that share concurrency and retention. */
export const queueNames = ['imports', 'maintenance'] as const;
export type QueueName = (typeof queueNames)[number];

export type RetryPolicy = {
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number; jitter?: number };
};

export type JobSchedule<TSchema extends z.ZodType = z.ZodType> = {
  /** Fixed scheduler id: the worker upserts it on every start, so restarts never add a second. */
  id: string;
  /**
   * The worker setting that holds the cron pattern (UTC), so a schedule changes with the
   * environment, never with a deploy. The worker's env schema and `.env.example` list it (a test
   * checks); `off` turns the schedule off.
   */
  env: `${Uppercase<string>}_CRON`;
  /** The pattern used when the variable is unset, e.g. '0 3 * * *'. */
  default: string;
  /** The payload of every scheduled run, validated like any other. */
  payload: z.input<TSchema>;
};

/**
 * Worker settings a job reads, by environment variable name, each with its default (e.g.
 * `IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).default(5000)`). The worker's env schema
 * includes them, so a bad value stops the worker at start with a line naming the variable; the
 * handler gets the parsed values as `ctx.settings`.
 */
export type JobSettingsShape = Record<Uppercase<string>, z.ZodType>;

export type JobDefinition<
  TName extends string = string,
  TSchema extends z.ZodType = z.ZodType,
  TSettings extends JobSettingsShape = JobSettingsShape,
> = {
  name: TName;
  queue: QueueName;
  payload: TSchema;
  retry: RetryPolicy;
  /** Derives the job id from the payload, so enqueuing the same business request twice is one job. */
  jobId?: (payload: z.output<TSchema>) => string;
  /**
   * While a job with this id is waiting, delayed or running, adding another is a no-op (BullMQ
   * deduplication). Unlike `jobId` it is released when the job finishes, so the same request can
   * run again later: for "run now" buttons clicked twice.
   */
  deduplicationId?: (payload: z.output<TSchema>) => string;
  /** Runs on a cron schedule as well as on demand. */
  schedule?: JobSchedule<TSchema>;
  settings?: TSettings;
};

export function defineJob<
  TName extends string,
  TSchema extends z.ZodType,
  TSettings extends JobSettingsShape = Record<never, z.ZodType>,
>(definition: JobDefinition<TName, TSchema, TSettings>): JobDefinition<TName, TSchema, TSettings> {
  return definition;
}

/** The parsed values of a definition's settings, as its handler sees them. */
export type SettingsOf<TDefinition extends JobDefinition> = z.output<
  z.ZodObject<NonNullable<TDefinition['settings']>>
>;

/**
 * Completed jobs are trimmed by age and count (history lives in Postgres); failed ones are kept
 * longer so someone can look at them and retry.
 */
export const retention = {
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 5000 },
} satisfies Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>;

export function jobOptions(
  definition: JobDefinition,
  ids: { jobId?: string; deduplicationId?: string } = {},
): JobsOptions {
  return {
    attempts: definition.retry.attempts,
    backoff: definition.retry.backoff,
    ...retention,
    ...(ids.jobId ? { jobId: ids.jobId } : {}),
    ...(ids.deduplicationId ? { deduplication: { id: ids.deduplicationId } } : {}),
  };
}
