export default function HomePage() {
  return (
    <main className="page">
      <h1>It works</h1>
      <p>
        The web app is running. <a href="/api/health">/api/health</a> reports Postgres and Redis.
      </p>
    </main>
  );
}
