import postgres from 'postgres';

export type TestServices = {
  /** A superuser URL on the test server; per-worker databases are created beside its database. */
  databaseUrl: string;
  redisUrl: string;
  source: 'env' | 'testcontainers';
  stop: () => Promise<void>;
};

const HOW_TO =
  'Integration tests need PostgreSQL 15 and Redis 7. Either set TEST_DATABASE_URL and TEST_REDIS_URL ' +
  '(e.g. TEST_DATABASE_URL=postgres://postgres:postgres@localhost:5432/postgres TEST_REDIS_URL=redis://localhost:6379, ' +
  'after `make up` or with your own servers), or start a Docker engine so Testcontainers can run them.';

export class TestServicesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestServicesError';
    // The message is the whole story; a stack trace would only bury it.
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * TEST_DATABASE_URL/TEST_REDIS_URL when set (CI on this kind of machine, the devcontainer);
 * otherwise Testcontainers (GitHub Actions, any machine with Docker); otherwise a clear failure.
 */
export async function resolveTestServices(
  env: Record<string, string | undefined>,
): Promise<TestServices> {
  const databaseUrl = env.TEST_DATABASE_URL;
  const redisUrl = env.TEST_REDIS_URL;
  if (databaseUrl && redisUrl) {
    await assertReachable(databaseUrl, redisUrl);
    return { databaseUrl, redisUrl, source: 'env', stop: async () => {} };
  }
  if (databaseUrl || redisUrl) {
    throw new TestServicesError(
      `Only one of TEST_DATABASE_URL and TEST_REDIS_URL is set; set both or neither. ${HOW_TO}`,
    );
  }
  if (await dockerAnswers()) return startContainers();
  // No Docker: the servers the app itself uses (.env), as `make up` does. Tests only touch
  // databases and key prefixes of their own, and remove them afterwards.
  if (env.DATABASE_URL && env.REDIS_URL) {
    const serverUrl = withDatabase(env.DATABASE_URL, 'postgres');
    await assertReachable(serverUrl, env.REDIS_URL, 'DATABASE_URL', 'REDIS_URL');
    console.warn(
      `integration tests: no Docker engine; using the Postgres and Redis from .env (${hostOf(serverUrl)}, ${hostOf(env.REDIS_URL)})`,
    );
    return { databaseUrl: serverUrl, redisUrl: env.REDIS_URL, source: 'env', stop: async () => {} };
  }
  throw new TestServicesError(
    `No TEST_DATABASE_URL/TEST_REDIS_URL and no Docker engine. ${HOW_TO}`,
  );
}

async function dockerAnswers(): Promise<boolean> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startContainers(): Promise<TestServices> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { RedisContainer } = await import('@testcontainers/redis');
  const [pg, redis] = await Promise.all([
    // A password no log line would contain by chance: the default (`test`) is scrubbed from every
    // line the apps log (it is a secret to them), which garbles paths such as /tmp/test-ca-….
    new PostgreSqlContainer('postgres:15-alpine').withPassword('tc-postgres-secret-4f1e').start(),
    new RedisContainer('redis:7-alpine')
      .withCommand(['redis-server', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'])
      .start(),
  ]);
  return {
    databaseUrl: pg.getConnectionUri(),
    redisUrl: redis.getConnectionUrl(),
    source: 'testcontainers',
    stop: async () => {
      await Promise.all([pg.stop(), redis.stop()]);
    },
  };
}

/** Fails within a few seconds, naming the server, when a configured service does not answer. */
async function assertReachable(
  databaseUrl: string,
  redisUrl: string,
  dbVar = 'TEST_DATABASE_URL',
  redisVar = 'TEST_REDIS_URL',
) {
  const sql = postgres(databaseUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (error) {
    throw new TestServicesError(
      `${dbVar} (${hostOf(databaseUrl)}) does not answer: ${(error as Error).message}. ${HOW_TO}`,
    );
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new TestServicesError(
      `${redisVar} (${hostOf(redisUrl)}) does not answer: ${lastError || (error as Error).message}. ${HOW_TO}`,
    );
  } finally {
    redis.disconnect();
  }
}

function hostOf(url: string) {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port}`;
  } catch {
    return 'invalid URL';
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
