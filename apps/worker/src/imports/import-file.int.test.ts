// template-demo
import { createDb, storeImportFile } from '@app/db';
import { resetDatabase, testEnv } from '@app/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile } from './import-file.ts';

// The file is streamed out of Postgres chunk by chunk while it is parsed. When Postgres goes away
// between two chunks, the read's error must come out of importFile() (so the job retries), not as
// an 'error' event on a stream nobody listens to (an uncaught exception: the worker exited).

const env = await testEnv();
const setup = createDb(env.databaseUrl, { max: 2 });
beforeAll(() => resetDatabase(setup.sql));
afterAll(() => setup.close());

describe('importFile() when reading the stored file fails midway', () => {
  it('rejects with the database error and leaves no uncaught exception', async () => {
    // ~24 MiB: more 1 MiB chunks than the stream reads ahead, so some are read after the failure.
    const line = `,${'x'.repeat(1000)}\n`;
    const rows = Array.from({ length: 24_000 }, (_, i) => `p${i}@example.com${line}`);
    const stored = await storeImportFile(
      setup.db,
      'big.csv',
      Buffer.from(`email,notes\n${rows.join('')}`),
    );

    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    const client = createDb(env.databaseUrl, { max: 1 });
    try {
      let batches = 0;
      const outcome = importFile({
        sql: client.sql,
        importId: stored.id,
        checkpoint: { line: 0, bytes: 0, processed: 0, inserted: 0, updated: 0, invalid: 0 },
        batchSize: 100,
        sink: async () => {
          // Postgres gone after the first batch: every later chunk read fails.
          if (++batches === 1) await client.sql.end({ timeout: 0 });
          return 'continue';
        },
      });
      const error = await outcome.then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(error?.code).toMatch(/^CONNECTION_(ENDED|DESTROYED)$/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await client.close().catch(() => {});
    }
    // Unfixed, the parser waits forever for a source that died: fail in seconds, not a minute.
  }, 20_000);
});
