import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { watchErrors } from './log-errors.ts';
import { createLogger, redactUrls } from './logger.ts';

const password = 'rotated-s3cret/pa%ss';
const redisUrl = `redis://:${encodeURIComponent(password)}@redis.internal:6379`;

function capture(secrets: string[] = [redisUrl]) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({
    name: 't',
    level: 'debug',
    format: 'json',
    version: '0',
    secrets,
    stream,
  });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line)) };
}

/** What ioredis rejects with when AUTH fails: the command, password included, is on the error. */
function authError() {
  return Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), {
    name: 'ReplyError',
    command: { name: 'auth', args: [password] },
  });
}

describe('error logging', () => {
  it('keeps the stack and the cause with its code', () => {
    const { logger, records } = capture();
    const cause = Object.assign(new Error('relation "nope" does not exist'), { code: '42P01' });
    logger.error({ err: new Error('Failed query: select 1', { cause }) }, 'boom');
    const [record] = records();
    expect(record.err.stack).toContain('logger.test.ts');
    expect(record.err.cause).toMatchObject({ code: '42P01', message: cause.message });
    expect(record.err.cause.stack).toContain('logger.test.ts');
  });

  it('never prints the AUTH arguments of an ioredis error', () => {
    const { logger, lines, records } = capture([]);
    logger.error({ err: authError() }, 'redis');
    expect(lines.join('\n')).not.toContain(password);
    expect(records()[0].err.command).toEqual({ name: 'auth', args: '[1 credentials redacted]' });
  });

  it('cuts passwords out of connection strings in messages and stacks', () => {
    const { logger, lines } = capture([]);
    logger.error({ err: new Error('connect failed: postgres://app:hunter22@db:5432/app') }, 'x');
    expect(lines[0]).not.toContain('hunter22');
    expect(lines[0]).toContain('postgres://app:[redacted]@db:5432/app');
    expect(redactUrls('rediss://default:p@ss@h:1')).toBe('rediss://default:[redacted]@h:1');
  });

  it('scrubs a known secret from any line, raw or URL-encoded, whoever logged it', () => {
    const { logger, lines } = capture();
    logger.warn({ detail: { nested: [password] } }, `free text ${encodeURIComponent(password)}`);
    expect(lines[0]).not.toContain(password);
    expect(lines[0]).not.toContain(encodeURIComponent(password));
    expect(lines[0]).toContain('[redacted]');
  });

  it('leaves drizzle parameters (user data) out and keeps the query recognisable', () => {
    const { logger, lines, records } = capture([]);
    const params = ['ann@example.com', 'Ann'];
    const error = Object.assign(
      new Error(`Failed query: insert into customers values ($1, $2)\nparams: ${params}`),
      { query: 'insert into customers values ($1, $2)', params },
    );
    logger.error({ err: error }, 'x');
    expect(lines[0]).not.toContain('ann@example.com');
    expect(records()[0].err.params).toBe('[2 parameters redacted]');
    expect(records()[0].err.message).toContain('insert into customers');
  });
});

describe('watchErrors', () => {
  it('logs one JSON line per code per window, then says how many it suppressed', () => {
    const { logger, records } = capture([]);
    const a = watchErrors(new EventEmitter(), logger, 'a', { windowMs: 60_000 });
    const b = watchErrors(new EventEmitter(), logger, 'b', { windowMs: 60_000 });
    for (let i = 0; i < 50; i++) {
      a.emit('error', authError());
      b.emit('error', authError());
      a.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    }
    const logged = records();
    expect(logged.map((r) => r.code)).toEqual(['WRONGPASS', 'ECONNREFUSED']);
    expect(logged[0]).toMatchObject({
      level: 50,
      source: 'a',
      hint: expect.stringContaining('REDIS_URL'),
    });
    expect(JSON.stringify(logged)).not.toContain(password);
  });

  it('reports again after the window with the suppressed count', () => {
    const { logger, records } = capture([]);
    let now = 0;
    const emitter = watchErrors(new EventEmitter(), logger, 'a', {
      windowMs: 1000,
      now: () => now,
    });
    emitter.emit('error', authError());
    now = 999;
    emitter.emit('error', authError());
    now = 1000;
    emitter.emit('error', authError());
    expect(records().map((r) => r.suppressed)).toEqual([undefined, 1]);
  });
});
