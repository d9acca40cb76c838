import { randomBytes } from 'node:crypto';
import { testEnv, withDatabase } from '@app/db/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceFacts } from './postgres-inspect.ts';

/**
 * The plan's row count comes from planner statistics. A freshly restored dump (pagila: 46,268
 * rows) has reltuples -1 on every table until something analyzes it: the plan must say "unknown",
 * not "~0 rows".
 */
describe('sourceFacts row estimate', () => {
  const name = `inspect_${randomBytes(4).toString('hex')}`;
  let serverUrl = '';
  beforeAll(async () => {
    serverUrl = (await testEnv()).serverUrl;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    await admin.end();
  });
  afterAll(async () => {
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });

  it('is unknown for never-analyzed tables and a number once analyzed', async () => {
    const sql = postgres(withDatabase(serverUrl, name), { max: 1, onnotice: () => {} });
    try {
      // Fewer rows than autovacuum's analyze threshold (50), so nothing analyzes it behind our back.
      await sql`create table film (id int primary key)`;
      await sql`insert into film select generate_series(1, 20)`;
      expect((await sourceFacts(sql)).rowsEstimate).toBeUndefined();
      await sql`analyze film`;
      expect((await sourceFacts(sql)).rowsEstimate).toBe(20);
    } finally {
      await sql.end();
    }
  });
});
