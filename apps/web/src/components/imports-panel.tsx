// template-demo
'use client';

import type { ImportView } from '@app/db';
import Link from 'next/link';
import { useCallback, useState } from 'react';
import { formatBytes, formatDateTime, formatNumber } from '@/lib/format';
import { ImportProgress } from './import-progress';
import { LiveIndicator } from './live-indicator';
import { StatusBadge } from './status-badge';
import { UploadForm } from './upload-form';
import { useImportEvents } from './use-import-events';

type Props = {
  initialImports: ImportView[];
  maxBytes: number;
  /** The page's cursor: only the first page shows imports that start while it is open. */
  cursor: string | undefined;
  pageSize: number;
};

/** Newest first, like the API; an import already listed is replaced in place. */
function upsert(list: ImportView[], view: ImportView, addNew: boolean): ImportView[] {
  const index = list.findIndex((item) => item.id === view.id);
  if (index === -1) return addNew ? [view, ...list] : list;
  const next = list.slice();
  next[index] = view;
  return next;
}

export function ImportsPanel({ initialImports, maxBytes, cursor, pageSize }: Props) {
  const [imports, setImports] = useState(initialImports);
  const firstPage = cursor === undefined;

  const refetch = useCallback(async () => {
    const params = new URLSearchParams({ limit: String(pageSize) });
    if (cursor) params.set('cursor', cursor);
    const response = await fetch(`/api/imports?${params}`, { cache: 'no-store' }).catch(
      () => undefined,
    );
    if (!response?.ok) return; // keep what is shown; the next event or reconnect tries again
    const body = (await response.json()) as { imports: ImportView[] };
    setImports(body.imports);
  }, [cursor, pageSize]);

  const live = useImportEvents({
    onImport: (view) => setImports((list) => upsert(list, view, firstPage)),
    onResync: () => void refetch(),
  });

  return (
    <>
      {firstPage && (
        <UploadForm
          maxBytes={maxBytes}
          onUploaded={(view) => setImports((list) => upsert(list, view, true))}
        />
      )}
      <section className="card" aria-labelledby="imports-title">
        <div className="card-header">
          <h2 id="imports-title" className="card-title">
            {firstPage ? 'Recent imports' : 'Older imports'}
          </h2>
          <LiveIndicator state={live} />
        </div>
        {imports.length === 0 ? (
          <p className="empty">No imports yet. Upload a CSV above and watch it run here.</p>
        ) : (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="col-progress">
                    Progress
                  </th>
                  <th scope="col" className="num">
                    Inserted
                  </th>
                  <th scope="col" className="num">
                    Updated
                  </th>
                  <th scope="col" className="num">
                    Invalid
                  </th>
                  <th scope="col">Uploaded</th>
                </tr>
              </thead>
              <tbody>
                {imports.map((view) => (
                  <tr key={view.id} data-import-id={view.id}>
                    <td>
                      <Link href={`/imports/${view.id}`} className="strong-link">
                        {view.filename}
                      </Link>
                      <div className="muted small">{formatBytes(view.sizeBytes)}</div>
                    </td>
                    <td>
                      <StatusBadge view={view} live />
                    </td>
                    <td className="col-progress">
                      <ImportProgress view={view} label={`Progress of ${view.filename}`} />
                    </td>
                    <td className="num">{formatNumber(view.inserted)}</td>
                    <td className="num">{formatNumber(view.updated)}</td>
                    <td className="num">
                      {view.invalid > 0 ? (
                        <span className="text-warn">{formatNumber(view.invalid)}</span>
                      ) : (
                        0
                      )}
                    </td>
                    <td>
                      <time dateTime={view.createdAt} suppressHydrationWarning>
                        {formatDateTime(view.createdAt)}
                      </time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
