import type { Queues } from '@app/shared/queues';
import type { Job } from 'bullmq';

/** Polls a job until it completes or fails; a job that ends any other way fails the test. */
export async function waitForJob(
  queues: Queues,
  job: Job,
  timeoutMs = 30_000,
): Promise<{ state: 'completed' | 'failed'; job: Job }> {
  const deadline = Date.now() + timeoutMs;
  const queue = queues[job.queueName as keyof Queues];
  if (!job.id || !queue) throw new Error(`job without id or unknown queue ${job.queueName}`);
  let last = 'unknown';
  while (Date.now() < deadline) {
    // State first, the job's data after: BullMQ writes a job's result and moves it to its final
    // set in one step, so data read once the state is final is the final data. Read the other
    // way round, the job could finish in between and be returned with no result yet.
    last = await queue.getJobState(job.id);
    if (last === 'completed' || last === 'failed') {
      const finished = await queue.getJob(job.id);
      if (!finished) throw new Error(`job ${job.name} ${job.id} was removed once ${last}`);
      return { state: last, job: finished };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${job.name} ${job.id} did not finish in ${timeoutMs} ms (last: ${last})`);
}
