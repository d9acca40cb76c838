/** A live connection's state: the dashboard's polling, an import page's event stream. */
export type LiveState = 'connecting' | 'live' | 'reconnecting';

const labels: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

/** Whether the page is receiving updates; a dropped connection should not look like a stuck job. */
export function LiveIndicator({ state }: { state: LiveState }) {
  return (
    <span className="live" data-state={state} role="status">
      <span className="live-dot" aria-hidden="true" />
      {labels[state]}
    </span>
  );
}
