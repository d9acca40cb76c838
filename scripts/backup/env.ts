import { backup, backupSettings } from '@app/shared/contracts';
import { postgresUrl, sessionDatabaseUrl } from '@app/shared/env';
import { loadEnvOrExit } from '@app/shared/env/node';
import { z } from 'zod';

/** `make backup` / `make restore` read what the worker's backup job reads, from the same .env. */
export const backupScriptEnv = z.object({
  DATABASE_URL: postgresUrl,
  // pg_dump and CREATE DATABASE need a session: behind a transaction pool, the direct URL.
  DATABASE_DIRECT_URL: postgresUrl.optional(),
  BACKUP_CRON: z.string().default(backup.schedule?.default ?? 'off'),
  ...backupSettings,
});

/** As the worker's backup job: DATABASE_URL is the direct URL when there is one. */
export const loadBackupScriptEnv = (name: string) => {
  const env = loadEnvOrExit(name, backupScriptEnv);
  return { ...env, DATABASE_URL: sessionDatabaseUrl(env) };
};
