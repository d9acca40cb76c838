// template-demo
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
  settings: {
    // Rows per transaction: each batch commits its rows and the checkpoint together.
    IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(5000),
    // A pause after each committed batch: for demos and crash tests, 0 in production.
    IMPORT_BATCH_DELAY_MS: z.coerce.number().int().min(0).default(0),
  },
});
