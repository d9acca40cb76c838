'use client';

/**
 * Shown when a page cannot load (Postgres or Redis down, a bug). The details are in the server
 * log; the digest lets someone find them.
 */
export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div className="card empty-state" role="alert">
      <h1>This page could not load</h1>
      <p className="muted">
        A service it needs may be unavailable. Try again in a moment.
        {error.digest ? ` (Reference: ${error.digest})` : ''}
      </p>
      <p>
        <button type="button" className="button" onClick={reset}>
          Try again
        </button>
      </p>
    </div>
  );
}
