import { z } from 'zod';
import { defineJob } from '../define.ts';

export const contactsImport = defineJob({
  name: 'contacts.import',
  queue: 'imports',
  payload: z.object({ importId: z.uuid() }),
  // Transient failures (database or Redis away) retry with growing, jittered delays; a bad file
  // throws UnrecoverableError and fails at once.
  retry: { attempts: 8, backoff: { type: 'exponential', delay: 1000, jitter: 0.5 } },
  jobId: ({ importId }) => `import-${importId}`,
});
