import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** Any fixed 64-bit number: every process that migrates this schema takes the same lock. */
const MIGRATION_LOCK_KEY = 72_410_431_655_001n;

/**
 * db/migrations in the source tree; in a bundled image the build copies them next to the script.
 */
export const defaultMigrationsFolder =
  [new URL('./migrations', import.meta.url), new URL('../migrations', import.meta.url)]
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(path.join(dir, 'meta', '_journal.json'))) ??
  fileURLToPath(new URL('../migrations', import.meta.url));

function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL has no database name (…/<name> at the end)');
  return name;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Creates the database named in `url` when it is missing, connecting to the server's `postgres`
 * database to do so. Concurrent callers are fine: "already exists" counts as success.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return false;
    await admin.unsafe(`create database ${quoteIdent(name)}`);
    return true;
  } catch (error) {
    // 42P04 duplicate_database (lost a race); 23505 when two CREATEs collide in the catalogue.
    const code = (error as { code?: string }).code;
    if (code === '42P04' || code === '23505') return false;
    throw error;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

export type MigrateResult = { createdDatabase: boolean; applied: number };

/**
 * Applies the committed SQL migrations with drizzle-orm's migrator. A session-level advisory lock
 * serialises processes that start together (web, worker, replicas), so none races another.
 */
export async function runMigrations(
  url: string,
  migrationsFolder = defaultMigrationsFolder,
): Promise<MigrateResult> {
  const createdDatabase = await ensureDatabase(url);
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    const before = await countApplied(sql);
    await migrate(drizzle(sql), { migrationsFolder });
    const after = await countApplied(sql);
    return { createdDatabase, applied: after - before };
  } finally {
    await sql`select pg_advisory_unlock_all()`.catch(() => {});
    await sql.end({ timeout: 5 });
  }
}

async function countApplied(sql: postgres.Sql): Promise<number> {
  const [table] = await sql`select to_regclass('drizzle.__drizzle_migrations') as t`;
  if (!table?.t) return 0;
  const [row] = await sql<
    { n: number }[]
  >`select count(*)::int as n from drizzle.__drizzle_migrations`;
  return row?.n ?? 0;
}
