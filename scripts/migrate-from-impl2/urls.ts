/** URL helpers: every URL that reaches the terminal goes through `maskUrl`. */

export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

export function withHost(url: string, host: string): string {
  const u = new URL(url);
  u.hostname = host;
  return u.toString();
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

export function hostOf(url: string): string {
  return new URL(url).hostname;
}

/** The same server, database and user: used to refuse copying a database onto itself. */
export function sameDatabase(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  const norm = (h: string) => (h === 'localhost' || h === '::1' || h === '[::1]' ? '127.0.0.1' : h);
  return (
    norm(x.hostname) === norm(y.hostname) &&
    (x.port || '5432') === (y.port || '5432') &&
    databaseName(a) === databaseName(b)
  );
}

export function sameRedis(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  const norm = (h: string) => (h === 'localhost' || h === '::1' || h === '[::1]' ? '127.0.0.1' : h);
  const db = (u: URL) => u.pathname.replace(/^\//, '') || '0';
  return (
    norm(x.hostname) === norm(y.hostname) &&
    (x.port || '6379') === (y.port || '6379') &&
    db(x) === db(y)
  );
}

/**
 * What `.env.example` and docker-compose.yml give a fresh checkout: the target when no --to-* URL
 * is passed. The ports follow POSTGRES_PORT/REDIS_PORT as compose does.
 */
export function composeUrls(ports: { postgres: number; redis: number }) {
  return {
    databaseUrl: `postgres://postgres:postgres@localhost:${ports.postgres}/app`,
    redisUrl: `redis://localhost:${ports.redis}`,
  };
}
