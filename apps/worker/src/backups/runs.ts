import { type BackupRun, backupRuns, type Database } from '@app/db';
import { eq } from 'drizzle-orm';

/** The backup_runs rows the web app reads: one at the start of a run, completed at its end. */
export async function startRun(db: Database, kind: BackupRun['kind'], now: Date): Promise<string> {
  const [row] = await db
    .insert(backupRuns)
    .values({ kind, status: 'running', startedAt: now })
    .returning({ id: backupRuns.id });
  if (!row) throw new Error('insert into backup_runs returned no row');
  return row.id;
}

export async function finishRun(
  db: Database,
  id: string,
  result: Partial<Omit<BackupRun, 'id' | 'kind' | 'startedAt'>> & {
    status: 'succeeded' | 'failed';
  },
): Promise<void> {
  await db
    .update(backupRuns)
    .set({ finishedAt: new Date(), ...result })
    .where(eq(backupRuns.id, id));
}
