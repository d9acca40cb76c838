import { backup, backupSettings } from '@app/shared/contracts';
import { postgresUrl } from '@app/shared/env';
import { loadEnvOrExit } from '@app/shared/env/node';
import { z } from 'zod';

/** `make backup` / `make restore` read what the worker's backup job reads, from the same .env. */
export const backupScriptEnv = z.object({
  DATABASE_URL: postgresUrl,
  BACKUP_CRON: z.string().default(backup.schedule?.default ?? 'off'),
  ...backupSettings,
});

export const loadBackupScriptEnv = (name: string) => loadEnvOrExit(name, backupScriptEnv);
