import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, withDatabase } from '../testing/index.ts';
import { runMigrations } from './migrate.ts';

describe('runMigrations', () => {
  const created: string[] = [];
  afterAll(async () => {
    const { serverUrl } = await testEnv();
    const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
    for (const name of created) await sql.unsafe(`drop database if exists "${name}" with (force)`);
    await sql.end();
  });

  it('creates a missing database, and processes starting together apply each migration once', async () => {
    const { serverUrl, runId } = await testEnv();
    const name = `test_${runId}_race_${process.pid}`;
    created.push(name);
    const url = withDatabase(serverUrl, name);

    const results = await Promise.all([runMigrations(url), runMigrations(url), runMigrations(url)]);

    expect(results.filter((r) => r.createdDatabase)).toHaveLength(1);
    const applied = results.map((r) => r.applied).sort();
    expect(applied[0]).toBe(0);
    expect(applied.at(-1)).toBeGreaterThan(0);
    const sql = postgres(url, { max: 1 });
    const [row] = await sql<
      { n: number }[]
    >`select count(*)::int as n from drizzle.__drizzle_migrations`;
    const tables = await sql`select tablename from pg_tables where schemaname = 'public'`;
    await sql.end();
    expect(row?.n).toBe(applied.at(-1));
    expect(tables.map((t) => t.tablename)).toContain('examples');
  });
});
