import { z } from 'zod';
import { defineJob } from '../define.ts';

/** pg_dump of the app database into BACKUP_DIR (and S3 when set), then retention (docs/backups.md). */
export const backup = defineJob({
  name: 'backup',
  queue: 'maintenance',
  payload: z.object({}),
  // A busy or restarting database is worth another try a few minutes later; a full disk is not
  // fixed by retrying, but three attempts cost little and the failure is recorded each time.
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 60_000, jitter: 0.5 } },
  deduplicationId: () => 'backup',
  schedule: { id: 'backup', env: 'BACKUP_CRON', default: '30 2 * * *', payload: {} },
});
