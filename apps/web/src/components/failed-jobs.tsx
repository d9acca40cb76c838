'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { formatDateTime, formatNumber } from '@/lib/format';
import { postJson } from '@/lib/post-json';
import type { ActionResult, FailedJobView, JobTarget } from '@/server/jobs.server';
import { type Feedback, FeedbackMessage } from './feedback-message';

type Props = { jobs: FailedJobView[]; total: number };

/** The failed jobs with retry and discard, one by one or all at once; each says what it did. */
export function FailedJobs({ jobs, total }: Props) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [feedback, setFeedback] = useState<Feedback>();

  async function act(action: 'retry' | 'discard', target: JobTarget) {
    setBusy(true);
    setFeedback(undefined);
    const outcome = await postJson<{ result: ActionResult }>(`/api/jobs/failed/${action}`, target);
    setBusy(false);
    if (!outcome.ok) {
      setFeedback({ kind: 'error', text: `Nothing was changed: ${outcome.reason}.` });
      return;
    }
    setFeedback({ kind: 'success', text: outcome.body.result.message });
    router.refresh();
  }

  return (
    <section className="card" aria-labelledby="failed-title">
      <div className="card-header">
        <h2 id="failed-title" className="card-title">
          {formatNumber(total)} failed {total === 1 ? 'job' : 'jobs'}
        </h2>
        <div className="actions">
          <button
            type="button"
            className="button button-secondary"
            disabled={busy || total === 0}
            onClick={() => {
              if (window.confirm(`Discard all ${total} failed jobs? This cannot be undone.`))
                void act('discard', { all: true });
            }}
          >
            Discard all
          </button>
          <button
            type="button"
            className="button"
            disabled={busy || total === 0}
            onClick={() => void act('retry', { all: true })}
          >
            Retry all
          </button>
        </div>
      </div>
      <FeedbackMessage feedback={feedback} />
      {jobs.length === 0 ? (
        <p className="empty">No failed jobs.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <caption className="table-caption">Newest first.</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Reason</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Created</th>
                <th scope="col">Failed</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => (
                <tr key={`${job.queue}/${job.id}`}>
                  <td>
                    <span className="strong">{job.name}</span>
                    <br />
                    <span className="muted small mono">
                      {job.queue} · {job.id}
                    </span>
                  </td>
                  <td className="reason">{job.failedReason}</td>
                  <td className="num">
                    {job.attemptsMade} of {job.maxAttempts}
                  </td>
                  <td className="nowrap">
                    <time dateTime={job.createdAt} suppressHydrationWarning>
                      {formatDateTime(job.createdAt)}
                    </time>
                  </td>
                  <td className="nowrap">
                    {job.failedAt && (
                      <time dateTime={job.failedAt} suppressHydrationWarning>
                        {formatDateTime(job.failedAt)}
                      </time>
                    )}
                  </td>
                  <td>
                    <div className="actions">
                      <button
                        type="button"
                        className="button button-secondary"
                        disabled={busy}
                        aria-label={`Retry ${job.name} ${job.id}`}
                        onClick={() => void act('retry', { queue: job.queue, id: job.id })}
                      >
                        Retry
                      </button>
                      <button
                        type="button"
                        className="button button-secondary"
                        disabled={busy}
                        aria-label={`Discard ${job.name} ${job.id}`}
                        onClick={() => void act('discard', { queue: job.queue, id: job.id })}
                      >
                        Discard
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
