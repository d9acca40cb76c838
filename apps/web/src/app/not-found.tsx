import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="card empty-state">
      <h1>Not found</h1>
      <p className="muted">That page or import does not exist (any more).</p>
      <p>
        <Link href="/imports">Go to imports</Link>
      </p>
    </div>
  );
}
