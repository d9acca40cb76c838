import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';

/** Queues the worker consumes. A queue groups jobs that share concurrency and retention. */
export const queueNames = ['imports', 'maintenance'] as const;
export type QueueName = (typeof queueNames)[number];

export type RetryPolicy = {
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number; jitter?: number };
};

export type JobSchedule = {
  /** Fixed scheduler id: upserting it on every start never multiplies schedules. */
  id: string;
  cron: string;
};

export type JobDefinition<TName extends string = string, TSchema extends z.ZodType = z.ZodType> = {
  name: TName;
  queue: QueueName;
  payload: TSchema;
  retry: RetryPolicy;
  /** Derives the job id from the payload, so enqueuing the same business request twice is one job. */
  jobId?: (payload: z.output<TSchema>) => string;
  /** Builds the scheduled payload; the schedule itself is read from the worker's environment. */
  scheduled?: () => z.input<TSchema>;
};

export function defineJob<TName extends string, TSchema extends z.ZodType>(
  definition: JobDefinition<TName, TSchema>,
): JobDefinition<TName, TSchema> {
  return definition;
}

/**
 * Completed jobs are trimmed by age and count (history lives in Postgres); failed ones are kept
 * longer so someone can look at them and retry.
 */
export const retention = {
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 5000 },
} satisfies Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>;

export function jobOptions(definition: JobDefinition, jobId?: string): JobsOptions {
  return {
    attempts: definition.retry.attempts,
    backoff: definition.retry.backoff,
    ...retention,
    ...(jobId ? { jobId } : {}),
  };
}
