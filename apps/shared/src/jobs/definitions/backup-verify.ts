import { z } from 'zod';
import { defineJob } from '../define.ts';
import { backupSettings } from './backup.ts';

/**
 * The restore drill: restores the newest backup into a scratch database, compares every table's
 * row count with the backup's metadata and drops the scratch database (docs/backups.md).
 */
export const backupVerify = defineJob({
  name: 'backup.verify',
  queue: 'maintenance',
  payload: z.object({}),
  // A damaged backup stays damaged: one retry only covers a database that was briefly away.
  retry: { attempts: 2, backoff: { type: 'fixed', delay: 60_000 } },
  deduplicationId: () => 'backup-verify',
  schedule: { id: 'backup-verify', env: 'BACKUP_VERIFY_CRON', default: '30 4 * * 0', payload: {} },
  settings: backupSettings,
});
