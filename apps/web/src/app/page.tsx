// demo:start
import Link from 'next/link';
// demo:end
import { connection } from 'next/server';
import { BackupSection } from '@/components/backup-section';
import { DashboardLive } from '@/components/dashboard-live';
// demo:start
import { ReportSection } from '@/components/report-section';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime, formatNumber } from '@/lib/format';
// demo:end
import { backupState } from '@/server/backups.server';
import { dashboardSnapshot } from '@/server/dashboard.server';
// demo:start
import { listImports } from '@/server/imports.server';
import { latestReport } from '@/server/reports.server';
// demo:end

export const metadata = { title: 'Dashboard' };

/**
 * What the background work is doing: queue counts, workers, throughput and health (updated live
 * by DashboardLive), the latest contacts report (rendered here), backups and restore drills, and
 * the latest imports.
 */
export default async function DashboardPage() {
  await connection(); // rendered per request: it shows live data
  const now = Date.now();
  const [snapshot, backups] = await Promise.all([
    dashboardSnapshot(),
    // Without Postgres the rest of the page still renders; the section says it cannot tell.
    backupState(now).catch(() => null),
  ]);
  // demo:start
  const [report, { imports }] = await Promise.all([latestReport(), listImports({ limit: 5 })]);
  // demo:end
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Dashboard</h1>
          <p className="muted">
            Background work runs as jobs: the web app queues them in Redis, the worker runs them.
            This page follows the queues live.
          </p>
        </div>
      </div>
      <DashboardLive initial={snapshot}>
        {/* demo:start */}
        <ReportSection report={report} />
        {/* demo:end */}
      </DashboardLive>
      <BackupSection state={backups} now={now} />
      {/* demo:start */}
      <section className="card" aria-labelledby="latest-title">
        <div className="card-header">
          <h2 id="latest-title" className="card-title">
            Latest imports
          </h2>
          <Link href="/imports">All imports</Link>
        </div>
        {imports.length === 0 ? (
          <p className="empty">
            Nothing imported yet. <Link href="/imports">Import your first CSV</Link>.
          </p>
        ) : (
          <ul className="list">
            {imports.map((view) => (
              <li key={view.id} className="list-row">
                <Link href={`/imports/${view.id}`} className="strong-link">
                  {view.filename}
                </Link>
                <span className="muted small">
                  {formatNumber(view.processedRows)} rows ·{' '}
                  <time dateTime={view.createdAt} suppressHydrationWarning>
                    {formatDateTime(view.createdAt)}
                  </time>
                </span>
                <StatusBadge view={view} />
              </li>
            ))}
          </ul>
        )}
      </section>
      {/* demo:end */}
    </>
  );
}
