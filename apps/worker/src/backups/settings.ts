import path from 'node:path';
import { findRepoRoot } from '@app/db/process-env';
import { z } from 'zod';

/**
 * The backup job's settings, validated by the worker env schema (env.ts spreads them in), kept
 * here beside the code that uses them. The schedules themselves (BACKUP_CRON, BACKUP_VERIFY_CRON)
 * come from the job definitions like every other schedule.
 */
const keep = (fallback: number) => z.coerce.number().int().min(0).max(1000).default(fallback);
const optional = z.string().trim().min(1).optional();

export const backupEnvShape = {
  // Relative paths are taken from the repository root in a checkout (the same folder for the
  // worker, `make backup` and `make restore`), else from the working directory.
  BACKUP_DIR: z
    .string()
    .trim()
    .min(1)
    .default('.backups')
    .transform((dir) => path.resolve(findRepoRoot() ?? process.cwd(), dir)),
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

const backupEnvSchema = z.object(backupEnvShape);
type BackupEnv = z.output<typeof backupEnvSchema>;

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
    dir: env.BACKUP_DIR,
    keep: { daily: env.BACKUP_KEEP_DAILY, weekly: env.BACKUP_KEEP_WEEKLY },
    cron,
    ...(s3 ? { s3 } : {}),
  };
}
