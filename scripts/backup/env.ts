import { postgresUrl } from '@app/db/config';
import { loadEnvOrExit } from '@app/db/process-env';
import { backup } from '@app/shared/contracts';
import { backupEnvShape } from '@app/worker/backups';
import { z } from 'zod';

/** `make backup` / `make restore` read what the worker's backup job reads, from the same .env. */
export const backupScriptEnv = z.object({
  DATABASE_URL: postgresUrl,
  BACKUP_CRON: z.string().default(backup.schedule?.default ?? 'off'),
  ...backupEnvShape,
});

export const loadBackupScriptEnv = (name: string) => loadEnvOrExit(name, backupScriptEnv);
