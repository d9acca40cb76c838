/**
 * The backup state the dashboard and /api/health show, from the worker's backup_runs rows (the
 * web never reads the worker's files). Pure, so the rules are unit-tested with a clock of their own.
 */
export type BackupHealth = 'ok' | 'stale' | 'failing' | 'none';

export type RunView = {
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  file: string | null;
  locations: string[];
  sizeBytes: number | null;
  intervalSeconds: number | null;
  error: string | null;
};

export type BackupState = {
  health: BackupHealth;
  /** Why the health is what it is, in one line for people. */
  reason: string;
  /** The latest finished backup (succeeded or failed) and the latest successful one. */
  lastBackup: RunView | null;
  lastGoodBackup: RunView | null;
  lastDrill: RunView | null;
};

/** Used when the newest good backup did not record a schedule (taken by hand, BACKUP_CRON=off). */
const DEFAULT_INTERVAL_S = 24 * 3600;

export function backupHealth(
  runs: { lastBackup: RunView | null; lastGoodBackup: RunView | null; lastDrill: RunView | null },
  now: number,
): BackupState {
  const state = (health: BackupHealth, reason: string): BackupState => ({
    ...runs,
    health,
    reason,
  });
  const { lastBackup, lastGoodBackup, lastDrill } = runs;
  // A failure is the loudest state: the latest attempt failed, whatever came before.
  if (lastBackup?.status === 'failed')
    return state(
      'failing',
      `the latest backup failed: ${lastBackup.error ?? 'no reason recorded'}`,
    );
  if (lastDrill?.status === 'failed')
    return state(
      'failing',
      `the latest restore drill failed: ${lastDrill.error ?? 'no reason recorded'}`,
    );
  if (!lastGoodBackup?.finishedAt) return state('none', 'no backup has been taken yet');
  const interval = lastGoodBackup.intervalSeconds ?? DEFAULT_INTERVAL_S;
  const age = now - Date.parse(lastGoodBackup.finishedAt);
  if (age > 2 * interval * 1000)
    return state(
      'stale',
      `the latest backup is older than twice its schedule (${Math.round(interval / 3600)} h)`,
    );
  return state('ok', 'the latest backup is recent and no drill failed');
}
