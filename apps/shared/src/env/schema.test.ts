import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvError, parseEnv, postgresUrl, redisUrl } from './schema.ts';

const schema = z.object({
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  PORT: z.coerce.number().int().default(3000),
});

function problemsOf(source: Record<string, string>) {
  try {
    parseEnv(schema, source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseEnv', () => {
  it('accepts valid values and applies defaults', () => {
    const env = parseEnv(schema, {
      DATABASE_URL: 'postgres://u:p@localhost:5432/app?sslmode=require',
      REDIS_URL: 'rediss://default:secret@cache.example.com:6380',
    });
    expect(env.PORT).toBe(3000);
  });

  it('names every missing or malformed variable, one line each', () => {
    const problems = problemsOf({ DATABASE_URL: 'not-a-url' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^ {2}DATABASE_URL: expected a URL like postgres:\/\//);
    expect(problems[1]).toBe('  REDIS_URL: is required');
  });

  it('never echoes the rejected value, which may be a secret', () => {
    const secret = 'mysql://admin:hunter2@db:3306/x';
    const problems = problemsOf({ DATABASE_URL: secret, REDIS_URL: 'redis://localhost' });
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('treats an empty value as missing', () => {
    expect(problemsOf({ DATABASE_URL: '', REDIS_URL: 'redis://localhost' })).toEqual([
      '  DATABASE_URL: is required',
    ]);
  });
});
