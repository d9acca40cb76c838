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
};

/**
 * One pool per process. `sslmode=require` in the URL (managed Postgres) is honoured by postgres.js.
 */
export function createDb(url: string, options: DbOptions = {}): DbClient {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 10,
    idle_timeout: 30,
    onnotice: () => {},
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
  const code =
    inner && typeof inner === 'object' && 'code' in inner ? `${String(inner.code)}: ` : '';
  return `${code}${message}`.slice(0, 300);
}
