import type { TableCounts } from '@app/db';
import type postgres from 'postgres';

/**
 * Rows per table in every schema but the system ones (the migrator's bookkeeping included), as
 * `schema.table`. Inside a transaction it counts that transaction's snapshot.
 */
export async function countTables(
  sql: postgres.Sql | postgres.TransactionSql,
): Promise<TableCounts> {
  const tables = await sql<{ schema: string; name: string }[]>`
    select n.nspname as schema, c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p')
      and n.nspname not in ('pg_catalog', 'information_schema')
      and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'
    order by 1, 2`;
  const counts: TableCounts = {};
  for (const { schema, name } of tables) {
    const [row] = await sql<{ n: string }[]>`select count(*) as n from ${sql(schema)}.${sql(name)}`;
    counts[`${schema}.${name}`] = Number(row?.n ?? 0);
  }
  return counts;
}

/** The tables whose counts differ, as "table: expected → actual" lines; empty when equal. */
export function compareCounts(expected: TableCounts, actual: TableCounts): string[] {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return names.flatMap((name) => {
    const want = expected[name];
    const got = actual[name];
    if (want === got) return [];
    const show = (n: number | undefined) => (n === undefined ? 'missing' : String(n));
    return [`${name}: ${show(want)} rows at backup time, ${show(got)} restored`];
  });
}
