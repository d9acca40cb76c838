import { z } from 'zod';
import { defineJob } from '../define.ts';

export const maintenanceCleanup = defineJob({
  name: 'maintenance.cleanup',
  queue: 'maintenance',
  payload: z.object({}),
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 10_000, jitter: 0.5 } },
  deduplicationId: () => 'maintenance-cleanup',
  schedule: { id: 'maintenance-cleanup', env: 'CLEANUP_CRON', default: '17 * * * *', payload: {} },
  settings: {
    // demo:start
    // Stored uploads of finished imports are deleted after this many days.
    IMPORT_FILE_RETENTION_DAYS: z.coerce.number().int().min(1).default(7),
    // Rows of import_errors are deleted after this many days.
    IMPORT_ERROR_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
    // demo:end
  },
});
