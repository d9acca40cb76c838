import Link from 'next/link';
import { connection } from 'next/server';

export default async function NotFound() {
  // Rendered per request like every page: a prerendered page would carry no CSP nonce and the
  // browser would block its scripts (docs/security.md).
  await connection();
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
