import type { Job } from 'bullmq';
import type { Queues } from '../jobs/queues.ts';

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
    const current = await queue.getJob(job.id);
    last = current ? await current.getState() : 'missing';
    if (current && (last === 'completed' || last === 'failed'))
      return { state: last, job: current };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${job.name} ${job.id} did not finish in ${timeoutMs} ms (last: ${last})`);
}
