// template-demo
'use client';

import type { ImportView } from '@app/db';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  formatBytes,
  formatDateTime,
  formatDuration,
  formatNumber,
  isFinished,
} from '@/lib/format';
import { postJson } from '@/lib/post-json';
import { type Feedback, FeedbackMessage } from './feedback-message';
import { ImportProgress } from './import-progress';
import { LiveIndicator } from './live-indicator';
import { StatusBadge } from './status-badge';
import { useImportEvents } from './use-import-events';

export type RowError = { line: number; column: string | null; message: string };

type Props = { initialImport: ImportView; initialErrors: RowError[]; errorLimit: number };
/** Invalid rows arrive while the import runs; refetch them at most this often. */
const ERRORS_REFRESH_MS = 1000;

export function ImportDetail({ initialImport, initialErrors, errorLimit }: Props) {
  const id = initialImport.id;
  const [view, setView] = useState(initialImport);
  const [errors, setErrors] = useState(initialErrors);
  const [busy, setBusy] = useState<'retry' | 'cancel' | undefined>();
  const [outcome, setOutcome] = useState<Feedback>();
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const refetch = useCallback(async () => {
    const response = await fetch(`/api/imports/${id}`, { cache: 'no-store' }).catch(
      () => undefined,
    );
    if (!response?.ok) return;
    const body = (await response.json()) as { import: ImportView; errors: RowError[] };
    setView(body.import);
    setErrors(body.errors);
  }, [id]);

  const live = useImportEvents({
    onImport: (next) => {
      if (next.id === id) setView(next);
    },
    onResync: () => void refetch(),
  });

  // New invalid rows arrive with the batches: fetch the list again, throttled, until the table
  // shows as many as there are (or the first `errorLimit`).
  const { invalid, status } = view;
  const wanted = Math.min(invalid, errorLimit);
  useEffect(() => {
    if (errors.length >= wanted || pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      void refetch();
    }, ERRORS_REFRESH_MS);
  }, [wanted, errors.length, refetch]);
  useEffect(() => () => clearTimeout(pending.current), []);

  async function act(action: 'retry' | 'cancel') {
    setBusy(action);
    setOutcome(undefined);
    const outcome = await postJson<{ import: ImportView }>(`/api/imports/${id}/${action}`);
    setBusy(undefined);
    if (!outcome.ok) {
      setOutcome({ kind: 'error', text: `Could not ${action}: ${outcome.reason}.` });
      return;
    }
    const updated = outcome.body.import;
    setView(updated);
    if (action === 'retry') {
      setOutcome({
        kind: 'success',
        text: 'Queued again: the import resumes after the last committed batch.',
      });
      return;
    }
    setOutcome({
      kind: 'success',
      text:
        updated.status === 'cancelled'
          ? 'Cancelled before it started.'
          : 'Cancellation requested: the import stops after the current batch.',
    });
  }

  const canCancel = (status === 'queued' || status === 'running') && !view.cancelRequested;
  const canRetry = status === 'failed' || status === 'cancelled';
  return (
    <>
      <div className="page-header">
        <div>
          <p className="eyebrow">Import</p>
          <h1 className="title-break">{view.filename}</h1>
          <p className="muted">
            {formatBytes(view.sizeBytes)} · uploaded{' '}
            <time dateTime={view.createdAt} suppressHydrationWarning>
              {formatDateTime(view.createdAt)}
            </time>
            {view.attempts > 1 ? ` · attempt ${view.attempts}` : ''}
          </p>
        </div>
        <div className="actions">
          <LiveIndicator state={live} />
          {canCancel && (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => void act('cancel')}
              disabled={busy !== undefined}
            >
              {busy === 'cancel' ? 'Cancelling…' : 'Cancel import'}
            </button>
          )}
          {canRetry && (
            <button
              type="button"
              className="button"
              onClick={() => void act('retry')}
              disabled={busy !== undefined}
            >
              {busy === 'retry' ? 'Retrying…' : 'Retry'}
            </button>
          )}
        </div>
      </div>

      <FeedbackMessage feedback={outcome} />

      {status === 'failed' && view.error && (
        <div className="notice notice-error callout">
          <strong>The import failed.</strong> {view.error}
        </div>
      )}

      <section className="card" aria-label="Progress">
        <div className="status-row">
          <StatusBadge view={view} live />
          <ImportProgress view={view} label="Import progress" />
        </div>
        <dl className="stats">
          <Stat label="Processed rows" value={formatNumber(view.processedRows)} />
          <Stat label="Inserted" value={formatNumber(view.inserted)} />
          <Stat label="Updated" value={formatNumber(view.updated)} />
          <Stat label="Invalid" value={formatNumber(view.invalid)} warn={view.invalid > 0} />
          <Stat label="Duration" value={formatDuration(view.durationMs)} />
          <Stat
            label="Rows per second"
            value={view.rowsPerSecond === null ? '–' : formatNumber(view.rowsPerSecond)}
          />
        </dl>
      </section>

      <section className="card" aria-labelledby="errors-title">
        <div className="card-header">
          <h2 id="errors-title" className="card-title">
            Invalid rows
          </h2>
          {view.invalid > 0 && (
            <a className="button button-secondary" href={`/api/imports/${id}/errors.csv`} download>
              Download all {formatNumber(view.invalid)} as CSV
            </a>
          )}
        </div>
        {errors.length === 0 ? (
          <p className="empty">
            {view.invalid > 0
              ? 'Loading invalid rows…'
              : isFinished(status)
                ? 'Every row was valid.'
                : 'No invalid rows so far.'}
          </p>
        ) : (
          <div className="table-scroll">
            <table className="table">
              <caption className="table-caption">
                {view.invalid > errors.length
                  ? `The first ${formatNumber(errors.length)} of ${formatNumber(view.invalid)} problems, by line. The CSV has them all.`
                  : `${formatNumber(errors.length)} problem${errors.length === 1 ? '' : 's'}, by line.`}
              </caption>
              <thead>
                <tr>
                  <th scope="col" className="num col-line">
                    Line
                  </th>
                  <th scope="col" className="col-column">
                    Column
                  </th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {errors.map((error) => (
                  <tr key={`${error.line}:${error.column}:${error.message}`}>
                    <td className="num mono">{error.line}</td>
                    <td>{error.column ?? '–'}</td>
                    <td>{error.message}</td>
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

function Stat({ label, value, warn = false }: { label: string; value: string; warn?: boolean }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd className={warn ? 'text-warn' : undefined}>{value}</dd>
    </div>
  );
}
