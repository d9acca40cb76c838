'use client';

import Link from 'next/link';
// demo:start
import { useRouter } from 'next/navigation';
// demo:end
import {
  type ReactNode,
  useEffect,
  // demo:start
  useRef,
  // demo:end
  useState,
} from 'react';
import { type DashboardSnapshot, type Health, jobStates } from '@/lib/dashboard';
import { formatNumber } from '@/lib/format';
// demo:start
import { postJson } from '@/lib/post-json';
import { type Feedback, FeedbackMessage } from './feedback-message';
// demo:end
import { LiveIndicator, type LiveState } from './live-indicator';
import { ThroughputChart } from './throughput-chart';

/** Often enough to watch a job go by; each poll is one shared snapshot on the server. */
const POLL_MS = 2000;

const stateLabels = {
  waiting: 'Waiting',
  active: 'Active',
  delayed: 'Delayed',
  completed: 'Completed',
  failed: 'Failed',
} as const;

type Props = {
  initial: DashboardSnapshot;
  /** The server-rendered report; refreshed from the server when a new report is stored. */
  children?: ReactNode;
};

export function DashboardLive({ initial, children }: Props) {
  const [snapshot, setSnapshot] = useState(initial);
  const [live, setLive] = useState<LiveState>('connecting');
  // demo:start
  const router = useRouter();
  const [feedback, setFeedback] = useState<Feedback>();
  const [requesting, setRequesting] = useState(false);
  const reportId = useRef(initial.latestReport?.id);
  // demo:end

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      // A background tab costs nothing; it catches up when it is shown again.
      if (document.visibilityState === 'visible') {
        try {
          const response = await fetch('/api/dashboard', { cache: 'no-store' });
          if (!response.ok) throw new Error(String(response.status));
          const next = (await response.json()) as DashboardSnapshot;
          if (stopped) return;
          setSnapshot(next);
          setLive('live');
          // demo:start
          if (next.latestReport && next.latestReport.id !== reportId.current) {
            reportId.current = next.latestReport.id;
            router.refresh(); // the report's chart is rendered on the server
          }
          // demo:end
        } catch {
          if (!stopped) setLive('reconnecting');
        }
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      clearTimeout(timer);
      void poll();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [
    // demo:start
    router,
    // demo:end
  ]);

  // demo:start
  async function runReport() {
    setRequesting(true);
    setFeedback(undefined);
    const outcome = await postJson('/api/reports');
    setRequesting(false);
    if (!outcome.ok) {
      setFeedback({ kind: 'error', text: `The report was not started: ${outcome.reason}.` });
      return;
    }
    setFeedback({ kind: 'success', text: 'Report queued: it appears below when it is ready.' });
  }
  // demo:end

  const failed = snapshot.queues.reduce((sum, q) => sum + q.counts.failed, 0);
  return (
    <>
      <div className="dashboard-bar">
        <LiveIndicator state={live} />
        <div className="actions">
          <Link href="/jobs/failed" className="button button-secondary">
            Failed jobs ({formatNumber(failed)})
          </Link>
          {/* demo:start */}
          <button type="button" className="button" onClick={runReport} disabled={requesting}>
            {requesting ? 'Requesting…' : 'Run report'}
          </button>
          {/* demo:end */}
        </div>
      </div>
      {/* demo:start */}
      <FeedbackMessage feedback={feedback} />
      {/* demo:end */}

      <section className="card" aria-labelledby="health-title">
        <h2 id="health-title" className="card-title card-title-spaced">
          Health
        </h2>
        <dl className="stats">
          <HealthStat label="Database" value={snapshot.health.db} />
          <HealthStat label="Redis" value={snapshot.health.redis} />
          <HealthStat label="Worker" value={snapshot.health.worker} />
        </dl>
      </section>

      <section className="card" aria-labelledby="queues-title">
        <h2 id="queues-title" className="card-title card-title-spaced">
          Queues
        </h2>
        {snapshot.queues.length === 0 ? (
          <p className="empty">Redis does not answer: queue figures are unavailable.</p>
        ) : (
          <div className="table-scroll">
            <table className="table" aria-label="Jobs per queue and state">
              <thead>
                <tr>
                  <th scope="col">Queue</th>
                  {jobStates.map((state) => (
                    <th key={state} scope="col" className="num">
                      {stateLabels[state]}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    Workers
                  </th>
                </tr>
              </thead>
              <tbody>
                {snapshot.queues.map((queue) => (
                  <tr key={queue.name}>
                    <th scope="row" className="row-header">
                      {queue.name}
                    </th>
                    {jobStates.map((state) => (
                      <td key={state} className="num" data-state={state}>
                        {formatNumber(queue.counts[state])}
                      </td>
                    ))}
                    <td className="num">{formatNumber(queue.workers)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="throughput-title">
        <div className="card-header">
          <h2 id="throughput-title" className="card-title">
            Jobs per minute, last hour
          </h2>
          <span className="legend small">
            <span className="legend-swatch" data-series="completed" aria-hidden="true" /> completed
            <span className="legend-swatch" data-series="failed" aria-hidden="true" /> failed
          </span>
        </div>
        <ThroughputChart
          completed={snapshot.throughput.completed}
          failed={snapshot.throughput.failed}
        />
      </section>

      {children}
    </>
  );
}

function HealthStat({ label, value }: { label: string; value: Health }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>
        <span className="badge" data-status={value === 'ok' ? 'completed' : 'failed'}>
          {value === 'ok' ? 'OK' : 'Down'}
        </span>
      </dd>
    </div>
  );
}
