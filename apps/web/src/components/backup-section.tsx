import type { BackupHealth, BackupState, RunView } from '@/lib/backups';
import { formatBytes, formatDateTime } from '@/lib/format';

const healthLabel: Record<BackupHealth, string> = {
  ok: 'OK',
  stale: 'Stale',
  failing: 'Failing',
  none: 'No backup yet',
};
const badgeStatus: Record<BackupHealth, string> = {
  ok: 'completed',
  stale: 'cancelling',
  failing: 'failed',
  none: 'queued',
};

/** "3 h ago": the age that matters for a backup, from the time the page was rendered. */
export function formatAge(iso: string, now: number): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(iso)) / 60_000));
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/**
 * The last backup (age, size, where) and the last restore drill (when, result), from the
 * worker's backup_runs rows; the same state /api/health reports as `checks.backup`.
 */
export function BackupSection({ state, now }: { state: BackupState | null; now: number }) {
  if (!state)
    return (
      <section className="card" aria-labelledby="backups-title">
        <h2 id="backups-title" className="card-title card-title-spaced">
          Backups
        </h2>
        <p className="empty">The database does not answer: the backup state is unavailable.</p>
      </section>
    );
  const { lastBackup, lastGoodBackup, lastDrill } = state;
  return (
    <section className="card" aria-labelledby="backups-title">
      <div className="card-header">
        <h2 id="backups-title" className="card-title">
          Backups
        </h2>
        <span className="badge" data-status={badgeStatus[state.health]}>
          {healthLabel[state.health]}
        </span>
      </div>
      <p className="muted small">{state.reason}.</p>
      <dl className="stats">
        <div className="stat">
          <dt>Last backup</dt>
          <dd>{lastGoodBackup?.finishedAt ? formatAge(lastGoodBackup.finishedAt, now) : '–'}</dd>
        </div>
        <div className="stat">
          <dt>Size</dt>
          <dd>{lastGoodBackup?.sizeBytes != null ? formatBytes(lastGoodBackup.sizeBytes) : '–'}</dd>
        </div>
        <div className="stat">
          <dt>Last restore drill</dt>
          <dd>
            {lastDrill?.finishedAt ? (
              <>
                {lastDrill.status === 'succeeded' ? 'Passed' : 'Failed'}
                <span className="muted small">
                  {' '}
                  <Time iso={lastDrill.finishedAt} />
                </span>
              </>
            ) : (
              '–'
            )}
          </dd>
        </div>
      </dl>
      {lastGoodBackup && (
        <p className="small">
          <span className="muted">Location: </span>
          {lastGoodBackup.locations.join(' · ') || lastGoodBackup.file}
          <span className="muted">
            {' '}
            (taken <Time iso={lastGoodBackup.finishedAt ?? lastGoodBackup.startedAt} />)
          </span>
        </p>
      )}
      <Failure label="Latest backup" run={lastBackup} />
      <Failure label="Latest restore drill" run={lastDrill} />
      {!lastGoodBackup && state.health === 'none' && (
        <p className="empty">
          The worker backs up on its schedule (BACKUP_CRON), or now with <code>make backup</code>.
        </p>
      )}
    </section>
  );
}

function Failure({ label, run }: { label: string; run: RunView | null }) {
  if (run?.status !== 'failed') return null;
  return (
    <p className="small" role="alert">
      <span className="badge" data-status="failed">
        Failed
      </span>{' '}
      {label} (<Time iso={run.finishedAt ?? run.startedAt} />
      ): {run.error ?? 'no reason recorded'}
    </p>
  );
}

function Time({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} suppressHydrationWarning>
      {formatDateTime(iso)}
    </time>
  );
}
