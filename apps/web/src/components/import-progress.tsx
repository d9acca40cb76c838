// template-demo
import type { ImportView } from '@app/db';
import { formatNumber, percent } from '@/lib/format';

type Props = { view: ImportView; label: string };

/** A native <progress> (role progressbar for free, no inline styles for a strict CSP later). */
export function ImportProgress({ view, label }: Props) {
  const value = percent(view.progress);
  const rows =
    view.totalRows === null
      ? `${formatNumber(view.processedRows)} rows`
      : `${formatNumber(view.processedRows)} of ${formatNumber(view.totalRows)} rows`;
  return (
    <div className="progress" data-status={view.status}>
      <progress max={100} value={value} aria-label={label} aria-valuetext={`${value}%, ${rows}`} />
      <span className="progress-text">
        <span className="progress-percent">{value}%</span>
        <span className="muted">{rows}</span>
      </span>
    </div>
  );
}
