import { afterAll, describe, expect, it } from 'vitest';
import { testEnv } from '../testing/index.ts';
import { createDb } from './client.ts';

// The driver-level half of "the worker survives pg_terminate_backend" (db/patches/postgres@3.4.9.patch,
// decision 0064): a transaction whose backend is terminated mid-query must reject, never throw from
// a timer, never run its rollback or later statements on the reconnected session, and leave the
// pool usable with no stale error.

const env = await testEnv();
const admin = createDb(env.databaseUrl, { max: 1, applicationName: 'client-test-admin' });
afterAll(() => admin.close());

const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

describe('createDb() when Postgres terminates a connection inside a transaction', () => {
  it('rejects the transaction, stays in the process and serves the next query', async () => {
    process.on('uncaughtException', onUncaught);
    // max 1: the same connection object must come back for the queries after the kill.
    const client = createDb(env.databaseUrl, { max: 1, applicationName: 'client-test' });
    try {
      let pid: number | undefined;
      let lateStatement: unknown = 'not attempted';
      const tx = client.sql.begin(async (sql) => {
        const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
        pid = row?.pid;
        try {
          await sql`select pg_sleep(5)`; // in flight when the backend dies
        } finally {
          // What a handler's cleanup might do: it must not run on a fresh session.
          lateStatement = await sql`select 1`.then(
            () => 'ran',
            (error: { code?: string }) => error.code,
          );
        }
      });
      while (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      await admin.sql`select pg_terminate_backend(${pid})`;

      const error = await tx.then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(error?.code).toMatch(/^(57P01|CONNECTION_CLOSED)$/);
      expect(lateStatement).not.toBe('ran');

      // Give a deferred write (the driver's own rollback) its chance to throw.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(uncaught).toEqual([]);

      // The pool reconnects; the first query neither hangs nor gets the old backend's 57P01.
      const [after] = await client.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
      expect(after?.pid).not.toBe(pid);
      const [again] = await client.sql.begin((sql) => sql<{ ok: number }[]>`select 1 as ok`);
      expect(again?.ok).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
      await client.close();
    }
  });
});
