import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { type Logger, watchErrors } from '../logger/logger.ts';
import { type JobDefinition, jobOptions, type QueueName, queueNames } from './define.ts';

export type Queues = Record<QueueName, Queue>;

/**
 * One Queue per name sharing one connection; create once per process, never per request. With a
 * logger, each queue's errors are logged (one redacted line per code); without one, BullMQ prints
 * them with console.error (tests and scripts only).
 */
export function createQueues(connection: Redis, prefix: string, logger?: Logger): Queues {
  const entries = queueNames.map((name) => {
    const queue = new Queue(name, { connection, prefix });
    if (logger) watchErrors(queue, logger, `queue:${name}`);
    return [name, queue] as const;
  });
  return Object.fromEntries(entries) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}

/** Validates the payload against the definition and adds the job (idempotent when it has an id). */
export async function enqueue<TSchema extends z.ZodType>(
  queues: Queues,
  definition: JobDefinition<string, TSchema>,
  input: z.input<TSchema>,
): Promise<Job> {
  const payload = definition.payload.parse(input);
  return queues[definition.queue].add(
    definition.name,
    payload,
    jobOptions(definition, {
      jobId: definition.jobId?.(payload),
      deduplicationId: definition.deduplicationId?.(payload),
    }),
  );
}
