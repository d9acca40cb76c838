import {
  // demo:start
  contactsImport,
  // demo:end
  type QueueName,
  queueNames,
} from '@app/shared/contracts';
import type { Job } from 'bullmq';
import { z } from 'zod';
// demo:start
import { ApiError } from './http.server';
import { retryImport } from './imports.server';
// demo:end
import { services } from './services.server';

/** The failed-jobs page shows this many per queue; "retry all" and "discard all" act on every one. */
export const FAILED_PAGE_SIZE = 100;
/** Upper bound for one "all" action: BullMQ keeps at most this many failed jobs (define.ts). */
const MAX_PER_ACTION = 5000;

export type FailedJobView = {
  queue: QueueName;
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  maxAttempts: number;
  createdAt: string;
  processedAt: string | null;
  failedAt: string | null;
};

export async function listFailedJobs(): Promise<{ jobs: FailedJobView[]; total: number }> {
  const { queues } = services();
  const perQueue = await Promise.all(
    queueNames.map(async (name) => {
      const [jobs, count] = await Promise.all([
        queues[name].getFailed(0, FAILED_PAGE_SIZE - 1),
        queues[name].getFailedCount(),
      ]);
      return { jobs: jobs.map((job) => view(name, job as Job)), count };
    }),
  );
  const jobs = perQueue
    .flatMap((q) => q.jobs)
    .sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? ''));
  return { jobs, total: perQueue.reduce((sum, q) => sum + q.count, 0) };
}

function view(queue: QueueName, job: Job): FailedJobView {
  const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);
  return {
    queue,
    id: job.id ?? '',
    name: job.name,
    failedReason: job.failedReason || 'no reason recorded',
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    createdAt: new Date(job.timestamp).toISOString(),
    processedAt: iso(job.processedOn),
    failedAt: iso(job.finishedOn),
  };
}

/** One job (`{ queue, id }`) or every failed job (`{ all: true }`). */
export const jobTarget = z.union([
  z.object({ queue: z.enum(queueNames), id: z.string().min(1).max(200) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);
export type JobTarget = z.output<typeof jobTarget>;

export type ActionResult = {
  /** Jobs the action changed. */
  done: number;
  /** Jobs that were no longer failed (retried, removed or finished meanwhile): left alone. */
  skipped: number;
  message: string;
};

type Outcome = 'done' | 'skipped';

/**
 * Moves failed jobs back to waiting, with their attempts reset. Idempotent: a job that is no longer
 * failed (someone retried it already, or it was removed) is counted as skipped, never an error.
 */
export function retryFailed(target: JobTarget): Promise<ActionResult> {
  return act(target, 'retry', async (job) => {
    if (!(await job.isFailed())) return 'skipped';
    // demo:start
    // An import has one retry path, whichever page starts it: retryImport checks the import can
    // run again (its file still exists), resets its row and publishes the change, then re-enqueues.
    const importId = importOf(job);
    if (importId) {
      try {
        await retryImport(importId);
        return 'done';
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) return 'skipped';
        throw error;
      }
    }
    // demo:end
    try {
      await job.retry('failed');
      return 'done';
    } catch (error) {
      // Lost a race with another retry or a removal: the state says which.
      if (!(await job.isFailed())) return 'skipped';
      throw error;
    }
  });
}

// demo:start
/** The import a failed `contacts.import` job belongs to, if it is one. */
function importOf(job: Job): string | undefined {
  if (job.name !== contactsImport.name) return undefined;
  const parsed = contactsImport.payload.safeParse(job.data);
  return parsed.success ? parsed.data.importId : undefined;
}
// demo:end

/** Removes failed jobs for good. Idempotent like retry: a job already gone is skipped. */
export function discardFailed(target: JobTarget): Promise<ActionResult> {
  return act(target, 'discard', async (job) => {
    if (!(await job.isFailed())) return 'skipped';
    await job.remove();
    return 'done';
  });
}

async function act(
  target: JobTarget,
  verb: 'retry' | 'discard',
  apply: (job: Job) => Promise<Outcome>,
): Promise<ActionResult> {
  const { queues } = services();
  const targets: { queue: QueueName; id: string }[] = [];
  if ('all' in target) {
    // The ids are read first: jobs that fail again while this runs are not picked up twice.
    for (const queue of queueNames) {
      const ids = await queues[queue].getRanges(['failed'], 0, MAX_PER_ACTION - 1);
      targets.push(...ids.map((id) => ({ queue, id })));
    }
  } else {
    targets.push(target);
  }
  let done = 0;
  let skipped = 0;
  for (const { queue, id } of targets) {
    const job = await queues[queue].getJob(id);
    const outcome = job ? await apply(job as Job) : 'skipped';
    if (outcome === 'done') done++;
    else skipped++;
  }
  return { done, skipped, message: summary(verb, done, skipped, 'all' in target) };
}

const jobs = (n: number) => `${n} job${n === 1 ? '' : 's'}`;

function summary(verb: 'retry' | 'discard', done: number, skipped: number, all: boolean) {
  const past = verb === 'retry' ? 'Retried' : 'Discarded';
  if (done === 0 && skipped === 0) return all ? 'There were no failed jobs.' : 'Nothing to do.';
  if (done === 0) {
    return skipped === 1
      ? `Nothing to do: the job was no longer failed.`
      : `Nothing to do: the ${skipped} jobs were no longer failed.`;
  }
  const rest =
    skipped === 0 ? '' : `; ${skipped} ${skipped === 1 ? 'was' : 'were'} no longer failed`;
  return `${past} ${jobs(done)}${rest}.`;
}
