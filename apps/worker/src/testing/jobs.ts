import type { Queues } from '@app/shared/queues';
import { PollFailed, pollUntil } from '@app/shared/wait';
import type { Job } from 'bullmq';

/** Polls a job until it completes or fails; a job that ends any other way fails the test. */
export async function waitForJob(
  queues: Queues,
  job: Job,
  timeoutMs = 30_000,
): Promise<{ state: 'completed' | 'failed'; job: Job }> {
  const queue = queues[job.queueName as keyof Queues];
  const id = job.id;
  if (!id || !queue) throw new Error(`job without id or unknown queue ${job.queueName}`);
  let last = 'unknown';
  return pollUntil(
    async () => {
      // State first, the job's data after: BullMQ writes a job's result and moves it to its
      // final set in one step, so data read once the state is final is the final data. Read the
      // other way round, the job could finish in between and be returned with no result yet.
      last = await queue.getJobState(id);
      if (last !== 'completed' && last !== 'failed') return undefined;
      const finished = await queue.getJob(id);
      if (!finished) throw new PollFailed(`job ${job.name} ${id} was removed once ${last}`);
      return { state: last, job: finished } as const;
    },
    { what: `job ${job.name} ${id}`, timeoutMs, intervalMs: 50, detail: () => `last: ${last}` },
  );
}
