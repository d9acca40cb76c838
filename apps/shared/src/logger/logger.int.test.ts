import { Writable } from 'node:stream';
import { createDb } from '@app/db';
import { testEnv } from '@app/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

/**
 * A real drizzle "Failed query" from a real Postgres, logged as the app logs it: the Postgres
 * error (code, message) survives under `cause`, the stack is there, the parameters are not.
 */
describe('logging a failed drizzle query', () => {
  let db: ReturnType<typeof createDb>;
  beforeAll(async () => {
    db = createDb((await testEnv()).databaseUrl, { max: 1 });
  });
  afterAll(() => db?.close());

  it('keeps the Postgres cause and drops the parameters', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ name: 't', level: 'info', format: 'json', version: '0', stream });
    const error = await db.db.query.examples
      .findFirst({ where: (t, { eq }) => eq(t.id, 'not-a-uuid') })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    logger.error({ err: error }, 'query failed');
    const record = JSON.parse(lines[0] ?? '{}');
    expect(record.err.message).toMatch(/^Failed query: /);
    expect(record.err.stack).toContain('Failed query');
    expect(record.err.cause).toMatchObject({ code: '22P02', severity: 'ERROR' });
    expect(record.err.cause.message).toContain('invalid input syntax for type uuid');
    expect(record.err.params).toBe('[2 parameters redacted]');
    expect(record.err.message).toContain('params: [redacted]');
  });
});
