import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../src/migrate.ts';
import { startPgBouncer } from './processes.ts';
import './provided-context.ts';
import { resolveTestServices, withDatabase } from './services.ts';

/**
 * Once per `vitest run` of the integration project (after scripts/lib/test-env.global-setup.ts
 * has read the env files): find Postgres and Redis, migrate a template
 * database, and hand the URLs to the test workers. Each worker then clones the template into a
 * database of its own (see worker-setup.ts). Everything is dropped afterwards.
 *
 * With TEST_DATABASE_POOL=transaction in the project's `env` (the `integration-pgbouncer` project
 * sets it), a PgBouncer of the run's own stands in front of that Postgres in pool_mode=transaction,
 * as a managed database's pool does, and the tests' DATABASE_URL goes through it (decision 0105).
 * Creating, cloning and dropping databases and migrating stay on the direct URL, as
 * DATABASE_DIRECT_URL does in production.
 */
export default async function setup(project: TestProject) {
  const services = await resolveTestServices(process.env);
  // A short random id keeps concurrent runs (two terminals, CI retries) apart.
  const runId = randomBytes(3).toString('hex');
  const templateDb = `test_${runId}_template`;
  await runMigrations(withDatabase(services.databaseUrl, templateDb));
  const pool = project.config.env?.TEST_DATABASE_POOL;
  if (pool && pool !== 'transaction') {
    throw new Error(`TEST_DATABASE_POOL=${pool}: the only pool mode tested is 'transaction'`);
  }
  // Few server connections, so clients' transactions hop between server sessions all the time.
  const bouncer = pool
    ? await startPgBouncer({ target: services.databaseUrl, poolMode: 'transaction', poolSize: 4 })
    : undefined;

  project.provide('testServices', {
    databaseUrl: services.databaseUrl,
    redisUrl: services.redisUrl,
    runId,
    templateDb,
    ...(bouncer ? { pooledUrl: bouncer.url } : {}),
  });

  return async () => {
    // A run that never reached the pooler would pass while proving nothing: it fails, after the
    // cleanup.
    let unused = false;
    if (bouncer) {
      const { transactions, queries } = await bouncer.stats().finally(() => bouncer.stop());
      console.log(
        `${project.name}: ${transactions} transactions (${queries} queries) went through PgBouncer in transaction mode`,
      );
      unused = transactions === 0;
    }
    await dropRunDatabases(services.databaseUrl, runId);
    await deleteRunKeys(services.redisUrl, runId);
    await services.stop();
    if (unused) throw new Error(`${project.name}: no transaction went through PgBouncer`);
  };
}

async function dropRunDatabases(url: string, runId: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ datname: string }[]>`
      select datname from pg_database where datname like ${`test_${runId}_%`}`;
    for (const { datname } of rows) {
      await sql.unsafe(`drop database if exists "${datname}" with (force)`);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function deleteRunKeys(url: string, runId: string) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `test-${runId}-*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
