import { EnvError, parseEnv } from '@app/shared/env';
import { describe, expect, it } from 'vitest';
import { webEnvSchema } from './env';

const base = { DATABASE_URL: 'postgres://localhost/app', REDIS_URL: 'redis://localhost:6379' };

function problems(source: Record<string, string>): string[] {
  try {
    parseEnv(webEnvSchema, source);
    return [];
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
}

describe('web env: access control', () => {
  it('production without credentials or PUBLIC_DEMO is one problem naming the variables', () => {
    const found = problems({ ...base, NODE_ENV: 'production' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/BASIC_AUTH_USER.*BASIC_AUTH_PASSWORD.*PUBLIC_DEMO=true/);
  });

  it('production starts with credentials, or as a public demo', () => {
    const auth = { BASIC_AUTH_USER: 'admin', BASIC_AUTH_PASSWORD: 'long-enough-secret' };
    expect(problems({ ...base, NODE_ENV: 'production', ...auth })).toEqual([]);
    expect(problems({ ...base, NODE_ENV: 'production', PUBLIC_DEMO: 'true' })).toEqual([]);
    // Compose passes unset variables as empty strings: those count as unset.
    expect(problems({ ...base, NODE_ENV: 'production', BASIC_AUTH_PASSWORD: '' })).toHaveLength(1);
  });

  it('development needs nothing; half a credential or a short password is refused anywhere', () => {
    expect(problems(base)).toEqual([]);
    expect(problems({ ...base, BASIC_AUTH_USER: 'admin' })).toEqual([
      '  BASIC_AUTH_PASSWORD: is required when BASIC_AUTH_USER is set',
    ]);
    expect(
      problems({ ...base, BASIC_AUTH_USER: 'admin', BASIC_AUTH_PASSWORD: 'short' })[0],
    ).toMatch(/BASIC_AUTH_PASSWORD: must be at least 12/);
  });

  it('PUBLIC_URL becomes an origin', () => {
    const env = parseEnv(webEnvSchema, { ...base, PUBLIC_URL: 'https://App.example.com/path' });
    expect(env.PUBLIC_URL).toBe('https://app.example.com');
    expect(problems({ ...base, PUBLIC_URL: 'ftp://x' })[0]).toMatch(/^ {2}PUBLIC_URL: /);
  });
});

// demo:start
describe('IMPORT_RATE_LIMIT', () => {
  const limit = (value: string) =>
    parseEnv(webEnvSchema, { ...base, IMPORT_RATE_LIMIT: value }).IMPORT_RATE_LIMIT;

  it.each([
    ['10/minute', { max: 10, windowMs: 60_000 }],
    ['100/hour', { max: 100, windowMs: 3_600_000 }],
    ['5/30s', { max: 5, windowMs: 30_000 }],
    ['20 / 2 minutes', { max: 20, windowMs: 120_000 }],
    ['1/day', { max: 1, windowMs: 86_400_000 }],
  ])('%s', (value, expected) => {
    expect(limit(value)).toEqual(expected);
  });

  it('defaults to 10 per minute and refuses what it cannot read', () => {
    expect(parseEnv(webEnvSchema, base).IMPORT_RATE_LIMIT).toEqual({ max: 10, windowMs: 60_000 });
    for (const bad of ['10', '10/fortnight', '0/minute', '5/30ms', 'ten/minute']) {
      expect(problems({ ...base, IMPORT_RATE_LIMIT: bad })[0]).toMatch(/^ {2}IMPORT_RATE_LIMIT: /);
    }
  });
});
// demo:end
