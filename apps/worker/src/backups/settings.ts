import path from 'node:path';
import type { backup, SettingsOf } from '@app/shared/contracts';
import { findRepoRoot } from '@app/shared/env/node';

// The backup jobs' settings (BACKUP_DIR, BACKUP_KEEP_*, BACKUP_S3_*) are declared by their
// definitions (`backupSettings`, @app/shared/contracts), so the worker env validates them like
// any job's; backupSettingsFrom turns the parsed values into what the backup code takes.

export type S3Settings = {
  bucket: string;
  prefix: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
};

export type BackupSettings = {
  dir: string;
  keep: { daily: number; weekly: number };
  /** The backup schedule's cron pattern, or `off`: how old a backup may get before it is stale. */
  cron: string;
  s3?: S3Settings;
};

type BackupEnv = SettingsOf<typeof backup>;

export function backupSettingsFrom(env: BackupEnv, cron: string): BackupSettings {
  const s3: S3Settings | undefined = env.BACKUP_S3_BUCKET
    ? {
        bucket: env.BACKUP_S3_BUCKET,
        prefix: env.BACKUP_S3_PREFIX,
        region: env.BACKUP_S3_REGION,
        forcePathStyle: env.BACKUP_S3_FORCE_PATH_STYLE,
        ...(env.BACKUP_S3_ENDPOINT ? { endpoint: env.BACKUP_S3_ENDPOINT } : {}),
        ...(env.BACKUP_S3_ACCESS_KEY_ID ? { accessKeyId: env.BACKUP_S3_ACCESS_KEY_ID } : {}),
        ...(env.BACKUP_S3_SECRET_ACCESS_KEY
          ? { secretAccessKey: env.BACKUP_S3_SECRET_ACCESS_KEY }
          : {}),
      }
    : undefined;
  return {
    dir: path.resolve(findRepoRoot() ?? process.cwd(), env.BACKUP_DIR),
    keep: { daily: env.BACKUP_KEEP_DAILY, weekly: env.BACKUP_KEEP_WEEKLY },
    cron,
    ...(s3 ? { s3 } : {}),
  };
}
