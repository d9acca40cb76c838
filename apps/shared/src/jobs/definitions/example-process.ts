import { z } from 'zod';
import { defineJob } from '../define.ts';

/**
 * The skeleton's example job: the web app queues it for a new row of `examples`, the worker marks
 * the row processed. The smallest complete round trip (web → Redis → worker → Postgres → web), and
 * the proof the deploy and rollback checks use; copy it for your first job.
 */
export const exampleProcess = defineJob({
  name: 'example.process',
  queue: 'maintenance',
  payload: z.object({ id: z.uuid() }),
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 1000, jitter: 0.5 } },
  // One job per row: a retried request cannot queue the same row twice.
  jobId: (payload) => `example-${payload.id}`,
});
