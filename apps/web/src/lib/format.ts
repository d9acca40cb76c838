// demo:start
import type { ImportStatus, ImportView } from '@app/db';

// demo:end

/**
 * Display formatting shared by server and client components. A fixed locale keeps the server's
 * HTML and the browser's first render identical (no hydration mismatch on numbers).
 */
const numberFormat = new Intl.NumberFormat('en-US');

export const formatNumber = (value: number) => numberFormat.format(value);

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
}

/** Whole percent, rounded down: the bar shows 100 only when the import really is done. */
export const percent = (progress: number) => Math.floor(Math.min(1, Math.max(0, progress)) * 100);

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

/** Local time of the viewer; render inside <time suppressHydrationWarning> (time zones differ). */
export const formatDateTime = (iso: string) => dateTimeFormat.format(new Date(iso));

// demo:start
export const statusLabel: Record<ImportStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** What the badge says: a running import that was asked to stop says so before it stops. */
export function describeStatus(view: Pick<ImportView, 'status' | 'cancelRequested'>): string {
  if (view.cancelRequested && (view.status === 'running' || view.status === 'queued'))
    return 'Cancelling…';
  return statusLabel[view.status];
}

export const isFinished = (status: ImportStatus) =>
  status === 'completed' || status === 'failed' || status === 'cancelled';
// demo:end
