'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { formatDateTime } from '@/lib/format';
import { postJson } from '@/lib/post-json';
import type { ExampleView } from '@/server/examples.server';
import { type Feedback, FeedbackMessage } from './feedback-message';

type Props = { examples: ExampleView[] };

/**
 * Add a row, watch the worker process it: the form posts to /api/examples and the list refreshes
 * while a row is still waiting (a second or so), which is all the skeleton needs to show the loop.
 */
export function ExamplesPanel({ examples }: Props) {
  const router = useRouter();
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [feedback, setFeedback] = useState<Feedback>();
  const waiting = examples.some((example) => !example.processedAt);

  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => router.refresh(), 1000);
    return () => clearInterval(timer);
  }, [waiting, router]);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFeedback(undefined);
    const outcome = await postJson<{ example: ExampleView }>('/api/examples', { message });
    setBusy(false);
    if (!outcome.ok) {
      setFeedback({ kind: 'error', text: `Not added: ${outcome.reason}.` });
      return;
    }
    setMessage('');
    setFeedback({ kind: 'success', text: 'Added: the worker will process it in a moment.' });
    router.refresh();
  }

  return (
    <section className="card" aria-labelledby="examples-title">
      <div className="card-header">
        <h2 id="examples-title" className="card-title">
          Examples
        </h2>
      </div>
      <form onSubmit={submit} className="actions">
        <label htmlFor="example-message">Message</label>
        <input
          id="example-message"
          value={message}
          maxLength={500}
          required
          onChange={(event) => setMessage(event.target.value)}
        />
        <button type="submit" className="button" disabled={busy}>
          Add
        </button>
      </form>
      <FeedbackMessage feedback={feedback} />
      {examples.length === 0 ? (
        <p className="empty">No examples yet: add one above.</p>
      ) : (
        <ul className="list">
          {examples.map((example) => (
            <li key={example.id} className="list-row">
              <span className="strong-link">{example.message}</span>
              <span className="muted small">
                <time dateTime={example.createdAt} suppressHydrationWarning>
                  {formatDateTime(example.createdAt)}
                </time>
              </span>
              <span className="muted small">{example.processedAt ? 'processed' : 'waiting'}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
