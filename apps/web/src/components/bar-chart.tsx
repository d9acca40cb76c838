import { formatNumber } from '@/lib/format';

type Props = { title: string; items: { label: string; value: number }[] };

const WIDTH = 480;
const ROW = 26;
const LABEL = 170;
const VALUE = 56;

/** Horizontal bars with their labels and values, as SVG rendered on the server. */
export function BarChart({ title, items }: Props) {
  const max = Math.max(1, ...items.map((i) => i.value));
  const barSpace = WIDTH - LABEL - VALUE;
  const height = Math.max(ROW, items.length * ROW);
  return (
    <svg className="chart" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={title}>
      {items.map((item, index) => {
        const y = index * ROW;
        const width = Math.max(2, (item.value / max) * barSpace);
        const text = item.label.length > 24 ? `${item.label.slice(0, 23)}…` : item.label;
        return (
          <g key={item.label}>
            <text className="chart-label" x={LABEL - 8} y={y + 17} textAnchor="end">
              {text}
            </text>
            <rect
              className="chart-bar"
              x={LABEL}
              y={y + 5}
              width={width}
              height={ROW - 10}
              rx={3}
            />
            <text className="chart-value" x={LABEL + width + 6} y={y + 17}>
              {formatNumber(item.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
