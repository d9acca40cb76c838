import postgres from 'postgres';
import { databaseName, withDatabase } from './urls.ts';

/**
 * Every row is hashed through its text form, so both sides must print values identically:
 * these settings pin everything that changes that text (time zone, date and float formats…).
 */
const stableOutput = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  lc_monetary: 'C',
  application_name: 'migrate-from-impl2',
};

export type Sql = postgres.Sql;

/** A connection to the source: every transaction is read-only, enforced by the server. */
export function connectSource(url: string): Sql {
  return postgres(url, {
    max: 1,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { ...stableOutput, default_transaction_read_only: true },
  });
}

export function connect(url: string, max = 1): Sql {
  return postgres(url, {
    max,
    connect_timeout: 5,
    onnotice: () => {},
    connection: stableOutput,
  });
}

export type ServerFacts = { version: string; major: number };

export async function serverFacts(sql: Sql): Promise<ServerFacts> {
  const [row] = await sql<{ version: string; num: string }[]>`
    select current_setting('server_version') as version,
           current_setting('server_version_num') as num`;
  return { version: row?.version ?? '?', major: Math.floor(Number(row?.num ?? 0) / 10000) };
}

export type SourceFacts = ServerFacts & {
  bytes: number;
  tables: number;
  /** From the planner's statistics; undefined when a table was never analyzed (reltuples -1). */
  rowsEstimate: number | undefined;
  encoding: string;
};

export async function sourceFacts(sql: Sql): Promise<SourceFacts> {
  const server = await serverFacts(sql);
  const [row] = await sql<
    { bytes: string; tables: number; rows: string; unanalyzed: number; encoding: string }[]
  >`
    select pg_database_size(current_database())::text as bytes,
           (select count(*)::int from pg_tables
             where schemaname not in ('pg_catalog', 'information_schema')) as tables,
           (select coalesce(sum(greatest(reltuples, 0)), 0)::bigint::text from pg_class
             where relkind = 'r' and relnamespace not in
               ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)) as rows,
           (select count(*)::int from pg_class
             where relkind = 'r' and reltuples < 0 and relnamespace not in
               ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)) as unanalyzed,
           pg_encoding_to_char(encoding) as encoding
      from pg_database where datname = current_database()`;
  return {
    ...server,
    bytes: Number(row?.bytes ?? 0),
    tables: row?.tables ?? 0,
    // A restored dump that autovacuum has not reached yet says -1 for every table: "~0 rows"
    // would be a lie, so the plan says the count is unknown.
    rowsEstimate: row?.unanalyzed ? undefined : Number(row?.rows ?? 0),
    encoding: row?.encoding ?? 'UTF8',
  };
}

export const MARKER = 'migrate-from-impl2:';

export type DatabaseState =
  | { exists: false }
  | { exists: true; ours: boolean; comment: string | null; tables: string[] };

/** What is at `url` now: missing, a copy this tool made (marker comment), or someone's data. */
export async function databaseState(admin: Sql, url: string): Promise<DatabaseState> {
  const name = databaseName(url);
  const [row] = await admin<{ comment: string | null }[]>`
    select shobj_description(oid, 'pg_database') as comment from pg_database where datname = ${name}`;
  if (!row) return { exists: false };
  const sql = connect(url);
  try {
    const tables = await sql<{ name: string }[]>`
      select format('%I.%I', schemaname, tablename) as name from pg_tables
       where schemaname not in ('pg_catalog', 'information_schema') order by 1`;
    return {
      exists: true,
      ours: row.comment?.startsWith(MARKER) ?? false,
      comment: row.comment,
      tables: tables.map((t) => t.name),
    };
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** The server's maintenance database, for CREATE/DROP/RENAME DATABASE. */
export function adminUrl(url: string): string {
  return withDatabase(url, 'postgres');
}

export type TableFingerprint = { table: string; rows: number; hash: string };

export type Fingerprint = {
  tables: TableFingerprint[];
  sequences: { name: string; value: string }[];
  migrations: { count: number; last: string | null };
};

/**
 * Exact row count and an order-independent content hash per table: the sum of the first 64 bits
 * of md5(row as text). One sequential scan, constant memory, so a 10 GB table is as easy as a small
 * one, and no primary key is needed.
 */
export async function fingerprint(sql: Sql | postgres.TransactionSql): Promise<Fingerprint> {
  const tables = await sql<{ name: string }[]>`
    select format('%I.%I', n.nspname, c.relname) as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema')
       and n.nspname not like 'pg\\_%'
     order by 1`;
  const result: TableFingerprint[] = [];
  for (const { name } of tables) {
    const [row] = await sql.unsafe<{ rows: string; hash: string }[]>(
      `select count(*)::text as rows,
              coalesce(sum(('x' || left(md5(r::text), 16))::bit(64)::bigint::numeric), 0)::text as hash
         from ${name} as r`,
    );
    result.push({ table: name, rows: Number(row?.rows ?? 0), hash: row?.hash ?? '' });
  }
  // Sequences are not transactional: this reads their current values, as pg_dump does.
  const sequences = await sql<{ name: string; value: string }[]>`
    select format('%I.%I', schemaname, sequencename) as name,
           coalesce(last_value::text, 'unused') as value
      from pg_sequences order by 1`;
  // Checked first: inside the source's snapshot transaction a failed query would abort it.
  const [exists] = await sql<{ t: string | null }[]>`
    select to_regclass('drizzle.__drizzle_migrations')::text as t`;
  const [migrations] = exists?.t
    ? await sql<{ count: number; last: string | null }[]>`
        select count(*)::int as count,
               (select hash from drizzle.__drizzle_migrations order by id desc limit 1) as last
          from drizzle.__drizzle_migrations`
    : [{ count: 0, last: null }];
  return {
    tables: result,
    sequences: sequences.map((s) => ({ name: s.name, value: s.value })),
    migrations: migrations ?? { count: 0, last: null },
  };
}

/** Human-readable differences between two fingerprints; empty when they match. */
export function compareFingerprints(source: Fingerprint, target: Fingerprint): string[] {
  const problems: string[] = [];
  const targetTables = new Map(target.tables.map((t) => [t.table, t]));
  for (const s of source.tables) {
    const t = targetTables.get(s.table);
    if (!t) problems.push(`table ${s.table} is missing on the target`);
    else if (t.rows !== s.rows)
      problems.push(`${s.table}: ${s.rows} rows in the source, ${t.rows} in the target`);
    else if (t.hash !== s.hash) problems.push(`${s.table}: same row count, different content`);
    targetTables.delete(s.table);
  }
  for (const extra of targetTables.keys())
    problems.push(`table ${extra} exists only on the target`);
  const targetSeq = new Map(target.sequences.map((s) => [s.name, s.value]));
  for (const s of source.sequences) {
    const value = targetSeq.get(s.name);
    if (value !== s.value)
      problems.push(
        `sequence ${s.name}: ${s.value} in the source, ${value ?? 'missing'} in the target`,
      );
  }
  if (
    source.migrations.count !== target.migrations.count ||
    source.migrations.last !== target.migrations.last
  ) {
    problems.push(
      `drizzle migrations: ${source.migrations.count} in the source, ${target.migrations.count} in the target`,
    );
  }
  return problems;
}
