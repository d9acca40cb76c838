import { z } from 'zod';
import { defineJob } from '../define.ts';

const keep = (fallback: number) => z.coerce.number().int().min(0).max(1000).default(fallback);
const optional = z.string().trim().min(1).optional();

/** The settings of both backup jobs (the backup writes where the drill reads). */
export const backupSettings = {
  // Relative paths are taken from the repository root in a checkout (the same folder for the
  // worker, `make backup` and `make restore`), else from the working directory.
  BACKUP_DIR: z.string().trim().min(1).default('.backups'),
  // At least one: the backup just taken is always kept.
  BACKUP_KEEP_DAILY: keep(7).pipe(z.number().min(1)),
  BACKUP_KEEP_WEEKLY: keep(4),
  BACKUP_S3_BUCKET: optional,
  BACKUP_S3_PREFIX: z.string().trim().default(''),
  BACKUP_S3_REGION: z.string().trim().default('us-east-1'),
  // DigitalOcean Spaces, MinIO, …: the S3 API's base URL. Unset: AWS itself.
  BACKUP_S3_ENDPOINT: z.url().optional(),
  BACKUP_S3_ACCESS_KEY_ID: optional,
  BACKUP_S3_SECRET_ACCESS_KEY: optional,
  BACKUP_S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
};

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
  settings: backupSettings,
});
