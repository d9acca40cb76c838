import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { TableCounts } from '@app/db';
import { z } from 'zod';

/**
 * Backup files: `<database>-<UTC time to the millisecond>.dump` with a `.json` sidecar beside it.
 * Only a file with this name is a backup: it gets it by a rename after the dump finished and
 * `pg_restore --list` read it. While pg_dump writes, the file is `.<name>.partial`.
 */
const stampPattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/;

export function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('.', '');
}

export function backupFileName(database: string, at: Date): string {
  return `${database}-${stamp(at)}.dump`;
}

export const partialName = (final: string) => `.${final}.partial`;
export const sidecarName = (dumpFile: string) => dumpFile.replace(/\.dump$/, '.json');

/** The time a backup file of `database` was taken, or undefined for any other file. */
export function parseBackupFileName(database: string, file: string): Date | undefined {
  const prefix = `${database}-`;
  if (!file.startsWith(prefix) || !file.endsWith('.dump')) return undefined;
  const match = stampPattern.exec(file.slice(prefix.length, -'.dump'.length));
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match.map(Number) as number[];
  const at = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s, ms));
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export const backupMetadata = z.object({
  version: z.literal(1),
  file: z.string(),
  database: z.string(),
  takenAt: z.iso.datetime(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  pgDump: z.string(),
  /** Rows per table in the snapshot pg_dump dumped: what a restore must give back. */
  tables: z.record(z.string(), z.number().int().nonnegative()),
});
export type BackupMetadata = z.infer<typeof backupMetadata> & { tables: TableCounts };

export type BackupFile = { file: string; path: string; takenAt: Date };

/** Complete backups of `database` in `dir`, newest first. A missing folder has none. */
export async function listBackups(dir: string, database: string): Promise<BackupFile[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names
    .flatMap((file) => {
      const takenAt = parseBackupFileName(database, file);
      return takenAt ? [{ file, path: path.join(dir, file), takenAt }] : [];
    })
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
}

export async function readMetadata(dumpPath: string): Promise<BackupMetadata> {
  const file = sidecarName(dumpPath);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === 'ENOENT'
        ? `no metadata beside the backup (${path.basename(file)} is missing)`
        : `the backup's metadata could not be read: ${error.message}`,
    );
  });
  const parsed = backupMetadata.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`the backup's metadata is invalid (${path.basename(file)})`);
  return parsed.data;
}

export async function sizeOf(file: string): Promise<number> {
  return (await stat(file)).size;
}
