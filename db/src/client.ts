import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.ts';

export type Database = PostgresJsDatabase<typeof schema>;
export type DbClient = {
  db: Database;
  /** The raw postgres.js client, for COPY, LISTEN and statements Drizzle cannot express. */
  sql: postgres.Sql;
  close: (timeoutSeconds?: number) => Promise<void>;
};

export type DbOptions = {
  /** Pool size. Keep it at or above the worker's concurrency so jobs never wait for a slot. */
  max?: number;
  /** Seconds to wait for a connection before failing; short for health checks and tests. */
  connectTimeout?: number;
  applicationName?: string;
  /**
   * `transaction` when `url` is a transaction-mode pool (PgBouncer, a managed database's pool):
   * every query is sent unnamed, because the next transaction may run on another server session
   * where a named prepared statement does not exist (docs/decisions/0100).
   */
  poolMode?: PoolMode;
};

export type PoolMode = 'session' | 'transaction';

/**
 * One pool per process. `sslmode=require` in the URL (managed Postgres) is honoured by postgres.js.
 * Nothing here sets session state (no SET, LISTEN or session advisory lock): behind a transaction
 * pool it would leak to whichever client gets that server session next.
 */
export function createDb(url: string, options: DbOptions = {}): DbClient {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 10,
    idle_timeout: 30,
    onnotice: () => {},
    prepare: options.poolMode !== 'transaction',
    // A start-up parameter, which PgBouncer tracks per client, unlike a SET.
    connection: { application_name: options.applicationName ?? 'app' },
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: (timeout = 5) => sql.end({ timeout }) };
}

/** Short error text for logs and health checks: the code and message, never the URL. */
export function describeDbError(error: unknown): string {
  // Drizzle wraps driver errors in "Failed query: <sql>"; the driver's error is the useful part.
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = inner instanceof Error ? inner.message : String(inner);
  const rawCode = inner && typeof inner === 'object' && 'code' in inner ? String(inner.code) : '';
  const code = rawCode ? `${rawCode}: ` : '';
  // 26000 invalid_sql_statement_name: what a named prepared statement gets behind a transaction
  // pool. The fix is a setting, so name it.
  const hint =
    rawCode === '26000'
      ? ' (DATABASE_URL behind a transaction-mode pool such as PgBouncer? set DATABASE_POOL_MODE=transaction)'
      : '';
  return `${code}${message}`.slice(0, 300) + hint;
}
