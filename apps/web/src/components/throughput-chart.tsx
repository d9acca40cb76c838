import { formatNumber } from '@/lib/format';

type Props = { completed: number[]; failed: number[] };

const WIDTH = 600;
const HEIGHT = 120;
const TOP = 8;
const BOTTOM = 18;

/**
 * Jobs finished per minute as stacked bars (completed, failed on top), oldest left. Plain SVG from
 * the numbers: no chart library, nothing loaded from elsewhere, and the same markup on the server
 * and in the browser. The label says in words what the picture shows.
 */
export function ThroughputChart({ completed, failed }: Props) {
  const minutes = completed.length;
  const totals = completed.map((c, i) => c + (failed[i] ?? 0));
  const peak = Math.max(1, ...totals);
  const slot = WIDTH / Math.max(1, minutes);
  const plot = HEIGHT - TOP - BOTTOM;
  const scale = (n: number) => (n / peak) * plot;
  const sum = (list: number[]) => list.reduce((a, b) => a + b, 0);
  const label =
    `Jobs per minute over the last ${minutes} minutes: ${formatNumber(sum(completed))} completed, ` +
    `${formatNumber(sum(failed))} failed; busiest minute ${formatNumber(Math.max(0, ...totals))}.`;
  return (
    <svg className="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
      <line className="chart-axis" x1={0} x2={WIDTH} y1={HEIGHT - BOTTOM} y2={HEIGHT - BOTTOM} />
      {completed.map((c, i) => {
        const f = failed[i] ?? 0;
        const x = i * slot + 1;
        const w = Math.max(1, slot - 2);
        const base = HEIGHT - BOTTOM;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: one bar per minute, in a fixed order
          <g key={i}>
            {c > 0 && (
              <rect className="chart-bar" x={x} y={base - scale(c)} width={w} height={scale(c)} />
            )}
            {f > 0 && (
              <rect
                className="chart-bar-failed"
                x={x}
                y={base - scale(c) - scale(f)}
                width={w}
                height={scale(f)}
              />
            )}
          </g>
        );
      })}
      <text className="chart-label" x={0} y={HEIGHT - 4}>
        {minutes} min ago
      </text>
      <text className="chart-label" x={WIDTH} y={HEIGHT - 4} textAnchor="end">
        now
      </text>
      <text className="chart-label" x={4} y={TOP + 10}>
        {formatNumber(peak)}/min
      </text>
    </svg>
  );
}
