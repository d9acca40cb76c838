import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { PoolMode } from '../src/client.ts';
import './provided-context.ts';
import { withDatabase } from './services.ts';

export type TestEnv = {
  /**
   * This test worker's own database, migrated, cloned from the run's template. In a run through
   * PgBouncer (TEST_DATABASE_POOL=transaction) this URL is the pooler's: pass `poolMode` to
   * createDb with it, and DATABASE_POOL_MODE/DATABASE_DIRECT_URL to processes (see poolEnv).
   */
  databaseUrl: string;
  /** `transaction` in a run through PgBouncer, else `session`. */
  poolMode: PoolMode;
  /** The same database on the server itself: for session state (locks, migrations, pg_dump). */
  directUrl: string;
  /** Superuser URL of the same server (for tests that create databases of their own). */
  serverUrl: string;
  redisUrl: string;
  /** This test worker's Redis key / BullMQ prefix. */
  prefix: string;
  runId: string;
};

let ready: Promise<TestEnv> | undefined;

/**
 * The services for the calling test worker. The first call in a worker clones the template into
 * `test_<run>_w<pool id>`; later calls reuse it. Files in one worker run one after another, so
 * tests reset what they depend on (resetDatabase, a fresh `uniquePrefix()`).
 */
export function testEnv(): Promise<TestEnv> {
  ready ??= prepare();
  return ready;
}

async function prepare(): Promise<TestEnv> {
  const { databaseUrl, redisUrl, runId, templateDb, pooledUrl } = inject('testServices');
  const poolId = process.env.VITEST_POOL_ID ?? '0';
  const name = `test_${runId}_w${poolId}`;
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 0; ; attempt++) {
      const exists = await sql`select 1 from pg_database where datname = ${name}`;
      if (exists.length > 0) break;
      try {
        await sql.unsafe(`create database "${name}" template "${templateDb}"`);
        break;
      } catch (error) {
        // 55006: another worker is cloning the same template right now; wait and try again.
        const code = (error as { code?: string }).code;
        if (code === '42P04') break;
        if (code !== '55006' || attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  const directUrl = withDatabase(databaseUrl, name);
  return {
    databaseUrl: pooledUrl ? withDatabase(pooledUrl, name) : directUrl,
    poolMode: pooledUrl ? 'transaction' : 'session',
    directUrl,
    serverUrl: databaseUrl,
    redisUrl,
    prefix: `test-${runId}-w${poolId}`,
    runId,
  };
}

/**
 * What a process started with DATABASE_URL=testEnv().databaseUrl also needs: nothing in a plain
 * run; DATABASE_POOL_MODE=transaction and DATABASE_DIRECT_URL through PgBouncer, as production.
 */
export async function poolEnv(): Promise<Record<string, string>> {
  const env = await testEnv();
  if (env.poolMode === 'session') return {};
  return { DATABASE_POOL_MODE: env.poolMode, DATABASE_DIRECT_URL: env.directUrl };
}

/** A prefix no other test uses: queues under it start empty. Removed with the run's keys. */
export async function uniquePrefix(label = 'q'): Promise<string> {
  const env = await testEnv();
  return `${env.prefix}-${label}-${randomBytes(3).toString('hex')}`;
}

/** Empties every application table (keeps the migrations table). */
export async function resetDatabase(sql: postgres.Sql): Promise<void> {
  const tables = await sql<{ name: string }[]>`
    select quote_ident(tablename) as name from pg_tables where schemaname = 'public'`;
  if (tables.length === 0) return;
  await sql.unsafe(`truncate ${tables.map((t) => t.name).join(', ')} restart identity cascade`);
}

export { withDatabase };

/**
 * `count` rows of the skeleton's `examples` table: data for tests of the template's own tooling
 * (backups, restores, migrations) that must not depend on the demo's tables.
 */
export async function insertExamples(sql: postgres.Sql, count: number): Promise<void> {
  await sql`insert into examples (message)
            select 'example ' || g from generate_series(1, ${count}::int) g`;
}
