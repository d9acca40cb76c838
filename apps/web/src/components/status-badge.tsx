// template-demo
import type { ImportView } from '@app/db';
import { describeStatus } from '@/lib/format';

type Props = { view: Pick<ImportView, 'status' | 'cancelRequested'>; live?: boolean };

/**
 * The import's status as a coloured badge. With `live`, screen readers announce changes
 * ("Running" → "Completed"); progress itself is not announced, it changes several times a second.
 */
export function StatusBadge({ view, live = false }: Props) {
  return (
    <span
      className="badge"
      data-status={view.cancelRequested && view.status === 'running' ? 'cancelling' : view.status}
      aria-live={live ? 'polite' : undefined}
    >
      {describeStatus(view)}
    </span>
  );
}
