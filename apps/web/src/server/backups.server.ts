import { type BackupRun, backupRuns } from '@app/db';
import { and, desc, eq, ne } from 'drizzle-orm';
import { type BackupState, backupHealth, type RunView } from '../lib/backups';
import { services } from './services.server';

const view = (row: BackupRun | undefined): RunView | null =>
  row
    ? {
        status: row.status,
        startedAt: row.startedAt.toISOString(),
        finishedAt: row.finishedAt?.toISOString() ?? null,
        file: row.file,
        locations: row.locations,
        sizeBytes: row.sizeBytes,
        intervalSeconds: row.intervalSeconds,
        error: row.error,
      }
    : null;

/** Three indexed lookups on backup_runs: the latest finished backup, good backup and drill. */
export async function backupState(now = Date.now()): Promise<BackupState> {
  const { db } = services();
  const latest = (kind: BackupRun['kind'], status?: BackupRun['status']) =>
    db.db
      .select()
      .from(backupRuns)
      .where(
        and(
          eq(backupRuns.kind, kind),
          status ? eq(backupRuns.status, status) : ne(backupRuns.status, 'running'),
        ),
      )
      .orderBy(desc(backupRuns.startedAt))
      .limit(1)
      .then(([row]) => view(row));
  const [lastBackup, lastGoodBackup, lastDrill] = await Promise.all([
    latest('backup'),
    latest('backup', 'succeeded'),
    latest('drill'),
  ]);
  return backupHealth({ lastBackup, lastGoodBackup, lastDrill }, now);
}
