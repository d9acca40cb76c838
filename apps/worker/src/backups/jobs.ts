import type { Database } from '@app/db';
import {
  type BackupOptions,
  type BackupResult,
  runBackup,
  scheduleIntervalSeconds,
} from './backup.ts';
import { listBackups } from './files.ts';
import { databaseName } from './pg-tools.ts';
import { type RestoreResult, restoreAndVerify } from './restore.ts';
import { finishRun, startRun } from './runs.ts';
import type { BackupSettings } from './settings.ts';

/**
 * A backup or drill with its backup_runs row: written as running at the start, and as succeeded
 * or failed (with the error) at the end, so the dashboard and /api/health see every outcome. The
 * worker's handlers and `make backup` run the same code.
 */
export async function recordedBackup(
  db: Database,
  settings: BackupSettings,
  options: Omit<BackupOptions, 'dir' | 'keep' | 's3'>,
): Promise<BackupResult> {
  const now = options.now ?? new Date();
  const id = await startRun(db, 'backup', now);
  const intervalSeconds = scheduleIntervalSeconds(settings.cron, now);
  try {
    const result = await runBackup({
      ...options,
      now,
      dir: settings.dir,
      keep: settings.keep,
      ...(settings.s3 ? { s3: settings.s3 } : {}),
    });
    await finishRun(db, id, {
      status: 'succeeded',
      file: result.file,
      sizeBytes: result.sizeBytes,
      locations: result.locations,
      tableCounts: result.tables,
      intervalSeconds,
    });
    return result;
  } catch (error) {
    await finishRun(db, id, { status: 'failed', error: errorText(error), intervalSeconds }).catch(
      () => {},
    );
    throw error;
  }
}

export type DrillResult = RestoreResult & { file: string };

/** Restores the newest backup in BACKUP_DIR into a scratch database, verifies it, drops it. */
export async function recordedDrill(
  db: Database,
  settings: BackupSettings,
  options: { databaseUrl: string; now?: Date },
): Promise<DrillResult> {
  const now = options.now ?? new Date();
  const id = await startRun(db, 'drill', now);
  let file: string | undefined;
  try {
    const database = databaseName(options.databaseUrl);
    const [newest] = await listBackups(settings.dir, database);
    if (!newest) throw new Error(`no backup of "${database}" in ${settings.dir} to verify`);
    file = newest.file;
    const result = await restoreAndVerify({
      serverUrl: options.databaseUrl,
      file: newest.path,
      into: scratchName(database, now),
      keep: false,
    });
    await finishRun(db, id, {
      status: 'succeeded',
      file,
      sizeBytes: result.metadata.sizeBytes,
      locations: [newest.path],
      tableCounts: result.tables,
    });
    return { ...result, file };
  } catch (error) {
    await finishRun(db, id, { status: 'failed', file, error: errorText(error) }).catch(() => {});
    throw error;
  }
}

/** Unique per run, and recognisable in `\l` as a drill's leftover should a drop ever fail. */
function scratchName(database: string, now: Date): string {
  const suffix = Math.random().toString(36).slice(2, 8);
  return `${database.slice(0, 30)}_drill_${now.getTime()}_${suffix}`;
}

export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1000);
}
