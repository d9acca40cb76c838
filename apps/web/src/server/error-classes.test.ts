import { describe, expect, it } from 'vitest';
import { classifyError } from './error-classes';

const pg = (code: string) => Object.assign(new Error(code), { name: 'PostgresError', code });
// Drizzle's wrapper: "Failed query: …" with the driver's error as the cause.
const drizzle = (cause: unknown) => Object.assign(new Error('Failed query: select 1'), { cause });

describe('classifyError', () => {
  it.each([
    ['57P01', 'admin shutdown (pg_terminate_backend)'],
    ['57P02', 'crash shutdown'],
    ['57P03', 'cannot connect now'],
    ['53300', 'too many connections'],
    ['53400', 'configured connection limit'],
    ['08006', 'connection failure'],
    ['08001', 'unable to connect'],
  ])('%s (%s) is unavailable, also wrapped by Drizzle', (code) => {
    expect(classifyError(pg(code))).toEqual({ kind: 'unavailable', postgres: true });
    expect(classifyError(drizzle(pg(code)))).toEqual({ kind: 'unavailable', postgres: true });
  });

  it.each(['CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED'])(
    "postgres.js's %s is unavailable",
    (code) => {
      const error = Object.assign(new Error(`write ${code} 127.0.0.1:5432`), { code });
      expect(classifyError(drizzle(error))).toEqual({ kind: 'unavailable', postgres: true });
    },
  );

  it('socket errors and a Redis without offline queue are unavailable, not attributed to Postgres', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyError(refused)).toEqual({ kind: 'unavailable', postgres: false });
    const redis = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    expect(classifyError(redis)).toEqual({ kind: 'unavailable', postgres: false });
  });

  it.each(['22021', '22P02', '22007', '22008'])('data exception %s is bad input', (code) => {
    expect(classifyError(drizzle(pg(code)))).toEqual({ kind: 'bad_input' });
  });

  it.each([
    ['a bug', new Error('undefined is not a function')],
    ['a unique violation', pg('23505')],
    ['a syntax error in our SQL', pg('42601')],
    ['a deadlock', pg('40P01')],
    ['not an error', 'a string'],
    ['nothing', undefined],
  ])('%s is none of them (a 500)', (_, error) => {
    expect(classifyError(error)).toBeUndefined();
  });
});
