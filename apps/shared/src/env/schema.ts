import { z } from 'zod';

/**
 * Shared helpers for the per-app `env.ts` modules. Pure (no file system), so the web app can
 * import them without its server bundle tracing the repository; process-level loading of `.env`
 * lives in ./process-env.ts. Every app validates its own variables at
 * start-up; these pieces keep the messages and the URL rules identical everywhere.
 */

const postgresProtocols = new Set(['postgres:', 'postgresql:']);
const redisProtocols = new Set(['redis:', 'rediss:']);

function urlWith(protocols: Set<string>, example: string) {
  return z.string().refine(
    (value) => {
      if (!URL.canParse(value)) return false;
      return protocols.has(new URL(value).protocol);
    },
    { message: `expected a URL like ${example}` },
  );
}

export const postgresUrl = urlWith(postgresProtocols, 'postgres://postgres@localhost:5432/app');
export const redisUrl = urlWith(redisProtocols, 'redis://localhost:6379');
/**
 * REDIS_CA_FILE: the path of a PEM file with the CA that signed a rediss:// server's certificate
 * (a provider's private CA). Unset: the system's CAs. The file is read where the connection
 * options are built (@app/shared/redis), not here: this module does no I/O.
 */
export const redisCaFile = z.string().trim().min(1).optional();

/**
 * A CA file only means something over TLS: with a redis:// URL it would be ignored silently, so
 * say so. Use as `.superRefine(requireTlsForRedisCa)` on a schema with both variables.
 */
export function requireTlsForRedisCa(
  value: { REDIS_URL: string; REDIS_CA_FILE?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (!value.REDIS_CA_FILE || !URL.canParse(value.REDIS_URL)) return;
  if (new URL(value.REDIS_URL).protocol === 'rediss:') return;
  ctx.addIssue({
    code: 'custom',
    path: ['REDIS_CA_FILE'],
    message:
      'is set but REDIS_URL is not rediss://: use rediss:// for a TLS server, or unset REDIS_CA_FILE',
  });
}
/**
 * How DATABASE_URL reaches Postgres (docs/decisions/0100). `transaction`: a pooler such as
 * PgBouncer in pool_mode=transaction (a managed database's connection pool), where consecutive
 * transactions of one client run on different server sessions, so named prepared statements and
 * any session state are off. `session`: Postgres itself, or a session-mode pool.
 */
export const databasePoolMode = z
  .enum(['session', 'transaction'], { message: 'expected session or transaction' })
  .default('session');

/**
 * For processes that need one server session of their own (the migrator's advisory lock, pg_dump,
 * CREATE DATABASE): behind a transaction pool they need DATABASE_DIRECT_URL, the server's own
 * address. Use as `.superRefine(requireDirectUrlWhenPooled)` on a schema with both variables.
 */
export function requireDirectUrlWhenPooled(
  value: {
    DATABASE_POOL_MODE: 'session' | 'transaction';
    DATABASE_DIRECT_URL?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (value.DATABASE_POOL_MODE !== 'transaction' || value.DATABASE_DIRECT_URL) return;
  ctx.addIssue({
    code: 'custom',
    path: ['DATABASE_DIRECT_URL'],
    message:
      "is required when DATABASE_POOL_MODE=transaction: the database's direct (session) URL, for migrations and backups",
  });
}

/** The URL for work that needs a session of its own: the direct one when there is one. */
export const sessionDatabaseUrl = (value: {
  DATABASE_URL: string;
  DATABASE_DIRECT_URL?: string | undefined;
}): string => value.DATABASE_DIRECT_URL ?? value.DATABASE_URL;

export const port = z.coerce.number().int().min(1).max(65535);
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export const nodeEnv = z.enum(['development', 'test', 'production']).default('development');
export const logFormat = z.enum(['json', 'pretty']).optional();
/** BullMQ key prefix: web and worker must agree on it, so both validate it the same way. */
export const queuePrefix = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only')
  .default('bull');

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.join('\n')}`);
    this.name = 'EnvError';
  }
}

/** One line per problem, naming the variable and what it should be. Values are never echoed. */
export function describeEnvProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const message = issue.code === 'invalid_type' ? 'is required' : issue.message;
    return `  ${name}: ${message}`;
  });
}

/** Validates `source` against `schema`; throws EnvError listing every problem. */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  source: Record<string, string | undefined>,
): z.output<T> {
  // Empty strings count as unset: `FOO=` in .env must not satisfy a required variable.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new EnvError(describeEnvProblems(result.error));
}
