import Link from 'next/link';
import { connection } from 'next/server';
import { StatusBadge } from '@/components/status-badge';
import { formatDateTime, formatNumber } from '@/lib/format';
import { listImports } from '@/server/imports.server';

/**
 * A small overview until the real dashboard lands (issue 4): where to go, and the latest imports.
 * Nothing else depends on this page, so it can be replaced wholesale.
 */
export default async function OverviewPage() {
  await connection(); // rendered per request: it shows live data
  const { imports } = await listImports({ limit: 5 });
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Overview</h1>
          <p className="muted">
            Import contacts from a CSV file: the upload goes through a job queue, a worker writes
            the rows, and the page follows along live.
          </p>
        </div>
      </div>
      <div className="tiles">
        <Link href="/imports" className="tile">
          <span className="tile-title">Import a CSV →</span>
          <span className="muted">Upload a spreadsheet export and watch it run.</span>
        </Link>
        <Link href="/contacts" className="tile">
          <span className="tile-title">Browse contacts →</span>
          <span className="muted">Search by email, name or company.</span>
        </Link>
      </div>
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
    </>
  );
}
