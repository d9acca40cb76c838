import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  databasePoolMode,
  EnvError,
  parseEnv,
  postgresUrl,
  redisCaFile,
  redisUrl,
  requireDirectUrlWhenPooled,
  requireTlsForRedisCa,
  sessionDatabaseUrl,
} from './schema.ts';

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

describe('DATABASE_POOL_MODE and DATABASE_DIRECT_URL', () => {
  const pooled = z
    .object({
      DATABASE_URL: postgresUrl,
      DATABASE_POOL_MODE: databasePoolMode,
      DATABASE_DIRECT_URL: postgresUrl.optional(),
    })
    .superRefine(requireDirectUrlWhenPooled);
  const pool = 'postgres://app:secret@pool.example.com:25061/app_pool?sslmode=require';
  const direct = 'postgres://app:secret@db.example.com:25060/app?sslmode=require';

  it('defaults to session, where the direct URL is optional and DATABASE_URL serves both', () => {
    const env = parseEnv(pooled, { DATABASE_URL: direct });
    expect(env.DATABASE_POOL_MODE).toBe('session');
    expect(sessionDatabaseUrl(env)).toBe(direct);
  });

  it('refuses a transaction pool without a direct URL, in one line naming the variable', () => {
    expect(() =>
      parseEnv(pooled, { DATABASE_URL: pool, DATABASE_POOL_MODE: 'transaction' }),
    ).toThrow(
      /^Invalid environment:\n {2}DATABASE_DIRECT_URL: is required when DATABASE_POOL_MODE=transaction/,
    );
    const env = parseEnv(pooled, {
      DATABASE_URL: pool,
      DATABASE_POOL_MODE: 'transaction',
      DATABASE_DIRECT_URL: direct,
    });
    expect(sessionDatabaseUrl(env)).toBe(direct);
  });

  it('names the two accepted pool modes', () => {
    expect(() => parseEnv(pooled, { DATABASE_URL: pool, DATABASE_POOL_MODE: 'statement' })).toThrow(
      'DATABASE_POOL_MODE: expected session or transaction',
    );
  });
});

describe('REDIS_CA_FILE', () => {
  const tls = z
    .object({ REDIS_URL: redisUrl, REDIS_CA_FILE: redisCaFile })
    .superRefine(requireTlsForRedisCa);

  it('is optional, and taken with a rediss:// URL', () => {
    expect(parseEnv(tls, { REDIS_URL: 'rediss://default:pw@cache.example.com:25061' })).toEqual({
      REDIS_URL: 'rediss://default:pw@cache.example.com:25061',
    });
    const env = parseEnv(tls, { REDIS_URL: 'rediss://h:25061', REDIS_CA_FILE: '/etc/ca.pem' });
    expect(env.REDIS_CA_FILE).toBe('/etc/ca.pem');
  });

  it('is refused with redis:// (it would be ignored), in one line naming it', () => {
    expect(() =>
      parseEnv(tls, { REDIS_URL: 'redis://localhost:6379', REDIS_CA_FILE: '/etc/ca.pem' }),
    ).toThrow(/^Invalid environment:\n {2}REDIS_CA_FILE: is set but REDIS_URL is not rediss:\/\//);
  });
});
