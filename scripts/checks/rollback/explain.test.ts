import { describe, expect, it } from 'vitest';
import { whatBroke } from './explain.ts';

describe('whatBroke', () => {
  it('finds the Postgres error inside a pino JSON line (its cause), not the query', () => {
    const line = JSON.stringify({
      level: 50,
      msg: 'request failed',
      err: {
        message: 'Failed query: insert into "orders" ("processed_bytes") values (default)',
        cause: { message: 'column "processed_bytes" of relation "orders" does not exist' },
      },
    });
    expect(whatBroke(`starting\n${line}\n`)).toBe(
      'column "processed_bytes" of relation "orders" does not exist',
    );
  });

  it('falls back to the first logged error, one line', () => {
    const line = JSON.stringify({ level: 50, err: { message: 'boom\nsecond line' } });
    expect(whatBroke(`${JSON.stringify({ level: 30, msg: 'fine' })}\n${line}`)).toBe('boom');
    expect(whatBroke('nothing here')).toBeUndefined();
  });
});
