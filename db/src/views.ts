// template-demo
import type { Import, ImportStatus } from './schema.ts';

/** The JSON shape of an import in API responses and live events. */
export type ImportView = {
  id: string;
  filename: string;
  sizeBytes: number;
  status: ImportStatus;
  /** 0..1, from bytes committed; 1 once completed. */
  progress: number;
  processedRows: number;
  totalRows: number | null;
  inserted: number;
  updated: number;
  invalid: number;
  error: string | null;
  attempts: number;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Wall time from start to finish (or to now while running), in milliseconds. */
  durationMs: number | null;
  rowsPerSecond: number | null;
};

export const finishedStatuses: readonly ImportStatus[] = ['completed', 'failed', 'cancelled'];

export function importView(row: Import, now = new Date()): ImportView {
  const finished = finishedStatuses.includes(row.status);
  const end = row.finishedAt ?? (finished ? null : now);
  const durationMs = row.startedAt && end ? end.getTime() - row.startedAt.getTime() : null;
  const progress =
    row.status === 'completed'
      ? 1
      : row.sizeBytes > 0
        ? Math.min(1, row.processedBytes / row.sizeBytes)
        : 0;
  return {
    id: row.id,
    filename: row.filename,
    sizeBytes: row.sizeBytes,
    status: row.status,
    progress,
    processedRows: row.processedRows,
    totalRows: row.totalRows,
    inserted: row.inserted,
    updated: row.updated,
    invalid: row.invalid,
    error: row.error,
    attempts: row.attempts,
    cancelRequested: row.cancelRequestedAt !== null,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    durationMs,
    rowsPerSecond:
      durationMs && durationMs > 0 ? Math.round((row.processedRows * 1000) / durationMs) : null,
  };
}
